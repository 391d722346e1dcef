"""Chart data of a sprint (burndown, burn-up) and of a team's sprints (velocity), as plain series.

Each chart's template draws a Chart.js canvas from these series and the same
numbers as a table behind a toggle; the CSV views write them too.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

from django.utils import timezone

from planning.days import dates, day_close, is_working_day
from planning.figures import Figures, sprint_figures
from planning.models import Sprint, SprintSnapshot
from teams.calendar import BusinessCalendar


@dataclass(frozen=True)
class Day:
    day: date
    working: bool
    ideal: Decimal
    figures: Figures | None  # None: not reached yet
    live: bool = False  # today, before its close: figures now


def _ideal(total: int, working: list[bool]) -> list[Decimal]:
    """The ideal line at the end of each day: burns evenly over working days, flat on days off."""
    n = sum(working) or 1
    done, out = 0, []
    for w in working:
        done += int(w)
        out.append((Decimal(total) * (n - done) / n).quantize(Decimal("0.1"), ROUND_HALF_UP))
    return out


def _snapshot_figures(sprint: Sprint, snap: SprintSnapshot) -> Figures:
    return Figures(
        committed_points=sprint.committed_points or 0, committed_remaining=snap.committed_remaining,
        scope_points=snap.scope_points, completed_points=snap.completed_points,
        added_points=snap.added_points, removed_points=snap.removed_points,
        reactive_points=snap.reactive_points, reactive_items=snap.reactive_items,
        unestimated_items=snap.unestimated_items,
    )  # fmt: skip


def burndown(sprint: Sprint, calendar: BusinessCalendar) -> list[Day]:
    """Every day of a started sprint: its snapshot once beat wrote it, else figures at its close computed
    now (beat late or not running), and figures now for today before its close. Two queries, plus the
    figures' four when any day lacks its snapshot."""
    if sprint.started_at is None:
        return []
    snaps = {s.day: s for s in SprintSnapshot.objects.filter(sprint=sprint)}
    days = list(dates(sprint.start_date, sprint.end_date))
    working = [is_working_day(calendar, d) for d in days]
    ideal = _ideal(sprint.committed_points or 0, working)
    now = timezone.now()
    until = sprint.closed_at or now
    today = now.astimezone(calendar.zone).date()
    # The instant each day without a snapshot is read at: its close if passed, now for today's.
    wanted: dict[date, datetime] = {}
    for d in days:
        if d in snaps:
            continue
        close = day_close(calendar, d)
        if sprint.started_at < close <= until:
            wanted[d] = close
        elif d == today and sprint.closed_at is None and close > now:
            wanted[d] = now
    figures = sprint_figures((sprint, at) for at in wanted.values()) if wanted else {}
    out = []
    for d, w, i in zip(days, working, ideal, strict=True):
        if d in snaps:
            out.append(Day(d, w, i, _snapshot_figures(sprint, snaps[d])))
        elif d in wanted:
            out.append(Day(d, w, i, figures.get((sprint.pk, wanted[d])), live=wanted[d] is now))
        else:
            out.append(Day(d, w, i, None))
    return out


def chart_series(days: list[Day]) -> dict[str, list]:
    """Chart.js series: scope steps as bars of the day's change, lines for the rest (None: not reached)."""
    labels, ideal, committed, remaining, completed, scope, added, removed = [], [], [], [], [], [], [], []
    prev_added = prev_removed = 0
    for d in days:
        labels.append(d.day.strftime("%a %d %b"))
        ideal.append(float(d.ideal))
        f = d.figures
        committed.append(f.committed_remaining if f else None)
        remaining.append(f.remaining_points if f else None)
        completed.append(f.completed_points if f else None)
        scope.append(f.scope_points if f else None)
        added.append((f.added_points - prev_added) if f else None)
        removed.append(-(f.removed_points - prev_removed) if f else None)
        if f:
            prev_added, prev_removed = f.added_points, f.removed_points
    return {"labels": labels, "ideal": ideal, "committed": committed, "remaining": remaining,
            "completed": completed, "scope": scope, "added": added, "removed": removed}  # fmt: skip
