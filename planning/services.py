"""Every write of planning: sprints, what is in them (with its history), their start and close.

Membership changes write a ``SprintChange`` row and the current ``SprintItem``
in one transaction, and a "Sprint" row in the ticket's own history, so the
ticket's timeline says when it entered or left a sprint.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Literal

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from core.errors import Invalid, RuleBroken
from core.stale import lock_if_current
from planning.choices import ChangeKind, ChangeReason, SprintState
from planning.models import BacklogRank, Sprint, SprintChange, SprintItem
from planning.querysets import backlog_of
from planning.review import sprint_review
from teams.models import Team, User
from tickets.choices import EventField, Status
from tickets.history import event_row
from tickets.models import Ticket, TicketEvent

SPRINT_DAYS = 14
RANK_GAP = 1024
Fate = Literal["next", "backlog"]


# --- Sprints ---------------------------------------------------------------------------------


def _check_dates(*, team: Team, start_date: date, end_date: date, exclude: int = 0) -> None:
    if end_date < start_date:
        raise Invalid({"end_date": "The sprint must end on or after the day it starts."})
    if (end_date - start_date).days > 60:
        raise Invalid({"end_date": "A sprint lasts at most 61 days (two weeks is usual)."})
    overlapping = (
        Sprint.objects.filter(team=team, start_date__lte=end_date, end_date__gte=start_date)
        .exclude(pk=exclude)
        .order_by("start_date")
        .first()
    )
    if overlapping is not None:
        raise Invalid(
            {
                "start_date": f"These dates overlap {overlapping.name} ({overlapping.start_date:%d %b} – "
                f"{overlapping.end_date:%d %b %Y}): a team runs one sprint at a time."
            }
        )


@transaction.atomic
def sprint_create(
    *,
    team: Team,
    by: User | None,
    start_date: date,
    end_date: date | None = None,
    name: str = "",
    goal: str = "",
    focus_factor: Decimal | None = None,
    interrupt_share: Decimal | None = None,
) -> Sprint:
    """A planned sprint of the team, numbered after its last one (two weeks unless ``end_date`` says otherwise)."""
    Team.objects.select_for_update().filter(pk=team.pk).values_list("pk", flat=True).get()  # serialise numbering
    end_date = end_date or start_date + timedelta(days=SPRINT_DAYS - 1)
    _check_dates(team=team, start_date=start_date, end_date=end_date)
    number = (Sprint.objects.filter(team=team).aggregate(m=Max("number"))["m"] or 0) + 1
    sprint = Sprint(
        team=team,
        number=number,
        name=name.strip() or f"Sprint {number}",
        goal=goal.strip(),
        start_date=start_date,
        end_date=end_date,
        interrupt_share=interrupt_share,
    )
    if focus_factor is not None:
        sprint.focus_factor = focus_factor
    sprint.save()
    return sprint


@transaction.atomic
def sprint_update(
    *,
    sprint: Sprint,
    by: User | None,
    expected_version: int,
    name: str,
    goal: str,
    start_date: date,
    end_date: date,
    focus_factor: Decimal,
    interrupt_share: Decimal | None,
) -> Sprint:
    """Edit a sprint's plan. Dates of a started sprint stay as they were (its days are history)."""
    locked = lock_if_current(Sprint.objects.filter(team=sprint.team_id), pk=sprint.pk, seen=expected_version)
    if locked.state != SprintState.PLANNED and (start_date, end_date) != (locked.start_date, locked.end_date):
        raise Invalid({"start_date": "A started sprint keeps its dates."})
    _check_dates(team=locked.team, start_date=start_date, end_date=end_date, exclude=locked.pk)
    locked.name, locked.goal = name.strip() or locked.name, goal.strip()
    locked.start_date, locked.end_date = start_date, end_date
    locked.focus_factor, locked.interrupt_share = focus_factor, interrupt_share
    locked.version += 1
    locked.save()
    return locked


def _lock(sprint: Sprint) -> Sprint:
    return Sprint.objects.select_for_update().select_related("team").get(pk=sprint.pk)


@transaction.atomic
def sprint_start(*, sprint: Sprint, by: User | None) -> Sprint:
    """Start a planned sprint: lock its commitment (items and their points now). One active sprint per team."""
    locked = _lock(sprint)
    if locked.state != SprintState.PLANNED:
        raise RuleBroken(f"{locked.name} was already {locked.get_state_display().lower()} meanwhile.")
    active = Sprint.objects.filter(team_id=locked.team_id, state=SprintState.ACTIVE).exclude(pk=locked.pk).first()
    if active is not None:
        raise RuleBroken(f"{active.name} is still active: close it before starting {locked.name}.")
    now = timezone.now()
    items = list(locked.items.select_related("ticket").order_by("rank", "id"))
    SprintChange.objects.bulk_create(
        SprintChange(
            sprint=locked,
            ticket=i.ticket,
            kind=ChangeKind.COMMITTED,
            reason=i.reason,
            at=now,
            by=by,
            points=i.ticket.story_points,
        )
        for i in items
    )
    locked.state, locked.started_at = SprintState.ACTIVE, now
    locked.committed_points = sum(i.ticket.story_points or 0 for i in items)
    locked.committed_items = len(items)
    locked.version += 1
    locked.save()
    return locked


def _open_sprint_of(ticket_ids: Iterable[int]) -> dict[int, Sprint]:
    return {
        i.ticket_id: i.sprint
        for i in SprintItem.objects.filter(ticket_id__in=list(ticket_ids))
        .exclude(sprint__state=SprintState.CLOSED)
        .select_related("sprint")
    }


def _enter(
    sprint: Sprint,
    tickets: list[Ticket],
    *,
    by: User | None,
    reason: str,
    now: datetime,
    times_carried: dict[int, int] | None = None,
    other: Sprint | None = None,
) -> None:
    last = sprint.items.aggregate(m=Max("rank"))["m"] or 0
    SprintItem.objects.bulk_create(
        SprintItem(
            sprint=sprint,
            ticket=t,
            rank=last + RANK_GAP * (n + 1),
            reason=reason,
            entered_at=now,
            times_carried=(times_carried or {}).get(t.pk, 0),
        )
        for n, t in enumerate(tickets)
    )
    SprintChange.objects.bulk_create(
        SprintChange(
            sprint=sprint,
            ticket=t,
            kind=ChangeKind.ENTERED,
            reason=reason,
            at=now,
            by=by,
            points=t.story_points,
            other_sprint=other,
        )
        for t in tickets
    )
    TicketEvent.objects.bulk_create(event_row(t, by, EventField.SPRINT, "", sprint.name, now) for t in tickets)


def _leave(
    sprint: Sprint, tickets: list[Ticket], *, by: User | None, reason: str, now: datetime, other: Sprint | None = None
) -> None:
    SprintItem.objects.filter(sprint=sprint, ticket__in=tickets).delete()
    SprintChange.objects.bulk_create(
        SprintChange(
            sprint=sprint,
            ticket=t,
            kind=ChangeKind.LEFT,
            reason=reason,
            at=now,
            by=by,
            points=t.story_points,
            other_sprint=other,
        )
        for t in tickets
    )
    TicketEvent.objects.bulk_create(
        event_row(t, by, EventField.SPRINT, sprint.name, other.name if other else "", now) for t in tickets
    )


@transaction.atomic
def sprint_add(*, sprint: Sprint, by: User | None, tickets: Iterable[Ticket]) -> list[Ticket]:
    """Put tickets into a planned or active sprint (planned, or added mid-sprint); returns those added.

    Refused: a closed sprint, a ticket of another team, a resolved one, one already in an open sprint.
    """
    locked = _lock(sprint)
    if locked.state == SprintState.CLOSED:
        raise RuleBroken(f"{locked.name} is closed: plan the next sprint instead.")
    wanted = list(Ticket.objects.filter(pk__in=[t.pk for t in tickets]).select_for_update().order_by("pk"))
    if any(t.team_id != locked.team_id for t in wanted):
        raise RuleBroken("That ticket belongs to another team.")
    if any(t.status == Status.RESOLVED for t in wanted):
        raise RuleBroken("A resolved ticket cannot join a sprint; reopen it first.")
    already = _open_sprint_of(t.pk for t in wanted)
    if already:
        ticket_id, other = next(iter(already.items()))
        number = next(t.number for t in wanted if t.pk == ticket_id)
        raise RuleBroken(f"{locked.team.slug.upper()}-{number} is already in {other.name}.")
    reason = ChangeReason.PLANNED if locked.state == SprintState.PLANNED else ChangeReason.ADDED
    _enter(locked, wanted, by=by, reason=reason, now=timezone.now())
    BacklogRank.objects.filter(ticket__in=wanted).delete()
    return wanted


@transaction.atomic
def sprint_remove(*, sprint: Sprint, by: User | None, ticket: Ticket) -> None:
    """Take a ticket out of a planned or active sprint, back to the backlog (recorded as removed)."""
    locked = _lock(sprint)
    if locked.state == SprintState.CLOSED:
        raise RuleBroken(f"{locked.name} is closed: its history stays as it is.")
    item = SprintItem.objects.filter(sprint=locked, ticket_id=ticket.pk).select_related("ticket").first()
    if item is None:
        raise RuleBroken("That ticket is no longer in this sprint.")
    _leave(locked, [item.ticket], by=by, reason=ChangeReason.REMOVED, now=timezone.now())


@transaction.atomic
def sprint_reorder(*, sprint: Sprint, ticket_id: int, above_id: int | None, below_id: int | None) -> None:
    """Place an item between two others in sprint order (the order says what goes first, and what gives way)."""
    _lock(sprint)
    items = {i.ticket_id: i for i in SprintItem.objects.filter(sprint=sprint)}
    item = items.get(ticket_id)
    if item is None:
        raise RuleBroken("That ticket is no longer in this sprint.")
    order = [i for i in sorted(items.values(), key=lambda i: (i.rank, i.pk)) if i.ticket_id != ticket_id]
    at = len(order)
    if above_id in items:
        at = next(n for n, i in enumerate(order) if i.ticket_id == above_id) + 1
    elif below_id in items:
        at = next(n for n, i in enumerate(order) if i.ticket_id == below_id)
    order.insert(at, item)
    for n, i in enumerate(order, start=1):
        i.rank = n * RANK_GAP
    SprintItem.objects.bulk_update(order, ["rank"])


@dataclass(frozen=True)
class CloseResult:
    sprint: Sprint
    next_sprint: Sprint | None
    carried: list[Ticket]
    returned: list[Ticket]


@transaction.atomic
def sprint_close(
    *,
    sprint: Sprint,
    by: User | None,
    fates: Mapping[int, Fate] | None = None,
    default: Fate = "next",
    goal_met: bool | None = None,
) -> CloseResult:
    """Close an active sprint. Unfinished items go to the next sprint or back to the backlog, per item.

    The next sprint is the team's next planned one, created (two weeks from the
    day after this one ends) when there is none. The closed sprint keeps what
    was carried over in its history.
    """
    locked = _lock(sprint)
    if locked.state != SprintState.ACTIVE:
        state = "closed" if locked.state == SprintState.CLOSED else "not started"
        raise RuleBroken(f"{locked.name} is {state}: it was changed meanwhile.")
    now = timezone.now()
    unfinished = [
        i for i in locked.items.select_related("ticket").order_by("rank", "id") if i.ticket.status != Status.RESOLVED
    ]
    fates = fates or {}
    carry = [i for i in unfinished if fates.get(i.ticket_id, default) == "next"]
    back = [i for i in unfinished if fates.get(i.ticket_id, default) != "next"]
    nxt = None
    if carry:
        nxt = (
            Sprint.objects.select_for_update()
            .filter(team_id=locked.team_id, state=SprintState.PLANNED, start_date__gt=locked.start_date)
            .order_by("start_date")
            .first()
        )
        if nxt is None:
            start = max(locked.end_date, timezone.localdate()) + timedelta(days=1)
            nxt = sprint_create(team=locked.team, by=by, start_date=start, focus_factor=locked.focus_factor)
        _leave(locked, [i.ticket for i in carry], by=by, reason=ChangeReason.CARRIED_OUT, now=now, other=nxt)
        _enter(
            nxt,
            [i.ticket for i in carry],
            by=by,
            reason=ChangeReason.CARRIED_IN,
            now=now,
            other=locked,
            times_carried={i.ticket_id: i.times_carried + 1 for i in carry},
        )
    if back:
        _leave(locked, [i.ticket for i in back], by=by, reason=ChangeReason.RETURNED, now=now)
    locked.state, locked.closed_at, locked.goal_met = SprintState.CLOSED, now, goal_met
    locked.version += 1
    locked.review = sprint_review(locked)  # frozen: the review page shows this from now on
    locked.save()
    return CloseResult(
        sprint=locked, next_sprint=nxt, carried=[i.ticket for i in carry], returned=[i.ticket for i in back]
    )


# --- Backlog order ----------------------------------------------------------------------------


def backlog_ids(team: Team) -> list[int]:
    """The team's backlog top to bottom, as ids: ranked tickets by rank, then the rest by priority and age."""
    return list(backlog_of(team).values_list("pk", flat=True))


@transaction.atomic
def backlog_move(*, team: Team, ticket_id: int, above_id: int | None = None, below_id: int | None = None) -> None:
    """Put a backlog ticket right after ``above_id`` (or right before ``below_id``; else on top).

    Ranks are rewritten from the top down to the last ranked ticket or the moved
    one, whichever is lower, so unranked tickets above the drop point keep their
    place. Serialised per team (its row), so two leads reordering at once never interleave.
    """
    Team.objects.select_for_update().filter(pk=team.pk).values_list("pk", flat=True).get()
    order = backlog_ids(team)
    if ticket_id not in order:
        raise RuleBroken("That ticket is no longer in the backlog (resolved, or planned into a sprint).")
    order.remove(ticket_id)
    if above_id in order:
        at = order.index(above_id) + 1  # type: ignore[arg-type]
    elif below_id in order:
        at = order.index(below_id)  # type: ignore[arg-type]
    elif above_id or below_id:
        raise RuleBroken("The backlog changed meanwhile; it is shown as it is now.")
    else:
        at = 0
    order.insert(at, ticket_id)
    ranked = set(BacklogRank.objects.filter(team=team).values_list("ticket_id", flat=True))
    last = max([at] + [n for n, pk in enumerate(order) if pk in ranked])
    stretch = order[: last + 1]
    BacklogRank.objects.filter(team=team).delete()
    BacklogRank.objects.bulk_create(
        BacklogRank(ticket_id=pk, team=team, rank=RANK_GAP * (n + 1)) for n, pk in enumerate(stretch)
    )
