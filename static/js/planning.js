/* Planning pages: drag items between the backlog and a sprint (SortableJS), order the backlog, and draw
   the sprint charts (Chart.js) from the JSON the page carries. Every drag has a button or menu twin. */
(function () {
  "use strict";

  function fill(root) {
    root.querySelectorAll("[data-fill]").forEach(function (bar) { bar.style.width = bar.dataset.fill + "%"; });
  }

  function neighbour(item, step) {
    var n = step < 0 ? item.previousElementSibling : item.nextElementSibling;
    while (n && !n.dataset.ticketId) n = step < 0 ? n.previousElementSibling : n.nextElementSibling;
    return n ? n.dataset.ticketId : "";
  }

  function initPlan(root) {
    var plan = root.id === "sprint-plan" ? root : root.querySelector && root.querySelector("#sprint-plan");
    if (!plan || !plan.dataset.canPlan || typeof Sortable === "undefined") return;
    plan.querySelectorAll(".plan-list").forEach(function (list) {
      if (list.sortableReady) return;
      list.sortableReady = true;
      Sortable.create(list, {
        group: "plan", draggable: ".plan-item", filter: "button, a", preventOnFilter: false, animation: 120,
        forceFallback: true, fallbackTolerance: 4,
        onEnd: function (evt) {
          if (evt.from === evt.to && evt.oldIndex === evt.newIndex) return;
          var item = evt.item;
          htmx.ajax("POST", plan.dataset.planUrl, {
            target: "#sprint-plan", swap: "outerHTML",
            values: { ticket: item.dataset.ticketId, to: evt.to.dataset.list, above: neighbour(item, -1), below: neighbour(item, 1) }
          });
        }
      });
    });
  }

  function initBacklog(root) {
    var list = root.id === "backlog-order" ? root : root.querySelector && root.querySelector("#backlog-order");
    if (!list || !list.dataset.moveUrl || list.sortableReady || typeof Sortable === "undefined") return;
    list.sortableReady = true;
    Sortable.create(list, {
      draggable: ".backlog-item", handle: ".drag-handle", animation: 120, forceFallback: true, fallbackTolerance: 4,
      onEnd: function (evt) {
        if (evt.oldIndex === evt.newIndex) return;
        var item = evt.item;
        htmx.ajax("POST", list.dataset.moveUrl, {
          target: "#backlog-list", swap: "outerHTML",
          values: { ticket: item.dataset.ticketId, above: neighbour(item, -1), below: neighbour(item, 1) }
        });
      }
    });
  }

  // Impact-effort matrix: drop a card on a cell to give it that cell's impact and effort.
  function initMatrix(root) {
    var grid = root.id === "matrix-grid" ? root : root.querySelector && root.querySelector("#matrix-grid");
    if (!grid || !grid.dataset.moveUrl || typeof Sortable === "undefined") return;
    grid.querySelectorAll(".matrix-cell, .matrix-unscored").forEach(function (cell) {
      if (cell.sortableReady) return;
      cell.sortableReady = true;
      Sortable.create(cell, {
        group: "matrix", draggable: ".matrix-card", animation: 120, forceFallback: true, fallbackTolerance: 4,
        put: cell.classList.contains("matrix-cell"), sort: false,
        onEnd: function (evt) {
          if (evt.from === evt.to || !evt.to.dataset.impact) return;
          htmx.ajax("POST", grid.dataset.moveUrl, {
            target: "#matrix-grid", swap: "outerHTML",
            values: { ticket: evt.item.dataset.ticketId, version: evt.item.dataset.version,
                      impact: evt.to.dataset.impact, effort: evt.to.dataset.effort }
          });
        }
      });
    });
  }

  var charts = {};
  function drawCharts(root) {
    if (typeof Chart === "undefined") return;
    root.querySelectorAll("canvas.sprint-chart").forEach(function (canvas, n) {
      var source = document.getElementById(canvas.dataset.chartSource);
      if (!source) return;
      var data = JSON.parse(source.textContent);
      var key = canvas.id || canvas.dataset.chartKind + n;
      if (charts[key]) charts[key].destroy();
      var kind = canvas.dataset.chartKind, config;
      if (kind === "velocity") {
        config = { type: "bar", data: { labels: data.labels, datasets: [
          { label: "Completed points", data: data.completed, backgroundColor: "#2563eb" },
          { label: "Reactive points", data: data.reactive, backgroundColor: "#f59e0b" }
        ].concat(data.forecast === null ? [] : [{ type: "line", label: "Forecast (mean of last 3)", data: data.labels.map(function () { return data.forecast; }), borderColor: "#16a34a", borderDash: [6, 4], pointRadius: 0 }]) },
          options: { responsive: true, scales: { y: { beginAtZero: true, title: { display: true, text: "points" } } } } };
      } else if (kind === "burnup") {
        config = { type: "line", data: { labels: data.labels, datasets: [
          { label: "Done", data: data.completed, borderColor: "#16a34a", backgroundColor: "rgba(22,163,74,.15)", fill: true, stepped: false, spanGaps: false },
          { label: "Total scope", data: data.scope, borderColor: "#7c3aed", stepped: "before" }
        ] }, options: { responsive: true, scales: { y: { beginAtZero: true } } } };
      } else {
        config = { data: { labels: data.labels, datasets: [
          { type: "line", label: "Ideal (working days)", data: data.ideal, borderColor: "#94a3b8", borderDash: [6, 4], pointRadius: 0 },
          { type: "line", label: "Committed left", data: data.committed, borderColor: "#2563eb", stepped: "before" },
          { type: "line", label: "All work left", data: data.remaining, borderColor: "#dc2626" },
          { type: "bar", label: "Scope added", data: data.added, backgroundColor: "rgba(245,158,11,.7)" },
          { type: "bar", label: "Scope removed", data: data.removed, backgroundColor: "rgba(100,116,139,.6)" }
        ] }, options: { responsive: true, interaction: { mode: "index", intersect: false }, scales: { y: { title: { display: true, text: "points" } } } } };
      }
      charts[key] = new Chart(canvas, config);
    });
  }

  // Close form: set every item's destination at once.
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-set-all]");
    if (!button) return;
    document.querySelectorAll("select.fate").forEach(function (s) { s.value = button.dataset.setAll; });
  });

  // Standup: Ctrl+Enter (or Cmd+Enter) saves the entry at once instead of waiting for the pause.
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Enter" || !(event.ctrlKey || event.metaKey)) return;
    var form = event.target.closest && event.target.closest("form.standup-form");
    if (!form) return;
    event.preventDefault();
    htmx.trigger(form, "submit");
  });

  function init(root) { fill(root); initPlan(root); initBacklog(root); initMatrix(root); }
  document.addEventListener("DOMContentLoaded", function () { init(document); drawCharts(document); });
  document.addEventListener("htmx:load", function (event) { init(event.detail.elt); });
})();
