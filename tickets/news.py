"""Telling people what happened to the tickets that concern them, through the notifications app.

* Assigned: the new assignee (by a person, a bulk edit or a routing rule).
* Customer reply: the assignee, when the customer's own message is logged.
* Mentioned: each team member named ``@username`` in a reply or a note.
* Following: everyone who follows the ticket, of any tracked change or comment.

Never the person who made the change; each person hears of one event once
(its dedupe key), and only as they chose (``notifications.preferences``).
The assignee and whoever creates or comments on a ticket follow it from then on.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.db.models import Exists, OuterRef
from django.urls import reverse

from notifications.services import Note, notify_many, subject_key
from teams.models import Membership, User
from tickets.choices import EventField
from tickets.models import Comment, Ticket, TicketEvent, TicketFollower

MENTION = re.compile(r"(?<![\w@.])@([\w.+-]+[\w+-])")
SUMMARY_LIMIT = 120


def _link(ticket: Ticket) -> str:
    return reverse("tickets:detail", args=[ticket.team.slug, ticket.number])


def _key(ticket: Ticket) -> str:
    return f"{ticket.team.slug.upper()}-{ticket.number}"


def _who(user: User | None) -> str:
    return user.display_name if user is not None else "SupportPM"


def with_followers_flag(tickets: Any) -> Any:
    """Tickets annotated ``has_followers``: a change to one nobody follows then tells followers for free."""
    return tickets.annotate(has_followers=Exists(TicketFollower.objects.filter(ticket=OuterRef("pk"))))


def follow(ticket: Ticket, users: Iterable[User | None]) -> None:
    """Make these people follow the ticket (once each; nobody twice)."""
    rows = [TicketFollower(ticket=ticket, user=u) for u in {u.pk: u for u in users if u is not None}.values()]
    TicketFollower.objects.bulk_create(rows, ignore_conflicts=True)


def unfollow(ticket: Ticket, user: User) -> None:
    TicketFollower.objects.filter(ticket=ticket, user=user).delete()


def _followers(ticket: Ticket) -> list[User]:
    """Followers who are still members of the ticket's team.

    A ticket read with ``has_followers`` (see :func:`with_followers_flag`) that has none costs no query.
    """
    if getattr(ticket, "has_followers", True) is False:
        return []
    members = Membership.objects.filter(team_id=ticket.team_id).values("user_id")
    return list(User.objects.filter(pk__in=TicketFollower.objects.filter(ticket=ticket).values("user_id")).filter(
        pk__in=members
    ))  # fmt: skip


def _note(user: User, ticket: Ticket, kind: str, message: str, key: str) -> Note:
    return Note(
        user=user, kind=kind, message=message[:300], dedupe_key=key[:120], team_id=ticket.team_id,
        subject=subject_key(ticket), link=_link(ticket),
    )  # fmt: skip


def change_notes(
    ticket: Ticket, events: Sequence[TicketEvent], by: User | None, *, people: Mapping[int, User] | None = None
) -> tuple[list[Note], list[TicketFollower]]:
    """What one change of a ticket (its history rows) tells whom, and who follows it from now on.

    ``people``: users the caller has in hand (the new assignee of an edit), so none is read again.
    """
    if not events:
        return [], []
    key = _key(ticket)
    notes: list[Note] = []
    follows: list[TicketFollower] = []
    told: set[int] = set()
    change = f"{ticket.pk}:v{ticket.version}:{events[0].created_at.timestamp():.6f}"
    for event in events:
        if event.field == EventField.ASSIGNEE and event.to_value.isdigit():
            assignee_id = int(event.to_value)
            assignee = (people or {}).get(assignee_id) or User.objects.filter(pk=assignee_id).first()
            if assignee is None:
                continue
            if by is None or assignee.pk != by.pk:
                message = (
                    f"{by.display_name} assigned you {key} “{ticket.title}”"
                    if by is not None
                    else f"You were assigned {key} “{ticket.title}”"
                )
                notes.append(_note(assignee, ticket, "assigned", message, f"assigned:{change}"))
                told.add(assignee.pk)
            follows.append(TicketFollower(ticket=ticket, user=assignee))
    shown = [e for e in events if e.field not in (EventField.CREATED,)]
    if shown:
        what = ", ".join(f"{e.get_field_display().lower()} {e.from_label or '—'} → {e.to_label or '—'}" for e in shown)
        message = f"{_who(by)} changed {key}: {what}"
        for user in _followers(ticket):
            if user.pk in told or (by is not None and user.pk == by.pk):
                continue
            notes.append(_note(user, ticket, "following", message, f"change:{change}"))
    return notes, follows


def tell(notes: Sequence[Note], follows: Sequence[TicketFollower]) -> None:
    """Write what :func:`change_notes` gathered, for one ticket or many at once."""
    TicketFollower.objects.bulk_create(follows, ignore_conflicts=True)
    notify_many(notes)


def tell_changes(
    ticket: Ticket, events: Sequence[TicketEvent], by: User | None, *, people: Mapping[int, User] | None = None
) -> None:
    """Tell the new assignee and the followers about one change of a ticket (its history rows)."""
    tell(*change_notes(ticket, events, by, people=people))


def tell_comment(ticket: Ticket, comment: Comment, by: User, *, mail: bool = True) -> None:
    """Tell who a reply or note concerns: the people it @mentions, the assignee of a customer's reply, followers."""
    key = _key(ticket)
    excerpt = " ".join(comment.body.split())
    excerpt = excerpt if len(excerpt) <= SUMMARY_LIMIT else excerpt[: SUMMARY_LIMIT - 1] + "…"
    notes: list[Note] = []
    told = {by.pk}
    names = {m.lower() for m in MENTION.findall(comment.body)}
    if names:
        members = User.objects.filter(memberships__team_id=ticket.team_id)
        for user in members:
            if user.username.lower() in names and user.pk not in told:
                what = "a note" if not comment.is_public else "a reply"
                message = f"{by.display_name} mentioned you in {what} on {key}: {excerpt}"
                notes.append(_note(user, ticket, "mentioned", message, f"mention:{comment.pk}"))
                told.add(user.pk)
    if comment.from_customer and ticket.assignee_id and ticket.assignee_id not in told:
        assignee = User.objects.get(pk=ticket.assignee_id)
        message = f"The customer replied on {key} (logged by {by.display_name}): {excerpt}"
        notes.append(_note(assignee, ticket, "customer_reply", message, f"customer-reply:{comment.pk}"))
        told.add(assignee.pk)
    kind_of = "the customer's reply" if comment.from_customer else ("a reply" if comment.is_public else "a note")
    for user in _followers(ticket):
        if user.pk not in told:
            message = f"{by.display_name} added {kind_of} on {key}: {excerpt}"
            notes.append(_note(user, ticket, "following", message, f"comment:{comment.pk}"))
    notify_many(notes, mail=mail)
    follow(ticket, [by])
