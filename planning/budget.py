"""The interrupt budget while a sprint runs: reserved vs used, and what the plan can no longer carry.

Used is the sprint's reactive points now (planning.figures); reserved is the
capacity's interrupt points (planning.capacity). Past the budget, the
committed items still open give way from the bottom of the sprint order up
until their points cover the overflow: those are the items the plan can no
longer carry. The sprint page shows it; beat tells the team's leads once per
crossing (a changed budget is a new crossing).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.urls import reverse
from django.utils import timezone

from notifications.services import notify
from planning.capacity import Capacity, sprint_capacity
from planning.choices import SprintState
from planning.figures import Figures, sprint_figures
from planning.models import Sprint, SprintItem
from planning.querysets import items_of
from teams.models import Membership, Role, User
from tickets.choices import Status

KIND = "sprint_over_budget"


@dataclass(frozen=True)
class Budget:
    used: int
    items: int
    reserved: Decimal
    give_way: list[SprintItem] = field(default_factory=list)

    @property
    def overflow(self) -> Decimal:
        return self.used - self.reserved

    @property
    def passed(self) -> bool:
        return self.overflow > 0


def interrupt_budget(capacity: Capacity, items: list[SprintItem], figures: Figures) -> Budget:
    """Reserved vs used; past it, the open items that give way, lowest in sprint order first."""
    used, reserved = figures.reactive_points, capacity.interrupt_points
    give_way: list[SprintItem] = []
    carried = 0
    if used > reserved:
        for item in reversed([i for i in items if i.ticket.status != Status.RESOLVED]):
            if carried >= used - reserved:
                break
            give_way.append(item)
            carried += item.ticket.story_points or 0
    return Budget(used=used, items=figures.reactive_items, reserved=reserved, give_way=give_way)


def _message(sprint: Sprint, budget: Budget, key_prefix: str) -> str:
    names = ", ".join(f"{key_prefix}-{i.ticket.number} {i.ticket.title}" for i in budget.give_way)
    carry = f" The plan can no longer carry: {names}." if names else " Every committed item is already done."
    return (
        f"{sprint.name}: reactive work ({budget.used} points in {budget.items} tickets) has passed the interrupt "
        f"budget of {budget.reserved} points.{carry}"
    )[:300]


def budgets_check(*, now: datetime | None = None) -> int:
    """Beat: tell the leads of each active sprint whose reactive work passed its budget (once per crossing).

    Figures for every active sprint come from one call (a fixed number of
    queries); capacity and items are read only for sprints with reactive work.
    Returns how many notifications were written now.
    """
    now = now or timezone.now()
    active = list(Sprint.objects.filter(state=SprintState.ACTIVE).select_related("team"))
    figures = sprint_figures((s, now) for s in active)
    told = 0
    for sprint in active:
        fig = figures.get((sprint.pk, now))
        if fig is None or fig.reactive_points == 0:
            continue
        capacity = sprint_capacity(sprint)
        if fig.reactive_points <= capacity.interrupt_points:
            continue
        budget = interrupt_budget(capacity, list(items_of(sprint)), fig)
        leads: Any = User.objects.filter(
            pk__in=Membership.objects.filter(team_id=sprint.team_id, role=Role.LEAD).values("user_id")
        )
        told += len(
            notify(
                users=leads, kind=KIND, team_id=sprint.team_id,
                subject=f"{sprint.team.name}: {sprint.name} is over its interrupt budget",
                message=_message(sprint, budget, sprint.team.slug.upper()),
                link=reverse("planning:sprint", args=[sprint.team.slug, sprint.number]),
                dedupe_key=f"sprint-over-budget:{sprint.pk}:{budget.reserved}",
            )
        )  # fmt: skip
    return told
