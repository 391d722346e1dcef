"""Recompute the SLA clocks of every open ticket of a team at once, after a policy or calendar change."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.db import connection, transaction
from django.db.models import F

from core.bulk import update_from_values
from teams.calendar import from_epoch_seconds
from teams.models import Team
from tickets.choices import OPEN_STATUSES, EventField, Status
from tickets.models import Account, Column, Ticket, TicketEvent
from tickets.sla.engine import (
    SLA_FIELDS,
    TeamSLA,
    clock_times,
    earliest_unclaimed,
    on_status_change,
    pause_stops,
    sweep_from,
)

RECOMPUTE_BATCH = 10000

RECOMPUTED = ("sla_policy_id", "frt_due_at", "frt_warn_at", "res_due_at", "res_warn_at")


@transaction.atomic
def team_clocks_recompute(*, team: Team, now: datetime | None = None) -> int:
    """Recompute the clocks of every open ticket of a team; returns how many were written.

    Run after a policy or calendar change, as one task for the whole team.
    Tickets are read in keyset batches with their instants as epoch seconds,
    and the clocks computed in Python on integers (no datetime is built per
    ticket); on PostgreSQL the rows are streamed with COPY into a temporary
    table and written by ONE ``UPDATE … FROM``, elsewhere by one ``UPDATE …
    FROM (VALUES …)`` per batch. Never one statement, or one task, per ticket.

    A ticket edited while this runs (its version moved on) keeps what its
    edit computed, and one answered meanwhile keeps no first-response due.
    """
    team_sla = TeamSLA.load(team)
    tiers = dict(Account.objects.filter(team=team).values_list("id", "tier"))
    writer = _RowWriter()
    changed = 0
    last_id = 0
    earliest: int | None = None
    table = Ticket._meta.db_table
    postgres = connection.vendor == "postgresql"
    started = (
        "floor(extract(epoch from coalesce(sla_started_at, created_at)))::bigint"
        if postgres
        else "CAST(strftime('%%s', coalesce(sla_started_at, created_at)) AS INTEGER)"
    )
    pauses = "sla_pauses::text" if postgres else "sla_pauses"
    # Only what the clocks need; the stops as text, decoded only where there are any.
    sql = (
        f"SELECT id, version, kind, channel, priority, account_id, status, {started}, {pauses}, "  # noqa: S608
        f"sla_paused_since IS NOT NULL, first_response_at IS NOT NULL, frt_breached_at IS NOT NULL, "
        f"frt_warned_at IS NOT NULL, res_breached_at IS NOT NULL, res_warned_at IS NOT NULL, sla_cycle FROM {table} "
        f"WHERE team_id = %s AND id > %s AND status <> %s ORDER BY id LIMIT %s"
    )
    while True:
        with connection.cursor() as cursor:
            cursor.execute(sql, [team.pk, last_id, Status.RESOLVED, RECOMPUTE_BATCH])
            batch = cursor.fetchall()
        if not batch:
            break
        last_id = batch[-1][0]
        rows = []
        for row in batch:
            pk, version, kind, channel, priority, account_id, status, start, pauses_text, paused, responded = row[:11]
            claimed = row[11:15]  # breach and warning stamps set
            cycle = row[15]
            stops = pause_stops(json.loads(pauses_text)) if pauses_text and pauses_text != "[]" else []
            policy, *times = clock_times(
                team_sla, kind=kind, channel=channel, priority=priority, account_tier=tiers.get(account_id),
                status=status, started=start, pauses=stops, paused=bool(paused), responded=bool(responded),
                cycle=cycle,
            )  # fmt: skip
            rows.append((pk, version, policy.pk if policy else None, *times))
            soonest = earliest_unclaimed(times, claimed)
            if soonest is not None:
                earliest = soonest if earliest is None else min(earliest, soonest)
        writer.add(rows)
        changed += len(rows)
    writer.finish()
    # A cycle's first due time is kept once set; tickets that had none (no target before) get this one.
    for prefix in ("frt", "res"):
        Ticket.objects.filter(
            team=team,
            status__in=OPEN_STATUSES,
            **{f"{prefix}_first_due_at__isnull": True, f"{prefix}_due_at__isnull": False},
        ).update(**{f"{prefix}_first_due_at": F(f"{prefix}_due_at")})
    # Due times moved earlier, maybe into the past: the next sweep looks back to them.
    sweep_from(None if earliest is None else from_epoch_seconds(earliest))
    return changed


class _RowWriter:
    """Writes recomputed clock columns in bulk: COPY + one UPDATE on PostgreSQL, VALUES batches elsewhere.

    Rows carry instants as epoch seconds; PostgreSQL turns them into
    timestamps in the final UPDATE (``to_timestamp``).
    """

    def __init__(self) -> None:
        self.copying = connection.vendor == "postgresql"
        self.table_ready = False
        self.pending = 0

    def add(self, rows: Sequence[tuple[Any, ...]]) -> None:
        if not rows:
            return
        if not self.copying:
            as_datetimes = [
                (pk, version, policy, *(None if t is None else from_epoch_seconds(t) for t in times))
                for pk, version, policy, *times in rows
            ]
            update_from_values(Ticket, fields=RECOMPUTED, rows=as_datetimes, match_version=True, assign=_assignment)
            return
        with connection.cursor() as cursor:
            if not self.table_ready:
                cursor.execute(
                    "CREATE TEMPORARY TABLE sla_recomputed (id bigint, version bigint, sla_policy_id bigint, "
                    "frt_due_at bigint, frt_warn_at bigint, res_due_at bigint, res_warn_at bigint) ON COMMIT DROP"
                )
                self.table_ready = True
            # COPY's text format written directly: integers only, \N for NULL.
            text = "".join("\t".join("\\N" if value is None else str(value) for value in row) + "\n" for row in rows)
            with cursor.cursor.copy("COPY sla_recomputed FROM STDIN") as copy:
                copy.write(text)
        self.pending += len(rows)

    def finish(self) -> None:
        if not self.pending:
            return
        table = Ticket._meta.db_table
        columns = ", ".join(
            _assignment(name, f"v.{name}" if name == "sla_policy_id" else f"to_timestamp(v.{name})", table)
            for name in RECOMPUTED
        )
        with connection.cursor() as cursor:
            # One hash join of the whole batch: give it memory and statistics instead of a key.
            cursor.execute("SET LOCAL work_mem = '256MB'")
            cursor.execute("ANALYZE sla_recomputed")
            cursor.execute(
                f"UPDATE {table} SET {columns} FROM sla_recomputed v "  # noqa: S608 - names from the model
                f"WHERE {table}.id = v.id AND {table}.version = v.version"
            )
            cursor.execute("DROP TABLE sla_recomputed")


def _assignment(name: str, value: str, table: str) -> str:
    """``SET`` of one recomputed column. A ticket answered meanwhile keeps its first-response due empty."""
    if name.startswith("frt_"):
        return f"{name} = CASE WHEN {table}.first_response_at IS NULL THEN {value} END"
    return f"{name} = {value}"


def clocks_start_from_history(*, team: Team) -> int:
    """Start the clock of each ticket of the team that has none, replaying its status history; returns how many.

    For tickets from before the SLA engine (and demo history written straight
    to the table): the stops (waiting, resolved) and cycles come from the
    recorded status changes, so their clocks and outcomes count what really
    happened. Only the team board's pausing columns pause, as for live tickets.
    """
    fresh = Ticket.objects.filter(team=team, sla_started_at__isnull=True)
    tickets = list(fresh.only("id", "created_at", *SLA_FIELDS).order_by("pk"))
    if not tickets:
        return 0
    paused = frozenset(
        Column.objects.filter(board__team=team, board__project__isnull=True, pauses_sla=True).values_list(
            "status", flat=True
        )
    )
    moves: dict[int, list[tuple[str, str, datetime]]] = defaultdict(list)
    for ticket_id, old, new, at in (
        TicketEvent.objects.filter(ticket__in=fresh, field=EventField.STATUS)
        .order_by("ticket_id", "created_at", "id")
        .values_list("ticket_id", "from_value", "to_value", "created_at")
    ):
        moves[ticket_id].append((old, new, at))
    for ticket in tickets:
        ticket.sla_started_at = ticket.created_at
        ticket.sla_pauses = []
        ticket.sla_paused_since = None
        ticket.sla_cycle = 1
        for old, new, at in moves[ticket.pk]:
            on_status_change(ticket, old=old or None, new=new, at=at, paused=paused)
    Ticket.objects.bulk_update(
        tickets, ["sla_started_at", "sla_pauses", "sla_paused_since", "sla_cycle"], batch_size=1000
    )
    return len(tickets)
