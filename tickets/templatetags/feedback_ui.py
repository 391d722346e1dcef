"""Presentation helpers of the customer feedback pages."""

from __future__ import annotations

from django import template

register = template.Library()

CHANNEL_ICONS = {
    "email": "bi-envelope",
    "chat": "bi-chat-dots",
    "social": "bi-megaphone",
    "mobile_app": "bi-phone",
    "survey": "bi-emoji-smile",
    "web_form": "bi-window",
}


@register.filter
def feedback_channel_icon(channel: str) -> str:
    return CHANNEL_ICONS.get(channel, "bi-chat-square-text")


@register.filter
def percent(fraction: float) -> str:
    """0.375 → "38%"."""
    return f"{round(fraction * 100):d}%"


@register.filter
def plain(number: float) -> str:
    """A weight or score as people write it: 3.0 → "3", 0.5 → "0.5", 1.256 → "1.26"."""
    return f"{round(float(number), 2):g}"


@register.filter
def delay(minutes: int) -> str:
    """A survey delay as the settings form shows it: 0 → "right away", 90 → "90 min", 1440 → "24 hours"."""
    if not minutes:
        return "right away"
    if minutes % 60:
        return f"{minutes} min"
    hours = minutes // 60
    return f"{hours} hour{'s' if hours != 1 else ''}"
