/* The Kanban board: drag and drop (SortableJS), the "Move to" menu and keyboard shortcuts.
   Moves are HTMX POSTs; the answer swaps the changed columns in place (out of band). */
(function () {
  "use strict";

  function board() { return document.getElementById("board-columns"); }
  function canMove() { var b = board(); return b && b.dataset.canMove === "1"; }

  function move(values) {
    var b = board();
    if (!b) return;
    htmx.ajax("POST", b.dataset.moveUrl, { source: b, values: values, swap: "none" });
  }

  function neighbour(card, step) {
    var n = step < 0 ? card.previousElementSibling : card.nextElementSibling;
    while (n && !n.classList.contains("tcard")) n = step < 0 ? n.previousElementSibling : n.nextElementSibling;
    return n ? n.dataset.ticketId : "";
  }

  function initLists(root) {
    if (!canMove() || typeof Sortable === "undefined") return;
    var lists = root.classList && root.classList.contains("card-list") ? [root] : root.querySelectorAll(".card-list");
    Array.prototype.forEach.call(lists, function (list) {
      if (list.sortableReady) return;
      list.sortableReady = true;
      Sortable.create(list, {
        group: "lane-" + (list.dataset.lane || "all"),
        draggable: ".tcard",
        filter: ".tcard-move",
        preventOnFilter: false,
        animation: 120,
        // Pointer events rather than native drag and drop: the same on mouse, touch and pen.
        forceFallback: true,
        fallbackTolerance: 4,
        delay: 120,
        delayOnTouchOnly: true,
        ghostClass: "tcard-ghost",
        chosenClass: "tcard-chosen",
        onEnd: function (evt) {
          if (evt.from === evt.to && evt.oldIndex === evt.newIndex) return;
          var card = evt.item;
          move({
            ticket: card.dataset.ticketId,
            column: evt.to.dataset.columnId,
            above: neighbour(card, -1),
            below: neighbour(card, 1)
          });
        }
      });
    });
  }

  htmx.onLoad(initLists);

  // "Move to" menu: works on phones and from the keyboard, without dragging.
  var moving = null;
  function openMoveMenu(card) {
    var dialog = document.getElementById("move-dialog");
    if (!dialog || !card) return;
    moving = card.dataset.ticketId;
    dialog.querySelector("[data-move-key]").textContent = card.dataset.key;
    var here = card.closest(".card-list");
    dialog.querySelectorAll("[data-move-to]").forEach(function (btn) {
      btn.disabled = here && btn.dataset.moveTo === here.dataset.columnId;
    });
    dialog.showModal();
  }

  document.addEventListener("click", function (event) {
    var trigger = event.target.closest("[data-move-ticket]");
    if (trigger) {
      event.preventDefault();
      openMoveMenu(trigger.closest(".tcard"));
      return;
    }
    var target = event.target.closest("[data-move-to]");
    if (target && moving) {
      document.getElementById("move-dialog").close();
      move({ ticket: moving, column: target.dataset.moveTo, above: "", below: "" });
      moving = null;
    }
  });

  // Keyboard shortcuts (listed in the "?" help).
  function typing(el) {
    return el && (el.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName));
  }
  function cards() { return Array.prototype.slice.call(document.querySelectorAll("#board-columns .tcard")); }
  function focusCard(step) {
    var all = cards();
    if (!all.length) return;
    var index = all.indexOf(document.activeElement && document.activeElement.closest(".tcard"));
    var next = index < 0 ? (step > 0 ? 0 : all.length - 1) : Math.min(all.length - 1, Math.max(0, index + step));
    all[next].focus();
    all[next].scrollIntoView({ block: "nearest", inline: "nearest" });
  }

  document.addEventListener("keydown", function (event) {
    if (!board() || event.ctrlKey || event.metaKey || event.altKey) return;
    if (document.querySelector("dialog[open]")) return; // the dialog handles its own keys (Esc closes it)
    if (typing(event.target)) {
      if (event.key === "Escape") event.target.blur();
      return;
    }
    var card = document.activeElement && document.activeElement.closest ? document.activeElement.closest(".tcard") : null;
    switch (event.key) {
      case "j": focusCard(1); break;
      case "k": focusCard(-1); break;
      case "/": document.getElementById("board-q").focus(); break;
      case "n": var add = document.getElementById("new-ticket"); if (add) add.click(); else return; break;
      case "?": document.getElementById("help-dialog").showModal(); break;
      case "m": if (card && canMove()) openMoveMenu(card); else return; break;
      case "Enter": if (card && event.target === card) card.querySelector(".tcard-title").click(); else return; break;
      default: return;
    }
    event.preventDefault();
  });
})();
