from __future__ import annotations

from celery import shared_task

from metrics.daily import refresh_all
from metrics.goals import goals_update


@shared_task(acks_late=True)
def refresh_daily_figures() -> int:
    """Beat: each team's daily figures of today, yesterday and the days late events touched (idempotent)."""
    return refresh_all()


@shared_task(acks_late=True)
def update_goals() -> int:
    """Beat, daily: every open goal's value of the day, its suggested status and the at-risk reminder."""
    return goals_update()
