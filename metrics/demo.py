"""Demo goals: for each demo team one goal met, one at risk and one on track, from the team's own figures.

The targets are chosen from what the demo history measured, so each goal
lands in its status whatever the seed: the met goal aimed at part of an
improvement that happened before its deadline, the one on track has covered
more of its way than its time, and the one at risk started twelve days ago
(a fifth of its time) from the level it still measures.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from core.errors import RuleBroken
from metrics.goals import GOAL_METRICS, GoalDraft, goal_create, goal_point, metric_value
from metrics.models import Goal, GoalPoint
from projects.models import Project
from teams.calendar import team_today
from teams.models import Membership, Role, Team

# Metrics a demo goal may use, in order of preference (the first that fits is taken).
PREFERRED = ("frt_median", "resolution_median", "sla_frt", "sla_resolution", "csat", "one_touch", "reopen_rate",
             "frt_p90", "resolution_p90", "response_rate", "ever_breached", "throughput", "cycle_median",
             "lead_median")  # fmt: skip


@dataclass
class GoalSeedResult:
    goals: int = 0


def _value(team: Team, key: str, first: date, last: date, now: datetime) -> float | None:
    return metric_value(team_id=team.pk, metric=key, first=first, last=last, now=now)


def _better(key: str, a: float, b: float) -> bool:
    """Whether ``b`` is better than ``a`` for the metric."""
    higher = next(m for m in GOAL_METRICS if m.key == key).better == "higher"
    return b > a if higher else b < a


def _plans(team: Team, today: date, now: datetime) -> list[tuple[str, str, float, date, date, date, date]]:
    """(kind, metric, target, baseline first, baseline last, start, deadline) for each goal that fits the data."""
    plans = []
    # Met: baseline the 30 days to two months ago, deadline a week ago, and a target at 70 % of the gain.
    b1, b2, start, deadline = today - timedelta(days=90), today - timedelta(days=61), today - timedelta(days=60), \
        today - timedelta(days=7)  # fmt: skip
    for key in PREFERRED:
        base, then = _value(team, key, b1, b2, now), _value(team, key, deadline - timedelta(days=29), deadline, now)
        if base is not None and then is not None and _better(key, base, then):
            plans.append(("met", key, round(base + (then - base) * 0.7, 1), b1, b2, start, deadline))
            break
    used = {p[1] for p in plans}
    # On track: started 30 days ago for 90 days, already past half of the way (a third of the time gone).
    b1, b2, start, deadline = today - timedelta(days=60), today - timedelta(days=31), today - timedelta(days=30), \
        today + timedelta(days=60)  # fmt: skip
    for key in PREFERRED:
        if key in used:
            continue
        base, now_value = _value(team, key, b1, b2, now), _value(team, key, today - timedelta(days=29), today, now)
        if base is not None and now_value is not None and _better(key, base, now_value):
            low, high = next(m for m in GOAL_METRICS if m.key == key).bounds or (0.0, float("inf"))
            target = round(min(high, max(low, base + (now_value - base) * 1.8)), 1)
            plans.append(("on track", key, target, b1, b2, start, deadline))
            used.add(key)
            break
    # At risk: the baseline is the last 30 days, the goal started 12 of its 60 days ago, no progress yet.
    b1, b2, start, deadline = today - timedelta(days=29), today, today - timedelta(days=12), today + timedelta(days=48)
    for key in PREFERRED:
        if key in used:
            continue
        base = _value(team, key, b1, b2, now)
        if not base:
            continue
        low, high = next(m for m in GOAL_METRICS if m.key == key).bounds or (0.0, float("inf"))
        # A fair step in the better direction, inside what the metric can take.
        target = round(base + (high - base) * 0.3 if _better(key, base, base + 1) and high < 1e6 else
                       base * 1.15 if _better(key, base, base + 1) else max(low, base * 0.85), 1)  # fmt: skip
        if target != round(base, 1):
            plans.append(("at risk", key, target, b1, b2, start, deadline))
            break
    return plans


NAMES = {"met": "Faster service after the macro clean-up", "on track": "Quarterly service goal",
         "at risk": "Stretch goal for this quarter"}  # fmt: skip


def seed_goals(*, teams: Mapping[str, Team], now: datetime) -> GoalSeedResult:
    """Three goals for each demo team without goals (running again adds nothing)."""
    result = GoalSeedResult()
    for team in teams.values():
        if Goal.objects.filter(team=team).exists():
            continue
        today = team_today(team, now)  # the team's own date: the goals' points are read on it
        lead = Membership.objects.filter(team=team, role=Role.LEAD).select_related("user").first()
        owner = lead.user if lead else None
        for kind, key, target, b1, b2, start, deadline in _plans(team, today, now):
            draft = GoalDraft(
                name=NAMES[kind], metric=key, target_kind="absolute", target_input=target, start=start,
                deadline=deadline if deadline > today else today + timedelta(days=1), baseline_first=b1,
                baseline_last=b2, owner=owner,
            )  # fmt: skip
            try:
                goal = goal_create(team=team, by=owner, draft=draft, now=now)  # type: ignore[arg-type]
            except RuleBroken:
                continue
            if deadline <= today:
                _set_back(goal, deadline, now)
            result.goals += 1
        result.goals += _project_goal(team, owner, today, now)
    return result


def _set_back(goal: Goal, deadline: date, now: datetime) -> None:
    """A goal of the past (the form only takes future deadlines): its deadline set back, the points after it
    dropped, then decided by its deadline's point as beat did on that day."""
    GoalPoint.objects.filter(goal=goal, day__gt=deadline).delete()
    Goal.objects.filter(pk=goal.pk).update(deadline=deadline, current_on=None)
    goal.refresh_from_db()
    goal_point(goal, deadline, now)


def _project_goal(team: Team, owner: Any, today: date, now: datetime) -> int:
    """The team's launched project gets a goal on a metric that moved the right way around its launch, so its
    return shows a before and an after."""
    project = Project.objects.filter(
        team=team, launch_date__isnull=False, launch_date__lte=today - timedelta(days=30)
    ).first()
    if project is None or Goal.objects.filter(project=project).exists() or project.launch_date is None:
        return 0
    launch = project.launch_date
    for key in PREFERRED:
        before = _value(team, key, launch - timedelta(days=30), launch - timedelta(days=1), now)
        after = _value(team, key, launch, launch + timedelta(days=29), now)
        if before is None or after is None or not _better(key, before, after):
            continue
        draft = GoalDraft(
            name=f"{project.name}: what it changed", metric=key, target_kind="absolute",
            target_input=round(before + (after - before) * 0.8, 1), start=launch, deadline=today + timedelta(days=1),
            baseline_first=launch - timedelta(days=30), baseline_last=launch - timedelta(days=1), owner=owner,
            project=project,
        )  # fmt: skip
        try:
            goal = goal_create(team=team, by=owner, draft=draft, now=now)
        except RuleBroken:
            continue
        _set_back(goal, launch + timedelta(days=29), now)
        return 1
    return 0
