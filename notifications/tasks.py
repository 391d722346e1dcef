"""Notifications that lower apps ask for by task name (they cannot import this app)."""

from __future__ import annotations

from celery import shared_task

from notifications.mail import deliver_pending
from notifications.services import notify
from teams.models import Membership, Role, User


@shared_task(acks_late=True)
def notify_team_leads(
    *, team_id: int, kind: str, message: str, link: str, dedupe_key: str, exclude_user_id: int | None = None
) -> int:
    """Tell a team's leads about a change to the team (its calendar, say); returns how many were told now.

    Idempotent: ``dedupe_key`` names the change, so a re-delivered task
    notifies nobody twice. The person who made the change is not told.
    """
    leads = User.objects.filter(
        pk__in=Membership.objects.filter(team_id=team_id, role=Role.LEAD).values("user_id")
    ).exclude(pk=exclude_user_id or 0)
    notes = notify(users=leads, kind=kind, message=message, dedupe_key=dedupe_key, team_id=team_id, link=link)
    return len(notes)


@shared_task(acks_late=True)
def deliver_mail() -> dict[str, int]:
    """Send what the mail outbox still holds (a crash or a mail server outage left it); idempotent."""
    delivery = deliver_pending()
    return {"sent": delivery.sent, "failed": delivery.failed}


@shared_task(acks_late=True)
def send_digests() -> int:
    """Each person's daily digest of the notifications they chose to get that way (idempotent)."""
    from notifications.services import digests_send

    return digests_send()
