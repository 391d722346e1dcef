"""Read paths that assemble more than one query: the board."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import groupby
from operator import itemgetter
from typing import Any

from django.db import connection
from django.db.models import Case, Count, Exists, OuterRef, Q, Value, When
from django.utils import timezone

from core.rows import rows_of
from teams.models import Team, User
from tickets.choices import Priority, Status
from tickets.models import Board, Column, Ticket
from tickets.querysets import CARDS_PER_COLUMN
from tickets.sla.display import (
    AT_RISK,
    BREACHED,
    SLA_LANES,
    CardClock,
    ClockReader,
    lane_of,
    sla_escalated,
    sla_lane,
)
from tickets.sla.engine import TeamSLA

# Swimlane modes and the field (or annotation) each splits by; "sla" lanes are the breach-risk states;
# "interrupt" splits a scoped board (a sprint's) into its plan and the work that arrived meanwhile.
LANES = {"assignee": "assignee_id", "priority": "priority", "sla": "sla_lane", "interrupt": "interrupt_lane"}
INTERRUPT_LANES = {"plan": "Sprint plan", "interrupt": "Interrupts: arrived during the sprint"}


@dataclass(frozen=True)
class BoardScope:
    """A narrower view of a board that an app above defines (a sprint's): which tickets it shows, and which
    of them are interrupts. Apps register a resolver by name in ``SCOPES``; the board reads ``?<name>=…``.
    """

    name: str  # the query parameter: "sprint"
    value: str  # its value: "12"
    label: str  # "Sprint 12"
    tickets: Q
    interrupts: Q
    back_url: str = ""  # the page the scope belongs to


# name -> resolver(team_id, value) -> BoardScope | None (None: no such scope in that team)
SCOPES: dict[str, Callable[[int, str], BoardScope | None]] = {}


@dataclass(frozen=True)
class BoardFilters:
    """The quick filters of a board; all optional, combined with AND."""

    mine_of: User | None = None
    assignee_id: int | None = None  # a chosen person
    unassigned: bool = False
    priority: int | None = None
    label_id: int | None = None
    account_id: int | None = None
    text: str = ""
    sla_risk: bool = False  # running target past its warning time, or breached
    scope: BoardScope | None = None

    @property
    def active(self) -> bool:
        return bool(
            self.scope
            or self.mine_of
            or self.assignee_id
            or self.unassigned
            or self.priority
            or self.label_id
            or self.account_id
            or self.text.strip()
            or self.sla_risk
        )

    def apply(self, qs: Any, *, now: datetime | None = None) -> Any:
        if self.scope is not None:
            qs = qs.filter(self.scope.tickets)
        if self.mine_of is not None:
            qs = qs.filter(assignee=self.mine_of)
        if self.assignee_id:
            qs = qs.filter(assignee_id=self.assignee_id)
        if self.unassigned:
            qs = qs.filter(assignee__isnull=True)
        if self.priority:
            qs = qs.filter(priority=self.priority)
        if self.label_id:  # a semi-join: a card never appears twice, so no DISTINCT is needed
            through = Ticket.labels.through.objects.filter(ticket_id=OuterRef("pk"), label_id=self.label_id)
            qs = qs.filter(Exists(through))
        if self.account_id:
            qs = qs.filter(account_id=self.account_id)
        if self.text.strip():
            qs = qs.search(self.text)
        if self.sla_risk:
            qs = qs.alias(sla_risk_lane=sla_lane(now or timezone.now())).filter(sla_risk_lane__in=(BREACHED, AT_RISK))
        return qs


@dataclass(slots=True)
class Card:
    """What one board card shows, read without model instances (a board may draw thousands)."""

    pk: int
    number: int
    title: str
    priority: int
    status: str
    story_points: int | None
    created_at: datetime
    assignee_id: int | None
    assignee_name: str
    assignee_initials: str
    account_name: str | None
    # (name, colour) by name. A tuple: a card without labels allocates nothing, and the garbage
    # collector stops tracking tuples of strings, which matters when a board draws thousands of cards.
    labels: tuple[tuple[str, str], ...] = ()
    sla: CardClock | None = None  # None: no policy, or no clock running
    sla_lane: str = ""  # the breach-risk lane, when the board is split by it
    interrupt_lane: str = ""  # "plan" or "interrupt", when a scoped board is split by it
    escalation: str = ""  # "sla": the SLA moved it to Escalated; "sla-over": and that column is over its limit
    blocked_since: datetime | None = None  # an open standup blocker names it
    work_started_at: datetime | None = None  # first entry into an active status


CARD_VALUES = (
    "id", "number", "title", "priority", "status", "story_points", "created_at", "assignee_id",
    "assignee__first_name", "assignee__last_name", "assignee__username", "account__name",
    "sla_policy_id", "sla_policy__business_hours", "sla_paused_since",
    "frt_due_at", "frt_warn_at", "frt_warned_at", "frt_breached_at",
    "res_due_at", "res_warn_at", "res_warned_at", "res_breached_at", "sla_escalated", "blocked_since",
    "work_started_at",
)  # fmt: skip


LABEL_IDS_AS_LIST = 1000


def card_of_ticket(ticket: Ticket, *, clocks: ClockReader, labels: tuple[tuple[str, str], ...] | None = None) -> Card:
    """The card of a ticket already in memory (just moved, say): one query for its labels, unless given.

    Reads ``ticket.assignee``, ``ticket.account`` and ``ticket.sla_policy``:
    select them with the ticket. A card moved by hand is never "escalated by
    the SLA" (that says nobody moved it since the breach).
    """
    person = ticket.assignee
    name = User.display_name_of(person.first_name, person.last_name, person.username) if person else ""
    initials = User.initials_of(person.first_name, person.last_name, person.username) if person else ""
    account = ticket.account.name if ticket.account else None
    card = Card(ticket.pk, ticket.number, ticket.title, ticket.priority, ticket.status, ticket.story_points,
                ticket.created_at, ticket.assignee_id, name, initials, account)  # fmt: skip
    card.blocked_since = ticket.blocked_since
    card.work_started_at = ticket.work_started_at
    if ticket.sla_policy is not None:
        card.sla = clocks.card(
            ticket.sla_policy.business_hours,
            ticket.status,
            ticket.sla_paused_since,
            (ticket.frt_due_at, ticket.frt_warn_at, ticket.frt_warned_at, ticket.frt_breached_at),
            (ticket.res_due_at, ticket.res_warn_at, ticket.res_warned_at, ticket.res_breached_at),
        )
    if labels is None:
        labels = tuple(
            Ticket.labels.through.objects.filter(ticket_id=ticket.pk)
            .order_by("label__name")
            .values_list("label__name", "label__colour")
        )
    card.labels = labels
    return card


def cards_of(qs: Any, *, clocks: ClockReader) -> list[Card]:
    """Board cards for a queryset, in its order: one query for the cards, one for their labels.

    Clocks are read only for cards with a policy (business time needs the
    team calendar, which ``clocks`` builds once, when a card first needs it).
    """
    lane_name = next((n for n in ("sla_lane", "interrupt_lane") if n in qs.query.annotations), None)
    by_lane = lane_name is not None
    values = (*CARD_VALUES, lane_name) if lane_name else CARD_VALUES
    cards = []
    people: dict[int, tuple[str, str]] = {}  # a board repeats a few assignees: each name is made once
    for row in rows_of(qs.annotate(sla_escalated=sla_escalated()).values_list(*values)):
        (
            pk, number, title, prio, status, points, created, aid, first, last, username, account,
            policy, business_hours, paused, f_due, f_warn, f_warned, f_breached, r_due, r_warn, r_warned, r_breached,
            by_sla, blocked, started,
        ) = row[:-1] if by_lane else row  # fmt: skip
        if aid is None:
            name = initials = ""
        else:
            named = people.get(aid)
            if named is None:
                named = people[aid] = (User.display_name_of(first, last, username),
                                       User.initials_of(first, last, username))  # fmt: skip
            name, initials = named
        card = Card(pk, number, title, prio, status, points, created, aid, name, initials, account)
        if policy is not None:
            card.sla = clocks.card(
                business_hours,
                status,
                paused,
                (f_due, f_warn, f_warned, f_breached),
                (r_due, r_warn, r_warned, r_breached),
            )
        if by_sla:
            card.escalation = "sla"
        card.blocked_since = blocked
        card.work_started_at = started
        if lane_name is not None:
            setattr(card, lane_name, row[-1])
        cards.append(card)
    if cards:
        by_pk = {c.pk: c for c in cards}
        # A few hundred ids go as a list; for a whole board, re-selecting the ids costs less than sending them.
        ids = list(by_pk) if len(by_pk) <= LABEL_IDS_AS_LIST else qs.order_by().values("id")
        rows = rows_of(
            Ticket.labels.through.objects.filter(ticket_id__in=ids)
            .order_by("ticket_id", "label__name")
            .values_list("ticket_id", "label__name", "label__colour")
        )
        for ticket_id, group in groupby(rows, key=itemgetter(0)):
            by_pk[ticket_id].labels = tuple([(name, colour) for _, name, colour in group])
    return cards


@dataclass
class Cell:
    """The cards of one column (in one swimlane) as far as the first page goes."""

    column: Column
    lane: str = ""
    cards: list[Card] = field(default_factory=list)
    shown: int = 0  # cards matching the filters in this cell

    @property
    def has_more(self) -> bool:
        return self.shown > len(self.cards)

    @property
    def last_card(self) -> Card | None:
        return self.cards[-1] if self.cards else None

    @property
    def dom_id(self) -> str:
        return f"cell-{self.column.pk}-{self.lane}" if self.lane else f"cell-{self.column.pk}"


@dataclass
class ColumnHead:
    column: Column
    count: int  # every ticket in the column: what the WIP limit counts
    shown: int  # those matching the filters

    @property
    def is_full(self) -> bool:
        return self.column.wip_limit is not None and self.count >= self.column.wip_limit

    @property
    def is_over(self) -> bool:
        return self.column.wip_limit is not None and self.count > self.column.wip_limit


@dataclass
class Lane:
    key: str
    label: str
    initials: str = ""
    cells: list[Cell] = field(default_factory=list)
    sort_key: tuple[Any, ...] = ()

    @property
    def shown(self) -> int:
        return sum(c.shown for c in self.cells)


@dataclass
class BoardData:
    board: Board
    heads: list[ColumnHead]
    lanes: list[Lane]  # one lane with key "" when not split into swimlanes
    lane_by: str = ""
    now: datetime | None = None  # the instant SLA clocks were read at
    card: Card | None = None  # after a move: the moved card alone

    @property
    def cells_by_column(self) -> dict[int, Cell]:
        """Without swimlanes: the single cell of each column."""
        return {cell.column.pk: cell for cell in self.lanes[0].cells} if self.lanes else {}

    @property
    def columns(self) -> list[tuple[ColumnHead, Cell]]:
        cells = self.cells_by_column
        return [(head, cells[head.column.pk]) for head in self.heads]


def board_scope(board: Board) -> Any:
    """Tickets that belong on the board: the team's, or one project's."""
    if board.project_id:
        return Ticket.objects.filter(project_id=board.project_id)
    return Ticket.objects.filter(team_id=board.team_id)


def resolved_since(board: Board, now: datetime) -> datetime | None:
    """The oldest resolution the board's Resolved column shows (None: it shows every resolved ticket)."""
    return now - timedelta(days=board.resolved_days) if board.resolved_days else None


def on_board(board: Board, statuses: Iterable[str], now: datetime) -> Any:
    """Tickets the board shows in these columns: every open one, and the recently resolved.

    Both halves are index ranges (board order; recently resolved), so what the
    board reads grows with its open and recent work, never with its history.
    """
    wanted = list(statuses)
    shown = Q(status__in=[s for s in wanted if s != Status.RESOLVED])
    if Status.RESOLVED in wanted:
        since = resolved_since(board, now)
        shown |= Q(status=Status.RESOLVED, resolved_at__gte=since) if since else Q(status=Status.RESOLVED)
    return board_scope(board).filter(shown)


def first_pages(filtered: Any, cells: Iterable[tuple[str, Any]], *, lane_field: str | None, per_cell: int) -> list[int]:
    """The ids of the first ``per_cell`` cards of each (status, lane) cell, in one query.

    Each cell is its own ``ORDER BY … LIMIT n`` over an index range (open
    columns: the board-order index by position; Resolved: the recently-resolved
    index, newest first), joined with UNION ALL: the rows read are the cards
    shown, however long the board's history (a window function over the whole
    board would read and sort every card it ever had). The cards are then read
    by these ids: as a subquery, the planner may scan a small table whole.
    """
    parts: list[str] = []
    params: list[Any] = []
    for i, (status, lane_value) in enumerate(cells):
        cell = filtered.filter(status=status)
        if lane_field:
            cell = cell.filter(**({f"{lane_field}__isnull": True} if lane_value is None else {lane_field: lane_value}))
        ordered = cell.in_resolved_order() if status == Status.RESOLVED else cell.order_by("position", "id")
        sql, cell_params = ordered.values_list("id")[:per_cell].query.sql_with_params()
        parts.append(f"SELECT p{i}.id FROM ({sql}) AS p{i}")  # noqa: S608 - compiled by the ORM, values bound
        params.extend(cell_params)
    if not parts:
        return []
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(parts), params)
        return [row[0] for row in cursor.fetchall()]


def _in_lane(qs: Any, lane_field: str, lane: str) -> Any:
    """Tickets of one swimlane: lane is an id, a priority, "none" (unassigned), or a breach-risk state."""
    if lane_field == "sla_lane":
        return qs.filter(sla_lane=lane) if lane in SLA_LANES else qs.none()
    if lane_field == "interrupt_lane":
        return qs.filter(interrupt_lane=lane) if lane in INTERRUPT_LANES else qs.none()
    if lane == "none":
        return qs.filter(**{f"{lane_field}__isnull": True})
    return qs.filter(**{lane_field: int(lane)}) if lane.isdigit() else qs.none()


def _lane_key(ticket_or_value: Any, lane_by: str) -> str:
    if lane_by == "assignee":
        value = ticket_or_value
        return str(value) if value is not None else "none"
    return str(ticket_or_value)


def lane_key_of(ticket: Ticket, lane_by: str, now: datetime) -> str | None:
    """The swimlane a ticket's card sits in (None when the board has no swimlanes)."""
    if lane_by == "assignee":
        return str(ticket.assignee_id or "none")
    if lane_by == "priority":
        return str(ticket.priority)
    if lane_by == "sla":
        return lane_of(ticket, now)
    return None  # interrupt lanes: a move never changes whether a ticket arrived during the sprint


def _lane_value(key: str, lane_by: str) -> Any:
    """The stored value of a lane key (what the shown counts are grouped by)."""
    if lane_by in ("sla", "interrupt"):
        return key
    return None if key == "none" else int(key)


def _with_lane(qs: Any, lane_by: str, now: datetime, scope: BoardScope | None = None) -> Any:
    if lane_by == "interrupt" and scope is not None:
        return qs.annotate(interrupt_lane=Case(When(scope.interrupts, then=Value("interrupt")), default=Value("plan")))
    return qs.annotate(sla_lane=sla_lane(now)) if lane_by == "sla" else qs


def board_data(
    *,
    board: Board,
    filters: BoardFilters,
    lane_by: str = "",
    per_column: int | None = CARDS_PER_COLUMN,
    statuses: tuple[str, ...] | None = None,
    lane: str | None = None,
    now: datetime | None = None,
) -> BoardData:
    """Everything a board (or some of its columns) shows, in a constant number of queries.

    ``per_column=None`` renders every card (used by the benchmark); ``statuses``
    and ``lane`` narrow the result to the columns (and lane) a move changed.
    SLA states (filter, lanes, card clocks) are all read at one instant, ``now``.
    """
    now = now or timezone.now()
    columns = [c for c in board.columns.all() if statuses is None or c.status in statuses]
    scope = on_board(board, [c.status for c in columns], now)
    lane_by = lane_by if lane_by != "interrupt" or filters.scope else ""
    filtered = _with_lane(filters.apply(scope, now=now), lane_by, now, filters.scope)
    lane_field = LANES.get(lane_by)
    if lane_field and lane is not None:
        filtered = _in_lane(filtered, lane_field, lane)
    clocks = ClockReader(now, board=board)
    cards = cards_of(filtered.in_board_order(), clocks=clocks) if per_column is None else []
    if per_column is None and not filters.active and (lane is None or not lane_field):
        # Every card of these columns was read: the cards are the counts.
        totals: dict[str, int] = Counter(card.status for card in cards)
    else:
        totals = dict(scope.values_list("status").annotate(n=Count("id")).order_by())
    group = ["status", lane_field] if lane_field else ["status"]
    if filters.active or lane_field:
        shown_counts = {
            tuple(row[:-1]): row[-1] for row in filtered.values_list(*group).annotate(n=Count("id")).order_by()
        }
    else:
        shown_counts = {(status,): n for status, n in totals.items()}
    if per_column is not None:
        first = [(key[0], key[1] if lane_field else None) for key, n in shown_counts.items() if n]
        ids = first_pages(filtered, first, lane_field=lane_field, per_cell=per_column)
        page = _with_lane(Ticket.objects.filter(id__in=ids), lane_by, now, filters.scope)
        cards = cards_of(page.in_board_order(), clocks=clocks) if ids else []

    heads = [
        ColumnHead(
            column=c,
            count=totals.get(c.status, 0),
            shown=sum(n for key, n in shown_counts.items() if key[0] == c.status),
        )
        for c in columns
    ]
    if any(h.is_over and h.column.status == Status.ESCALATED for h in heads):
        _say_over_limit(cards)

    if not lane_field:
        by_status: dict[str, list[Card]] = defaultdict(list)
        for t in cards:
            by_status[t.status].append(t)
        cells = [Cell(column=c, cards=by_status[c.status], shown=shown_counts.get((c.status,), 0)) for c in columns]
        return BoardData(board=board, heads=heads, lanes=[Lane(key="", label="", cells=cells)], now=now)

    by_cell: dict[tuple[str, str], list[Card]] = defaultdict(list)
    people: dict[str, Card] = {}
    for t in cards:
        key = _lane_key(getattr(t, lane_field), lane_by)
        by_cell[(key, t.status)].append(t)
        if lane_by == "assignee" and t.assignee_id is not None:
            people[key] = t
    lane_keys = {_lane_key(key[1], lane_by) for key in shown_counts}
    if lane is not None:
        lane_keys.add(lane)
    lanes: list[Lane] = []
    for key in lane_keys:
        initials = ""
        if lane_by == "priority":
            label = str(Priority(int(key)).label)
            sort: tuple[Any, ...] = (-int(key),)
        elif lane_by == "sla":
            label = SLA_LANES.get(key, key)
            sort = (list(SLA_LANES).index(key) if key in SLA_LANES else len(SLA_LANES),)
        elif lane_by == "interrupt":
            label = INTERRUPT_LANES.get(key, key)
            sort = (list(INTERRUPT_LANES).index(key) if key in INTERRUPT_LANES else 2,)
        else:
            person = people.get(key)
            label = person.assignee_name if person else ("Unassigned" if key == "none" else "")
            initials = person.assignee_initials if person else ""
            sort = (key == "none", label.lower())
        cells = []
        for c in columns:
            raw_key = _lane_value(key, lane_by)
            cells.append(
                Cell(column=c, lane=key, cards=by_cell[(key, c.status)], shown=shown_counts.get((c.status, raw_key), 0))
            )
        lanes.append(Lane(key=key, label=label, initials=initials, cells=cells, sort_key=sort))
    lanes.sort(key=lambda ln: ln.sort_key)
    return BoardData(board=board, heads=heads, lanes=lanes, lane_by=lane_by, now=now)


def column_heads(
    *, board: Board, filters: BoardFilters, statuses: Iterable[str], now: datetime, columns: list[Column] | None = None
) -> list[ColumnHead]:
    """The heads of some columns: how many tickets each holds, and how many match the filters (1–2 queries)."""
    wanted = set(statuses)
    columns = [c for c in (board.columns.all() if columns is None else columns) if c.status in wanted]
    scope = on_board(board, [c.status for c in columns], now)
    totals = dict(scope.values_list("status").annotate(n=Count("id")).order_by())
    shown = (
        dict(filters.apply(scope, now=now).values_list("status").annotate(n=Count("id")).order_by())
        if filters.active
        else totals
    )
    return [ColumnHead(column=c, count=totals.get(c.status, 0), shown=shown.get(c.status, 0)) for c in columns]


def moved_card(
    *,
    board: Board,
    ticket: Ticket,
    statuses: Iterable[str],
    filters: BoardFilters,
    columns: list[Column] | None = None,
    team_sla: TeamSLA | None = None,
    counts: dict[str, int] | None = None,
    labels: tuple[tuple[str, str], ...] | None = None,
) -> BoardData:
    """What a move changed on the board: the moved card and the heads of the columns it left and entered.

    The card is already where the user dropped it; the answer redraws it (a
    new clock, say) from the ticket as the move saved it, and the two
    counts, never the columns around it. The move's ``team_sla`` (calendar
    included) reads the card's clock; ``columns`` are the board's, if loaded;
    ``counts`` (by status) and ``labels``, if the move read them, spare their queries
    (counts only serve a board without filters: a filtered head counts what it shows).
    """
    now = timezone.now()
    changed = set(statuses)
    if counts is not None and columns is not None and not filters.active and changed <= set(counts):
        heads = [ColumnHead(column=c, count=counts[c.status], shown=counts[c.status]) for c in columns
                 if c.status in changed]  # fmt: skip
    else:
        heads = column_heads(board=board, filters=filters, statuses=statuses, now=now, columns=columns)
    # The ticket's team was read with it: the clock needs at most the calendar.
    card = card_of_ticket(
        ticket, clocks=ClockReader(now, board=board, team=ticket.team, team_sla=team_sla), labels=labels
    )
    return BoardData(board=board, heads=heads, lanes=[], now=now, card=card)


def column_more(
    *, board: Board, column: Column, filters: BoardFilters, after: Ticket, lane_by: str = "", lane: str | None = None
) -> tuple[list[Card], bool]:
    """The next page of one column (or one swimlane cell) after ``after``; and whether more follow."""
    now = timezone.now()
    lane_by = lane_by if lane_by != "interrupt" or filters.scope else ""
    qs = _with_lane(filters.apply(on_board(board, [column.status], now), now=now), lane_by, now, filters.scope)
    lane_field = LANES.get(lane_by)
    if lane_field and lane is not None:
        qs = _in_lane(qs, lane_field, lane)
    page = cards_of(
        (
            qs.after_resolved_card(resolved_at=after.resolved_at, ticket_id=after.pk)
            if column.status == Status.RESOLVED
            else qs.after_card(position=after.position, ticket_id=after.pk)
        )[: CARDS_PER_COLUMN + 1],
        clocks=ClockReader(now, board=board),
    )
    limit = column.wip_limit
    if (
        column.status == Status.ESCALATED
        and limit is not None
        and board_scope(board).filter(status=column.status).count() > limit
    ):
        _say_over_limit(page)
    return page[:CARDS_PER_COLUMN], len(page) > CARDS_PER_COLUMN


def _say_over_limit(cards: list[Card]) -> None:
    """The SLA put these cards into a full Escalated column: each card says why the limit is broken."""
    for card in cards:
        if card.escalation and card.status == Status.ESCALATED:
            card.escalation = "sla-over"


def team_board(team: Team) -> Board | None:
    return Board.objects.filter(team=team, project__isnull=True).first()
