"""Every write to tickets, comments, boards and columns.

Each service runs in one transaction and records a TicketEvent for every
change of status, assignee, priority, sprint or project in that transaction.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction
from django.db.models import Count, Max, Min, Q, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from projects.models import Project
from teams.models import Membership, Role, Team, User
from teams.services import RuleBroken, StaleEdit
from tickets.markdown import render_markdown
from tickets.models import (
    ACTIVE_STATUSES,
    DEFAULT_COLUMNS,
    OPEN_STATUSES,
    Account,
    Board,
    Column,
    Comment,
    EventField,
    Label,
    Priority,
    RoutingRule,
    Status,
    Ticket,
    TicketEvent,
)

# Distance between neighbouring cards after a renumber. A move takes the
# midpoint of its neighbours, so ~20 moves into the same gap fit before a
# renumber is needed.
POSITION_GAP = 1 << 20
# Below this gap a background renumber of the column is scheduled.
RENUMBER_BELOW = 64

__all__ = ["RuleBroken", "StaleEdit"]


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
    board = Board.objects.filter(team=team, project__isnull=True).first()
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
        Column(board=board, name=name, status=status, order=i, wip_limit=limit)
        for i, (name, status, limit) in enumerate(DEFAULT_COLUMNS)
    )


# --- History --------------------------------------------------------------------------


def _label_of(field_name: str, value: Any) -> str:
    if value is None or value == "":
        return ""
    if field_name == EventField.STATUS:
        return str(Status(value).label)
    if field_name == EventField.PRIORITY:
        return str(Priority(value).label)
    if field_name == EventField.ASSIGNEE:
        return value.display_name if isinstance(value, User) else str(value)
    return str(value)


def _value_of(value: Any) -> str:
    if value is None:
        return ""
    return str(getattr(value, "pk", value))


def _event(ticket: Ticket, by: User | None, field_name: str, old: Any, new: Any, at: Any) -> TicketEvent:
    return TicketEvent(
        ticket=ticket,
        actor=by,
        field=field_name,
        from_value=_value_of(old),
        to_value=_value_of(new),
        from_label=_label_of(field_name, old)[:160],
        to_label=_label_of(field_name, new)[:160],
        created_at=at,
    )


# --- WIP and positions -------------------------------------------------------------------


def _enforce_wip(*, ticket: Ticket, status: str) -> None:
    """Refuse entering ``status`` when a board column for it is full.

    Locks the column rows (team board first, then the project board, always in
    that order) so that concurrent moves into one column are serialised and
    can never exceed its limit.
    """
    boards = Q(board__team_id=ticket.team_id, board__project__isnull=True)
    if ticket.project_id:
        boards |= Q(board__project_id=ticket.project_id)
    columns = list(
        Column.objects.select_for_update()
        .filter(boards, status=status)
        .select_related("board")
        .order_by("board__project_id", "id")
    )
    for column in columns:
        if column.wip_limit is None:
            continue
        scope = Ticket.objects.filter(status=status).exclude(pk=ticket.pk)
        if column.board.project_id:
            scope = scope.filter(project_id=column.board.project_id)
        else:
            scope = scope.filter(team_id=ticket.team_id)
        count = scope.count()
        if count >= column.wip_limit:
            raise WipLimitReached(column, count)


def _bottom_position(*, team_id: int, status: str) -> int:
    last = Ticket.objects.filter(team_id=team_id, status=status).aggregate(m=Max("position"))["m"]
    return (last or 0) + POSITION_GAP


def positions_renumber(*, team_id: int, status: str) -> int:
    """Spread the positions of one column evenly again; one statement. Returns rows changed."""
    table = Ticket._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            UPDATE {table} SET position = ranked.rn * %s
            FROM (
                SELECT id, ROW_NUMBER() OVER (ORDER BY position, id) AS rn
                FROM {table} WHERE team_id = %s AND status = %s
            ) AS ranked
            WHERE {table}.id = ranked.id AND {table}.position <> ranked.rn * %s
            """,  # noqa: S608 - table name from the model, values bound
            [POSITION_GAP, team_id, status, POSITION_GAP],
        )
        return cursor.rowcount


def _position_between(*, ticket: Ticket, status: str, above_id: int | None, below_id: int | None) -> tuple[int, bool]:
    """Position for ``ticket`` between two neighbours in ``status``; and whether gaps run low."""
    neighbours = {
        t.pk: t.position
        for t in Ticket.objects.filter(
            team_id=ticket.team_id, status=status, pk__in=[i for i in (above_id, below_id) if i]
        )
        .exclude(pk=ticket.pk)
        .only("id", "position")
    }
    above = neighbours.get(above_id) if above_id else None
    below = neighbours.get(below_id) if below_id else None
    if above is not None and below is not None and below <= above:
        below = None  # stale neighbours: trust the card above
    if above is None and below is None:
        if above_id or below_id:
            # Neighbours moved away meanwhile: put the card at the bottom.
            return _bottom_position(team_id=ticket.team_id, status=status), False
        top = (
            Ticket.objects.filter(team_id=ticket.team_id, status=status)
            .exclude(pk=ticket.pk)
            .aggregate(m=Min("position"))["m"]
        )
        return (top - POSITION_GAP) if top is not None else POSITION_GAP, False
    if below is None:
        assert above is not None
        nxt = (
            Ticket.objects.filter(team_id=ticket.team_id, status=status, position__gt=above)
            .exclude(pk=ticket.pk)
            .aggregate(m=Min("position"))["m"]
        )
        if nxt is None:
            return above + POSITION_GAP, False
        below = nxt
    if above is None:
        assert below is not None
        return below - POSITION_GAP, False
    gap = below - above
    if gap < 2:
        positions_renumber(team_id=ticket.team_id, status=status)
        return _position_between(ticket=ticket, status=status, above_id=above_id, below_id=below_id)
    return above + gap // 2, gap < RENUMBER_BELOW


# --- Tickets ------------------------------------------------------------------------------


@dataclass
class TicketDraft:
    """What a person (or an integration) submits for a new ticket."""

    title: str
    kind: str = "inquiry"
    description: str = ""
    requester_name: str = ""
    requester_email: str = ""
    account: Account | None = None
    channel: str = "email"
    priority: int = Priority.NORMAL
    status: str = Status.TODO
    assignee: User | None = None
    project: Project | None = None
    story_points: int | None = None
    impact: int | None = None
    effort: int | None = None
    labels: list[Label] = field(default_factory=list)


def _rule_matches(rule: RoutingRule, draft: TicketDraft) -> bool:
    if rule.channel and rule.channel != draft.channel:
        return False
    if rule.kind and rule.kind != draft.kind:
        return False
    if rule.priority and rule.priority != draft.priority:
        return False
    if rule.account_tier and (draft.account is None or draft.account.tier != rule.account_tier):
        return False
    keywords = [k.strip().lower() for k in rule.keywords.split(",") if k.strip()]
    if keywords:
        text = f"{draft.title}\n{draft.description}".lower()
        if not any(k in text for k in keywords):
            return False
    return True


def routing_apply(*, team: Team, draft: TicketDraft) -> tuple[Team, TicketDraft, RoutingRule | None]:
    """Apply the first matching active rule of ``team``; return the (possibly new) team and draft."""
    rules = RoutingRule.objects.filter(team=team, is_active=True).prefetch_related("add_labels").order_by("order", "id")
    for rule in rules:
        if not _rule_matches(rule, draft):
            continue
        target = team
        if rule.set_team_id and rule.set_team_id != team.pk:
            target = rule.set_team  # type: ignore[assignment]
            # Labels and project belong to the team the ticket came to first.
            draft.labels = []
            draft.project = None
        if rule.set_priority:
            draft.priority = rule.set_priority
        if target == team:
            draft.labels = list({lbl.pk: lbl for lbl in [*draft.labels, *rule.add_labels.all()]}.values())
        if rule.set_assignee_id and Membership.objects.filter(team=target, user_id=rule.set_assignee_id).exists():
            draft.assignee = rule.set_assignee
        elif rule.auto_assign:
            draft.assignee = auto_assign_pick(team=target, story_points=draft.story_points)
        return target, draft, rule
    return team, draft, None


def auto_assign_pick(*, team: Team, story_points: int | None = None) -> User | None:
    """The agent with the fewest open tickets who has capacity left and is under the WIP limit.

    Capacity left: sprint capacity minus the story points of their open
    tickets in this team, at least the new ticket's points (or 1). WIP: their
    in-progress tickets stay below the board's per-agent limit, when set.
    """
    board = Board.objects.filter(team=team, project__isnull=True).first()
    in_team_open = Q(user__assigned_tickets__team=team, user__assigned_tickets__status__in=OPEN_STATUSES)
    in_team_active = Q(user__assigned_tickets__team=team, user__assigned_tickets__status__in=ACTIVE_STATUSES)
    candidates = (
        Membership.objects.filter(team=team, role__in=[Role.AGENT, Role.LEAD])
        .annotate(
            open_count=Count("user__assigned_tickets", filter=in_team_open),
            active_count=Count("user__assigned_tickets", filter=in_team_active),
            open_points=Coalesce(Sum("user__assigned_tickets__story_points", filter=in_team_open), 0),
        )
        .select_related("user")
        .order_by("open_count", "open_points", "user_id")
    )
    need = story_points or 1
    for m in candidates:
        if m.capacity - m.open_points < need:
            continue
        if board and board.wip_per_agent is not None and m.active_count >= board.wip_per_agent:
            continue
        return m.user
    return None


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
    ticket.position = _bottom_position(team_id=team.pk, status=draft.status)
    now = timezone.now()
    if draft.status == Status.RESOLVED:
        ticket.resolved_at = now
    ticket.save()
    if draft.labels:
        ticket.labels.set(draft.labels)
    events = [_event(ticket, by, EventField.CREATED, None, draft.status, now)]
    events.append(_event(ticket, by, EventField.STATUS, None, draft.status, now))
    if draft.assignee:
        events.append(_event(ticket, by, EventField.ASSIGNEE, None, draft.assignee, now))
    if draft.project:
        events.append(_event(ticket, by, EventField.PROJECT, None, draft.project, now))
    TicketEvent.objects.bulk_create(events)
    return ticket


TRACKED = {
    "status": EventField.STATUS,
    "assignee": EventField.ASSIGNEE,
    "priority": EventField.PRIORITY,
    "project": EventField.PROJECT,
}
EDITABLE = (
    "kind", "title", "description", "requester_name", "requester_email", "account", "channel", "priority",
    "status", "assignee", "project", "story_points", "impact", "effort",
)  # fmt: skip


def _apply_changes(*, ticket: Ticket, by: User | None, changes: dict[str, Any], now: Any) -> list[TicketEvent]:
    """Set fields on a locked ticket; return the history rows. The caller saves."""
    events: list[TicketEvent] = []
    unknown = set(changes) - set(EDITABLE) - {"labels"}
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    new_status = changes.get("status", ticket.status)
    if new_status != ticket.status:
        _enforce_wip(ticket=ticket, status=new_status)
        ticket.position = _bottom_position(team_id=ticket.team_id, status=new_status)
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
            events.append(_event(ticket, by, TRACKED[name], old, value, now))
        setattr(ticket, name, value)
        if name == "description":
            ticket.description_html = render_markdown(value)
    return events


@transaction.atomic
def ticket_update(*, ticket: Ticket, by: User | None, expected_version: int, changes: dict[str, Any]) -> Ticket:
    """Edit a ticket from a form. A write based on an old version raises :class:`StaleEdit`."""
    locked = Ticket.objects.select_for_update().get(pk=ticket.pk)
    if locked.version != expected_version:
        raise StaleEdit(current=Ticket.objects.for_card().get(pk=ticket.pk))
    now = timezone.now()
    events = _apply_changes(ticket=locked, by=by, changes=changes, now=now)
    locked.version += 1
    locked.save()
    if "labels" in changes:
        locked.labels.set(changes["labels"])
    TicketEvent.objects.bulk_create(events)
    return locked


@dataclass(frozen=True)
class MoveResult:
    ticket: Ticket
    from_status: str
    to_status: str

    @property
    def changed_statuses(self) -> tuple[str, ...]:
        if self.from_status == self.to_status:
            return (self.to_status,)
        return (self.from_status, self.to_status)


@transaction.atomic
def ticket_move(
    *,
    ticket: Ticket,
    by: User | None,
    column: Column,
    above_id: int | None = None,
    below_id: int | None = None,
    ignore_wip: bool = False,
) -> MoveResult:
    """Move a card into ``column`` between two neighbours. Writes the moved ticket only.

    Entering a full column raises :class:`WipLimitReached` and changes nothing.
    """
    locked = Ticket.objects.select_for_update().get(pk=ticket.pk)
    from_status = locked.status
    now = timezone.now()
    events: list[TicketEvent] = []
    if column.status != from_status:
        if not ignore_wip:
            _enforce_wip(ticket=locked, status=column.status)
        events.append(_event(locked, by, EventField.STATUS, from_status, column.status, now))
        if column.status == Status.RESOLVED:
            locked.resolved_at = now
        elif from_status == Status.RESOLVED:
            locked.resolved_at = None
        locked.status = column.status
    locked.position, low = _position_between(ticket=locked, status=column.status, above_id=above_id, below_id=below_id)
    locked.version += 1
    locked.save(update_fields=["status", "position", "resolved_at", "version", "updated_at"])
    TicketEvent.objects.bulk_create(events)
    if low:
        from tickets.tasks import renumber_positions

        renumber_positions.delay_on_commit(locked.team_id, column.status)
    return MoveResult(ticket=locked, from_status=from_status, to_status=column.status)


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
    for ticket in Ticket.objects.select_for_update().filter(team=team, pk__in=list(ticket_ids)).order_by("pk"):
        try:
            with transaction.atomic():
                ticket_events = _apply_changes(ticket=ticket, by=by, changes=changes, now=now)
                ticket.version += 1
                ticket.save()
        except RuleBroken as refusal:
            refused[ticket.pk] = str(refusal)
            continue
        events.extend(ticket_events)
        updated.append(ticket.pk)
    if add:
        through = Ticket.labels.through
        through.objects.bulk_create(
            [through(ticket_id=t, label_id=lbl.pk) for t in updated for lbl in add], ignore_conflicts=True
        )
    if remove:
        Ticket.labels.through.objects.filter(ticket_id__in=updated, label__in=remove).delete()
    TicketEvent.objects.bulk_create(events)
    return BulkResult(updated=updated, refused=refused)


# --- Comments -------------------------------------------------------------------------------


@transaction.atomic
def comment_add(*, ticket: Ticket, by: User, body: str, is_public: bool) -> Comment:
    """Add a public reply or an internal note. The first public reply by an agent is the first response."""
    comment = Comment.objects.create(
        ticket=ticket, author=by, body=body, body_html=render_markdown(body), is_public=is_public
    )
    if is_public and Membership.objects.filter(team_id=ticket.team_id, user=by).exclude(role=Role.VIEWER).exists():
        # Conditional: of two replies at once, the earlier one stays the first response.
        Ticket.objects.filter(pk=ticket.pk, first_response_at__isnull=True).update(first_response_at=comment.created_at)
    return comment
