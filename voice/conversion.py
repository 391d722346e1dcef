"""Turning a feedback item into a backlog ticket for the team: once, whoever clicks first."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.db import transaction
from django.urls import reverse
from django.utils.text import Truncator

from teams.models import User
from tickets.choices import Channel, Kind, Status
from tickets.drafts import TicketDraft
from tickets.models import Ticket
from tickets.services import ticket_create
from voice.choices import FeedbackChannel
from voice.feedback import mark_linked, refuse_merged
from voice.impact import feedback_rescore
from voice.models import FeedbackItem

# Feedback channel → the channel of the backlog ticket made from it.
TICKET_CHANNEL = {
    FeedbackChannel.EMAIL: Channel.EMAIL,
    FeedbackChannel.CHAT: Channel.CHAT,
    FeedbackChannel.SOCIAL: Channel.SOCIAL,
    FeedbackChannel.MOBILE_APP: Channel.MOBILE_APP,
    FeedbackChannel.SURVEY: Channel.WEB,
    FeedbackChannel.WEB_FORM: Channel.WEB,
}


@dataclass(frozen=True)
class Conversion:
    ticket: Ticket
    created: bool


def backlog_ticket_of(item: FeedbackItem) -> Ticket | None:
    """The improvement ticket linked to the item (the one "Create backlog ticket" made), if any."""
    return item.tickets.filter(kind=Kind.IMPROVEMENT).select_related("team").order_by("number").first()


def ticket_title(text: str) -> str:
    """A ticket title from feedback: its first line, at most 90 characters."""
    first = " ".join(text.strip().splitlines()[0].split()) if text.strip() else "Customer feedback"
    return Truncator(first).chars(90)


def ticket_description(item: FeedbackItem) -> str:
    """The backlog ticket's Markdown: the feedback quoted, then who said it, where and when."""
    quoted = "\n".join(f"> {line}" if line.strip() else ">" for line in item.text.strip().splitlines())
    who = item.customer_name or "A customer"
    facts = [f"From: {_escape_md(who)}" + (f" ({_escape_md(item.customer_email)})" if item.customer_email else "")]
    if item.account_id:
        account = item.account
        assert account is not None
        facts.append(f"Account: {_escape_md(account.name)} ({account.get_tier_display()})")
    facts.append(f"Channel: {item.get_channel_display()}")
    received = item.created_at.astimezone(item.team.tzinfo)
    facts.append(f"Received: {received.day} {received:%b %Y, %H:%M} ({item.team.time_zone})")
    if item.mentions > 1:
        facts.append(f"Mentions: {item.mentions} (duplicates merged)")
    url = reverse("voice:feedback-detail", args=[item.team.slug, item.pk])
    return (
        f"Customer feedback [#{item.pk}]({url}):\n\n{quoted}\n\n"
        + "\n".join(f"- {fact}" for fact in facts)
        + f"\n- Impact score: {item.impact_score:g}\n"
    )


_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+!])")


def _escape_md(text: str) -> str:
    """Plain text for a Markdown line: formatting characters escaped, angle brackets as entities."""
    return _MD_SPECIAL.sub(r"\\\1", text).replace("<", "&lt;").replace(">", "&gt;")


@transaction.atomic
def feedback_to_ticket(*, item: FeedbackItem, by: User | None) -> Conversion:
    """Turn feedback into a backlog ticket in one click: kind improvement, To Do, not routed.

    The title comes from the text, the description quotes the feedback with
    the customer, account and channel, and the account is copied. The ticket
    is linked and the item becomes "linked". The item's row is locked, so a
    second click (or two at once) finds the ticket made by the first and
    creates nothing (``created`` is False).
    """
    locked = FeedbackItem.objects.select_for_update().get(pk=item.pk)
    refuse_merged(locked)
    existing = backlog_ticket_of(locked)
    if existing is not None:
        return Conversion(ticket=existing, created=False)
    locked = FeedbackItem.objects.select_related("team", "account").get(pk=item.pk)
    draft = TicketDraft(
        title=ticket_title(locked.text),
        kind=Kind.IMPROVEMENT,
        description=ticket_description(locked),
        account=locked.account,
        channel=TICKET_CHANNEL.get(FeedbackChannel(locked.channel), Channel.WEB),
        status=Status.TODO,
        labels=list(locked.tags.all()),
    )
    ticket = ticket_create(team=locked.team, by=by, draft=draft, route=False)
    locked.tickets.add(ticket)
    locked.save(update_fields=mark_linked(locked))
    feedback_rescore(items=[locked])
    return Conversion(ticket=ticket, created=True)
