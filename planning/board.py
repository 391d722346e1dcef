"""The sprint board: the team's Kanban board narrowed to a sprint (a scope the tickets board reads by name).

It shows the sprint's items and the tickets created while it runs, split into
the plan and an "Interrupts" lane, with the board's own WIP limits and clocks.
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q
from django.urls import reverse

from planning.models import Sprint, SprintItem
from tickets.selectors.board import BoardScope


def sprint_scope(team_id: int, value: str) -> BoardScope | None:
    """``?sprint=<number>`` on a team's board; None when the team has no such sprint."""
    if not value.isdigit() or len(value) > 9:
        return None
    sprint = Sprint.objects.filter(team_id=team_id, number=int(value)).select_related("team").first()
    if sprint is None:
        return None
    in_sprint = Q(Exists(SprintItem.objects.filter(sprint_id=sprint.pk, ticket_id=OuterRef("pk"))))
    if sprint.started_at is None:
        arrived = Q(pk__in=[])
    else:
        arrived = Q(created_at__gte=sprint.started_at)
        if sprint.closed_at is not None:
            arrived &= Q(created_at__lt=sprint.closed_at)
    return BoardScope(
        name="sprint", value=str(sprint.number), label=sprint.name, tickets=in_sprint | arrived, interrupts=arrived,
        back_url=reverse("planning:sprint", args=[sprint.team.slug, sprint.number]),
    )  # fmt: skip


def sprint_board_url(sprint: Sprint) -> str:
    return reverse("tickets:board", args=[sprint.team.slug]) + f"?sprint={sprint.number}&lanes=interrupt"
