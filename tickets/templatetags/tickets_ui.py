"""Presentation helpers for tickets and boards."""

from __future__ import annotations

from datetime import datetime

from django import template
from django.utils import timezone

register = template.Library()


@register.filter
def age(moment: datetime | None) -> str:
    """Compact age for cards: 45s, 12m, 5h, 3d, 6w, 14mo."""
    if moment is None:
        return ""
    seconds = max(0, int((timezone.now() - moment).total_seconds()))
    for unit, size in (("mo", 30 * 86400), ("w", 7 * 86400), ("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size * (2 if unit in {"mo", "w"} else 1):
            return f"{seconds // size}{unit}"
    return f"{seconds}s"
