"""Sprint capacity, the interrupt budget and velocity (DESIGN.md's definitions; README "Sprint figures").

Capacity = Σ over members (agents and leads) of their working days in the
sprint (team calendar, less their days off, from the day they joined) × their
points per day (their capacity per two-week sprint ÷ 10 working days) × the
sprint's focus factor. The interrupt budget is a share of it reserved for work
that arrives during the sprint; what is left is the plannable capacity.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

from planning.choices import SprintState
from planning.days import working_days
from planning.figures import Figures, sprint_figures
from planning.models import Sprint
from teams.calendar import BusinessCalendar
from teams.models import DayOff, Membership, Role

DAYS_PER_SPRINT = 10  # a membership's capacity is per 2-week sprint of 10 working days
HISTORY = 3  # closed sprints that set the interrupt default and the velocity forecast
TENTH = Decimal("0.1")


@dataclass(frozen=True)
class MemberCapacity:
    name: str
    working_days: int
    days_off: int
    points_per_day: Decimal
    points: Decimal


@dataclass(frozen=True)
class PastSprint:
    sprint: Sprint
    completed: int
    reactive: int

    @property
    def share(self) -> Decimal:
        total = self.completed + self.reactive
        return (Decimal(self.reactive) / total).quantize(Decimal("0.001")) if total else Decimal(0)


@dataclass(frozen=True)
class Capacity:
    working_days: int
    focus_factor: Decimal
    members: list[MemberCapacity]
    interrupt_share: Decimal
    share_is_default: bool
    history: list[PastSprint] = field(default_factory=list)

    @property
    def gross(self) -> Decimal:
        return sum((m.points for m in self.members), Decimal(0)).quantize(TENTH, ROUND_HALF_UP)

    @property
    def interrupt_points(self) -> Decimal:
        return (self.gross * self.interrupt_share).quantize(TENTH, ROUND_HALF_UP)

    @property
    def plannable(self) -> Decimal:
        return self.gross - self.interrupt_points

    @property
    def interrupt_percent(self) -> int:
        return int((self.interrupt_share * 100).quantize(Decimal(1), ROUND_HALF_UP))


def past_sprints(sprint: Sprint) -> list[PastSprint]:
    """The team's last three sprints closed before this one: completed and reactive points (figures at close)."""
    closed = list(
        Sprint.objects.filter(team_id=sprint.team_id, state=SprintState.CLOSED, start_date__lt=sprint.start_date)
        .exclude(pk=sprint.pk)
        .order_by("-start_date")[:HISTORY]
    )
    figures = sprint_figures((s, s.closed_at) for s in closed if s.closed_at)
    return [
        PastSprint(sprint=s, completed=f.completed_points, reactive=f.reactive_points)
        for s in closed
        if s.closed_at and (f := figures.get((s.pk, s.closed_at))) is not None
    ]


def default_interrupt_share(history: list[PastSprint]) -> Decimal:
    """Reactive points ÷ (reactive + completed sprint points) over the past sprints; 0 without history."""
    reactive = sum(p.reactive for p in history)
    total = reactive + sum(p.completed for p in history)
    if not total:
        return Decimal(0)
    return min(Decimal("0.9"), (Decimal(reactive) / total).quantize(Decimal("0.001"), ROUND_HALF_UP))


def sprint_capacity(sprint: Sprint, calendar: BusinessCalendar | None = None) -> Capacity:
    """Capacity of the sprint's team over its days (three queries, four with the interrupt history)."""
    calendar = calendar or BusinessCalendar.for_team(sprint.team)
    days = working_days(calendar, sprint.start_date, sprint.end_date)
    members = list(
        Membership.objects.filter(team_id=sprint.team_id, role__in=[Role.AGENT, Role.LEAD])
        .select_related("user")
        .order_by("user__first_name", "user__username")
    )
    off: dict[int, set[date]] = {}
    for membership_id, day in DayOff.objects.filter(
        membership__in=members, date__gte=sprint.start_date, date__lte=sprint.end_date
    ).values_list("membership_id", "date"):
        off.setdefault(membership_id, set()).add(day)
    focus = Decimal(str(sprint.focus_factor))
    rows = []
    for m in members:
        joined = m.joined_at.astimezone(calendar.zone).date()
        present = [d for d in days if d >= joined]
        away = [d for d in present if d in off.get(m.pk, set())]
        worked = len(present) - len(away)
        per_day = Decimal(m.capacity) / DAYS_PER_SPRINT
        points = (per_day * worked * focus).quantize(TENTH, ROUND_HALF_UP)
        rows.append(
            MemberCapacity(
                name=m.user.display_name, working_days=worked, days_off=len(away), points_per_day=per_day, points=points
            )
        )
    history = past_sprints(sprint)
    share = sprint.interrupt_share
    return Capacity(
        working_days=len(days), focus_factor=focus, members=rows,
        interrupt_share=Decimal(str(share)) if share is not None else default_interrupt_share(history),
        share_is_default=share is None, history=history,
    )  # fmt: skip


@dataclass(frozen=True)
class Velocity:
    sprints: list[PastSprint]

    @property
    def forecast(self) -> Decimal | None:
        recent = self.sprints[:HISTORY]
        if not recent:
            return None
        return (Decimal(sum(p.completed for p in recent)) / len(recent)).quantize(TENTH, ROUND_HALF_UP)


def velocity(team_id: int, *, limit: int = 8) -> Velocity:
    """Completed points of the team's last closed sprints, newest first; forecast = mean of the last three."""
    closed = list(Sprint.objects.filter(team_id=team_id, state=SprintState.CLOSED).order_by("-start_date")[:limit])
    figures: dict[tuple[int, datetime], Figures] = sprint_figures((s, s.closed_at) for s in closed if s.closed_at)
    return Velocity(
        sprints=[
            PastSprint(sprint=s, completed=f.completed_points, reactive=f.reactive_points)
            for s in closed
            if s.closed_at and (f := figures.get((s.pk, s.closed_at))) is not None
        ]
    )
