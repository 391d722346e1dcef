"""Presentation helpers of the ticket list, detail and form pages."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.timesince import timesince

register = template.Library()

PRIORITY_ICONS = {1: "bi-arrow-down", 2: "bi-dash-lg", 3: "bi-arrow-up", 4: "bi-exclamation-octagon-fill"}
KIND_ICONS = {
    "inquiry": "bi-question-circle",
    "incident": "bi-lightning-charge",
    "bug": "bi-bug",
    "task": "bi-check2-square",
    "improvement": "bi-stars",
}
CHANNEL_ICONS = {
    "email": "bi-envelope",
    "chat": "bi-chat-dots",
    "phone": "bi-telephone",
    "social": "bi-megaphone",
    "web": "bi-globe",
    "mobile_app": "bi-phone",
}
HEX_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
NEUTRAL = "#64748b"


@register.filter
def priority_icon(priority: int) -> str:
    return PRIORITY_ICONS.get(priority, "bi-dash-lg")


@register.filter
def kind_icon(kind: str) -> str:
    return KIND_ICONS.get(kind, "bi-circle")


@register.filter
def channel_icon(channel: str) -> str:
    return CHANNEL_ICONS.get(channel, "bi-inbox")


@register.filter
def ago(moment: datetime | None) -> str:
    """ "3 hours ago": the largest unit only, to fit a table cell."""
    if moment is None:
        return ""
    since = timesince(moment, depth=1)
    return "just now" if since.startswith("0\xa0") else f"{since} ago"


@register.filter
def get_item(mapping: Any, key: Any) -> Any:
    """``mapping[key]`` or None: for dictionaries keyed by a field name or an id."""
    return mapping.get(str(key)) if mapping else None


@register.simple_tag
def label_dot(colour: str) -> SafeString:
    """A label's colour as an SVG dot: the strict CSP allows ``fill``, not ``style``."""
    fill = colour if isinstance(colour, str) and HEX_COLOUR.match(colour) else NEUTRAL
    return format_html(
        '<svg class="label-dot" width="10" height="10" viewBox="0 0 10 10" aria-hidden="true" focusable="false">'
        '<circle cx="5" cy="5" r="5" fill="{}"/></svg>',
        fill,
    )
