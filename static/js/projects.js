/* Project plan: drag the end of a phase on the timeline to re-plan it. The drop posts the new end with the
   phase's version (the same request as the "Re-plan the dates" form, which works without JavaScript and
   from the keyboard); the answer's plan and messages replace the page's. A refusal (overlap, stale
   version) comes back as a message and the bar returns to its saved end. */
(function () {
  "use strict";

  function csrf() {
    var headers = document.body.getAttribute("hx-headers");
    try { return JSON.parse(headers)["X-CSRFToken"]; } catch (e) { return ""; }
  }

  function shift(iso, days) {
    var d = new Date(iso + "T12:00:00Z");
    d.setUTCDate(d.getUTCDate() + days);
    return d.toISOString().slice(0, 10);
  }

  function replace(html) {
    var doc = new DOMParser().parseFromString(html, "text/html");
    ["plan-main", "messages"].forEach(function (id) {
      var fresh = doc.getElementById(id), old = document.getElementById(id);
      if (fresh && old) old.replaceWith(fresh);
    });
    init();
  }

  function init() {
    var svg = document.querySelector("svg.gantt");
    if (!svg) return;
    var perDay = parseFloat(svg.dataset.pxPerDay) || 1;
    svg.querySelectorAll(".gantt-handle").forEach(function (handle) {
      handle.addEventListener("pointerdown", function (down) {
        down.preventDefault();
        handle.setPointerCapture(down.pointerId);
        var bar = handle.previousElementSibling;
        while (bar && !(bar.tagName === "rect" && bar.getAttribute("height") === "18")) bar = bar.previousElementSibling;
        var startX = down.clientX, scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
        var x0 = parseFloat(handle.getAttribute("x")), w0 = bar ? parseFloat(bar.getAttribute("width")) : 0, days = 0;
        function move(e) {
          days = Math.round((e.clientX - startX) / scale / perDay);
          handle.setAttribute("x", x0 + days * perDay);
          if (bar) bar.setAttribute("width", Math.max(2, w0 + days * perDay));
        }
        function up() {
          handle.removeEventListener("pointermove", move);
          handle.removeEventListener("pointerup", up);
          if (!days) return;
          var body = new URLSearchParams({
            planned_start: handle.dataset.start, planned_end: shift(handle.dataset.end, days), version: handle.dataset.version
          });
          fetch(handle.dataset.replanUrl, {
            method: "POST", body: body, credentials: "same-origin",
            headers: { "X-CSRFToken": csrf(), "Content-Type": "application/x-www-form-urlencoded" }
          }).then(function (r) { return r.text(); }).then(replace);
        }
        handle.addEventListener("pointermove", move);
        handle.addEventListener("pointerup", up);
      });
    });
  }

  document.addEventListener("DOMContentLoaded", init);
})();
