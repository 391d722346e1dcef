"""Every write to tickets, comments, boards and columns.

Each service runs in one transaction and records a TicketEvent for every
change of status, assignee, priority, sprint or project in that transaction.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import models, transaction
from django.db.models import Max
from django.utils import timezone

from core.errors import Invalid, RuleBroken
from core.stale import lock_if_current
from core.tasks import enqueue_after_commit
from notifications.services import Note
from projects.models import Project
from teams.models import Membership, Role, Team, User
from tickets import moves, news
from tickets.choices import EventField, Status
from tickets.drafts import TicketDraft
from tickets.history import event_row
from tickets.markdown import render_markdown
from tickets.models import (
    DEFAULT_COLUMNS,
    DEFAULT_PAUSED_STATUSES,
    Board,
    Column,
    Comment,
    DeliverableLink,
    Label,
    Ticket,
    TicketEvent,
    TicketFollower,
)
from tickets.positions import bottom_position, position_between, positions_renumber
from tickets.routing import routing_apply
from tickets.selectors.board import resolved_since
from tickets.sla import engine, outcomes, sweep


class WipLimitReached(RuleBroken):
    """The target column is full; the ticket stays where it was."""

    def __init__(self, column: Column, count: int) -> None:
        super().__init__(
            f"“{column.name}” is at its WIP limit ({count} / {column.wip_limit}). "
            "Finish or move a ticket out of it first."
        )
        self.column = column


# --- Boards ------------------------------------------------------------------------


def board_ensure_for_team(*, team: Team) -> Board:
    """The team's board, created with the default columns the first time."""
    board = Board.objects.filter(team=team, project__isnull=True).order_by("pk").first()
    if board is not None:
        return board
    with transaction.atomic():
        board, created = Board.objects.get_or_create(team=team, project=None, defaults={"name": f"{team.name} board"})
        if created:
            _create_default_columns(board)
    return board


def board_ensure_for_project(*, project: Project) -> Board:
    """The project's own board, created with the default columns the first time."""
    board = Board.objects.filter(project=project).first()
    if board is not None:
        return board
    with transaction.atomic():
        board, created = Board.objects.get_or_create(
            project=project, defaults={"team_id": project.team_id, "name": f"{project.name} board"}
        )
        if created:
            _create_default_columns(board)
    return board


def _create_default_columns(board: Board) -> None:
    Column.objects.bulk_create(
        Column(
            board=board,
            name=name,
            status=status,
            order=i,
            wip_limit=limit,
            pauses_sla=status in DEFAULT_PAUSED_STATUSES,
        )
        for i, (name, status, limit) in enumerate(DEFAULT_COLUMNS)
    )


# --- WIP and positions -------------------------------------------------------------------


def _enforce_wip(*, ticket: Ticket, status: str) -> None:
    """Refuse entering ``status`` when a board column for it is full.

    Locks the columns of that status on the team board and the ticket's
    project board (:func:`tickets.moves.lock_columns`: the same rows in the same
    order as a card move), so that concurrent entries into one column are
    serialised and can never exceed its limit.
    """
    for limit in moves.lock_columns(ticket=ticket, status=status):
        column = limit.column
        if column.wip_limit is None:
            continue
        on_board = {"project_id": limit.project_id} if limit.project_id else {"team_id": ticket.team_id}
        count = Ticket.objects.filter(status=status, **on_board).exclude(pk=ticket.pk).count()
        if count >= column.wip_limit:
            raise WipLimitReached(column, count)


# --- Tickets ------------------------------------------------------------------------------


@transaction.atomic
def ticket_create(*, team: Team, by: User | None, draft: TicketDraft, route: bool = True) -> Ticket:
    """Create a ticket: routing rules first, then the WIP check, number, position and history."""
    if route:
        team, draft, _rule = routing_apply(team=team, draft=draft)
    board_ensure_for_team(team=team)
    # The team row lock serialises number allocation per team.
    Team.objects.select_for_update().filter(pk=team.pk).values_list("pk", flat=True).get()
    number = (Ticket.objects.filter(team=team).aggregate(m=Max("number"))["m"] or 0) + 1
    ticket = Ticket(
        team=team,
        number=number,
        project=draft.project,
        kind=draft.kind,
        title=draft.title.strip(),
        description=draft.description,
        description_html=render_markdown(draft.description),
        requester_name=draft.requester_name,
        requester_email=draft.requester_email,
        account=draft.account,
        channel=draft.channel,
        priority=draft.priority,
        status=draft.status,
        assignee=draft.assignee,
        story_points=draft.story_points,
        impact=draft.impact,
        effort=draft.effort,
    )
    if draft.status != Status.TODO:
        _enforce_wip(ticket=ticket, status=draft.status)
    ticket.position = bottom_position(team_id=team.pk, status=draft.status)
    now = timezone.now()
    if draft.status == Status.RESOLVED:
        ticket.resolved_at = now
    ticket.mark_started(now)
    engine.start(ticket, engine.TeamSLA.load(team), now=now)
    ticket.save()
    if draft.labels:
        ticket.labels.set(draft.labels)
    events = [event_row(ticket, by, EventField.CREATED, None, draft.status, now)]
    events.append(event_row(ticket, by, EventField.STATUS, None, draft.status, now))
    if draft.assignee:
        events.append(event_row(ticket, by, EventField.ASSIGNEE, None, draft.assignee, now))
    if draft.project:
        events.append(event_row(ticket, by, EventField.PROJECT, None, draft.project, now))
    TicketEvent.objects.bulk_create(events)
    news.follow(ticket, [by])
    assigned = [e for e in events if e.field == EventField.ASSIGNEE]
    news.tell_changes(ticket, assigned, by, people={draft.assignee.pk: draft.assignee} if draft.assignee else None)
    return ticket


TRACKED = {
    "status": EventField.STATUS,
    "assignee": EventField.ASSIGNEE,
    "priority": EventField.PRIORITY,
    "project": EventField.PROJECT,
    # What an SLA policy matches on: figures can be sliced by them over time.
    "kind": EventField.KIND,
    "channel": EventField.CHANNEL,
    "account": EventField.ACCOUNT,
    # Sprint figures read re-estimates made while a ticket is in a sprint from these rows.
    "story_points": EventField.POINTS,
}
EDITABLE = (
    "kind", "title", "description", "requester_name", "requester_email", "account", "channel", "priority",
    "status", "assignee", "project", "story_points", "impact", "effort",
)  # fmt: skip


CLOCK_FIELDS = {"status", "priority", "kind", "channel", "account"}
# What a move writes of the SLA state: the clocks, and a breach its resolution recorded.
SAVED_SLA_FIELDS = (*engine.SLA_FIELDS, "frt_breached_at", "res_breached_at")


def _apply_changes(
    *, ticket: Ticket, by: User | None, changes: dict[str, Any], now: Any, team_sla: engine.TeamSLA
) -> list[TicketEvent]:
    """Set fields on a locked ticket and move its SLA clocks; return the history rows. The caller saves."""
    events: list[TicketEvent] = []
    unknown = set(changes) - set(EDITABLE) - {"labels"}
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    old_status = ticket.status
    new_status = changes.get("status", ticket.status)
    if new_status != ticket.status:
        _enforce_wip(ticket=ticket, status=new_status)
        ticket.position = bottom_position(team_id=ticket.team_id, status=new_status)
        if new_status == Status.RESOLVED:
            ticket.resolved_at = now
        elif ticket.status == Status.RESOLVED:
            ticket.resolved_at = None  # reopened
    for name, value in changes.items():
        if name == "labels":
            continue
        old = getattr(ticket, name)
        if old == value or (hasattr(old, "pk") and hasattr(value, "pk") and old.pk == value.pk):
            continue
        if name in TRACKED:
            events.append(event_row(ticket, by, TRACKED[name], old, value, now))
        setattr(ticket, name, value)
        if name == "description":
            ticket.description_html = render_markdown(value)
    if new_status != old_status:
        ticket.mark_started(now)
        if new_status == Status.RESOLVED:
            # Resolving decides resolution and ends first response: one missed meanwhile is a breach now,
            # a resolution in time is this cycle's met outcome.
            sweep.breach_on_event(ticket, targets=("frt", "res"), at=now)
            outcomes.decide_met(ticket, ["res"], at=now, team_sla=team_sla)
        engine.on_status_change(ticket, old=old_status, new=new_status, at=now, paused=team_sla.paused_statuses)
    if CLOCK_FIELDS & set(changes):
        engine.refresh(ticket, team_sla, now=now)
    return events


@transaction.atomic
def ticket_update(*, ticket: Ticket, by: User | None, expected_version: int, changes: dict[str, Any]) -> Ticket:
    """Edit a ticket from a form. A write based on an old version raises :class:`StaleEdit`."""
    locked = lock_if_current(
        Ticket.objects,
        pk=ticket.pk,
        seen=expected_version,
        current=lambda row: Ticket.objects.for_card().get(pk=row.pk),
    )
    now = timezone.now()
    events = _apply_changes(ticket=locked, by=by, changes=changes, now=now, team_sla=engine.TeamSLA.load(locked.team))
    locked.version += 1
    locked.save()
    if "labels" in changes:
        locked.labels.set(changes["labels"])
    TicketEvent.objects.bulk_create(events)
    news.tell_changes(locked, events, by, people=_people_in(changes))
    return locked


def _people_in(changes: dict[str, Any]) -> dict[int, User] | None:
    """The new assignee of an edit, when it sets one: told of it without being read again."""
    assignee = changes.get("assignee")
    return {assignee.pk: assignee} if isinstance(assignee, User) else None


class NotOnBoard(RuleBroken):
    """The ticket to move is not on the board it was moved on."""


@dataclass(frozen=True)
class MoveResult:
    ticket: Ticket  # as saved
    before: Ticket  # as it was (its swimlane, say)
    to_status: str
    team_sla: engine.TeamSLA | None = None  # loaded when the status changed: the answer reads clocks with it
    # How many tickets the board shows in the columns the move changed, as it left them (no filters).
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def from_status(self) -> str:
        return str(self.before.status)

    @property
    def changed_statuses(self) -> tuple[str, ...]:
        if self.from_status == self.to_status:
            return (self.to_status,)
        return (self.from_status, self.to_status)


# What a move writes (attribute names): where the card is, and its SLA clocks.
MOVE_FIELDS = tuple(
    f.attname
    for f in Ticket._meta.concrete_fields
    if f.name in {"status", "position", "resolved_at", "work_started_at", "version", "updated_at", *SAVED_SLA_FIELDS}
)


@transaction.atomic
def ticket_move(
    *,
    ticket: Ticket,
    by: User | None,
    column: Column,
    above_id: int | None = None,
    below_id: int | None = None,
    ignore_wip: bool = False,
    board: Board | None = None,
    board_columns: Sequence[Column] | None = None,
) -> MoveResult:
    """Move a card into ``column`` between two neighbours. Writes the moved ticket and its history row only.

    Entering a full column raises :class:`WipLimitReached` and changes nothing.
    A ticket not on ``board`` (by default the column's) is refused with
    :class:`NotOnBoard`. ``board_columns``, the columns of the board as the
    caller just read them, spare the statement that would lock them when the
    ticket enters a column without a limit. The statements are hand-written
    (:mod:`tickets.moves`): three or four, whatever the size of the board.
    """
    board = board if board is not None else column.board
    locked = moves.lock_ticket(ticket_id=ticket.pk, board=board)
    if locked is None:
        raise NotOnBoard("That ticket is not on this board.")
    before = copy.copy(locked)
    from_status = locked.status
    now = timezone.now()
    to_status = column.status
    statuses = (to_status,) if to_status == from_status else (from_status, to_status)
    limits: list[moves.Limit] = []
    team_columns = board_columns if board_columns and board.project_id is None else None
    if to_status != from_status and not ignore_wip:
        # A column without a limit, on the team board, of a ticket in no project: no limit applies, no lock needed.
        unlimited = team_columns is not None and column.wip_limit is None and locked.project_id is None
        if not unlimited:
            limits = [c for c in moves.lock_columns(ticket=locked, status=to_status) if c.column.wip_limit is not None]
    since = resolved_since(board, now)
    read = moves.placement(
        ticket=locked, board=board, status=to_status, above_id=above_id, below_id=below_id, limits=limits,
        heads=statuses, resolved_since=since,
    )  # fmt: skip
    for limit in limits:
        count = read.limit_counts[limit.project_id]
        if count >= (limit.column.wip_limit or 0):
            raise WipLimitReached(limit.column, count)
    position, low = _position(read, above_id=above_id, below_id=below_id)
    if position is None:
        positions_renumber(team_id=locked.team_id, status=to_status)
        again = moves.placement(
            ticket=locked, board=board, status=to_status, above_id=above_id, below_id=below_id, limits=(), heads=(),
            resolved_since=since,
        )  # fmt: skip
        position, low = _position(again, above_id=above_id, below_id=below_id)
        assert position is not None, "a renumbered column has room between any two cards"
    events: list[TicketEvent] = []
    team_sla = None
    if to_status != from_status:
        events.append(event_row(locked, by, EventField.STATUS, from_status, to_status, now))
        if to_status == Status.RESOLVED:
            locked.resolved_at = now
        elif from_status == Status.RESOLVED:
            locked.resolved_at = None
        locked.status = to_status
        locked.mark_started(now)
        paused = frozenset(c.status for c in team_columns if c.pauses_sla) if team_columns is not None else None
        if paused is None or engine.stop_kind(from_status, paused) != engine.stop_kind(to_status, paused):
            # The clock stops or restarts: the due times move. (Between two columns where it runs alike,
            # To Do to In Progress say, nothing about the clock changes and nothing is recomputed; a
            # change of policies or calendar recomputes every open ticket anyway.)
            team_sla = engine.TeamSLA.load(locked.team, reload=False, paused_statuses=paused)
            if to_status == Status.RESOLVED:
                sweep.breach_on_event(locked, targets=("frt", "res"), at=now)
                outcomes.decide_met(locked, ["res"], at=now, team_sla=team_sla)
            engine.on_status_change(locked, old=from_status, new=to_status, at=now, paused=team_sla.paused_statuses)
            engine.refresh(locked, team_sla, now=now)
    locked.position = position
    locked.version += 1
    locked.updated_at = now
    moves.save_move(ticket=locked, fields=MOVE_FIELDS, events=events)
    news.tell_changes(locked, events, by)
    if low:
        from tickets.tasks import renumber_positions

        enqueue_after_commit(renumber_positions, locked.team_id, to_status)
    # The counts were read without the moved card: it is in the column it entered (a resolved card
    # only while the Resolved column still shows it).
    shown = to_status != Status.RESOLVED or since is None or (locked.resolved_at or now) >= since
    counts = {s: read.head_counts[s] + (1 if s == to_status and shown else 0) for s in statuses}
    return MoveResult(ticket=locked, before=before, to_status=to_status, team_sla=team_sla, counts=counts)


def _position(read: moves.Placement, *, above_id: int | None, below_id: int | None) -> tuple[int | None, bool]:
    return position_between(
        above=read.above, below=read.below, after_above=read.after_above, top=read.top, bottom=read.bottom,
        had_neighbours=bool(above_id or below_id),
    )  # fmt: skip


@dataclass(frozen=True)
class BulkResult:
    updated: list[int]
    refused: dict[int, str]


@transaction.atomic
def ticket_bulk_update(
    *, team: Team, by: User | None, ticket_ids: Iterable[int], changes: dict[str, Any],
    add_labels: Iterable[Label] = (), remove_labels: Iterable[Label] = (),
) -> BulkResult:  # fmt: skip
    """Apply the same change to many tickets of one team.

    Each ticket is checked on its own (a full column refuses the tickets that
    do not fit); the refused ones are reported and left untouched.
    """
    add = list(add_labels)
    remove = list(remove_labels)
    updated: list[int] = []
    refused: dict[int, str] = {}
    now = timezone.now()
    events: list[TicketEvent] = []
    changed: list[tuple[Ticket, list[TicketEvent]]] = []
    team_sla = engine.TeamSLA.load(team)
    for ticket in news.with_followers_flag(
        Ticket.objects.select_for_update(of=("self",))
        .select_related("team")
        .filter(team=team, pk__in=list(ticket_ids))
        .order_by("pk")
    ):
        try:
            with transaction.atomic():
                ticket_events = _apply_changes(ticket=ticket, by=by, changes=changes, now=now, team_sla=team_sla)
                ticket.version += 1
                ticket.save()
        except RuleBroken as refusal:
            refused[ticket.pk] = str(refusal)
            continue
        events.extend(ticket_events)
        changed.append((ticket, ticket_events))
        updated.append(ticket.pk)
    if add:
        through = Ticket.labels.through
        through.objects.bulk_create(
            [through(ticket_id=t, label_id=lbl.pk) for t in updated for lbl in add], ignore_conflicts=True
        )
    if remove:
        Ticket.labels.through.objects.filter(ticket_id__in=updated, label__in=remove).delete()
    TicketEvent.objects.bulk_create(events)
    # One write of all the notifications and follows, whatever the number of tickets.
    notes: list[Note] = []
    follows: list[TicketFollower] = []
    for ticket, ticket_events in changed:
        ticket_notes, ticket_follows = news.change_notes(ticket, ticket_events, by, people=_people_in(changes))
        notes += ticket_notes
        follows += ticket_follows
    news.tell(notes, follows)
    return BulkResult(updated=updated, refused=refused)


# --- Comments -------------------------------------------------------------------------------


@transaction.atomic
def comment_add(
    *, ticket: Ticket, by: User, body: str, is_public: bool, from_customer: bool = False, mail: bool = True
) -> Comment:
    """Add a public reply or an internal note, or log the customer's own reply (``from_customer``).

    The first public reply by an agent is the first response; a customer's
    reply never is. Mentioned people, the assignee (of a customer's reply)
    and followers are told (``mail=False``: in the app only, as for demo data).
    """
    comment = Comment.objects.create(
        ticket=ticket, author=by, body=body, body_html=render_markdown(body), is_public=is_public or from_customer,
        from_customer=from_customer,
    )  # fmt: skip
    news.tell_comment(ticket, comment, by, mail=mail)
    if (
        is_public
        and not from_customer
        and Membership.objects.filter(team_id=ticket.team_id, user=by).exclude(role=Role.VIEWER).exists()
    ):
        # Locked, and only while unanswered: of two replies at once, the earlier one stays the first
        # response. A reply after the due time is a breach now, whether or not a sweep ran since; then the
        # first-response clock stops: its due and warning times no longer apply.
        locked = Ticket.objects.select_for_update().filter(pk=ticket.pk, first_response_at__isnull=True).first()
        if locked is not None:
            sweep.breach_on_event(locked, targets=("frt",), at=comment.created_at)
            outcomes.decide_met(locked, ["frt"], at=comment.created_at, team_sla=engine.TeamSLA.load(locked.team))
            Ticket.objects.filter(pk=locked.pk).update(
                first_response_at=comment.created_at, frt_due_at=None, frt_warn_at=None,
                frt_breached_at=locked.frt_breached_at,
            )  # fmt: skip
    return comment


# --- Board settings ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ColumnSetting:
    column_id: int
    name: str
    order: int
    wip_limit: int | None
    pauses_sla: bool | None = None  # None: leave as it is


@transaction.atomic
def board_configure(
    *,
    board: Board,
    by: User,
    expected_version: int,
    columns: list[ColumnSetting],
    wip_per_agent: int | None,
    resolved_days: int | None = None,
) -> Board:
    """Rename, reorder and set the WIP limits and SLA pauses of a board's columns, its per-agent WIP
    limit and how many days of resolved work its Resolved column shows (None: unchanged).

    A limit below the column's current count is allowed: the column shows
    "over limit" and refuses new cards until it drains. A save based on an
    old version raises :class:`StaleEdit`. When the team board's SLA pauses
    change, one background task recomputes the team's open tickets after commit.
    """
    locked = lock_if_current(Board.objects, pk=board.pk, seen=expected_version)
    existing = {c.pk: c for c in Column.objects.select_for_update().filter(board=locked)}
    if {c.column_id for c in columns} != set(existing):
        raise RuleBroken("The board's columns changed meanwhile; reload the page.")
    orders = [c.order for c in columns]
    if len(set(orders)) != len(orders):
        raise RuleBroken("Two columns cannot have the same position.")
    # Two passes, so that swapping two positions never meets the unique (board, order) constraint.
    Column.objects.filter(board=locked).update(order=models.F("order") + 1000)
    pauses_changed = False
    for setting in columns:
        column = existing[setting.column_id]
        column.name = setting.name.strip()
        column.order = setting.order
        column.wip_limit = setting.wip_limit
        if setting.pauses_sla is not None and setting.pauses_sla != column.pauses_sla:
            column.pauses_sla = setting.pauses_sla
            pauses_changed = True
    Column.objects.bulk_update(existing.values(), ["name", "order", "wip_limit", "pauses_sla"])
    locked.wip_per_agent = wip_per_agent
    if resolved_days is not None:
        locked.resolved_days = resolved_days
    locked.version += 1
    locked.save(update_fields=["wip_per_agent", "resolved_days", "version"])
    if pauses_changed and locked.project_id is None:
        # Only the team board's pauses count (TeamSLA.load). They apply from each ticket's next
        # status change; the recompute refreshes the stored due times of open tickets meanwhile.
        from tickets.tasks import sla_recompute_team

        team_id = locked.team_id
        enqueue_after_commit(sla_recompute_team, team_id)
    return locked


# --- Project deliverables done through tickets -----------------------------------------------------------------


@transaction.atomic
def deliverable_link(*, deliverable: Any, number: int | None) -> DeliverableLink | None:
    """Link a deliverable to a ticket of its project's team by number (None: unlink)."""
    team_id = deliverable.phase.project.team_id
    if number is None:
        DeliverableLink.objects.filter(deliverable=deliverable).delete()
        return None
    ticket = Ticket.objects.filter(team_id=team_id, number=number).first()
    if ticket is None:
        raise Invalid({"number": f"This team has no ticket number {number}."})
    link, _ = DeliverableLink.objects.update_or_create(deliverable=deliverable, defaults={"ticket": ticket})
    return link
