"""How a metric's value reads on a tile, in a table and in a CSV (one formatter, so they always agree)."""

from __future__ import annotations

from typing import Any

from metrics.definitions import Metric


def duration_text(seconds: float | None, *, calendar: bool = False) -> str:
    """``45 min``, ``3 h 20 min``; calendar ages of two days or more in days (``4.5 days``)."""
    if seconds is None:
        return "—"
    minutes = round(seconds / 60)
    if minutes < 60:
        return f"{minutes} min"
    if calendar and seconds >= 2 * 86400:
        return f"{seconds / 86400:.1f} days"
    hours, rest = divmod(minutes, 60)
    return f"{hours} h {rest:02d} min" if rest else f"{hours} h"


def value_text(metric: Metric, value: Any) -> str:
    if value is None:
        return "—"
    if metric.unit == "percent":
        return f"{value:.1f} %"
    if metric.unit in ("duration", "calendar"):
        return duration_text(value, calendar=metric.unit == "calendar")
    if metric.unit == "per_week":
        return f"{value:.1f} a week"
    return f"{int(value):,}"


def trend(metric: Metric, value: Any, before: Any) -> dict[str, Any] | None:
    """Change against the previous period: the text, and whether it is good news (None: neither)."""
    if value is None or before is None:
        return None
    delta = value - before
    if metric.unit == "percent":
        text = f"{delta:+.1f} pts"
    elif metric.unit in ("duration", "calendar"):
        text = ("+" if delta >= 0 else "−") + duration_text(abs(delta), calendar=metric.unit == "calendar")
    elif metric.unit == "per_week":
        text = f"{delta:+.1f}"
    else:
        text = f"{int(delta):+,}"
    good = None
    if delta and metric.better:
        good = (delta > 0) == (metric.better == "higher")
    return {"text": text, "good": good, "up": delta > 0, "flat": delta == 0, "before": value_text(metric, before)}
