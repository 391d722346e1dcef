from __future__ import annotations

from celery import shared_task

from risks.register import remind_overdue
from risks.triggers import check_triggers


@shared_task
def check_risk_triggers() -> int:
    """Every 15 minutes, after the daily figures' refresh: risks whose trigger holds are marked occurred."""
    return len(check_triggers())


@shared_task
def remind_overdue_reviews() -> int:
    """Daily: owners of risks whose review is overdue, once per review period."""
    return remind_overdue()
