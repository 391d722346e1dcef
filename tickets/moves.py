"""The statements of a card move, written by hand.

A move is the board's hottest write: agents make dozens an hour and the card
must settle under the pointer at once. Through the ORM it cost a dozen
queries, and most of its time went to compiling them and building a ticket of
forty fields, not to the database. Here, after the board is read, it is three
or four statements, each an index lookup:

1. :func:`lock_ticket` locks the ticket if it is on the board, with what its
   card shows (assignee, account, SLA policy, labels, whether anyone follows it);
2. :func:`lock_columns` locks the columns of the status it enters (only when it
   enters a column with a WIP limit, or may: see ``ticket_move``);
3. :func:`placement`, after that lock, reads the counts the limits need, the
   positions around the drop point and the two columns' counts for the answer;
4. :func:`save_move` writes the ticket and its history row (one statement on
   PostgreSQL, two on SQLite).

The rules stay in :func:`tickets.services.ticket_move` and the SLA engine; these
functions only read and write rows. Rows become model instances through
:class:`core.rows.RowReader`, converted as the ORM converts them.
"""

# ruff: noqa: S608 - the names in these statements come from the models; every value is bound

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from django.db import connection

from core.rows import RowReader, column_names, prepared, statements
from teams.models import Team, User
from tickets.choices import Status
from tickets.models import Account, Board, Column, Label, SLAPolicy, Ticket, TicketEvent, TicketFollower

# Everything but the description: the move never reads it, and it is most of the row.
TICKET = RowReader(
    Ticket, [f.attname for f in Ticket._meta.concrete_fields if f.name not in ("description", "description_html")]
)
ASSIGNEE = RowReader(User, ["id", "username", "first_name", "last_name"])
ACCOUNT = RowReader(Account, ["id", "name", "tier"])
POLICY = RowReader(SLAPolicy, ["id", "business_hours"])
BOARD = RowReader(Board, [f.attname for f in Board._meta.concrete_fields])
COLUMN = RowReader(Column, [f.attname for f in Column._meta.concrete_fields])
# The ticket first: on PostgreSQL the history row takes it from the update.
EVENT_FIELDS = ["ticket_id"] + [
    f.attname for f in TicketEvent._meta.concrete_fields if not f.primary_key and f.attname != "ticket_id"
]


def _postgres() -> bool:
    return connection.vendor == "postgresql"


@cache
def _tables() -> dict[str, str]:
    return {
        "ticket": Ticket._meta.db_table,
        "user": User._meta.db_table,
        "account": Account._meta.db_table,
        "policy": SLAPolicy._meta.db_table,
        "follower": TicketFollower._meta.db_table,
        "label": Label._meta.db_table,
        "ticket_label": Ticket.labels.through._meta.db_table,
        "board": Board._meta.db_table,
        "column": Column._meta.db_table,
        "event": TicketEvent._meta.db_table,
    }


# --- The board ----------------------------------------------------------------------------


def board_with_columns(*, team: Team, project_id: int | None) -> tuple[Board, list[Column]] | None:
    """A board (the team's, or a project's of the team) and its columns in order, in one statement.

    None when the board does not exist yet. The board carries ``team``; each column its board.
    """
    t = _tables()
    which = "b.project_id IS NULL" if project_id is None else "b.project_id = %s"
    sql = (
        f"SELECT {BOARD.columns('b')}, {COLUMN.columns('c')} FROM {t['board']} b "
        f"LEFT JOIN {t['column']} c ON c.board_id = b.id "
        f'WHERE b.team_id = %s AND {which} ORDER BY c."order", c.id'
    )
    params = [team.pk] if project_id is None else [team.pk, project_id]
    with statements() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    if not rows:
        return None
    board = BOARD.instance(rows[0])
    board.team = team
    columns = []
    for row in rows:
        if row[len(BOARD)] is None:
            continue  # a board without columns
        column = COLUMN.instance(row, len(BOARD))
        column.board = board
        columns.append(column)
    return board, columns


# --- 1. The ticket ------------------------------------------------------------------------


def _labels_sql() -> str:
    t = _tables()
    pairs = (
        "json_agg(json_build_array(l.name, l.colour) ORDER BY l.name)"
        if _postgres()
        else "json_group_array(json_array(l.name, l.colour))"
    )
    return (
        f"(SELECT {pairs} FROM {t['ticket_label']} tl JOIN {t['label']} l ON l.id = tl.label_id "
        "WHERE tl.ticket_id = t.id)"
    )


def _labels(value: Any) -> tuple[tuple[str, str], ...]:
    if value is None:
        return ()
    pairs = json.loads(value) if isinstance(value, str) else value
    labels = tuple((str(name), str(colour)) for name, colour in pairs)
    # PostgreSQL sorts them in its collation, as the board does; SQLite's aggregate keeps no order.
    return labels if _postgres() else tuple(sorted(labels))


def lock_ticket(*, ticket_id: int, board: Board) -> Ticket | None:
    """Lock the ticket for update if it is on ``board``; None if it is not (or does not exist).

    The ticket comes with its assignee (names), account (name, tier), SLA policy
    (business hours), ``has_followers`` and ``card_labels`` ((name, colour) by
    name), and with the board's team when it is the ticket's.
    """
    t = _tables()
    scope = "t.project_id = %s" if board.project_id else "t.team_id = %s"
    lock = " FOR UPDATE OF t" if connection.features.has_select_for_update_of else ""
    sql = (
        f"SELECT {TICKET.columns('t')}, {ASSIGNEE.columns('u')}, {ACCOUNT.columns('a')}, "
        f"{POLICY.columns('p')}, "
        f"EXISTS (SELECT 1 FROM {t['follower']} f WHERE f.ticket_id = t.id), {_labels_sql()} "
        f"FROM {t['ticket']} t "
        f"LEFT JOIN {t['user']} u ON u.id = t.assignee_id "
        f"LEFT JOIN {t['account']} a ON a.id = t.account_id "
        f"LEFT JOIN {t['policy']} p ON p.id = t.sla_policy_id "
        f"WHERE t.id = %s AND {scope}{lock}"
    )
    with statements() as cursor:
        cursor.execute(sql, [ticket_id, board.project_id or board.team_id])
        row = cursor.fetchone()
    if row is None:
        return None
    ticket: Ticket = TICKET.instance(row)
    at = len(TICKET)
    if row[at] is not None:
        ticket.assignee = ASSIGNEE.instance(row, at)
    at += len(ASSIGNEE)
    if row[at] is not None:
        ticket.account = ACCOUNT.instance(row, at)
    at += len(ACCOUNT)
    if row[at] is not None:
        ticket.sla_policy = POLICY.instance(row, at)
    at += len(POLICY)
    ticket.has_followers = bool(row[at])  # type: ignore[attr-defined]
    ticket.card_labels = _labels(row[at + 1])  # type: ignore[attr-defined]
    if getattr(board, "team", None) is not None and board.team.pk == ticket.team_id:
        ticket.team = board.team
    return ticket


# --- 2. The columns it enters --------------------------------------------------------------


@dataclass(frozen=True)
class Limit:
    """A WIP limit on a column the ticket enters: on the team's board, or on its project's."""

    column: Column
    project_id: int | None


def lock_columns(*, ticket: Ticket, status: str) -> list[Limit]:
    """Lock the columns of ``status`` on the ticket's team board and its project's board; their limits.

    Every write that checks a limit locks through here (a move, and creates and
    edits through ``tickets.services._enforce_wip``): the same rows in the same
    order, so concurrent entries into one column are serialised and no two
    writers wait on each other in a cycle.
    """
    t = _tables()
    boards = "(b.team_id = %s AND b.project_id IS NULL)"
    params: list[Any] = [status, ticket.team_id]
    if ticket.project_id:
        boards = f"({boards} OR b.project_id = %s)"
        params.append(ticket.project_id)
    lock = " FOR UPDATE OF c" if connection.features.has_select_for_update_of else ""
    sql = (
        f"SELECT {COLUMN.columns('c')}, b.project_id FROM {t['column']} c "
        f"JOIN {t['board']} b ON b.id = c.board_id "
        f"WHERE c.status = %s AND {boards} ORDER BY b.project_id, c.id{lock}"
    )
    with statements() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return [Limit(column=COLUMN.instance(row), project_id=row[len(COLUMN)]) for row in rows]


# --- 3. Counts and neighbours ---------------------------------------------------------------


@dataclass(frozen=True)
class Placement:
    """What the move reads after the column locks, in one statement."""

    above: int | None  # the position of the card dropped under, if still in the column
    below: int | None  # the position of the card dropped over, if still in the column
    after_above: int | None  # the first position after ``above`` (the card below it now)
    top: int | None  # the column's first and last positions, the moved card left out
    bottom: int | None
    limit_counts: dict[int | None, int]  # tickets in the status, the moved one left out: by project (None: team)
    head_counts: dict[str, int]  # tickets the board shows in each of the two columns, the moved one left out


def placement(
    *, ticket: Ticket, board: Board, status: str, above_id: int | None, below_id: int | None,
    limits: Sequence[Limit], heads: Sequence[str], resolved_since: datetime | None,
) -> Placement:  # fmt: skip
    """Read the neighbours' positions, the counts ``limits`` need and the heads' counts, in one statement."""
    t = _tables()
    params: dict[str, Any] = {
        "me": ticket.pk, "team": ticket.team_id, "status": status, "above": above_id, "below": below_id,
    }  # fmt: skip

    def others(alias: str) -> str:
        """The other cards of the column entered, in board order (the positions are the team's)."""
        return (
            f"FROM {t['ticket']} {alias} WHERE {alias}.team_id = %(team)s AND {alias}.status = %(status)s "
            f"AND {alias}.id <> %(me)s"
        )

    above = f"(SELECT a.position {others('a')} AND a.id = %(above)s)"
    parts = [
        above,
        f"(SELECT n.position {others('n')} AND n.id = %(below)s)",
        f"(SELECT MIN(n.position) {others('n')} AND n.position > {above})",
        f"(SELECT MIN(n.position) {others('n')})",
        f"(SELECT MAX(n.position) {others('n')})",
    ]
    for limit in limits:
        if limit.project_id is None:
            parts.append(f"(SELECT COUNT(*) {others('n')})")
        else:
            parts.append(
                f"(SELECT COUNT(*) FROM {t['ticket']} n WHERE n.project_id = %(project)s AND n.status = %(status)s "
                "AND n.id <> %(me)s)"
            )
            params["project"] = limit.project_id
    params["board"] = board.project_id or board.team_id
    scope = "n.project_id = %(board)s" if board.project_id else "n.team_id = %(board)s"
    for i, head in enumerate(heads):
        if head == Status.RESOLVED and resolved_since is not None:
            # The status written out: the plan is made once for any parameters, and only a literal
            # status lets it read the recently-resolved index rather than the column's whole history.
            shown = f"{scope} AND n.status = '{Status.RESOLVED.value}' AND n.resolved_at >= %(since)s"
            params["since"] = resolved_since
        else:
            shown = f"{scope} AND n.status = %(head{i})s"
            params[f"head{i}"] = head
        parts.append(f"(SELECT COUNT(*) FROM {t['ticket']} n WHERE {shown} AND n.id <> %(me)s)")
    with statements() as cursor:
        cursor.execute("SELECT " + ", ".join(parts), params)
        row = cursor.fetchone()
    counts = list(row[5:])
    limit_counts = {limit.project_id: counts[i] for i, limit in enumerate(limits)}
    head_counts = dict(zip(heads, counts[len(limits) :], strict=True))
    return Placement(row[0], row[1], row[2], row[3], row[4], limit_counts, head_counts)


# --- 4. The write ---------------------------------------------------------------------------


def save_move(*, ticket: Ticket, fields: Sequence[str], events: Sequence[TicketEvent]) -> None:
    """Write ``fields`` (attribute names) of the ticket and insert its history rows.

    On PostgreSQL the update and one history row are one statement.
    """
    t = _tables()
    assignments = ", ".join(f"{column} = %s" for column in column_names(Ticket, fields))
    update = f"UPDATE {t['ticket']} SET {assignments} WHERE id = %s"
    params = [*prepared(ticket, fields), ticket.pk]
    columns = ", ".join(column_names(TicketEvent, EVENT_FIELDS))
    values = ", ".join(["%s"] * len(EVENT_FIELDS))
    insert = f"INSERT INTO {t['event']} ({columns}) VALUES ({values})"
    with statements() as cursor:
        if len(events) == 1 and _postgres():
            # The history row takes the ticket's id from the update: nothing is recorded for a ticket not written.
            values = ", ".join(["(SELECT id FROM moved)"] + ["%s"] * (len(EVENT_FIELDS) - 1))
            cursor.execute(
                f"WITH moved AS ({update} RETURNING id) INSERT INTO {t['event']} ({columns}) VALUES ({values})",
                [*params, *prepared(events[0], EVENT_FIELDS)[1:]],
            )
            return
        cursor.execute(update, params)
        for event in events:
            cursor.execute(insert, prepared(event, EVENT_FIELDS))
