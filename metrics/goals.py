"""SMART goals bound to the metrics: baseline computed and stored, progress read daily, status suggested.

A goal's value on a day is its metric over the goal's window (30 days by
default) ending that day, with the goal's filters, read from the daily rows.
The expected path runs in a straight line from the baseline at the start to
the target at the deadline. Status, until the deadline:

- on track: the target is already reached, or progress (the share of the way
  from baseline to target covered) is at most 10 points behind the share of
  the goal's time elapsed;
- at risk: 10 to 30 points behind;
- off track: more than 30 points behind;

and from the deadline on: met when the target is reached, missed otherwise.
The owner (or a lead) can confirm or override the suggestion with a comment;
while a goal is at risk its owner is reminded once a week.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from core.errors import Invalid, RuleBroken
from core.stale import lock_if_current
from metrics import read
from metrics.definitions import BY_KEY, METRICS, Metric
from metrics.models import Goal, GoalPoint, GoalStatus
from notifications.services import notify
from projects.models import Project
from teams.calendar import team_today
from teams.models import Membership, Team, User

# Goals read a period's figures; what is open now has no past to aim from.
GOAL_METRICS: tuple[Metric, ...] = tuple(m for m in METRICS if not m.key.startswith("backlog_"))
ON_TRACK_GAP, AT_RISK_GAP = 0.10, 0.30
FINAL = (GoalStatus.MET, GoalStatus.MISSED)


def metric_value(
    *, team_id: int, metric: str, first: date, last: date, priority: int | None = None, channel: str = "",
    now: datetime | None = None,
) -> float | None:  # fmt: skip
    """One metric of one team over [first, last] with the filters (two queries, from the daily rows)."""
    scope = read.Scope(team_ids=(team_id,), first=first, last=last, priority=priority, channel=channel or None)
    return read.period_values(scope, now or timezone.now(), backlog=read.Backlog())[metric]


def expected_on(goal: Goal, day: date) -> float:
    """Where the straight path from baseline to target puts the goal on ``day``."""
    total = (goal.deadline - goal.start).days
    elapsed = min(max((day - goal.start).days, 0), total)
    return round(goal.baseline + (goal.target - goal.baseline) * elapsed / total, 3)


def reached(goal: Goal, value: float) -> bool:
    return value >= goal.target if goal.direction == "up" else value <= goal.target


def suggest(goal: Goal, value: float | None, day: date) -> str:
    """The status the figures suggest on ``day`` (see the module's rules)."""
    if value is None:
        return GoalStatus.MISSED if day >= goal.deadline else GoalStatus.NO_DATA
    if day >= goal.deadline:
        return GoalStatus.MET if reached(goal, value) else GoalStatus.MISSED
    if reached(goal, value):
        return GoalStatus.ON_TRACK
    span = goal.target - goal.baseline
    progress = (value - goal.baseline) / span if span else 1.0
    elapsed = max(0, (day - goal.start).days) / max(1, (goal.deadline - goal.start).days)
    gap = round(elapsed - progress, 6)
    if gap <= ON_TRACK_GAP:
        return GoalStatus.ON_TRACK
    return GoalStatus.AT_RISK if gap <= AT_RISK_GAP else GoalStatus.OFF_TRACK


@dataclass(frozen=True)
class GoalDraft:
    name: str
    metric: str
    target_kind: str  # "absolute" or "percent"
    target_input: float
    start: date
    deadline: date
    baseline_first: date
    baseline_last: date
    window_days: int = 30
    owner: User | None = None
    project: Project | None = None
    priority: int | None = None
    channel: str = ""


def check(team: Team, draft: GoalDraft, *, today: date, now: datetime | None = None) -> tuple[float, float, str]:
    """The SMART checks that need the data: returns (baseline, target, direction) or raises Invalid.

    Specific and measurable: a metric of the definitions, with data in the
    baseline window. Achievable: a target inside the metric's range that
    differs from the baseline in the metric's better direction. Relevant: the
    team's own project, if any. Time-bound: a deadline after today and the start.
    """
    problems: list[tuple[str | None, str]] = []
    metric = BY_KEY.get(draft.metric)
    if metric is None or metric not in GOAL_METRICS:
        raise Invalid({"metric": "Choose a metric from the definitions: it makes the goal specific and measurable."})
    if draft.deadline <= today:
        problems.append(("deadline", "Time-bound: the deadline must be in the future."))
    if draft.deadline <= draft.start:
        problems.append(("deadline", "Time-bound: the deadline must come after the start."))
    if draft.baseline_first > draft.baseline_last:
        problems.append(("baseline_first", "The baseline window starts after it ends."))
    elif draft.baseline_last > today:
        problems.append(("baseline_last", "The baseline is measured over days that have passed."))
    if draft.project is not None and draft.project.team_id != team.pk:
        problems.append(("project", "Relevant: choose a project of this team."))
    if problems:
        raise Invalid(problems=problems)
    baseline = metric_value(
        team_id=team.pk, metric=metric.key, first=draft.baseline_first, last=draft.baseline_last,
        priority=draft.priority, channel=draft.channel, now=now,
    )  # fmt: skip
    if baseline is None:
        raise Invalid({"baseline_first": "Measurable: there is no data for this metric in the baseline window; "
                                         "choose a window with tickets."})  # fmt: skip
    target = (
        round(baseline * (1 + draft.target_input / 100), 3) if draft.target_kind == "percent" else draft.target_input
    )
    low, high = metric.bounds or (float("-inf"), float("inf"))
    if not low <= target <= high:
        raise Invalid({"target_input": f"Achievable: a {metric.name.lower()} of {target:g} is impossible "
                                       f"(it lies between {low:g} and {high:g})."})  # fmt: skip
    if target == baseline:
        raise Invalid({"target_input": "Achievable: the target equals the baseline; aim for a change."})
    direction = "up" if target > baseline else "down"
    if metric.better and direction != ("up" if metric.better == "higher" else "down"):
        better = "higher" if metric.better == "higher" else "lower"
        raise Invalid({"target_input": f"The target is on the wrong side of the baseline ({baseline:g}): a "
                                       f"{better} {metric.name.lower()} is better."})  # fmt: skip
    return baseline, target, direction


@transaction.atomic
def goal_create(*, team: Team, by: User, draft: GoalDraft, now: datetime | None = None) -> Goal:
    now = now or timezone.now()
    today = team_today(team, now)
    baseline, target, direction = check(team, draft, today=today, now=now)
    goal = Goal.objects.create(
        team=team, project=draft.project, name=draft.name.strip() or BY_KEY[draft.metric].name,
        metric=draft.metric, direction=direction, priority=draft.priority, channel=draft.channel,
        window_days=draft.window_days, baseline_first=draft.baseline_first, baseline_last=draft.baseline_last,
        baseline=baseline, target_kind=draft.target_kind, target_input=draft.target_input, target=target,
        start=draft.start, deadline=draft.deadline, owner=draft.owner or by,
    )  # fmt: skip
    # The sparkline from the start: a point a week, then today's.
    day = draft.start
    days = []
    while day < today:
        days.append(day)
        day += timedelta(days=7)
    if draft.start <= today:
        days.append(min(today, draft.deadline))
    for d in days:
        goal_point(goal, d, now)
    return goal


def goal_point(goal: Goal, day: date, now: datetime | None = None) -> GoalPoint:
    """Write the goal's value on ``day`` (idempotent) and, for its latest day, its current value and status."""
    value = metric_value(team_id=goal.team_id, metric=goal.metric, first=day - timedelta(days=goal.window_days - 1),
                         last=day, priority=goal.priority, channel=goal.channel, now=now)  # fmt: skip
    expected = expected_on(goal, day)
    point, _ = GoalPoint.objects.update_or_create(goal=goal, day=day, defaults={"value": value, "expected": expected})
    goal.trail = [[d.isoformat(), v] for d, v in
                  goal.points.filter(value__isnull=False).order_by("day").values_list("day", "value")]  # fmt: skip
    changed: dict[str, Any] = {"trail": goal.trail}
    if goal.current_on is None or day >= goal.current_on:
        goal.current, goal.current_on, goal.suggested = value, day, suggest(goal, value, day)
        changed.update(current=value, current_on=day, suggested=goal.suggested)
    Goal.objects.filter(pk=goal.pk).update(**changed)
    return point


def _reminder(goal: Goal, today: date) -> str:
    return (
        f"{goal.name}: {BY_KEY[goal.metric].name} is {goal.current:g} where the path expects "
        f"{expected_on(goal, today):g}, on the way to {goal.target:g} by {goal.deadline:%-d %b %Y}."
    )[:300]


def goals_update(*, now: datetime | None = None) -> int:
    """Beat, daily: today's point of every goal not yet decided (the deadline's point decides it), and the
    weekly reminder to owners of goals at risk. Returns the goals updated."""
    now = now or timezone.now()
    updated = 0
    for goal in Goal.objects.select_related("team", "owner").exclude(suggested__in=FINAL):
        today = team_today(goal.team, now)
        if today < goal.start:
            continue
        goal_point(goal, min(today, goal.deadline), now)
        updated += 1
        if goal.status == GoalStatus.AT_RISK and goal.owner is not None:
            year, week, _ = today.isocalendar()
            notify(
                users=[goal.owner], kind="goal_at_risk", team_id=goal.team_id,
                subject=f"Goal at risk: {goal.name}",
                message=_reminder(goal, today),
                link=reverse("metrics:goal", args=[goal.team.slug, goal.pk]),
                dedupe_key=f"goal-at-risk:{goal.pk}:{year}-W{week:02d}",
            )  # fmt: skip
    return updated


def goal_confirm(*, goal: Goal, by: Membership, expected_version: int, status: str, comment: str) -> Goal:
    """The owner or a lead confirms or overrides the suggested status (empty status: back to the suggestion)."""
    comment = " ".join(comment.split())
    if status and status not in GoalStatus.values:
        raise Invalid({"status": "Choose one of the statuses."})
    if status and status != goal.suggested and not comment:
        raise Invalid({"comment": "Say why you override the suggested status: the comment is kept with it."})
    with transaction.atomic():
        locked = lock_if_current(Goal.objects, pk=goal.pk, seen=expected_version)
        locked.confirmed, locked.confirmed_comment = status, comment[:300]
        locked.confirmed_by, locked.confirmed_at = by.user, timezone.now()
        locked.version += 1
        locked.save(update_fields=["confirmed", "confirmed_comment", "confirmed_by", "confirmed_at", "version"])
    return locked


def may_confirm(goal: Goal, membership: Membership, can_manage: bool) -> bool:
    return can_manage or goal.owner_id == membership.user_id


def sparkline(goal: Goal, width: int = 120, height: int = 28) -> dict[str, Any] | None:
    """SVG polyline coordinates of the values (the goal's trail) and of the expected path (server-drawn, no
    JavaScript)."""
    values = [(date.fromisoformat(d), v) for d, v in goal.trail]
    if not values:
        return None
    ys = [v for _, v in values] + [goal.target, goal.baseline]
    low, high = min(ys), max(ys)
    span = (high - low) or 1.0
    first, last = goal.start, max(goal.deadline, values[-1][0])
    days = max(1, (last - first).days)

    def xy(day: date, y: float) -> str:
        x = (day - first).days / days * (width - 4) + 2
        return f"{x:.1f},{height - 2 - (y - low) / span * (height - 4):.1f}"

    return {
        "width": width, "height": height,
        "values": " ".join(xy(d, v) for d, v in values),
        "path": f"{xy(goal.start, goal.baseline)} {xy(goal.deadline, goal.target)}",
    }  # fmt: skip


__all__ = ["GoalDraft", "RuleBroken", "goal_confirm", "goal_create", "goals_update", "may_confirm", "sparkline"]
