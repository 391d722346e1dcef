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
    if (kind === "cfd") {
      var colours = { resolved: "#16a34a", escalated: "#dc2626", waiting: "#f59e0b", in_progress: "#2563eb", todo: "#94a3b8" };
      var order = ["resolved", "escalated", "waiting", "in_progress", "todo"];
      return { type: "line", data: { labels: d.labels, datasets: order.map(function (key) {
        return { label: key === "resolved" ? "Resolved" : d.names[key], data: d[key], borderColor: colours[key],
                 backgroundColor: colours[key] + "99", fill: true, pointRadius: 0, tension: 0 };
      }) }, options: { responsive: true, interaction: { mode: "index", intersect: false },
        scales: { y: { stacked: true, beginAtZero: true, title: { display: true, text: "tickets" } } } } };
    }
    if (kind === "cycle" || kind === "ageing") {
      var points = kind === "cycle" ? d.cycle : d.ageing;
      var line = kind === "cycle" ? [["50th percentile", d.cycle_p50, "#0891b2"], ["85th percentile", d.cycle_p85, "#dc2626"]]
                                  : [["85th percentile of recent cycle times", d.ageing_p85, "#dc2626"]];
      var maxX = kind === "cycle" ? Math.max(d.days - 1, 1) : 2;
      var datasets = [{ type: "scatter", label: kind === "cycle" ? "Resolutions" : "Open, started", data: points,
                        backgroundColor: "rgba(79,70,229,.55)", pointRadius: 3 }];
      line.forEach(function (l) {
        if (l[1] !== null) datasets.push({ type: "line", label: l[0], data: [{ x: kind === "cycle" ? 0 : -0.5, y: l[1] }, { x: kind === "cycle" ? maxX : 2.5, y: l[1] }], borderColor: l[2], borderDash: [6, 4], pointRadius: 0 });
      });
      return { data: { datasets: datasets }, options: { responsive: true, parsing: true,
        plugins: { tooltip: { callbacks: { label: function (c) { return (c.raw.key ? c.raw.key + ": " : "") + c.raw.y + " days"; } } } },
        scales: { x: { type: "linear", min: kind === "cycle" ? 0 : -0.5, max: kind === "cycle" ? maxX : 2.5,
          ticks: { stepSize: 1, callback: function (v) { return kind === "cycle" ? (d.labels[v] || "") : (d.ageing_statuses[v] || ""); } } },
          y: { beginAtZero: true, title: { display: true, text: "days" } } } } };
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
