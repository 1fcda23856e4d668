// The console's only script, served by the node itself. Live message log: the server pushes a
// `change` event (server-sent events, /api/live) when the node stored or changed something; the
// page then fetches its own view once and shows the new rows on top, marked. No polling: with
// nothing changing, nothing is requested. Without this script every page still works.
(function () {
  "use strict";
  var region = document.querySelector("[data-live]");
  if (!region || !window.EventSource || !window.fetch) {
    return;
  }
  var status = document.querySelector(".live-status");
  var busy = false;
  var again = false;

  function newest(root) {
    var row = root.querySelector("tr[data-seq]");
    return row ? Number(row.getAttribute("data-seq")) : 0;
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

// Obligation countdowns on the message page: each `.countdown[data-due]` says "in 3 h 12 min" (or
// "overdue by ...") as rendered by the server; this updates the words each minute from the same
// templates (data-in, data-over), on the node's clock (data-now: its time when it drew the page, so a
// browser whose clock is off still counts right). Without the script the text is the server's.
(function () {
  "use strict";
  var clocks = document.querySelectorAll(".countdown[data-due]");
  if (!clocks.length) {
    return;
  }
  var loaded = Date.now();
  var skew = Date.parse(clocks[0].getAttribute("data-now")) - loaded || 0;
  function tick() {
    var now = Date.now() + skew;
    clocks.forEach(function (clock) {
      var left = Date.parse(clock.getAttribute("data-due")) - now;
      var minutes = Math.floor(Math.abs(left) / 60000);
      var template = clock.getAttribute(left >= 0 ? "data-in" : "data-over");
      clock.textContent = template
        .replace("{h}", String(Math.floor(minutes / 60)))
        .replace("{m}", String(minutes % 60));
      clock.classList.toggle("error", left < 0);
    });
  }
  window.setInterval(tick, 60000);
})();
