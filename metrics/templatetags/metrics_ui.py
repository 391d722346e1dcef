from __future__ import annotations

from django import template

from metrics.display import duration_text

register = template.Library()


@register.filter
def hours_text(hours: float | None) -> str:
    """A weekly median given in hours, as the tiles write durations."""
    return duration_text(hours * 3600) if hours is not None else "—"


@register.filter
def share(part: int, whole: int) -> int:
    """Width in percent of a bar: ``part`` of the largest ``whole``."""
    return round(100 * part / whole) if whole else 0
