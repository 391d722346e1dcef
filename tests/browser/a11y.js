// Accessibility checks run on every page the browser tests visit, and again after every HTMX swap.
// Each problem is reported on the console as "A11Y: <problem>"; tests/browser/conftest.py fails the test.
(function () {
  "use strict";
  function report(problem) { console.error("A11Y: " + problem + " (" + location.pathname + ")"); }

  function describe(el) {
    var id = el.id ? "#" + el.id : "";
    var name = el.getAttribute("name") ? '[name="' + el.getAttribute("name") + '"]' : "";
    return el.tagName.toLowerCase() + id + name;
  }

  function labelled(el) {
    if ((el.getAttribute("aria-label") || "").trim()) return true;
    var by = el.getAttribute("aria-labelledby");
    if (by && by.split(/\s+/).some(function (id) { var t = document.getElementById(id); return t && t.textContent.trim(); })) return true;
    if (el.labels && Array.prototype.some.call(el.labels, function (l) { return l.textContent.trim(); })) return true;
    if ((el.getAttribute("title") || "").trim()) return true;
    if (el.tagName === "BUTTON" || (el.tagName === "INPUT" && /^(submit|button|reset)$/i.test(el.type))) {
      return Boolean((el.textContent || el.value || "").trim());
    }
    return false;
  }

  function checkControls(root) {
    var controls = root.querySelectorAll("input, select, textarea, button");
    Array.prototype.forEach.call(controls, function (el) {
      if (el.type === "hidden") return;
      if (!labelled(el)) report("form control without an accessible name: " + describe(el));
    });
  }

  // A visible focus indicator: an outline or a box shadow when focused from the keyboard.
  function checkFocus() {
    var kinds = ["a[href]", "button", "input:not([type=hidden])", "select", "textarea", "[tabindex='0']"];
    var before = document.activeElement;
    kinds.forEach(function (selector) {
      var el = Array.prototype.find.call(document.querySelectorAll(selector), function (e) {
        return e.offsetParent !== null && !e.disabled;
      });
      if (!el) return;
      el.focus({ preventScroll: true });
      if (document.activeElement !== el) return;
      var s = getComputedStyle(el);
      var outline = s.outlineStyle !== "none" && parseFloat(s.outlineWidth) > 0;
      var shadow = s.boxShadow && s.boxShadow !== "none";
      if (!outline && !shadow) report("no visible focus indicator on " + describe(el));
    });
    if (before && before !== document.body && before.focus) before.focus({ preventScroll: true });
    else if (document.activeElement && document.activeElement.blur) document.activeElement.blur();
  }

  function checkPage() {
    if (!(document.documentElement.getAttribute("lang") || "").trim()) report("the page has no language (html lang)");
    checkControls(document);
    checkFocus();
  }

  document.addEventListener("DOMContentLoaded", function () {
    // After the page's own scripts (autofocus, board setup) have run.
    setTimeout(checkPage, 0);
    document.body.addEventListener("htmx:afterSettle", function (event) { checkControls(event.target); });
  });
})();
