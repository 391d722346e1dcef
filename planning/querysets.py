"""Read paths of planning: the backlog, a sprint's items."""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, F, OuterRef

from planning.choices import SprintState
from planning.models import Sprint, SprintItem
from teams.models import Team
from tickets.choices import BACKLOG_KINDS, Status
from tickets.models import Ticket


def in_open_sprint() -> Exists:
    return Exists(
        SprintItem.objects.filter(ticket=OuterRef("pk"), sprint__state__in=[SprintState.PLANNED, SprintState.ACTIVE])
    )


def backlog_of(team: Team) -> Any:
    """Open improvement, task and bug tickets in no open sprint: ranked ones by rank, then by priority and age."""
    return (
        Ticket.objects.filter(team=team, kind__in=BACKLOG_KINDS)
        .exclude(status=Status.RESOLVED)
        .exclude(in_open_sprint())
        .order_by(F("backlog_rank__rank").asc(nulls_last=True), "-priority", "created_at", "id")
    )


def items_of(sprint: Sprint) -> Any:
    return sprint.items.select_related("ticket", "ticket__assignee").order_by("rank", "id")
