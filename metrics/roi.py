"""A project's ROI panel: for each of its goals, the metric over the window before the launch against the
same-length window after it, and the project's spend against its plan.

The window is the goal's own (30 days by default). Before the launch the
panel says so; while the window after it has not run its course, it says
how much is left rather than comparing a part with a whole.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from metrics.definitions import BY_KEY, Metric
from metrics.display import trend, value_text
from metrics.goals import metric_value
from metrics.models import Goal
from projects.models import Project


@dataclass(frozen=True)
class GoalReturn:
    goal: Goal
    metric: Metric
    before: str
    after: str
    change: dict | None
    note: str  # why there is no comparison yet, if there is none


def project_returns(project: Project, today: date) -> list[GoalReturn]:
    """Each goal of the project, before and after its launch (two queries a goal)."""
    out = []
    for goal in Goal.objects.filter(project=project).order_by("deadline", "id"):
        metric = BY_KEY[goal.metric]
        launch, window = project.launch_date, goal.window_days
        if launch is None:
            out.append(GoalReturn(goal, metric, "—", "—", None, "No launch date: set one on the project."))
            continue
        before = metric_value(
            team_id=project.team_id, metric=goal.metric, first=launch - timedelta(days=window),
            last=launch - timedelta(days=1), priority=goal.priority, channel=goal.channel,
        )  # fmt: skip
        end = launch + timedelta(days=window - 1)
        if today < launch:
            out.append(GoalReturn(goal, metric, value_text(metric, before), "—", None,
                                  f"Launch on {launch:%-d %b %Y}: nothing to compare yet."))  # fmt: skip
            continue
        if today < end:
            out.append(GoalReturn(goal, metric, value_text(metric, before), "—", None,
                                  f"The {window} days after the launch end on {end:%-d %b %Y}; "
                                  f"{(end - today).days} to go."))  # fmt: skip
            continue
        after = metric_value(team_id=project.team_id, metric=goal.metric, first=launch, last=end,
                             priority=goal.priority, channel=goal.channel)  # fmt: skip
        note = "" if before is not None and after is not None else "Too little data on one side of the launch."
        out.append(GoalReturn(goal, metric, value_text(metric, before), value_text(metric, after),
                              trend(metric, after, before), note))  # fmt: skip
    return out
