"""Health of the running system: database, cache and background workers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.core.cache import cache
from django.db import connection
from django.utils import timezone

HEARTBEAT_KEY = "heartbeat:{source}"
# Beat sends a heartbeat every minute; three missed ones mean trouble.
HEARTBEAT_STALE_AFTER_SECONDS = 180


def heartbeat_record(*, source: str) -> datetime:
    """Store the time a worker last processed a heartbeat from ``source``."""
    now = timezone.now()
    cache.set(HEARTBEAT_KEY.format(source=source), now.isoformat(), timeout=None)
    return now


def heartbeat_last(*, source: str) -> datetime | None:
    value = cache.get(HEARTBEAT_KEY.format(source=source))
    return datetime.fromisoformat(value) if value else None


@dataclass(frozen=True)
class HealthReport:
    database: bool
    cache: bool
    worker_seen_at: datetime | None

    @property
    def worker_age_seconds(self) -> float | None:
        if self.worker_seen_at is None:
            return None
        return (timezone.now() - self.worker_seen_at).total_seconds()

    @property
    def worker_ok(self) -> bool:
        age = self.worker_age_seconds
        return age is not None and age < HEARTBEAT_STALE_AFTER_SECONDS

    @property
    def ok(self) -> bool:
        # The web app serves without a worker; a missing worker is reported
        # but does not make the web process unhealthy.
        return self.database and self.cache


def health_report() -> HealthReport:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        database = True
    except Exception:  # noqa: BLE001 - any failure means "down" here
        database = False
    try:
        cache.set("health:probe", "1", timeout=10)
        cache_ok = cache.get("health:probe") == "1"
        seen = heartbeat_last(source="beat")
    except Exception:  # noqa: BLE001
        cache_ok = False
        seen = None
    return HealthReport(database=database, cache=cache_ok, worker_seen_at=seen)
