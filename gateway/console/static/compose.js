// The compose page's live check: as the operator types, the form is posted to /compose/check (the
// same checks as the national interface) after a pause, and the verdict is shown. No polling: a
// request only follows a change. Without this script the page's Check button does the same.
(function () {
  "use strict";
  var form = document.querySelector("form[data-compose]");
  var verdict = document.getElementById("verdict");
  if (!form || !verdict || !window.fetch || !window.FormData) {
    return;
  }
  var timer = null;
  var sent = 0;

  function check() {
    var number = ++sent;
    fetch("/compose/check", {
      method: "POST",
      body: new URLSearchParams(new FormData(form)),
      headers: { Accept: "application/json" },
      credentials: "same-origin"
    }).then(function (response) {
      return response.ok ? response.json() : null;
    }).then(function (answer) {
      if (answer && number === sent) {
        verdict.innerHTML = answer.html;
      }
    }).catch(function () { /* the Check button still works */ });
  }

  function later() {
    if (timer) {
      clearTimeout(timer);
    }
    timer = setTimeout(check, 700);
  }

  form.addEventListener("input", later);
  form.addEventListener("change", later);
}());
