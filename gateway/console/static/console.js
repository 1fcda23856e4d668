// The console's only script, served by the node itself. Live pages (the message log, the
// obligations board, the escalations, the health page: a `data-live` region): the server pushes a
// `change` event (server-sent events, /api/live) when the node stored or changed something; the page
// then fetches its own view once (the region's `data-view`, else its own address) and shows it, new
// rows marked. What another process changed (a `bgw` command in a shell) reaches no event: the view is
// read again when the page is shown again, and a hidden page reads nothing until then. No polling:
// with nothing changing, nothing is requested. A refresh keeps what the user is doing: the focus stays
// on its element, a form being filled in (focused or typed into) is kept as it is, and while such a
// form would vanish from the view the refresh waits, saying so. Without this script every page works.
(function () {
  "use strict";
  var region = document.querySelector("[data-live]");
  if (!region || !window.EventSource || !window.fetch) {
    return;
  }
  var status = document.querySelector(".live-status");
  var FOCUSABLE = "a[href], button, input, select, textarea, [tabindex]";
  var busy = false;
  var again = false;
  var holding = []; // forms in use the fresh view has no place for: it waits until none is in use

  function newest(root) { // the highest seq shown (the log's first row; anywhere on the board)
    var highest = 0;
    root.querySelectorAll("[data-seq]").forEach(function (row) {
      highest = Math.max(highest, Number(row.getAttribute("data-seq")));
    });
    return highest;
  }

  function inUse(form) { // focused, showing a problem with what was sent, or a field typed into
    if (form.contains(document.activeElement) || form.querySelector("[aria-invalid=true]")) {
      return true;
    }
    return Array.prototype.some.call(form.elements, function (field) {
      return (field.type !== "hidden" && "defaultValue" in field && field.value !== field.defaultValue) ||
        (("defaultChecked" in field) && field.checked !== field.defaultChecked);
    });
  }

  function where(element) { // how to find the focused element again in a fresh view
    var anchor = element.closest("[id], [data-seq]");
    if (!anchor) {
      return null;
    }
    return {
      anchor: anchor.id ? "#" + CSS.escape(anchor.id) : "[data-seq=\"" + anchor.getAttribute("data-seq") + "\"]",
      index: anchor === element ? -1 : Array.prototype.indexOf.call(anchor.querySelectorAll(FOCUSABLE), element)
    };
  }

  function refocus(element, found, within) {
    var target = document.contains(element) ? element : null;
    if (!target && found) {
      var anchor = within.querySelector(found.anchor) || (within.matches(found.anchor) ? within : null);
      target = anchor && (found.index < 0 ? anchor : anchor.querySelectorAll(FOCUSABLE)[found.index]);
    }
    if (target && document.activeElement !== target) {
      var range = "selectionStart" in element ? [element.selectionStart, element.selectionEnd] : null;
      target.focus({ preventScroll: true });
      if (range && target === element && range[0] !== null) {
        element.setSelectionRange(range[0], range[1]);
      }
    }
  }

  function move(kept, fresh) { // the form in use, as it is, in place of its fresh copy
    if (fresh.parentNode.moveBefore) {
      fresh.parentNode.moveBefore(kept, fresh); // keeps the focus and the caret
    } else {
      fresh.parentNode.insertBefore(kept, fresh);
    }
    fresh.remove();
  }

  function show(html) {
    var parsed = new DOMParser().parseFromString(html, "text/html").querySelector("[data-live]");
    var current = document.querySelector("[data-live]");
    if (!parsed || !current) {
      return;
    }
    var forms = Array.prototype.filter.call(current.querySelectorAll("form[id]"), inUse);
    holding = forms.filter(function (form) { return !parsed.querySelector("form#" + CSS.escape(form.id)); });
    if (holding.length) {
      if (status && status.getAttribute("data-held")) {
        status.textContent = status.getAttribute("data-held");
      }
      return;
    }
    var focused = current.contains(document.activeElement) ? document.activeElement : null;
    var found = focused && where(focused);
    var seen = newest(current);
    var added = 0;
    parsed.querySelectorAll("[data-seq]").forEach(function (row) {
      if (Number(row.getAttribute("data-seq")) > seen) {
        row.classList.add("fresh");
        added += 1;
      }
    });
    var fresh = document.importNode(parsed, true);
    current.before(fresh);
    forms.forEach(function (form) { move(form, fresh.querySelector("form#" + CSS.escape(form.id))); });
    current.remove();
    if (focused) {
      refocus(focused, found, fresh);
    }
    if (status && added && status.getAttribute("data-template")) {
      status.textContent = status.getAttribute("data-template").replace("{n}", String(added));
    } else if (status && status.getAttribute("data-held") === status.textContent) {
      status.textContent = "";
    }
  }

  function refresh() {
    if (document.hidden) {
      return; // read when the page is shown again
    }
    if (busy) {
      again = true;
      return;
    }
    busy = true;
    var view = document.querySelector("[data-live]").getAttribute("data-view") || window.location.href;
    fetch(view, { credentials: "same-origin", headers: { Accept: "text/html" } })
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

  function retry() { // a waiting view: is the form that held it still in use (once focus has moved)?
    window.setTimeout(function () {
      if (holding.length && !holding.some(inUse)) {
        holding = [];
        refresh();
      }
    }, 0);
  }

  new EventSource(region.getAttribute("data-live")).addEventListener("change", refresh);
  document.addEventListener("visibilitychange", function () {
    if (!document.hidden) {
      refresh();
    }
  });
  document.addEventListener("focusout", retry);
  document.addEventListener("input", retry);
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
