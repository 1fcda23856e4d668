// The console's only script, served by the node itself. Live pages (the message log, the
// obligations board: a `data-live` region): the server pushes a `change` event (server-sent events,
// /api/live) when the node stored or changed something; the page then fetches its own view once and
// shows it, new rows marked. No polling: with nothing changing, nothing is requested. Without this
// script every page still works.
(function () {
  "use strict";
  var region = document.querySelector("[data-live]");
  if (!region || !window.EventSource || !window.fetch) {
    return;
  }
  var status = document.querySelector(".live-status");
  var busy = false;
  var again = false;

  function newest(root) { // the highest seq shown (the log's first row; anywhere on the board)
    var highest = 0;
    root.querySelectorAll("tr[data-seq]").forEach(function (row) {
      highest = Math.max(highest, Number(row.getAttribute("data-seq")));
    });
    return highest;
  }

  function show(html) {
    var fresh = new DOMParser().parseFromString(html, "text/html").querySelector("[data-live]");
    var current = document.querySelector("[data-live]");
    if (!fresh || !current) {
      return;
    }
    var seen = newest(current);
    var added = 0;
    fresh.querySelectorAll("tr[data-seq]").forEach(function (row) {
      if (Number(row.getAttribute("data-seq")) > seen) {
        row.classList.add("fresh");
        added += 1;
      }
    });
    current.replaceWith(document.importNode(fresh, true));
    if (status && added) {
      status.textContent = status.getAttribute("data-template").replace("{n}", String(added));
    }
  }

  function refresh() {
    if (busy) {
      again = true;
      return;
    }
    busy = true;
    fetch(window.location.href, { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (response) { return response.ok ? response.text() : ""; })
      .then(function (html) { if (html) { show(html); } })
      .catch(function () { /* the next change tries again */ })
      .then(function () {
        busy = false;
        if (again) {
          again = false;
          refresh();
        }
      });
  }

  new EventSource(region.getAttribute("data-live")).addEventListener("change", refresh);
})();

// Countdowns of obligations (the board, a message page): every 30 s, each `td.due` cell's "in 1 d 3 h" /
// "overdue by 2 h" is computed again in the browser from its <time datetime> and the node's time when
// it drew the page (data-now on the holding element: the node's clock, which may differ from this
// computer's), with the page's own words (data-due-in, data-overdue-by, data-unit-*; see
// templates/countdown.html and gateway/console/countdown.py). No request; the server wrote the first text.
(function () {
  "use strict";
  var MINUTES_PER_DAY = 24 * 60;
  var offsets = {}; // the node's time minus this computer's, ms, by the data-now a holder carries

  function parts(seconds) {
    var minutes = Math.floor(seconds / 60);
    var days = Math.floor(minutes / MINUTES_PER_DAY);
    var rest = minutes - days * MINUTES_PER_DAY;
    var hours = Math.floor(rest / 60);
    minutes = rest - hours * 60;
    if (days) { return [["d", days], ["h", hours]]; }
    if (hours) { return [["h", hours], ["min", minutes]]; }
    return [["min", minutes]];
  }

  function update(holder) {
    var now = holder.getAttribute("data-now");
    if (!(now in offsets)) { // a fresh table (live refresh) carries the node's time again
      offsets[now] = Date.parse(now) - Date.now();
    }
    var at = Date.now() + offsets[now];
    holder.querySelectorAll("td.due").forEach(function (cell) {
      var time = cell.querySelector("time[datetime]");
      var label = cell.querySelector(".countdown");
      if (!time || !label) {
        return;
      }
      var left = (Date.parse(time.getAttribute("datetime")) - at) / 1000;
      var span = parts(Math.abs(left)).map(function (part) {
        return holder.getAttribute("data-unit-" + part[0]).replace("{n}", String(part[1]));
      }).join(" ");
      var words = holder.getAttribute(left < 0 ? "data-overdue-by" : "data-due-in");
      label.textContent = words.replace("{span}", span);
      cell.parentNode.classList.toggle("overdue", left < 0);
    });
  }

  function tick() {
    document.querySelectorAll("[data-now]").forEach(update);
  }

  if (document.querySelector("[data-now]")) {
    tick();
    window.setInterval(tick, 30000);
  }
})();
