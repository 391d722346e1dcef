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

from notifications import preferences
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
    """Write many notifications at once; each (person, key) once, as each person chose to hear of it.

    A person who turned a group off in the app and by email is not told; one
    who turned it off in the app only gets the row already read (so the mail
    can point to it). New rows are mailed now through the outbox, or marked
    for the daily digest, or not mailed, by the person's choice.
    """
    if not notes:
        return []
    now = now or timezone.now()
    saved = preferences.choices_of(n.user.pk for n in notes)
    wanted = [(n, preferences.choice_for(saved, n.user.pk, n.kind)) for n in notes]
    wanted = [(n, c) for n, c in wanted if c.in_app or c.email != preferences.EmailWhen.OFF]
    if not wanted:
        return []
    table = Notification._meta.db_table
    columns = "user_id, team_id, kind, subject, link, message, dedupe_key, created_at, read_at, digest_pending"
    created: dict[tuple[int, str], int] = {}
    stamp = connection.ops.adapt_datetimefield_value(now)
    with connection.cursor() as cursor:
        for first in range(0, len(wanted), 500):
            batch = wanted[first : first + 500]
            values = ", ".join(["(%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"] * len(batch))
            params: list[Any] = []
            for n, c in batch:
                params += [n.user.pk, n.team_id, n.kind, n.subject[:80], n.link[:300], n.message[:300], n.dedupe_key]
                daily = mail and c.email == preferences.EmailWhen.DAILY and bool(n.user.email)
                params += [stamp, None if c.in_app else stamp, daily]
            cursor.execute(
                f"INSERT INTO {table} ({columns}) VALUES {values} "  # noqa: S608 - the model's table
                "ON CONFLICT (user_id, dedupe_key) DO NOTHING RETURNING user_id, dedupe_key, id",
                params,
            )
            created.update(((user_id, key), pk) for user_id, key, pk in cursor.fetchall())
    new = [(n, c) for n, c in wanted if (n.user.pk, n.dedupe_key) in created]
    if mail:
        _mail_outbox([n for n, c in new if n.user.email and c.email == preferences.EmailWhen.NOW], created)
    return [n for n, _c in new]


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


def digests_send(*, now: Any = None) -> int:
    """Mail each person one digest of the notifications they chose to get daily; returns how many mails.

    Idempotent: the notifications a digest tells of are marked in the same
    transaction as its outbox row, so a second run finds nothing left.
    """
    now = now or timezone.now()
    written = 0
    people = Notification.objects.filter(digest_pending=True).order_by().values_list("user_id", flat=True).distinct()
    for user_id in list(people):
        with transaction.atomic():
            items = list(
                Notification.objects.select_for_update(skip_locked=True)
                .filter(user_id=user_id, digest_pending=True)
                .select_related("user")
                .order_by("created_at", "id")
            )
            if not items:
                continue
            user = items[0].user
            Notification.objects.filter(pk__in=[n.pk for n in items]).update(digest_pending=False)
            if not user.email:
                continue
            lines = [_digest_line(n) for n in items]
            count = f"{len(items)} update{'s' if len(items) != 1 else ''}"
            mail = OutgoingMail.objects.create(
                to=user.email,
                subject=f"{MAIL_SUBJECT_PREFIX}{count} since your last digest",
                body="What happened on your tickets:\n\n" + "\n".join(lines) + "\n\nChoose what you hear about: "
                f"{settings.SITE_URL}/notifications/settings/",
                digest_key=f"digest:{user_id}:{items[-1].pk}",
            )
            deliver_after_commit([mail.pk])
            written += 1
    return written


def _digest_line(n: Notification) -> str:
    link = f"\n  {settings.SITE_URL}{n.link}" if n.link else ""
    return f"- {n.created_at:%d %b %H:%M} UTC: {n.message}{link}"


@transaction.atomic
def preferences_save(*, user: User, choices: dict[str, tuple[bool, str]]) -> None:
    """Save one person's choices, by group: (shown in the app, when to email)."""
    from notifications.models import NotificationPreference

    for group, (in_app, email) in choices.items():
        if group not in preferences.GROUP_BY_KEY or email not in preferences.EmailWhen.values:
            raise ValueError(f"unknown choice {group}={email}")
        NotificationPreference.objects.update_or_create(
            user=user, group=group, defaults={"in_app": in_app, "email": email}
        )


def mail_people(*, addresses: Iterable[str], subject: str, body: str, dedupe_key: str = "") -> int:
    """Mail people who are not users (a project's outside stakeholders) through the outbox, after the commit.

    Each address once; with ``dedupe_key`` (the event), once per address for good, so a job that runs again
    mails nobody twice. Returns how many mails were queued now.
    """
    unique = sorted({a.strip().lower() for a in addresses if a and a.strip()})
    if not unique:
        return 0
    keys = {a: (f"{dedupe_key}:{a}"[:200] if dedupe_key else None) for a in unique}
    if dedupe_key:
        sent = set(OutgoingMail.objects.filter(dedupe_key__in=[k for k in keys.values() if k]).values_list(
            "dedupe_key", flat=True))  # fmt: skip
        unique = [a for a in unique if keys[a] not in sent]
    rows = OutgoingMail.objects.bulk_create(
        [OutgoingMail(to=a, subject=(MAIL_SUBJECT_PREFIX + subject)[:200], body=body, dedupe_key=keys[a])
         for a in unique],
        ignore_conflicts=bool(dedupe_key),
    )  # fmt: skip
    ids = [row.pk for row in rows if row.pk is not None]
    if dedupe_key and unique:  # ignore_conflicts leaves the new rows without their ids
        ids = list(OutgoingMail.objects.filter(dedupe_key__in=[keys[a] for a in unique], sent_at__isnull=True)
                   .values_list("pk", flat=True))  # fmt: skip
    deliver_after_commit(ids)
    return len(unique)
