"""Customer feedback: the one intake, linking, merging and the item's life.

Every way in — the agents' form, the public per-team form, the JSON API and
survey answers with a comment — calls :func:`feedback_submit`, so the rules
about what may be stored live here once.

The impact score is :mod:`voice.impact`; turning an item into a backlog ticket
is :mod:`voice.conversion`; a team's settings are :mod:`voice.options`.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from core.errors import Invalid, StaleEdit
from core.stale import lock_if_current
from projects.models import Project
from teams.models import Team, User
from tickets.models import Account, Label, Ticket
from voice.choices import FeedbackChannel, FeedbackSource, FeedbackStatus
from voice.impact import feedback_rescore
from voice.models import CsatSurvey, FeedbackItem

MAX_TEXT = 5000
MAX_NAME = 120


# Statuses an item leaves for "linked" once it has a ticket or a project.
UNLINKED = (FeedbackStatus.NEW, FeedbackStatus.TRIAGED)


def _same_team(team: Team, objects: Iterable[Any], field_name: str, message: str) -> None:
    if any(obj.team_id != team.pk for obj in objects):
        raise Invalid({field_name: message})


def match_account(*, team: Team, name: str) -> Account | None:
    """The team's account with this name, in any letter case (names are unique per team)."""
    name = " ".join(name.split())
    if not name:
        return None
    return Account.objects.filter(team=team, name__iexact=name).first()


@transaction.atomic
def feedback_submit(
    *,
    team: Team,
    text: str,
    channel: str,
    source: str,
    by: User | None = None,
    account: Account | None = None,
    account_name: str = "",
    customer_name: str = "",
    customer_email: str = "",
    tags: Iterable[Label] = (),
    tickets: Iterable[Ticket] = (),
    survey: CsatSurvey | None = None,
    created_at: datetime | None = None,
) -> FeedbackItem:
    """Store one piece of customer feedback and score it: the intake every channel uses.

    ``account_name`` is free text (the public form's company field): when no
    ``account`` is given and it names one of the team's accounts (any letter
    case), that account is linked; otherwise it is kept beside the customer's
    name. Account, tags, tickets and survey must belong to ``team``. Raises
    :class:`Invalid` with a message per field.
    """
    errors: dict[str | None, str] = {}
    text = text.strip()
    if not text:
        errors["text"] = "Write what the customer said."
    elif len(text) > MAX_TEXT:
        errors["text"] = f"Keep it to {MAX_TEXT} characters (this is {len(text)})."
    if channel not in FeedbackChannel.values:
        errors["channel"] = "Choose one of the channels."
    if source not in FeedbackSource.values:
        errors["source"] = "Unknown source."
    customer_name = " ".join(customer_name.split())
    account_name = " ".join(account_name.split())
    customer_email = customer_email.strip()
    if customer_email:
        try:
            validate_email(customer_email)
        except ValidationError:
            errors["customer_email"] = "Enter an email address like name@example.com."
    if errors:
        raise Invalid(errors)
    tags, tickets = list(tags), list(tickets)
    if account is not None:
        _same_team(team, [account], "account", "That account is not in this team.")
    elif account_name:
        account = match_account(team=team, name=account_name)
        if account is None:
            customer_name = f"{customer_name} ({account_name})" if customer_name else account_name
    if len(customer_name) > MAX_NAME:
        raise Invalid({"customer_name": f"Keep the name to {MAX_NAME} characters."})
    _same_team(team, tags, "tags", "A tag is not one of this team's labels.")
    _same_team(team, tickets, "tickets", "A ticket is not in this team.")
    if survey is not None:
        _same_team(team, [survey], "survey", "That survey is not in this team.")

    item = FeedbackItem.objects.create(
        team=team,
        channel=channel,
        source=source,
        account=account,
        customer_name=customer_name,
        customer_email=customer_email,
        text=text,
        created_at=created_at or timezone.now(),
        created_by=by,
        status=FeedbackStatus.LINKED if tickets else FeedbackStatus.NEW,
        survey=survey,
    )
    if tags:
        item.tags.set(tags)
    if tickets:
        item.tickets.set(tickets)
    feedback_rescore(items=[item])
    item.refresh_from_db(fields=["impact_score"])
    return item


# --- Changes to one item ------------------------------------------------------------------------


def _lock(item: FeedbackItem) -> FeedbackItem:
    return FeedbackItem.objects.select_for_update().select_related("team").get(pk=item.pk)


def refuse_merged(item: FeedbackItem) -> None:
    if item.merged_into_id:
        raise Invalid({None: f"This feedback was merged into #{item.merged_into_id}: change that one instead."})


def mark_linked(item: FeedbackItem) -> list[str]:
    """Bump the version, and move a new or triaged item to "linked"; the fields to save."""
    item.version += 1
    if item.status in UNLINKED:
        item.status = FeedbackStatus.LINKED
        return ["version", "status"]
    return ["version"]


@transaction.atomic
def feedback_set_status(*, item: FeedbackItem, status: str, by: User | None, expected_version: int) -> FeedbackItem:
    """Set an item's status. "Linked" needs a linked ticket or project; a merged duplicate stays closed."""
    locked = lock_if_current(FeedbackItem.objects.select_related("team"), pk=item.pk, seen=expected_version)
    refuse_merged(locked)
    if status not in FeedbackStatus.values:
        raise Invalid({"status": "Choose one of the statuses."})
    if status == FeedbackStatus.LINKED and not (locked.tickets.exists() or locked.projects.exists()):
        raise Invalid({"status": "Link a ticket or a project first; the status then becomes “Linked” by itself."})
    if status != locked.status:
        locked.status = status
        locked.version += 1
        locked.save(update_fields=["status", "version"])
    return locked


@transaction.atomic
def feedback_set_tags(
    *, item: FeedbackItem, tags: Iterable[Label], by: User | None, expected_version: int
) -> FeedbackItem:
    """Replace an item's tags with the team's labels given; a write based on an old version is refused."""
    locked = lock_if_current(FeedbackItem.objects.select_related("team"), pk=item.pk, seen=expected_version)
    refuse_merged(locked)
    tags = list(tags)
    _same_team(locked.team, tags, "tags", "Choose tags among the team's labels.")
    if {t.pk for t in tags} != set(locked.tags.values_list("pk", flat=True)):
        locked.tags.set(tags)
        locked.version += 1
        locked.save(update_fields=["version"])
    return locked


@transaction.atomic
def feedback_link_ticket(*, item: FeedbackItem, ticket: Ticket, by: User | None) -> FeedbackItem:
    """Link a ticket of the same team (once); the item becomes "linked" and is rescored (its CSAT answers count)."""
    locked = _lock(item)
    refuse_merged(locked)
    if ticket.team_id != locked.team_id:
        raise Invalid({"ticket": "That ticket is not in this team."})
    if not locked.tickets.filter(pk=ticket.pk).exists():
        locked.tickets.add(ticket)
        locked.save(update_fields=mark_linked(locked))
        feedback_rescore(items=[locked])
        locked.refresh_from_db(fields=["impact_score"])
    return locked


@transaction.atomic
def feedback_attach_project(*, item: FeedbackItem, project: Project, by: User | None) -> FeedbackItem:
    """Attach the item to a project of the same team (once); the item becomes "linked"."""
    locked = _lock(item)
    refuse_merged(locked)
    if project.team_id != locked.team_id:
        raise Invalid({"project": "That project is not in this team."})
    if not locked.projects.filter(pk=project.pk).exists():
        locked.projects.add(project)
        locked.save(update_fields=mark_linked(locked))
    return locked


def _unmark_linked(item: FeedbackItem) -> list[str]:
    """Bump the version; a "linked" item with no link left goes back to "triaged". The fields to save."""
    item.version += 1
    if item.status == FeedbackStatus.LINKED and not (item.tickets.exists() or item.projects.exists()):
        item.status = FeedbackStatus.TRIAGED
        return ["version", "status"]
    return ["version"]


def _unlink(item: FeedbackItem, relation: str, obj: Ticket | Project) -> FeedbackItem:
    """Remove ``obj`` from the item's ``relation`` (tickets or projects); the object itself stays."""
    locked = _lock(item)
    refuse_merged(locked)
    related = getattr(locked, relation)
    if related.filter(pk=obj.pk).exists():
        related.remove(obj)
        locked.save(update_fields=_unmark_linked(locked))
        if relation == "tickets":  # its CSAT answers no longer count
            feedback_rescore(items=[locked])
            locked.refresh_from_db(fields=["impact_score"])
    return locked


@transaction.atomic
def feedback_unlink_ticket(*, item: FeedbackItem, ticket: Ticket, by: User | None) -> FeedbackItem:
    """Undo a link to a ticket (the ticket stays); the item is rescored without that ticket's answers."""
    return _unlink(item, "tickets", ticket)


@transaction.atomic
def feedback_detach_project(*, item: FeedbackItem, project: Project, by: User | None) -> FeedbackItem:
    """Undo an attachment to a project (the project stays)."""
    return _unlink(item, "projects", project)


@transaction.atomic
def feedback_merge(
    *, duplicate: FeedbackItem, into: FeedbackItem, by: User | None, expected_version: int
) -> FeedbackItem:
    """Merge ``duplicate`` into ``into``; what was counted on the duplicate now counts there.

    Mentions add up; accounts count through the duplicate (it keeps its own
    account and points at ``into``); tags, tickets and projects are joined;
    the duplicate's own duplicates move to ``into``, so duplicates are never
    chained. The duplicate is closed. Refused: into itself, across teams,
    into an item that is itself merged, and (:class:`StaleEdit`) when the
    duplicate changed since ``expected_version``.
    """
    if duplicate.pk == into.pk:
        raise Invalid({"into": "Choose another item: feedback cannot be merged into itself."})
    locked = {
        i.pk: i for i in FeedbackItem.objects.select_for_update().filter(pk__in=[duplicate.pk, into.pk]).order_by("pk")
    }
    dup, target = locked[duplicate.pk], locked[into.pk]
    if dup.team_id != target.team_id:
        raise Invalid({"into": "Feedback of another team cannot be merged."})
    if dup.version != expected_version:
        raise StaleEdit(current=dup)
    if dup.merged_into_id:
        raise Invalid({None: f"This feedback was already merged into #{dup.merged_into_id}."})
    if target.merged_into_id:
        root = target.merged_into_id
        raise Invalid({"into": f"#{target.pk} was itself merged into #{root}: merge into #{root} instead."})
    # Re-point the duplicate's own duplicates first: the tree stays one level deep.
    FeedbackItem.objects.filter(merged_into=dup).update(merged_into=target)
    for relation, column in (("tags", "label_id"), ("tickets", "ticket_id"), ("projects", "project_id")):
        through = getattr(FeedbackItem, relation).through
        ids = list(through.objects.filter(feedbackitem_id=dup.pk).values_list(column, flat=True))
        through.objects.bulk_create(
            [through(feedbackitem_id=target.pk, **{column: pk}) for pk in ids], ignore_conflicts=True
        )
    target.mentions += dup.mentions
    target.version += 1
    fields = ["mentions", "version"]
    if target.status in UNLINKED and (
        FeedbackItem.tickets.through.objects.filter(feedbackitem_id=target.pk).exists()
        or FeedbackItem.projects.through.objects.filter(feedbackitem_id=target.pk).exists()
    ):
        target.status = FeedbackStatus.LINKED
        fields.append("status")
    target.save(update_fields=fields)
    dup.merged_into = target
    dup.status = FeedbackStatus.CLOSED
    dup.version += 1
    dup.save(update_fields=["merged_into", "status", "version"])
    feedback_rescore(items=[target])
    target.refresh_from_db(fields=["impact_score"])
    return target


# --- Reads ---------------------------------------------------------------------------------------
