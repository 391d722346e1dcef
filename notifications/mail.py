"""The mail outbox: mails are rows written with what they tell, then delivered and stamped.

:func:`deliver_pending` claims unsent rows (row locks, ``SKIP LOCKED`` on
PostgreSQL, and a claim that expires), sends each and stamps it ``sent_at``
at once. It runs right after the commit that wrote the rows and again from
the beat schedule every minute, which picks up whatever a crash or a mail
server outage left behind. A mail is sent once, unless the process dies in
the instant between the server accepting it and the stamp (the row is then
sent again after its claim expires): at least once, never lost.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from notifications.models import OutgoingMail

logger = logging.getLogger(__name__)

CLAIM = timedelta(minutes=5)  # longer than any send takes; a claim of a dead worker expires after it
MAX_ATTEMPTS = 8  # about a day of retries at the beat's pace with backoff
BATCH = 200


@dataclass(frozen=True)
class Delivery:
    sent: int
    failed: int


def _claim(now: datetime, ids: Iterable[int] | None, limit: int) -> list[int]:
    pending = OutgoingMail.objects.filter(sent_at__isnull=True, failed_at__isnull=True).filter(
        Q(claimed_until__isnull=True) | Q(claimed_until__lt=now)
    )
    if ids is not None:
        pending = pending.filter(pk__in=list(ids))
    with transaction.atomic():
        claimed = list(
            pending.select_for_update(skip_locked=True)
            .order_by("created_at", "id")
            .values_list("pk", flat=True)[:limit]
        )
        OutgoingMail.objects.filter(pk__in=claimed).update(claimed_until=now + CLAIM)
    return claimed


def deliver_pending(*, ids: Iterable[int] | None = None, now: datetime | None = None, limit: int = BATCH) -> Delivery:
    """Send unsent mails (``ids``: only those), each once; a failure is kept for the next run."""
    now = now or timezone.now()
    claimed = _claim(now, ids, limit)
    sent = failed = 0
    if not claimed:
        return Delivery(0, 0)
    connection = get_connection(fail_silently=False)
    for mail in OutgoingMail.objects.filter(pk__in=claimed).order_by("created_at", "id"):
        message = EmailMessage(mail.subject, mail.body, settings.DEFAULT_FROM_EMAIL, [mail.to], connection=connection)
        try:
            message.send()
        except Exception as error:  # noqa: BLE001 - the server refused or is down: keep the row for the next run
            failed += 1
            gave_up = mail.attempts + 1 >= MAX_ATTEMPTS
            OutgoingMail.objects.filter(pk=mail.pk).update(
                attempts=F("attempts") + 1,
                last_error=f"{type(error).__name__}: {error}"[:300],
                # Back off: the next attempt waits as many minutes as attempts so far.
                claimed_until=now + timedelta(minutes=mail.attempts + 1),
                failed_at=now if gave_up else None,
            )
            logger.warning("Mail %s to %s not sent (attempt %s): %s", mail.pk, mail.to, mail.attempts + 1, error)
            continue
        OutgoingMail.objects.filter(pk=mail.pk).update(sent_at=timezone.now(), attempts=F("attempts") + 1)
        sent += 1
    return Delivery(sent, failed)


def deliver_after_commit(ids: list[int]) -> None:
    """Send these rows once the transaction that wrote them commits; never fails the caller."""

    def deliver() -> None:
        try:
            deliver_pending(ids=ids)
        except Exception:  # the rows stay unsent: the beat schedule's run sends them
            logger.exception("Could not deliver %s mails now; the outbox keeps them for the next run.", len(ids))

    transaction.on_commit(deliver)
