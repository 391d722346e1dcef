"""Read paths that assemble more than one query: the board."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db.models import Count

from teams.models import Team, User
from tickets.models import Board, Column, Priority, Ticket
from tickets.querysets import CARDS_PER_COLUMN

LANES = {"assignee": "assignee_id", "priority": "priority"}


@dataclass(frozen=True)
class BoardFilters:
    """The quick filters of a board; all optional, combined with AND."""

    mine_of: User | None = None
    unassigned: bool = False
    priority: int | None = None
    label_id: int | None = None
    account_id: int | None = None
    text: str = ""

    @property
    def active(self) -> bool:
        return bool(
            self.mine_of or self.unassigned or self.priority or self.label_id or self.account_id or self.text.strip()
        )

    def apply(self, qs: Any) -> Any:
        if self.mine_of is not None:
            qs = qs.filter(assignee=self.mine_of)
        if self.unassigned:
            qs = qs.filter(assignee__isnull=True)
        if self.priority:
            qs = qs.filter(priority=self.priority)
        if self.label_id:
            qs = qs.filter(labels__id=self.label_id)
        if self.account_id:
            qs = qs.filter(account_id=self.account_id)
        if self.text.strip():
            qs = qs.search(self.text)
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
    labels: list[tuple[str, str]] = field(default_factory=list)


CARD_VALUES = (
    "id", "number", "title", "priority", "status", "story_points", "created_at", "assignee_id",
    "assignee__first_name", "assignee__last_name", "assignee__username", "account__name",
)  # fmt: skip


def cards_of(qs: Any) -> list[Card]:
    """Board cards for a queryset, in its order: one query for the cards, one for their labels."""
    cards = []
    for pk, number, title, prio, status, points, created, aid, first, last, username, account in qs.values_list(
        *CARD_VALUES
    ):
        name = User.display_name_of(first, last, username) if aid else ""
        initials = User.initials_of(first, last, username) if aid else ""
        cards.append(Card(pk, number, title, prio, status, points, created, aid, name, initials, account))
    if cards:
        by_pk = {c.pk: c for c in cards}
        rows = (
            Ticket.labels.through.objects.filter(ticket_id__in=list(by_pk))
            .order_by("label__name")
            .values_list("ticket_id", "label__name", "label__colour")
        )
        for ticket_id, name, colour in rows:
            by_pk[ticket_id].labels.append((name, colour))
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


def _in_lane(qs: Any, lane_field: str, lane: str) -> Any:
    """Tickets of one swimlane: lane is an id, a priority, or "none" (unassigned)."""
    return qs.filter(**{f"{lane_field}__isnull": True}) if lane == "none" else qs.filter(**{lane_field: int(lane)})


def _lane_key(ticket_or_value: Any, lane_by: str) -> str:
    if lane_by == "assignee":
        value = ticket_or_value
        return str(value) if value is not None else "none"
    return str(ticket_or_value)


def board_data(
    *,
    board: Board,
    filters: BoardFilters,
    lane_by: str = "",
    per_column: int | None = CARDS_PER_COLUMN,
    statuses: tuple[str, ...] | None = None,
    lane: str | None = None,
) -> BoardData:
    """Everything a board (or some of its columns) shows, in a constant number of queries.

    ``per_column=None`` renders every card (used by the benchmark); ``statuses``
    and ``lane`` narrow the result to the columns (and lane) a move changed.
    """
    columns = [c for c in board.columns.all() if statuses is None or c.status in statuses]
    wanted = [c.status for c in columns]
    scope = board_scope(board).filter(status__in=wanted)
    totals = dict(scope.values_list("status").annotate(n=Count("id")).order_by())
    filtered = filters.apply(scope)
    lane_field = LANES.get(lane_by)
    if lane_field and lane is not None:
        filtered = _in_lane(filtered, lane_field, lane)
    group = ["status", lane_field] if lane_field else ["status"]
    if filters.active or lane_field:
        shown_counts = {
            tuple(row[:-1]): row[-1]
            for row in filtered.values_list(*group).annotate(n=Count("id", distinct=True)).order_by()
        }
    else:
        shown_counts = {(status,): n for status, n in totals.items()}
    if filters.label_id:
        filtered = filtered.distinct()
    if per_column is None:
        cards = cards_of(filtered.order_by("position", "id"))
    else:
        cards = cards_of(filtered.first_cards(lane=lane_field, per_column=per_column))

    heads = [
        ColumnHead(
            column=c,
            count=totals.get(c.status, 0),
            shown=sum(n for key, n in shown_counts.items() if key[0] == c.status),
        )
        for c in columns
    ]

    if not lane_field:
        by_status: dict[str, list[Card]] = defaultdict(list)
        for t in cards:
            by_status[t.status].append(t)
        cells = [Cell(column=c, cards=by_status[c.status], shown=shown_counts.get((c.status,), 0)) for c in columns]
        return BoardData(board=board, heads=heads, lanes=[Lane(key="", label="", cells=cells)])

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
        else:
            person = people.get(key)
            label = person.assignee_name if person else ("Unassigned" if key == "none" else "")
            initials = person.assignee_initials if person else ""
            sort = (key == "none", label.lower())
        cells = []
        for c in columns:
            raw_key = None if key == "none" else int(key)
            cells.append(
                Cell(column=c, lane=key, cards=by_cell[(key, c.status)], shown=shown_counts.get((c.status, raw_key), 0))
            )
        lanes.append(Lane(key=key, label=label, initials=initials, cells=cells, sort_key=sort))
    lanes.sort(key=lambda ln: ln.sort_key)
    return BoardData(board=board, heads=heads, lanes=lanes, lane_by=lane_by)


def column_more(
    *, board: Board, column: Column, filters: BoardFilters, after: Ticket, lane_by: str = "", lane: str | None = None
) -> tuple[list[Card], bool]:
    """The next page of one column (or one swimlane cell) after ``after``; and whether more follow."""
    qs = filters.apply(board_scope(board).filter(status=column.status))
    lane_field = LANES.get(lane_by)
    if lane_field and lane is not None:
        qs = _in_lane(qs, lane_field, lane)
    if filters.label_id:
        qs = qs.distinct()
    page = cards_of(qs.after_card(position=after.position, ticket_id=after.pk)[: CARDS_PER_COLUMN + 1])
    return page[:CARDS_PER_COLUMN], len(page) > CARDS_PER_COLUMN


def team_board(team: Team) -> Board | None:
    return Board.objects.filter(team=team, project__isnull=True).first()
