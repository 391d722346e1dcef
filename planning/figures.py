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

from django.db.models import Q
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
    reactive = _reactive_work(sprints.values(), latest)

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
        for ticket_id, created, resolved, points in reactive[sprint.pk]:
            if (
                start < created
                and resolved <= at
                and not (ticket_id in items[sprint.pk] and items[sprint.pk][ticket_id].in_sprint(at))
            ):
                fig.reactive_items += 1
                fig.reactive_points += points
        result[(sprint.pk, at)] = fig
    return result


def _reactive_work(sprints: Iterable[Sprint], latest: datetime) -> dict[int, list[tuple[int, datetime, datetime, int]]]:
    """Per sprint: (ticket, created, resolved, points or 1) of the team's tickets created after its start."""
    found: dict[int, list[tuple[int, datetime, datetime, int]]] = defaultdict(list)
    for sprint in sprints:
        rows: Any = (
            Ticket.objects.filter(
                Q(team_id=sprint.team_id, created_at__gt=sprint.started_at, created_at__lte=latest)
                & Q(resolved_at__isnull=False, resolved_at__lte=latest)
            )
            .order_by()
            .values_list("pk", "created_at", "resolved_at", Coalesce("story_points", 1))
        )
        found[sprint.pk] = list(rows)
    return found
