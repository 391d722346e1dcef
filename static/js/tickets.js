/* Ticket list: select every row of the page, count the selection, keep empty filters out of URLs.
   The page works without this file; it only adds comfort. No inline scripts: the CSP forbids them. */
(function () {
  "use strict";

  function boxes(results) { return results.querySelectorAll('input[name="tickets"]'); }

  function refresh() {
    var results = document.getElementById("ticket-results");
    if (!results) return;
    var all = boxes(results);
    var checked = 0;
    all.forEach(function (box) { if (box.checked) checked += 1; });
    var master = results.querySelector("[data-check-all]");
    if (master) {
      master.hidden = false;
      master.checked = all.length > 0 && checked === all.length;
      master.indeterminate = checked > 0 && checked < all.length;
    }
    var count = results.querySelector("[data-bulk-count]");
    if (count) count.textContent = checked ? checked + " selected:" : "With selected:";
  }

  document.addEventListener("change", function (event) {
    var target = event.target;
    if (!(target instanceof HTMLInputElement) || !target.closest("#ticket-results")) return;
    if (target.matches("[data-check-all]")) {
      boxes(document.getElementById("ticket-results")).forEach(function (box) { box.checked = target.checked; });
    }
    refresh();
  });
  document.addEventListener("DOMContentLoaded", refresh);
  document.addEventListener("htmx:afterSettle", refresh);

  // "?q=&status=&priority=…" becomes "?status=open": shorter URLs to share and bookmark.
  document.addEventListener("htmx:configRequest", function (event) {
    if (event.detail.verb !== "get" || !event.detail.elt.hasAttribute("data-prune-empty")) return;
    var data = event.detail.formData;
    Array.from(new Set(data.keys())).forEach(function (key) {
      if (data.getAll(key).every(function (value) { return value === ""; })) data.delete(key);
    });
  });
})();
