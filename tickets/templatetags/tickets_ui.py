"""Presentation helpers for tickets and boards."""

from __future__ import annotations

from datetime import datetime
from html import escape
from typing import Any

from django import template
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

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


PRIORITY_LABELS = {1: "Low", 2: "Normal", 3: "High", 4: "Urgent"}
UNASSIGNED = (
    '<span class="avatar avatar-sm avatar-empty" title="Unassigned"><i aria-hidden="true" class="bi bi-person"></i>'
    "</span>"
)


@register.simple_tag(takes_context=True)
def board_card(context: Any, t: Any) -> SafeString:
    """One board card (a ``tickets.selectors.Card``).

    Written in Python rather than as a template: a full board draws thousands
    of cards, and this keeps one to a few microseconds. static/js/board.js and
    the tests rely on this markup; every text value is escaped.
    """
    render = context.render_context
    if "board_card" not in render:
        render["board_card"] = (
            escape(str(context.get("key_prefix", ""))),
            escape(str(context.get("ticket_base", ""))),
            bool(context.get("can_move")),
            timezone.now(),
        )
    prefix, base, can_move, now = render["board_card"]
    key = f"{prefix}-{t.number}"
    href = f"{base}{t.number}/"
    move = (
        f'<button type="button" class="tcard-move" data-move-ticket="{t.pk}" aria-label="Move {key} to another '
        f'column"><i aria-hidden="true" class="bi bi-three-dots"></i></button>'
        if can_move
        else ""
    )
    labels = ""
    if t.labels:
        labels = (
            '<div class="tcard-labels">'
            + "".join(
                f'<span class="tlabel"><svg width="8" height="8" aria-hidden="true"><circle cx="4" cy="4" r="4" '
                f'fill="{escape(colour)}"/></svg>{escape(name)}</span>'
                for name, colour in t.labels
            )
            + "</div>"
        )
    if t.assignee_id is not None:
        who = f'<span class="avatar avatar-sm" title="{escape(t.assignee_name)}">{escape(t.assignee_initials)}</span>'
    else:
        who = UNASSIGNED
    account = f'<span class="tcard-account">{escape(t.account_name)}</span>' if t.account_name else ""
    points = (
        f'<span class="tcard-points" title="Story points">{t.story_points}</span>' if t.story_points is not None else ""
    )
    html = (
        f'<article class="tcard prio-{t.priority}" id="card-{t.pk}" data-ticket-id="{t.pk}" data-key="{key}" '
        f'tabindex="0"><div class="tcard-top"><a class="tcard-key" href="{href}">{key}</a>'
        f'<span class="tcard-prio">{PRIORITY_LABELS.get(t.priority, "")}</span>{move}</div>'
        f'<a class="tcard-title" href="{href}">{escape(t.title)}</a>{labels}<div class="tcard-foot">{who}{account}'
        f'{points}<span class="tcard-age" title="Created {t.created_at:%Y-%m-%d}">{_age(t.created_at, now)}</span>'
        "</div></article>"
    )
    return mark_safe(html)  # noqa: S308 - every interpolated text above is escaped; the rest are numbers
