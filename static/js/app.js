/* SupportPM behaviour that HTML attributes cannot express. No inline scripts: the CSP forbids them. */
(function () {
  "use strict";

  // Messages dismiss themselves after a while; errors stay until closed.
  function autoDismiss(root) {
    root.querySelectorAll("[data-autodismiss]").forEach(function (el) {
      if (el.dataset.dismissScheduled || el.classList.contains("alert-danger")) return;
      el.dataset.dismissScheduled = "1";
      window.setTimeout(function () { el.remove(); }, 6000);
    });
  }

  document.addEventListener("DOMContentLoaded", function () { autoDismiss(document); });
  document.addEventListener("htmx:afterSettle", function () { autoDismiss(document); });

  // htmx does not swap 4xx responses by default; our 409/422 answers carry the
  // form with its errors, so they are swapped like a success.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var status = event.detail.xhr.status;
    if (status === 409 || status === 422) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });
})();

/* Buttons that open a <dialog> by id: <button data-open-dialog="help-dialog">. */
document.addEventListener("click", function (event) {
  var opener = event.target.closest("[data-open-dialog]");
  if (!opener) return;
  var dialog = document.getElementById(opener.dataset.openDialog);
  if (dialog && typeof dialog.showModal === "function") dialog.showModal();
});

// Saved views: the filters to save are the page's current ones, which HTMX keeps in the address bar.
document.addEventListener("submit", function (event) {
  var form = event.target;
  if (!form.matches || !form.matches(".saved-views-save")) return;
  form.elements.query.value = window.location.search.replace(/^\?/, "");
});
