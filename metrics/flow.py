"""Flow of work for the dashboard: cumulative flow, cycle-time scatter, ageing work in progress, workload.

- Cumulative flow (DESIGN.md: tickets in each status at the end of each day):
  the open statuses stacked in workflow order with the resolutions so far at
  the bottom, so the top line is everything that arrived (created or
  reopened) and no line ever goes down. The open counts are today's, walked
  back through each day's moves (the daily rows): one query.
- Cycle time: first entry into In Progress or Escalated → resolved, one dot
  per resolution in the period, with the 50th and 85th percentiles.
- Ageing work in progress: each open ticket whose work has started, its age
  since it started against the 85th percentile of the cycle times of the last
  30 days; older than that is flagged (most finished work took less).
- Workload: per person, open tickets assigned, work in progress, and open
  points in the team's active sprint.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any

from django.db import connection
from django.db.models import Count, Sum

from metrics.clock import percentile
from metrics.models import DailyFigure, DurationKind, TicketDuration
from metrics.read import Scope, where_sql
from planning.choices import SprintState
from planning.models import SprintItem
from teams.models import Membership, Role
from tickets.choices import ACTIVE_STATUSES, OPEN_STATUSES, Status
from tickets.models import Ticket

FLOW_STATUSES = (Status.TODO, Status.IN_PROGRESS, Status.WAITING, Status.ESCALATED)  # workflow order
SCATTER_LIMIT = 500  # dots drawn (the latest); the percentiles use every resolution of the period


def _open_tickets(scope: Scope) -> Any:
    tickets = Ticket.objects.filter(team_id__in=scope.team_ids, status__in=OPEN_STATUSES)
    if scope.priority:
        tickets = tickets.filter(priority=scope.priority)
    if scope.channel:
        tickets = tickets.filter(channel=scope.channel)
    return tickets


@dataclass(frozen=True)
class FlowDay:
    day: date
    resolved: int  # resolutions since the period began
    open: dict[str, int]

    @property
    def arrived(self) -> int:
        return self.resolved + sum(self.open.values())


def cumulative_flow(scope: Scope, open_now: dict[str, int]) -> list[FlowDay]:
    """Each day of the period: open tickets per status at its end and resolutions so far (one query)."""
    names = [f"{d}_{s}" for s in FLOW_STATUSES for d in ("in", "out")]
    since = replace(scope, last=date.max - timedelta(days=1))
    rows: Any = (
        DailyFigure.objects.filter(since.rows_filter())
        .values("day")
        .annotate(resolved_sum=Sum("resolved"), **{f"s_{n}": Sum(n) for n in names})
        .order_by("day")
    )
    moves: dict[date, dict[str, int]] = {}
    for r in rows:
        day = r["day"]
        moves[day] = {s: (r[f"s_in_{s}"] or 0) - (r[f"s_out_{s}"] or 0) for s in FLOW_STATUSES}
        moves[day]["resolved"] = r["resolved_sum"] or 0
    # Open at the start of the period: now, less every day's net moves since.
    level = {s: open_now.get(s, 0) - sum(m[s] for m in moves.values()) for s in FLOW_STATUSES}
    resolved = 0
    out, day = [], scope.first
    while day <= scope.last:
        m = moves.get(day)
        if m:
            for s in FLOW_STATUSES:
                level[s] += m[s]
            resolved += m["resolved"]
        out.append(FlowDay(day, resolved, {s: max(0, level[s]) for s in FLOW_STATUSES}))
        day += timedelta(days=1)
    return out


@dataclass(frozen=True)
class CycleTimes:
    dots: list[tuple[date, float, str]]  # (resolved on, days, ticket key)
    count: int
    p50: float | None
    p85: float | None


def cycle_times(scope: Scope) -> CycleTimes:
    """The period's cycle times in days: count and percentiles over every resolution (one query), and the
    latest SCATTER_LIMIT as dots (one query)."""
    found = TicketDuration.objects.filter(scope.rows_filter(), kind=DurationKind.CYCLE)
    if connection.vendor == "postgresql":
        table = TicketDuration._meta.db_table
        params: list[Any] = []
        where = where_sql(scope, params)
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT COUNT(*), percentile_cont(0.5) WITHIN GROUP (ORDER BY seconds), "  # noqa: S608
                f"percentile_cont(0.85) WITHIN GROUP (ORDER BY seconds) FROM {table} WHERE {where} AND kind = %s",
                [*params, DurationKind.CYCLE],
            )
            count, p50, p85 = cursor.fetchone()
        p50 = round(float(p50) / 86400, 3) if p50 is not None else None
        p85 = round(float(p85) / 86400, 3) if p85 is not None else None
    else:
        values = [s / 86400 for s in found.values_list("seconds", flat=True)]
        count, p50, p85 = len(values), percentile(values, 0.5), percentile(values, 0.85)
    rows = found.order_by("-day", "-id").values_list("day", "seconds", "ticket__number", "ticket__team__slug")[
        :SCATTER_LIMIT
    ]
    dots = [(d, round(s / 86400, 2), f"{slug.upper()}-{n}") for d, s, n, slug in rows]
    return CycleTimes(dots, count, p50, p85)


@dataclass(frozen=True)
class Ageing:
    threshold_days: float | None  # 85th percentile of cycle times of the last 30 days
    by_status: list[tuple[str, int, int, float | None]]  # label, started tickets, over the threshold, oldest days
    flagged: list[tuple[Any, float]]  # (ticket, age in days), oldest first, at most 10
    dots: list[tuple[str, float, str]]  # (status label, age in days, key)


def ageing_wip(scope: Scope, today: date, now: datetime) -> Ageing:
    """Open tickets whose work started, by status, against recent cycle times (two queries)."""
    recent = replace(scope, first=today - timedelta(days=29), last=today)
    recent_cycles = list(
        TicketDuration.objects.filter(recent.rows_filter(), kind=DurationKind.CYCLE).values_list("seconds", flat=True)
    )
    p85 = percentile([s / 86400 for s in recent_cycles], 0.85)
    started = (
        _open_tickets(scope)
        .filter(work_started_at__isnull=False)
        .select_related("team")
        .only("pk", "number", "title", "status", "work_started_at", "team__slug")
    )
    aged = sorted(
        ((t, max(0.0, (now - t.work_started_at).total_seconds() / 86400)) for t in started), key=lambda x: -x[1]
    )
    by_status = []
    for status in (Status.IN_PROGRESS, Status.WAITING, Status.ESCALATED):
        ages = [a for t, a in aged if t.status == status]
        over = sum(1 for a in ages if p85 is not None and a > p85)
        by_status.append((Status(status).label, len(ages), over, round(max(ages), 1) if ages else None))
    flagged = [(t, round(a, 1)) for t, a in aged if p85 is not None and a > p85][:10]
    dots = [(Status(t.status).label, round(a, 2), f"{t.team.slug.upper()}-{t.number}") for t, a in aged[:SCATTER_LIMIT]]
    return Ageing(round(p85, 2) if p85 is not None else None, by_status, flagged, dots)


@dataclass(frozen=True)
class Load:
    name: str
    open: int
    wip: int
    sprint_points: int


def workload(scope: Scope) -> list[Load]:
    """Agents and leads of the teams: their open tickets, work in progress, open active-sprint points (three
    queries)."""
    people = {
        m.user_id: m.user.display_name
        for m in Membership.objects.filter(team_id__in=scope.team_ids, role__in=[Role.AGENT, Role.LEAD])
        .select_related("user")
        .order_by("user__first_name", "user__username")
    }
    counts: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for user_id, status, n in (
        _open_tickets(scope)
        .filter(assignee_id__in=people)
        .values("assignee_id", "status")
        .annotate(n=Count("id"))
        .values_list("assignee_id", "status", "n")
    ):
        counts[user_id][0] += n
        if status in ACTIVE_STATUSES:
            counts[user_id][1] += n
    points = dict(
        SprintItem.objects.filter(
            sprint__team_id__in=scope.team_ids,
            sprint__state=SprintState.ACTIVE,
            ticket__assignee_id__in=people,
            ticket__status__in=OPEN_STATUSES,
        )
        .values("ticket__assignee_id")
        .annotate(p=Sum("ticket__story_points"))
        .values_list("ticket__assignee_id", "p")
    )
    return sorted(
        (Load(name, counts[pk][0], counts[pk][1], points.get(pk) or 0) for pk, name in people.items()),
        key=lambda load: (-load.open, load.name),
    )
