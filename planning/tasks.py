from __future__ import annotations

from celery import shared_task

from planning.budget import budgets_check
from planning.snapshots import snapshots_due


@shared_task(acks_late=True)
def write_sprint_snapshots() -> int:
    """Beat: each active sprint's snapshot of every day whose working day has closed (idempotent)."""
    return snapshots_due()


@shared_task(acks_late=True)
def check_interrupt_budgets() -> int:
    """Beat: tell each active sprint's leads when reactive work passes its interrupt budget (once per crossing)."""
    return budgets_check()
