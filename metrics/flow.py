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

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

from django.db import connection
from django.db.models import Count, OuterRef, Subquery, Sum
from django.utils.dateparse import parse_datetime

from metrics.clock import percentile
from metrics.models import DailyFigure, DurationKind, TicketDuration
from metrics.read import Scope, Stats, where_sql
from planning.choices import SprintState
from planning.models import SprintItem
from teams.models import Membership, Role, Team
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


def _days(seconds: float | None) -> float | None:
    return round(seconds / 86400, 3) if seconds is not None else None


def cycle_times(scope: Scope, stats: Stats) -> CycleTimes:
    """The period's cycle times in days: count and percentiles over every resolution (``stats``, which the
    tiles' duration query read), and the latest SCATTER_LIMIT as dots (one query)."""
    rows = (
        TicketDuration.objects.filter(scope.rows_filter(), kind=DurationKind.CYCLE)
        .order_by("-day", "-id")
        .values_list("day", "seconds", "ticket__number", "ticket__team__slug")[:SCATTER_LIMIT]
    )
    dots = [(d, round(s / 86400, 2), f"{slug.upper()}-{n}") for d, s, n, slug in rows]
    return CycleTimes(dots, stats.count, _days(stats.median), _days(stats.p85))


@dataclass(frozen=True)
class Started:
    """An open ticket whose work has started, as the ageing chart and its list show it."""

    slug: str
    number: int
    title: str
    status: str
    age_days: float

    @property
    def key(self) -> str:
        return f"{self.slug.upper()}-{self.number}"

    @property
    def status_label(self) -> str:
        return str(Status(self.status).label)


@dataclass(frozen=True)
class Ageing:
    threshold_days: float | None  # 85th percentile of cycle times of the last 30 days
    by_status: list[tuple[str, int, int, float | None]]  # label, started tickets, over the threshold, oldest days
    flagged: list[Started]  # oldest first, at most 10
    dots: list[tuple[str, float, str]]  # (status label, age in days, key)


def _ageing_rows(scope: Scope, recent: Scope) -> tuple[float | None, list[tuple[Any, ...]]]:
    """The 85th percentile of the recent cycle times (seconds) and the started open tickets
    (slug, number, title, status, work started): one query."""
    durations, tickets_table, teams_table = (m._meta.db_table for m in (TicketDuration, Ticket, Team))
    params: list[Any] = []
    where = where_sql(recent, params)
    tickets: list[Any] = [*scope.team_ids, *OPEN_STATUSES]
    on = "t.team_id IN ({}) AND t.status IN ({}) AND t.work_started_at IS NOT NULL".format(
        ", ".join(["%s"] * len(scope.team_ids)), ", ".join(["%s"] * len(OPEN_STATUSES))
    )
    if scope.priority:
        on += " AND t.priority = %s"
        tickets.append(scope.priority)
    if scope.channel:
        on += " AND t.channel = %s"
        tickets.append(scope.channel)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # One row per started ticket, each carrying the percentile (one row of NULLs when none started).
            cursor.execute(
                f"SELECT r.p85, tm.slug, t.number, t.title, t.status, t.work_started_at FROM "  # noqa: S608
                f"(SELECT percentile_cont(0.85) WITHIN GROUP (ORDER BY seconds) AS p85 FROM {durations} "
                f"WHERE {where} AND kind = %s) r "
                f"LEFT JOIN ({tickets_table} t JOIN {teams_table} tm ON tm.id = t.team_id) ON {on}",
                [*params, DurationKind.CYCLE, *tickets],
            )
            rows = cursor.fetchall()
            p85 = float(rows[0][0]) if rows and rows[0][0] is not None else None
            return p85, [r[1:] for r in rows if r[1] is not None]
        cursor.execute(
            f"SELECT seconds, NULL, NULL, NULL, NULL, NULL FROM {durations} WHERE {where} AND kind = %s "  # noqa: S608
            f"UNION ALL SELECT NULL, tm.slug, t.number, t.title, t.status, t.work_started_at "
            f"FROM {tickets_table} t JOIN {teams_table} tm ON tm.id = t.team_id WHERE {on}",
            [*params, DurationKind.CYCLE, *tickets],
        )
        rows = cursor.fetchall()
    seconds = [r[0] for r in rows if r[0] is not None]
    started = [(*r[1:5], _instant(r[5])) for r in rows if r[1] is not None]
    return percentile(seconds, 0.85), started


def _instant(value: Any) -> datetime:
    """A timestamp as SQLite gives it in a UNION (text, in UTC) or as a driver gives it."""
    if isinstance(value, str):
        value = parse_datetime(value)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def ageing_wip(scope: Scope, today: date, now: datetime) -> Ageing:
    """Open tickets whose work started, by status, against the cycle times of the last 30 days (one query)."""
    p85_seconds, rows = _ageing_rows(scope, replace(scope, first=today - timedelta(days=29), last=today))
    p85 = p85_seconds / 86400 if p85_seconds is not None else None
    aged = sorted(
        (Started(slug, number, title, status, max(0.0, (now - started).total_seconds() / 86400))
         for slug, number, title, status, started in rows),
        key=lambda s: -s.age_days,
    )  # fmt: skip
    by_status = []
    for status in (Status.IN_PROGRESS, Status.WAITING, Status.ESCALATED):
        ages = [s.age_days for s in aged if s.status == status]
        over = sum(1 for a in ages if p85 is not None and a > p85)
        by_status.append((Status(status).label, len(ages), over, round(max(ages), 1) if ages else None))
    flagged = [replace(s, age_days=round(s.age_days, 1)) for s in aged if p85 is not None and s.age_days > p85][:10]
    dots = [(s.status_label, round(s.age_days, 2), s.key) for s in aged[:SCATTER_LIMIT]]
    return Ageing(round(p85, 2) if p85 is not None else None, by_status, flagged, dots)


@dataclass(frozen=True)
class Load:
    name: str
    open: int
    wip: int
    sprint_points: int


def workload(scope: Scope) -> list[Load]:
    """Agents and leads of the teams: their open tickets, work in progress, open active-sprint points (one
    query: each membership with three correlated counts over the assignee index)."""
    mine = _open_tickets(scope).filter(assignee_id=OuterRef("user_id")).order_by().values("assignee_id")
    points = (
        SprintItem.objects.filter(
            sprint__team_id__in=scope.team_ids, sprint__state=SprintState.ACTIVE,
            ticket__assignee_id=OuterRef("user_id"), ticket__status__in=OPEN_STATUSES,
        )
        .order_by()
        .values("ticket__assignee_id")
        .annotate(p=Sum("ticket__story_points"))
        .values("p")
    )  # fmt: skip
    members = (
        Membership.objects.filter(team_id__in=scope.team_ids, role__in=[Role.AGENT, Role.LEAD])
        .annotate(
            n_open=Subquery(mine.annotate(n=Count("id")).values("n")),
            n_wip=Subquery(mine.filter(status__in=ACTIVE_STATUSES).annotate(n=Count("id")).values("n")),
            points=Subquery(points),
        )
        .select_related("user")
        .order_by("user__first_name", "user__username")
    )
    people = {m.user_id: Load(m.user.display_name, m.n_open or 0, m.n_wip or 0, m.points or 0) for m in members}
    return sorted(people.values(), key=lambda load: (-load.open, load.name))
