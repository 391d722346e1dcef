"""Operational tasks of the platform itself."""

from datetime import timedelta

from celery import shared_task
from django.utils import timezone

from supportpm import health


@shared_task(acks_late=True, ignore_result=False)
def record_heartbeat(source: str = "worker") -> str:
    """Record that a worker ran a task now (sent by beat or by an operator).

    Idempotent: it only overwrites one timestamp.
    """
    return health.heartbeat_record(source=source).isoformat()


# Sign-in records kept: wrong passwords for the limits' hour (and a day to look into an attack);
# successful sign-ins for the 30 days that make an address "known" to an account (teams/login.py).
FAILURES_KEPT = timedelta(days=2)
SIGN_INS_KEPT = timedelta(days=31)


@shared_task(acks_late=True)
def prune_sign_in_records() -> dict[str, int]:
    """Delete sign-in records older than the limits read (idempotent)."""
    from axes.models import AccessFailureLog, AccessLog

    now = timezone.now()
    failures, _ = AccessFailureLog.objects.filter(attempt_time__lt=now - FAILURES_KEPT).delete()
    sign_ins, _ = AccessLog.objects.filter(attempt_time__lt=now - SIGN_INS_KEPT).delete()
    return {"failures": failures, "sign_ins": sign_ins}
