"""Presentation helpers for tickets and boards."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import lru_cache
from html import escape
from typing import Any

from django import template
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from tickets.sla.display import TARGET_NAMES, CardClock, ago_label, hours_minutes, left_label

register = template.Library()

_AGE_UNITS = (("mo", 30 * 86400, 2), ("w", 7 * 86400, 2), ("d", 86400, 1), ("h", 3600, 1), ("m", 60, 1))


def _age(moment: datetime, now: datetime) -> str:
    seconds = max(0, int((now - moment).total_seconds()))
    for unit, size, at_least in _AGE_UNITS:
        if seconds >= size * at_least:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


@register.filter
def age(moment: datetime | None) -> str:
    """Compact age for cards: 45s, 12m, 5h, 3d, 6w, 14mo."""
    if moment is None:
        return ""
    return _age(moment, timezone.now())


@register.filter
def iso_utc(moment: datetime | None) -> str:
    """An instant as ISO 8601 in UTC to the second ("2026-11-23T09:00:00Z"), for scripts to parse."""
    # isoformat, not strftime: a board writes one for every running clock, and strftime costs several times more.
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="seconds") + "Z" if moment is not None else ""


TARGET_SHORT = {"frt": "FR", "res": "Res"}
SLA_PAUSED = (
    '<span class="sla sla-paused" data-sla-state="paused" title="SLA clock paused while the ticket waits">'
    '<i aria-hidden="true" class="bi bi-pause-circle"></i><span class="sla-text">paused</span></span>'
)
SLA_MET = (
    '<span class="sla sla-met" title="SLA met"><i aria-hidden="true" class="bi bi-check-circle"></i>'
    '<span class="sla-text">met</span></span>'
)
_NOTE = '<span class="tcard-note"><i aria-hidden="true" class="bi bi-exclamation-triangle-fill"></i> SLA escalation'
ESCALATION = {"sla": f"{_NOTE}</span>", "sla-over": f"{_NOTE} — over WIP limit</span>"}


def sla_badge(clock: CardClock, now: datetime) -> str:
    """The clock of a card: time left in business time (ticking in static/js/board.js), or its outcome."""
    state = clock.state
    if state == "ok" or state == "risk":
        name = TARGET_NAMES[clock.target]
        return (
            f'<span class="sla sla-{state}" data-sla-state="{state}" data-sla-left="{clock.left}" '
            f'data-sla-warn-left="{clock.warn_left}" data-sla-ticking-until="{iso_utc(clock.ticking_until)}" '
            f'title="{name} due in {hours_minutes(clock.left, round_up=True)} of business time">'
            f'<span class="sla-target">{TARGET_SHORT[clock.target]}</span>'
            f'<span class="sla-text">{left_label(clock.left)}</span></span>'
        )
    if state == "breached":
        since = clock.since or now
        return (
            f'<span class="sla sla-breached" data-sla-state="breached" data-sla-since="{iso_utc(since)}" '
            f'title="{TARGET_NAMES[clock.target]} target breached">'
            f'<span class="sla-target">{TARGET_SHORT[clock.target]}</span>'
            f'<span class="sla-text">breached {ago_label((now - since).total_seconds())}</span></span>'
        )
    if state == "paused":
        return SLA_PAUSED
    if state == "missed":
        return (
            f'<span class="sla sla-missed" title="SLA missed: {clock.missed}"><i aria-hidden="true" '
            'class="bi bi-x-circle"></i><span class="sla-text">missed</span></span>'
        )
    return SLA_MET


OOB = ' hx-swap-oob="true"'  # an out-of-band answer: the card replaces its namesake where it stands
PRIORITY_LABELS = {1: "Low", 2: "Normal", 3: "High", 4: "Urgent"}
UNASSIGNED = (
    '<span class="avatar avatar-sm avatar-empty" title="Unassigned"><i aria-hidden="true" class="bi bi-person"></i>'
    "</span>"
)


def _card_settings(context: Any) -> tuple[str, str, bool, datetime, datetime | None]:
    """What every card of one render shares, worked out once per render."""
    render = context.render_context
    if "board_card" not in render:
        data = context.get("data")
        now = getattr(data, "now", None) or timezone.now()  # the instant the clocks were read at
        ageing = context.get("ageing_seconds")
        render["board_card"] = (
            escape(str(context.get("key_prefix", ""))),
            escape(str(context.get("ticket_base", ""))),
            bool(context.get("can_move")),
            now,
            now - timedelta(seconds=ageing) if ageing else None,  # work started before this is ageing
        )
    return render["board_card"]  # type: ignore[no-any-return]


@register.simple_tag(takes_context=True)
def board_card(context: Any, t: Any, oob: bool = False) -> SafeString:
    """One board card (a ``tickets.selectors.board.Card``).

    Written in Python rather than as a template: a full board draws thousands
    of cards, and this keeps one to a few microseconds. static/js/board.js and
    the tests rely on this markup; every text value is escaped.
    """
    return mark_safe(_card_html(t, *_card_settings(context), oob=oob))  # noqa: S308 - escaped in _card_html


@register.simple_tag(takes_context=True)
def board_cards(context: Any, cards: Any) -> SafeString:
    """Many board cards at once: one tag call and one string per column, not per card."""
    settings = _card_settings(context)
    return mark_safe("".join([_card_html(t, *settings) for t in cards]))  # noqa: S308 - escaped in _card_html


# A board repeats a few people, accounts and label sets across thousands of cards: each is escaped once.
@lru_cache(maxsize=4096)
def _labels_html(labels: tuple[tuple[str, str], ...]) -> str:
    return (
        '<div class="tcard-labels">'
        + "".join(
            f'<span class="tlabel"><svg width="8" height="8" aria-hidden="true"><circle cx="4" cy="4" r="4" '
            f'fill="{escape(colour)}"/></svg>{escape(name)}</span>'
            for name, colour in labels
        )
        + "</div>"
    )


@lru_cache(maxsize=4096)
def _avatar_html(name: str, initials: str) -> str:
    return f'<span class="avatar avatar-sm" title="{escape(name)}">{escape(initials)}</span>'


@lru_cache(maxsize=4096)
def _account_html(name: str) -> str:
    return f'<span class="tcard-account">{escape(name)}</span>'


def _card_html(
    t: Any, prefix: str, base: str, can_move: bool, now: datetime, ageing_before: datetime | None = None,
    *, oob: bool = False,
) -> str:  # fmt: skip
    key = f"{prefix}-{t.number}"
    href = f"{base}{t.number}/"
    move = (
        f'<button type="button" class="tcard-move" data-move-ticket="{t.pk}" aria-label="Move {key} to another '
        f'column"><i aria-hidden="true" class="bi bi-three-dots"></i></button>'
        if can_move
        else ""
    )
    labels = _labels_html(t.labels) if t.labels else ""
    who = _avatar_html(t.assignee_name, t.assignee_initials) if t.assignee_id is not None else UNASSIGNED
    account = _account_html(t.account_name) if t.account_name else ""
    points = (
        f'<span class="tcard-points" title="Story points">{t.story_points}</span>' if t.story_points is not None else ""
    )
    blocked = (
        f'<span class="tcard-blocked" title="Blocked since {t.blocked_since:%Y-%m-%d %H:%M} UTC (a standup '
        f'blocker names it)"><i aria-hidden="true" class="bi bi-slash-circle"></i> Blocked</span>'
        if t.blocked_since is not None
        else ""
    )
    started = t.work_started_at
    if ageing_before is not None and started is not None and started < ageing_before and t.status != "resolved":
        blocked += (
            f'<span class="tcard-ageing" title="Work started {started:%Y-%m-%d}: longer ago than 85 % of the '
            f'work the team finished in the last 30 days took"><i aria-hidden="true" class="bi bi-hourglass-split">'
            f"</i> Ageing</span>"
        )
    sla = ""
    if t.sla is not None or t.escalation:
        clock = sla_badge(t.sla, now) if t.sla is not None else ""
        sla = f'<div class="tcard-sla">{clock}{ESCALATION[t.escalation] if t.escalation else ""}</div>'
    return (
        f'<article class="tcard prio-{t.priority}" id="card-{t.pk}" data-ticket-id="{t.pk}" data-key="{key}" '
        f'tabindex="0"{OOB if oob else ""}><div class="tcard-top"><a class="tcard-key" href="{href}">{key}</a>'
        f'<span class="tcard-prio">{PRIORITY_LABELS.get(t.priority, "")}</span>{move}</div>'
        f'<a class="tcard-title" href="{href}">{escape(t.title)}</a>{blocked}{sla}{labels}'
        f'<div class="tcard-foot">{who}{account}{points}'
        f'<span class="tcard-age" title="Created {t.created_at.date().isoformat()}">{_age(t.created_at, now)}</span>'
        "</div></article>"
    )
