"""In-app notifications: what a person sees of theirs, and marking them read.

A person sees only their own notifications, and only those about tickets of
teams they are still in: after leaving a team its tickets stay as private as
its pages. Notifications are written by the SLA sweep (:mod:`tickets.sla`).
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from teams.models import Membership, User
from tickets.models import Notification

NOTIFICATIONS_PER_PAGE = 50


def notifications_of(user: User) -> QuerySet[Notification]:
    """The user's notifications newest first, with their ticket, team and alert, minus teams they left."""
    in_team = Membership.objects.filter(user=user, team_id=OuterRef("ticket__team_id"))
    return (
        Notification.objects.filter(user=user)
        .filter(Q(ticket__isnull=True) | Exists(in_team))
        .select_related("ticket__team", "alert")
        .order_by("-created_at", "-id")
    )


def unread_count(user: User) -> int:
    """How many of :func:`notifications_of` are unread: the bell's number (one query)."""
    return notifications_of(user).filter(read_at__isnull=True).count()


@transaction.atomic
def notification_mark_read(*, user: User, notification: Notification) -> Notification:
    """Mark one of the user's notifications read; reading it again keeps the first time.

    ``notification`` must come from :func:`notifications_of` ``(user)``; another
    person's is never touched.
    """
    Notification.objects.filter(pk=notification.pk, user=user, read_at__isnull=True).update(read_at=timezone.now())
    return notifications_of(user).get(pk=notification.pk)


def notifications_mark_ticket_read(*, user: User, ticket_id: int) -> int:
    """Opening a ticket reads what the person was told about it: mark those notifications read.

    One conditional UPDATE (nothing when there is nothing unread); returns how many.
    """
    return Notification.objects.filter(user=user, ticket_id=ticket_id, read_at__isnull=True).update(
        read_at=timezone.now()
    )


@transaction.atomic
def notifications_mark_all_read(*, user: User) -> int:
    """Mark every unread notification the user can see as read; returns how many."""
    unread = notifications_of(user).filter(read_at__isnull=True).values("pk")
    return Notification.objects.filter(pk__in=unread, read_at__isnull=True).update(read_at=timezone.now())
