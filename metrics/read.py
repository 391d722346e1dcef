"""Figures over a period, read from the daily rows (never from raw tickets, except what is open now).

A :class:`Scope` is what a dashboard filter says: teams, first and last local
day (inclusive), optional priority and channel. Each read is one query:

- :func:`totals`: the sums of the daily counts;
- :func:`duration_stats`: count, median and 90th percentile of each kind of
  duration (``percentile_cont`` on PostgreSQL, the same interpolation in
  Python elsewhere);
- :func:`backlog_now`: the open tickets' count, ages and statuses;
- :func:`weekly`: the counts and duration medians of each week.

:func:`period_values` turns them into every metric of ``metrics.definitions``.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any

from django.db import connection
from django.db.models import Q, Sum

from metrics.clock import percentile
from metrics.daily import COUNT_FIELDS, Counts
from metrics.models import DailyFigure, DurationKind, TicketDuration
from tickets.choices import OPEN_STATUSES, Status
from tickets.models import SLAOutcome, Ticket

AGE_BUCKETS = (("under 1 day", 86400), ("1–3 days", 3 * 86400), ("3–7 days", 7 * 86400),
               ("1–4 weeks", 28 * 86400), ("over 4 weeks", None))  # fmt: skip


@dataclass(frozen=True)
class Scope:
    team_ids: tuple[int, ...]
    first: date
    last: date
    priority: int | None = None
    channel: str | None = None

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    def previous(self) -> Scope:
        """The period of the same length just before this one."""
        return replace(self, first=self.first - timedelta(days=self.days), last=self.first - timedelta(days=1))

    def rows_filter(self) -> Q:
        q = Q(team_id__in=self.team_ids, day__gte=self.first, day__lte=self.last)
        if self.priority:
            q &= Q(priority=self.priority)
        if self.channel:
            q &= Q(channel=self.channel)
        return q


def totals(scope: Scope) -> Counts:
    sums = DailyFigure.objects.filter(scope.rows_filter()).aggregate(**{f: Sum(f) for f in COUNT_FIELDS})
    return Counts(**{f: sums[f] or 0 for f in COUNT_FIELDS})


@dataclass(frozen=True)
class Stats:
    count: int = 0
    median: float | None = None
    p90: float | None = None
    p85: float | None = None  # the cycle-time scatter's line


def where_sql(scope: Scope, params: list[Any]) -> str:
    sql = "team_id IN ({}) AND day >= %s AND day <= %s".format(", ".join(["%s"] * len(scope.team_ids)))
    params += [*scope.team_ids, scope.first, scope.last]
    if scope.priority:
        sql += " AND priority = %s"
        params.append(scope.priority)
    if scope.channel:
        sql += " AND channel = %s"
        params.append(scope.channel)
    return sql


def _stats(found: list[int]) -> Stats:
    return Stats(len(found), percentile(found, 0.5), percentile(found, 0.9), percentile(found, 0.85))


def duration_stats(scope: Scope) -> dict[str, Stats]:
    """Count, median, 90th and 85th percentiles of each kind of duration that ended in the period (one
    query)."""
    return _split_stats(scope, scope.first)[0]


@dataclass
class Backlog:
    size: int = 0
    age_median: float | None = None
    age_p90: float | None = None
    buckets: list[tuple[str, int]] = field(default_factory=list)
    by_status: list[tuple[str, int]] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)  # open tickets by status key


def backlog_now(scope: Scope, now: datetime) -> Backlog:
    """Open tickets now (the filters apply; the period does not): count, ages, age buckets, WIP per status."""
    tickets = Ticket.objects.filter(team_id__in=scope.team_ids, status__in=OPEN_STATUSES)
    if scope.priority:
        tickets = tickets.filter(priority=scope.priority)
    if scope.channel:
        tickets = tickets.filter(channel=scope.channel)
    rows = list(tickets.order_by().values_list("created_at", "status"))
    ages = [max(0.0, (now - created).total_seconds()) for created, _ in rows]
    buckets = []
    low = 0
    for label, high in AGE_BUCKETS:
        buckets.append((label, sum(1 for a in ages if a >= low and (high is None or a < high))))
        low = high or 0
    statuses: dict[str, int] = defaultdict(int)
    for _, status in rows:
        statuses[status] += 1
    return Backlog(
        size=len(rows), age_median=percentile(ages, 0.5), age_p90=percentile(ages, 0.9), buckets=buckets,
        by_status=[(Status(s).label, statuses.get(s, 0)) for s in OPEN_STATUSES], counts=dict(statuses),
    )  # fmt: skip


def ratio(part: int, whole: int) -> float | None:
    """``part`` of ``whole`` in percent, to a tenth (None when there is nothing to divide)."""
    return round(100 * part / whole, 1) if whole else None


def period_values(
    scope: Scope, now: datetime, *, backlog: Backlog | None = None, counts: Counts | None = None,
    durations: dict[str, Stats] | None = None,
) -> dict[str, Any]:  # fmt: skip
    """Every metric of the definitions over the scope's period (three queries; fewer with what is given)."""
    t = counts if counts is not None else totals(scope)
    d = durations if durations is not None else duration_stats(scope)
    backlog = backlog if backlog is not None else backlog_now(scope, now)
    weeks = scope.days / 7
    return {
        "sla_frt": ratio(t.frt_met, t.frt_met + t.frt_breached),
        "sla_resolution": ratio(t.res_met, t.res_met + t.res_breached),
        "ever_breached": ratio(t.first_resolved_breached, t.first_resolved),
        "frt_median": d[DurationKind.FIRST_RESPONSE].median,
        "frt_p90": d[DurationKind.FIRST_RESPONSE].p90,
        "resolution_median": d[DurationKind.RESOLUTION].median,
        "resolution_p90": d[DurationKind.RESOLUTION].p90,
        "csat": ratio(t.answers_positive, t.answers),
        "response_rate": ratio(t.surveys_sent_answered, t.surveys_sent),
        "backlog_size": backlog.size,
        "backlog_age_median": backlog.age_median,
        "backlog_age_p90": backlog.age_p90,
        "throughput": round(t.resolved / weeks, 1),
        "arrivals": round(t.created / weeks, 1),
        "reopen_rate": ratio(t.first_resolved_reopened, t.first_resolved),
        "one_touch": ratio(t.first_resolved_one_touch, t.first_resolved),
        "cycle_median": d[DurationKind.CYCLE].median,
        "lead_median": d[DurationKind.LEAD].median,
        # What the values were read from, for the tiles' small print.
        "_counts": t,
        "_durations": d,
    }


def totals_of(scope: Scope, periods: dict[str, tuple[date, date]]) -> dict[str, Counts]:
    """The sums of several periods of the scope's teams and filters in one query (conditional sums)."""
    base = Q(team_id__in=scope.team_ids)
    if scope.priority:
        base &= Q(priority=scope.priority)
    if scope.channel:
        base &= Q(channel=scope.channel)
    sums = DailyFigure.objects.filter(base).aggregate(
        **{f"{name}__{f}": Sum(f, filter=Q(day__gte=a, day__lte=b)) for name, (a, b) in periods.items()
           for f in COUNT_FIELDS}
    )  # fmt: skip
    return {name: Counts(**{f: sums[f"{name}__{f}"] or 0 for f in COUNT_FIELDS}) for name in periods}


def duration_stats_of(scope: Scope, split: date) -> tuple[dict[str, Stats], dict[str, Stats]]:
    """Duration statistics of the scope's period and of the one before (from ``split`` on: the period's):
    one query over both."""
    return _split_stats(replace(scope, first=scope.previous().first), split)


def _split_stats(scope: Scope, split: date) -> tuple[dict[str, Stats], dict[str, Stats]]:
    """The statistics of each duration kind in the scope, for the days from ``split`` on and before it."""
    table = TicketDuration._meta.db_table
    params: list[Any] = [split]
    where = where_sql(scope, params)
    now_stats: dict[str, Stats] = {k: Stats() for k in DurationKind.values}
    before: dict[str, Stats] = {k: Stats() for k in DurationKind.values}
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"SELECT day >= %s, kind, COUNT(*), percentile_cont(0.5) WITHIN GROUP (ORDER BY seconds), "  # noqa: S608
                f"percentile_cont(0.9) WITHIN GROUP (ORDER BY seconds), "
                f"percentile_cont(0.85) WITHIN GROUP (ORDER BY seconds) "
                f"FROM {table} WHERE {where} GROUP BY 1, 2",
                params,
            )
            for current, kind, n, *ps in cursor.fetchall():
                (now_stats if current else before)[kind] = Stats(n, *(round(float(p), 3) for p in ps))
        else:
            cursor.execute(f"SELECT day >= %s, kind, seconds FROM {table} WHERE {where}", params)  # noqa: S608
            values: dict[tuple[bool, str], list[int]] = defaultdict(list)
            for current, kind, seconds in cursor.fetchall():
                values[(bool(current), kind)].append(seconds)
            for (current, kind), found in values.items():
                (now_stats if current else before)[kind] = _stats(found)
    return now_stats, before


@dataclass(frozen=True)
class Tiles:
    values: dict[str, Any]
    before: dict[str, Any]


def tiles(scope: Scope, now: datetime, backlog: Backlog) -> Tiles:
    """The period's figures, the previous period's, and the open count at the period's start: two queries."""
    prev = scope.previous()
    sums = totals_of(scope, {"now": (scope.first, scope.last), "before": (prev.first, prev.last),
                             "since": (scope.first, date.max - timedelta(days=1))})  # fmt: skip
    d_now, d_before = duration_stats_of(scope, scope.first)
    values = period_values(scope, now, backlog=backlog, counts=sums["now"], durations=d_now)
    before = period_values(prev, now, backlog=backlog, counts=sums["before"], durations=d_before)
    since = sums["since"]
    before["backlog_size"] = max(0, backlog.size - since.created - since.reopened + since.resolved)
    before["backlog_age_median"] = None  # ages are known for now only
    return Tiles(values, before)


@dataclass(frozen=True)
class Week:
    monday: date
    counts: Counts
    frt_median: float | None
    resolution_median: float | None


def weekly(scope: Scope) -> list[Week]:
    """Each week (Monday to Sunday) the period touches: its counts and duration medians (two queries)."""
    per_day = (
        DailyFigure.objects.filter(scope.rows_filter())
        .values("day")
        .annotate(**{f"s_{f}": Sum(f) for f in COUNT_FIELDS})
        .order_by("day")
    )
    counts: dict[date, Counts] = defaultdict(Counts)
    row: Any
    for row in per_day:
        week = counts[row["day"] - timedelta(days=row["day"].weekday())]
        for f in COUNT_FIELDS:
            setattr(week, f, getattr(week, f) + (row[f"s_{f}"] or 0))
    medians: dict[tuple[date, str], float | None] = {}
    table = TicketDuration._meta.db_table
    params: list[Any] = []
    where = where_sql(scope, params) + " AND kind IN (%s, %s)"
    params += [DurationKind.FIRST_RESPONSE, DurationKind.RESOLUTION]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"SELECT date_trunc('week', day)::date, kind, percentile_cont(0.5) WITHIN GROUP (ORDER BY seconds) "  # noqa: S608
                f"FROM {table} WHERE {where} GROUP BY 1, 2",
                params,
            )
            medians = {(monday, kind): round(float(p50), 3) for monday, kind, p50 in cursor.fetchall()}
        else:
            cursor.execute(f"SELECT day, kind, seconds FROM {table} WHERE {where}", params)  # noqa: S608
            values: dict[tuple[date, str], list[int]] = defaultdict(list)
            for day, kind, seconds in cursor.fetchall():
                day = date.fromisoformat(day) if isinstance(day, str) else day
                values[(day - timedelta(days=day.weekday()), kind)].append(seconds)
            medians = {key: percentile(found, 0.5) for key, found in values.items()}
    first_monday = scope.first - timedelta(days=scope.first.weekday())
    out = []
    monday = first_monday
    while monday <= scope.last:
        out.append(
            Week(monday, counts.get(monday, Counts()), medians.get((monday, DurationKind.FIRST_RESPONSE)),
                 medians.get((monday, DurationKind.RESOLUTION)))
        )  # fmt: skip
        monday += timedelta(days=7)
    return out


def by_priority(scope: Scope) -> list[tuple[int, Counts]]:
    """The period's counts per priority (one grouped query): SLA attainment by priority reads these."""
    rows: Any = (
        DailyFigure.objects.filter(scope.rows_filter())
        .values("priority")
        .annotate(**{f"s_{f}": Sum(f) for f in COUNT_FIELDS})
        .order_by("-priority")
    )
    return [(r["priority"], Counts(**{f: r[f"s_{f}"] or 0 for f in COUNT_FIELDS})) for r in rows]


def recent_breaches(scope: Scope, start: datetime, end: datetime, limit: int = 10) -> list[Any]:
    """The latest breached targets decided in [start, end) in the scope's teams (one query)."""
    found = SLAOutcome.objects.filter(
        ticket__team_id__in=scope.team_ids, outcome="breached", decided_at__gte=start, decided_at__lt=end
    )
    if scope.priority:
        found = found.filter(ticket__priority=scope.priority)
    if scope.channel:
        found = found.filter(ticket__channel=scope.channel)
    return list(found.select_related("ticket", "ticket__team").order_by("-decided_at", "-id")[:limit])
