/* The Kanban board: drag and drop (SortableJS), the "Move to" menu, keyboard shortcuts and SLA clocks.
   Moves are HTMX POSTs; the answer redraws the moved card and the two column heads (out of band).
   SLA clocks tick on the page (business time left, until the end of the current working stretch) and the
   board region reloads itself every few minutes, so clocks stay right without a page reload. */
(function () {
  "use strict";

  function board() { return document.getElementById("board-columns"); }
  var dragging = false;
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
        onStart: function () { dragging = true; },
        onEnd: function (evt) {
          dragging = false;
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

  // A move answers with the moved card and the two column heads only, so the card must already stand
  // where it goes: a drag leaves it there; the menu puts it on top of the column (where the server
  // places a card moved without neighbours). A refused move redraws both columns, card back in place.
  function placeOnTop(ticketId, columnId) {
    var card = document.getElementById("card-" + ticketId);
    var here = card && card.closest(".card-list");
    var lane = here ? here.dataset.lane : "";
    var list = document.querySelector('.card-list[data-column-id="' + columnId + '"][data-lane="' + lane + '"]');
    if (!card || !list || list === here) return;
    list.insertBefore(card, list.firstChild);
  }

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
      placeOnTop(moving, target.dataset.moveTo);
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

  // --- SLA clocks ---------------------------------------------------------------------------------
  // A running clock carries the business seconds left (data-sla-left) and to its warning time
  // (data-sla-warn-left) when it was drawn, and the instant until which it runs without a break
  // (data-sla-ticking-until: the due time or the end of today's working hours). Until then, business
  // time passes like wall-clock time, so the label can count down here; after it, the clock stands
  // still until the next reload of the board region brings fresh values.
  var skew = 0; // server clock minus this browser's clock, in ms (from #board-columns data-now)

  function hoursMinutes(seconds) { // as tickets/clocks.py hours_minutes(round_up=True)
    var minutes = Math.ceil(Math.max(0, seconds) / 60);
    if (minutes < 60) return minutes + "m";
    var hours = Math.floor(minutes / 60), rest = minutes % 60;
    return rest && hours < 10 ? hours + "h " + rest + "m" : hours + "h";
  }
  function ago(seconds) { // as tickets/clocks.py ago_label
    if (seconds < 60) return "just now";
    if (seconds < 3600) return Math.floor(seconds / 60) + "m ago";
    if (seconds < 2 * 86400) return Math.floor(seconds / 3600) + "h ago";
    return Math.floor(seconds / 86400) + "d ago";
  }
  function setState(el, state) {
    el.classList.remove("sla-ok", "sla-risk", "sla-breached");
    el.classList.add("sla-" + state);
    el.dataset.slaState = state;
  }
  function text(el, value) {
    var span = el.querySelector(".sla-text");
    if (span && span.textContent !== value) span.textContent = value;
  }

  function tickClock(el, now) {
    var state = el.dataset.slaState;
    if (state === "breached") {
      var since = Date.parse(el.dataset.slaSince) - skew;
      if (!isNaN(since)) text(el, "breached " + ago(Math.max(0, now - since) / 1000));
      return;
    }
    if (state !== "ok" && state !== "risk") return;
    if (!el.slaBorn) el.slaBorn = now;
    var until = Date.parse(el.dataset.slaTickingUntil || "") - skew; // NaN: standing still
    var ran = isNaN(until) ? 0 : Math.max(0, (Math.min(now, until) - el.slaBorn) / 1000);
    var left = Number(el.dataset.slaLeft) - ran;
    if (left <= 0) {
      setState(el, "breached");
      el.dataset.slaSince = new Date(el.slaBorn + Number(el.dataset.slaLeft) * 1000 + skew).toISOString();
      tickClock(el, now);
      return;
    }
    if (state === "ok" && ran >= Number(el.dataset.slaWarnLeft || Infinity)) setState(el, "risk");
    text(el, left < 60 ? "<1m left" : hoursMinutes(left) + " left");
  }

  function tickAll() {
    var now = Date.now();
    document.querySelectorAll("#board-columns .sla[data-sla-state]").forEach(function (el) { tickClock(el, now); });
  }

  htmx.onLoad(function (root) {
    var b = board();
    if (b && (root === b || root.contains(b)) && b.dataset.now) {
      var server = Date.parse(b.dataset.now);
      if (!isNaN(server)) skew = server - Date.now();
    }
    var now = Date.now();
    var clocks = root.matches && root.matches(".sla[data-sla-state]") ? [root] : root.querySelectorAll(".sla[data-sla-state]");
    Array.prototype.forEach.call(clocks, function (el) { el.slaBorn = now; });
  });

  function interval(name, fallback) {
    var b = board();
    var value = b ? Number(b.dataset[name]) : NaN;
    return value > 0 ? value : fallback;
  }

  // Reload the board region now and then (new tickets, moves by others, escalations by the SLA
  // sweep), but never under the user's hands: not while dragging, with a dialog open, or hidden.
  var lastRefresh = Date.now();
  function refreshBoard() {
    var b = board();
    if (!b || dragging || document.hidden || document.querySelector("dialog[open]")) return;
    if (b.querySelector(".tcard-chosen, .sortable-fallback")) return;
    lastRefresh = Date.now();
    var focused = document.activeElement && document.activeElement.closest ? document.activeElement.closest(".tcard") : null;
    var focusedId = focused ? focused.id : null;
    var scroll = { left: b.scrollLeft, lists: {} };
    b.querySelectorAll(".card-list").forEach(function (list) { if (list.scrollTop) scroll.lists[list.id] = list.scrollTop; });
    htmx.ajax("GET", b.dataset.boardUrl + window.location.search, { source: b, target: "#board-columns", swap: "outerHTML" })
      .then(function () {
        var fresh = board();
        if (!fresh) return;
        fresh.scrollLeft = scroll.left;
        Object.keys(scroll.lists).forEach(function (id) {
          var list = document.getElementById(id);
          if (list) list.scrollTop = scroll.lists[id];
        });
        if (focusedId) {
          var card = document.getElementById(focusedId);
          if (card) card.focus({ preventScroll: true });
        }
      });
  }

  // One timer: it ticks the clocks and, when due, reloads the board; intervals come from
  // #board-columns (data-sla-tick-ms: 30 s, data-refresh-ms: 5 min unless the server says otherwise).
  function schedule() {
    window.setTimeout(function () {
      tickAll();
      if (Date.now() - lastRefresh >= interval("refreshMs", 300000)) refreshBoard();
      schedule();
    }, interval("slaTickMs", 30000));
  }
  if (board()) schedule();
  document.addEventListener("visibilitychange", function () {
    if (!document.hidden && board()) {
      tickAll();
      if (Date.now() - lastRefresh >= interval("refreshMs", 300000)) refreshBoard();
    }
  });
})();
