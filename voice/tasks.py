"""Background work on surveys."""

from celery import shared_task

from voice import surveys


# Registered under its first name: beat schedules and queued messages use it.
@shared_task(name="tickets.tasks.csat_send_surveys", acks_late=True)
def csat_send_surveys() -> dict[str, int]:
    """Schedule due CSAT surveys, cancel those of reopened tickets and mail the pending ones.

    Idempotent and safe to overlap: one survey per ticket and resolution cycle,
    each claimed by one sweep (see :mod:`voice.surveys`).
    """
    result = surveys.csat_schedule_and_send()
    return {
        "scheduled": result.scheduled,
        "cancelled": result.cancelled,
        "sent": len(result.sent),
        "retrying": len(result.retrying),
        "failed": result.failed,
    }
