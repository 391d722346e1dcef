"""Sending notifications, and what a person does with theirs (mark read).

Any app notifies through :func:`notify`: a subject, a message, the people to
tell and a key that says which event this is. The rows are written in the
caller's transaction with ``INSERT … ON CONFLICT DO NOTHING RETURNING``, so a
job that runs twice (or two that race) creates each (person, key) once, and
only the rows created now are mailed: through the outbox (:mod:`notifications.mail`),
rows written in the same transaction and sent after it commits, retried until
sent. The person who made the change is never told about it (``exclude``).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Model
from django.utils import timezone

from notifications.mail import deliver_after_commit
from notifications.models import Notification, OutgoingMail
from teams.models import User

logger = logging.getLogger(__name__)

MAIL_SUBJECT_PREFIX = "[SupportPM] "


def subject_key(obj: Model) -> str:
    """What a notification is about, as a key: ``"tickets.ticket:42"``."""
    return f"{obj._meta.label_lower}:{obj.pk}"


@dataclass(frozen=True)
class Note:
    """One notification to write: to whom, about what, and the key of the event."""

    user: User
    kind: str
    message: str
    dedupe_key: str
    team_id: int | None = None
    subject: str = ""
    link: str = ""


def notify(
    *,
    users: Iterable[User],
    kind: str,
    message: str,
    dedupe_key: str,
    team_id: int | None = None,
    subject: str = "",
    link: str = "",
    exclude: User | None = None,
    mail: bool = True,
) -> list[Note]:
    """Tell ``users`` (less ``exclude``, each once) about one event; returns what was written now."""
    people = {u.pk: u for u in users if exclude is None or u.pk != exclude.pk}
    notes = [
        Note(user=u, kind=kind, message=message, dedupe_key=dedupe_key, team_id=team_id, subject=subject, link=link)
        for u in people.values()
    ]
    return notify_many(notes, mail=mail)


def notify_many(notes: Sequence[Note], *, mail: bool = True, now: Any = None) -> list[Note]:
    """Write many notifications at once; each (person, key) once. Mails the new ones after commit."""
    if not notes:
        return []
    now = now or timezone.now()
    table = Notification._meta.db_table
    columns = "user_id, team_id, kind, subject, link, message, dedupe_key, created_at"
    created: dict[tuple[int, str], int] = {}
    with connection.cursor() as cursor:
        for first in range(0, len(notes), 500):
            batch = notes[first : first + 500]
            values = ", ".join(["(%s, %s, %s, %s, %s, %s, %s, %s)"] * len(batch))
            params: list[Any] = []
            for n in batch:
                params += [n.user.pk, n.team_id, n.kind, n.subject[:80], n.link[:300], n.message[:300], n.dedupe_key]
                params.append(connection.ops.adapt_datetimefield_value(now))
            cursor.execute(
                f"INSERT INTO {table} ({columns}) VALUES {values} "  # noqa: S608 - the model's table
                "ON CONFLICT (user_id, dedupe_key) DO NOTHING RETURNING user_id, dedupe_key, id",
                params,
            )
            created.update(((user_id, key), pk) for user_id, key, pk in cursor.fetchall())
    new = [n for n in notes if (n.user.pk, n.dedupe_key) in created]
    if mail:
        _mail_outbox([n for n in new if n.user.email], created)
    return new


def _mail_outbox(notes: list[Note], created: dict[tuple[int, str], int]) -> None:
    """One outbox row per new notification, in the caller's transaction; sent after it commits."""
    if not notes:
        return
    rows = OutgoingMail.objects.bulk_create(
        OutgoingMail(
            to=n.user.email,
            subject=(MAIL_SUBJECT_PREFIX + n.message)[:200],
            body=n.message + (f"\n\n{settings.SITE_URL}{n.link}" if n.link else ""),
            notification_id=created[(n.user.pk, n.dedupe_key)],
        )
        for n in notes
    )
    deliver_after_commit([row.pk for row in rows])


@transaction.atomic
def notification_mark_read(*, user: User, notification: Notification) -> Notification:
    """Mark one of the user's notifications read; reading it again keeps the first time.

    ``notification`` must come from ``Notification.objects.visible_to(user)``;
    another person's is never touched.
    """
    Notification.objects.filter(pk=notification.pk, user=user, read_at__isnull=True).update(read_at=timezone.now())
    return Notification.objects.visible_to(user).get(pk=notification.pk)


def notifications_mark_subject_read(*, user: User, subject: str) -> int:
    """The person has seen the subject (opened the ticket): mark what they were told about it read.

    One conditional UPDATE (nothing when there is nothing unread); returns how many.
    """
    return Notification.objects.filter(user=user, subject=subject, read_at__isnull=True).update(read_at=timezone.now())


@transaction.atomic
def notifications_mark_all_read(*, user: User) -> int:
    """Mark every unread notification the user can see as read; returns how many."""
    unread = Notification.objects.visible_to(user).unread().values("pk")
    return Notification.objects.filter(pk__in=unread, read_at__isnull=True).update(read_at=timezone.now())
