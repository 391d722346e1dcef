/* Dashboard: draw the weekly charts from the page's JSON (the same numbers as the tables behind each
   "Show the numbers"), again after each HTMX swap of the dashboard body; bar widths from data-fill. */
(function () {
  "use strict";
  var charts = [];

  function fill(root) {
    root.querySelectorAll("[data-fill]").forEach(function (bar) { bar.style.width = bar.dataset.fill + "%"; });
  }

  function config(kind, d) {
    var percent = { y: { min: 0, max: 100, title: { display: true, text: "%" } } };
    if (kind === "sla") {
      return { type: "line", data: { labels: d.labels, datasets: [
        { label: "First response", data: d.sla_frt, borderColor: "#2563eb", spanGaps: true },
        { label: "Resolution", data: d.sla_resolution, borderColor: "#7c3aed", spanGaps: true }
      ] }, options: { responsive: true, scales: percent } };
    }
    if (kind === "times") {
      return { type: "line", data: { labels: d.labels, datasets: [
        { label: "First response (median)", data: d.frt_hours, borderColor: "#0891b2", spanGaps: true },
        { label: "Resolution (median)", data: d.resolution_hours, borderColor: "#ea580c", spanGaps: true }
      ] }, options: { responsive: true, scales: { y: { beginAtZero: true, title: { display: true, text: "business hours" } } } } };
    }
    if (kind === "csat") {
      return { data: { labels: d.labels, datasets: [
        { type: "line", label: "CSAT", data: d.csat, borderColor: "#16a34a", yAxisID: "y", spanGaps: true },
        { type: "bar", label: "Answers", data: d.answers, backgroundColor: "rgba(100,116,139,.35)", yAxisID: "answers" }
      ] }, options: { responsive: true, scales: { y: percent.y, answers: { position: "right", beginAtZero: true, grid: { drawOnChartArea: false }, title: { display: true, text: "answers" } } } } };
    }
    return { type: "bar", data: { labels: d.labels, datasets: [
      { label: "Created", data: d.created, backgroundColor: "#94a3b8" },
      { label: "Resolved", data: d.resolved, backgroundColor: "#16a34a" }
    ] }, options: { responsive: true, scales: { y: { beginAtZero: true, title: { display: true, text: "tickets" } } } } };
  }

  function draw(root) {
    fill(root);
    if (typeof Chart === "undefined") return;
    var reduce = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
    root.querySelectorAll("canvas.metric-chart:not([data-drawn])").forEach(function (canvas) {
      canvas.dataset.drawn = "1";
      var source = document.getElementById(canvas.dataset.chartSource);
      if (!source) return;
      var c = config(canvas.dataset.chartKind, JSON.parse(source.textContent));
      if (reduce) c.options.animation = false;
      charts.push(new Chart(canvas, c));
    });
  }

  document.addEventListener("DOMContentLoaded", function () { draw(document); });
  // After a filter change swaps the body: let go of the charts whose canvas left, draw the new ones.
  document.addEventListener("htmx:afterSettle", function () {
    charts = charts.filter(function (c) { if (!document.body.contains(c.canvas)) { c.destroy(); return false; } return true; });
    draw(document);
  });
})();
