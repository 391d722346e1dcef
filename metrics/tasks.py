from __future__ import annotations

from celery import shared_task

from metrics.daily import refresh_all


@shared_task(acks_late=True)
def refresh_daily_figures() -> int:
    """Beat: each team's daily figures of today, yesterday and the days late events touched (idempotent)."""
    return refresh_all()
