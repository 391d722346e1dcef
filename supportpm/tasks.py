"""Operational tasks of the platform itself."""

from celery import shared_task

from supportpm import health


@shared_task(acks_late=True, ignore_result=False)
def record_heartbeat(source: str = "worker") -> str:
    """Record that a worker ran a task now (sent by beat or by an operator).

    Idempotent: it only overwrites one timestamp.
    """
    return health.heartbeat_record(source=source).isoformat()
