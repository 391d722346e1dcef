from __future__ import annotations

from celery import shared_task

from projects.raci_news import deliverables_check


@shared_task(acks_late=True)
def check_deliverables() -> int:
    """Beat, daily: tell the RACI people of deliverables due soon and overdue (once per due date)."""
    return deliverables_check()
