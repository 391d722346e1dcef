"""Every sprint figure, computed from the membership history and the tickets' own history.

One function answers "what did this sprint look like at instant T" for many
sprints and instants with a fixed number of queries (three, plus one per
sprint for the reactive work): the daily snapshots (beat and backfill alike),
the live sprint page and the review all read it, so a rebuilt snapshot equals
the one written on the day.

Definitions (DESIGN.md; README "Sprint figures"):

- An item is in the sprint at T when its last entry or exit at or before T is
  an entry. Its points at T are the latest of its points on entering and every
  re-estimate (a story-points change in the ticket's history) up to T.
- Done at T: the ticket's last status change up to T is to Resolved (a
  reopened ticket is not done).
- The commitment is locked at the start (``committed`` rows, with points). The
  committed line starts there and only burns down: ``committed_remaining`` =
  locked points − locked points of committed items done by T.
- ``added`` = points of items entering after the start (at their points then)
  plus raised estimates after the start; ``removed`` = points of items leaving
  after the start plus lowered estimates. So scope = commitment + added −
  removed, and remaining = scope − completed.
- Reactive work: the team's tickets created after the start and resolved by
  T that are not in the sprint at T, each at its points (1 when unestimated).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import connection
from django.db.models.functions import Coalesce

from planning.choices import ChangeKind
from planning.models import Sprint, SprintChange
from tickets.choices import EventField, Status
from tickets.models import Ticket, TicketEvent


@dataclass
class Figures:
    committed_points: int = 0
    committed_remaining: int = 0
    scope_points: int = 0
    completed_points: int = 0
    added_points: int = 0
    removed_points: int = 0
    reactive_points: int = 0
    reactive_items: int = 0
    unestimated_items: int = 0
    items: int = 0
    done_items: int = 0

    @property
    def remaining_points(self) -> int:
        return self.scope_points - self.completed_points


@dataclass
class _Item:
    """One ticket's passage through one sprint: entries, exits and points over time."""

    moves: list[tuple[datetime, bool, int | None]] = field(default_factory=list)  # (at, entered?, points)
    committed: int | None = None  # locked points, when in the commitment
    is_committed: bool = False

    def in_sprint(self, at: datetime) -> bool:
        state = False
        for when, entered, _ in self.moves:
            if when > at:
                break
            state = entered
        return state


def _points_at(item: _Item, estimates: list[tuple[datetime, int | None, int | None]], at: datetime) -> int | None:
    points: int | None = None
    last = None
    for when, entered, p in item.moves:
        if when > at:
            break
        if entered:
            points, last = p, when
    if last is None:
        return None
    for when, _, new in estimates:
        if last < when <= at:
            points = new
    return points


def _done_at(statuses: list[tuple[datetime, str]], at: datetime) -> bool:
    done = False
    for when, status in statuses:
        if when > at:
            break
        done = status == Status.RESOLVED
    return done


def sprint_figures(wanted: Iterable[tuple[Sprint, datetime]]) -> dict[tuple[int, datetime], Figures]:
    """Figures of each (sprint, instant): keyed by (sprint id, instant). Sprints not started have none."""
    wanted = [(s, at) for s, at in wanted if s.started_at is not None]
    if not wanted:
        return {}
    sprints = {s.pk: s for s, _ in wanted}
    latest = max(at for _, at in wanted)
    items: dict[int, dict[int, _Item]] = defaultdict(dict)
    changes = (
        SprintChange.objects.filter(sprint_id__in=sprints, at__lte=latest)
        .order_by("at", "id")
        .values_list("sprint_id", "ticket_id", "kind", "at", "points")
    )
    for sprint_id, ticket_id, kind, at, points in changes:
        item = items[sprint_id].setdefault(ticket_id, _Item())
        if kind == ChangeKind.COMMITTED:
            item.is_committed, item.committed = True, points
        else:
            item.moves.append((at, kind == ChangeKind.ENTERED, points))
    ticket_ids = {t for per in items.values() for t in per}
    statuses: dict[int, list[tuple[datetime, str]]] = defaultdict(list)
    estimates: dict[int, list[tuple[datetime, int | None, int | None]]] = defaultdict(list)
    history = (
        TicketEvent.objects.filter(
            ticket_id__in=ticket_ids, field__in=[EventField.STATUS, EventField.POINTS], created_at__lte=latest
        )
        .order_by("created_at", "id")
        .values_list("ticket_id", "field", "created_at", "from_value", "to_value")
    )
    for ticket_id, field_name, at, before, after in history:
        if field_name == EventField.STATUS:
            statuses[ticket_id].append((at, after))
        else:
            estimates[ticket_id].append((at, int(before) if before else None, int(after) if after else None))
    reactive = _reactive_totals(wanted)
    item_tickets = _item_tickets(ticket_ids)

    result: dict[tuple[int, datetime], Figures] = {}
    for sprint, at in wanted:
        start = sprint.started_at
        assert start is not None
        fig = Figures()
        for ticket_id, item in items[sprint.pk].items():
            points = _points_at(item, estimates[ticket_id], at)
            inside = item.in_sprint(at)
            done = _done_at(statuses[ticket_id], at)
            if item.is_committed:
                fig.committed_points += item.committed or 0
                if done and inside:
                    fig.committed_remaining -= item.committed or 0
            for when, entered, p in item.moves:
                if start < when <= at:
                    if entered:
                        fig.added_points += p or 0
                    elif not entered:
                        fig.removed_points += _points_at(item, estimates[ticket_id], when) or 0
            for when, was, now_points in estimates[ticket_id]:
                if start < when <= at and item.in_sprint(when):
                    delta = (now_points or 0) - (was or 0)
                    if delta > 0:
                        fig.added_points += delta
                    else:
                        fig.removed_points -= delta
            if inside:
                fig.items += 1
                fig.scope_points += points or 0
                if points is None:
                    fig.unestimated_items += 1
                if done:
                    fig.done_items += 1
                    fig.completed_points += points or 0
        fig.committed_remaining += fig.committed_points
        # Reactive work: every ticket of the team created after the start and resolved by T (one
        # grouped query for all of them), less the ones that are sprint items at T.
        fig.reactive_items, fig.reactive_points = reactive.get((sprint.pk, at), (0, 0))
        for ticket_id, item in items[sprint.pk].items():
            found = item_tickets.get(ticket_id)
            if found and start < found[0] and found[1] is not None and found[1] <= at and item.in_sprint(at):
                fig.reactive_items -= 1
                fig.reactive_points -= found[2]
        result[(sprint.pk, at)] = fig
    return result


def _reactive_totals(wanted: list[tuple[Sprint, datetime]]) -> dict[tuple[int, datetime], tuple[int, int]]:
    """(count, points or 1 each) of the team's tickets created after the sprint's start and resolved by T.

    One grouped query for every (sprint, instant): the wanted pairs are a VALUES
    list joined to the tickets resolved in the sprint's window, read from the
    (team, resolved_at) index of resolved tickets; nothing is looped per ticket.
    """
    pairs = list(dict.fromkeys((s.pk, s.team_id, s.started_at, at) for s, at in wanted))
    stamp = "%s::timestamptz" if connection.vendor == "postgresql" else "%s"
    adapt = connection.ops.adapt_datetimefield_value
    found: dict[tuple[int, datetime], tuple[int, int]] = {}
    table = Ticket._meta.db_table
    for first in range(0, len(pairs), 500):
        batch = pairs[first : first + 500]
        rows = ", ".join([f"(%s, %s, {stamp}, {stamp})"] * len(batch))
        params: list[Any] = []
        for n, (_, team_id, started, at) in enumerate(batch, start=first):
            params += [n, team_id, adapt(started), adapt(at)]
        sql = f"""
            WITH wanted (n, team_id, started, upto) AS (VALUES {rows})
            SELECT wanted.n, COUNT(*), SUM(COALESCE(t.story_points, 1))
            FROM wanted JOIN {table} t
              ON t.team_id = wanted.team_id AND t.status = %s
             AND t.resolved_at > wanted.started AND t.resolved_at <= wanted.upto
             AND t.created_at > wanted.started
            GROUP BY wanted.n
        """  # noqa: S608 - the table name is the model's; values are parameters
        with connection.cursor() as cursor:
            cursor.execute(sql, [*params, Status.RESOLVED])
            for n, count, points in cursor.fetchall():
                sprint_id, _, _, at = pairs[n]
                found[(sprint_id, at)] = (count, int(points or 0))
    return found


def _item_tickets(ticket_ids: set[int]) -> dict[int, tuple[datetime, datetime | None, int]]:
    """created_at, resolved_at (None when open) and points or 1 of the sprints' items."""
    rows = Ticket.objects.filter(pk__in=ticket_ids).values_list(
        "pk", "created_at", "resolved_at", Coalesce("story_points", 1)
    )
    return {pk: (created, resolved, points) for pk, created, resolved, points in rows}
