"""Daily sprint snapshots: written by beat at the close of each team's working day, rebuilt from history.

A snapshot is the sprint's figures (planning.figures) at the close of one of
its days (planning.days.day_close). Beat writes the days whose close has passed
and that have no snapshot yet; the backfill rewrites every day of every started
sprint. Both compute the same figures from the same history, so they agree, and
writing a day again changes nothing (an upsert on (sprint, day)).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta

from django.db.models import Prefetch
from django.utils import timezone

from planning.choices import SprintState
from planning.days import dates, day_close
from planning.figures import sprint_figures
from planning.models import Sprint, SprintSnapshot
from teams.calendar import BusinessCalendar
from teams.models import Holiday, WorkingHours

FIELDS = (
    "committed_remaining", "scope_points", "completed_points", "added_points", "removed_points",
    "remaining_points", "reactive_points", "reactive_items", "unestimated_items",
)  # fmt: skip


def _sprints(queryset: Iterable[Sprint]) -> list[Sprint]:
    return list(
        Sprint.objects.filter(pk__in=[s.pk for s in queryset])
        .select_related("team")
        .prefetch_related(
            Prefetch("team__working_hours", queryset=WorkingHours.objects.all()),
            Prefetch("team__holidays", queryset=Holiday.objects.all()),
        )
    )


def sprint_days(sprint: Sprint, calendar: BusinessCalendar, now: datetime) -> list[tuple[date, datetime]]:
    """(day, close) of each of the sprint's days whose close has passed (by its close, if closed)."""
    until = sprint.closed_at or now
    return [(d, close) for d in dates(sprint.start_date, sprint.end_date) if (close := day_close(calendar, d)) <= until]


def snapshots_write(sprints: Iterable[Sprint], *, rebuild: bool = False, now: datetime | None = None) -> int:
    """Write the snapshots due for these sprints; all of their days when ``rebuild``. Returns rows written."""
    now = now or timezone.now()
    loaded = [s for s in _sprints(sprints) if s.started_at is not None]
    have: set[tuple[int, date]] = set()
    if not rebuild:
        have = set(SprintSnapshot.objects.filter(sprint__in=loaded).values_list("sprint_id", "day"))
    wanted: list[tuple[Sprint, date, datetime]] = []
    for sprint in loaded:
        calendar = BusinessCalendar.for_team(sprint.team)
        wanted += [(sprint, d, close) for d, close in sprint_days(sprint, calendar, now) if (sprint.pk, d) not in have]
    if not wanted:
        return 0
    figures = sprint_figures((s, close) for s, _, close in wanted)
    rows = []
    for sprint, day, close in wanted:
        f = figures[(sprint.pk, close)]
        rows.append(SprintSnapshot(sprint=sprint, day=day, **{name: getattr(f, name) for name in FIELDS}))
    SprintSnapshot.objects.bulk_create(
        rows, update_conflicts=True, unique_fields=["sprint", "day"], update_fields=list(FIELDS), batch_size=1000
    )
    return len(rows)


def snapshots_due(*, now: datetime | None = None) -> int:
    """Beat's run: the missing snapshots of every active sprint (and of sprints closed since the last run)."""
    recent = Sprint.objects.filter(state=SprintState.ACTIVE) | Sprint.objects.filter(
        state=SprintState.CLOSED, closed_at__gte=(now or timezone.now()) - timedelta(days=2)
    )
    return snapshots_write(recent, now=now)
