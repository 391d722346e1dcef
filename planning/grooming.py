"""Grooming the backlog in place: points, impact, effort, labels and project, and "quick wins first".

Every edit goes through the ticket's own update (its version check, its
history), so two leads grooming at once never overwrite each other silently,
and a re-estimate of a ticket in a running sprint lands in the sprint's figures.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction

from core.errors import Invalid
from planning.models import BacklogRank
from planning.services import RANK_GAP, backlog_ids
from projects.models import Project
from teams.models import Team, User
from tickets.models import Label, Ticket
from tickets.services import ticket_update

# The quadrants of DESIGN.md (1-5 each, split at 3), in the order "quick wins first" puts them.
QUADRANTS = ("quick win", "major project", "fill-in", "thankless")
GROOMED = ("story_points", "impact", "effort", "labels", "project")


def quadrant_of(impact: int | None, effort: int | None) -> str:
    if impact is None or effort is None:
        return ""
    if impact >= 3:
        return "quick win" if effort < 3 else "major project"
    return "fill-in" if effort < 3 else "thankless"


def _check(team: Team, changes: dict[str, Any]) -> None:
    problems: dict[str | None, str] = {}
    points = changes.get("story_points")
    if points is not None and not 0 <= points <= 100:
        problems["story_points"] = "Story points go from 0 to 100."
    for name in ("impact", "effort"):
        value = changes.get(name)
        if value is not None and not 1 <= value <= 5:
            problems[name] = f"{name.capitalize()} goes from 1 to 5."
    labels: Iterable[Label] = changes.get("labels") or []
    if any(label.team_id != team.pk for label in labels):
        problems["labels"] = "A label of another team cannot be used here."
    project: Project | None = changes.get("project")
    if project is not None and project.team_id != team.pk:
        problems["project"] = "That project belongs to another team."
    if problems:
        raise Invalid(problems)


def ticket_groom(*, ticket: Ticket, by: User | None, expected_version: int, changes: dict[str, Any]) -> Ticket:
    """Groom one backlog ticket; raises StaleEdit when it changed since the lead's form was drawn."""
    unknown = set(changes) - set(GROOMED)
    if unknown:
        raise ValueError(f"not groomed here: {sorted(unknown)}")
    _check(ticket.team, changes)
    return ticket_update(ticket=ticket, by=by, expected_version=expected_version, changes=changes)


@transaction.atomic
def backlog_order_quick_wins(*, team: Team) -> int:
    """Order the whole backlog by quadrant: quick wins, major projects, fill-ins, thankless, then unscored.

    Within a quadrant, higher impact first, then lower effort; ties keep their
    current order. Returns how many tickets were ranked.
    """
    Team.objects.select_for_update().filter(pk=team.pk).values_list("pk", flat=True).get()
    order = backlog_ids(team)
    scores = {pk: (impact, effort) for pk, impact, effort in
              Ticket.objects.filter(pk__in=order).values_list("pk", "impact", "effort")}  # fmt: skip
    place = {pk: n for n, pk in enumerate(order)}

    def key(pk: int) -> tuple[int, int, int, int]:
        impact, effort = scores[pk]
        q = quadrant_of(impact, effort)
        rank = QUADRANTS.index(q) if q else len(QUADRANTS)
        return (rank, -(impact or 0), effort or 0, place[pk])

    ordered = sorted(order, key=key)
    BacklogRank.objects.filter(team=team).delete()
    BacklogRank.objects.bulk_create(
        BacklogRank(ticket_id=pk, team=team, rank=RANK_GAP * (n + 1)) for n, pk in enumerate(ordered)
    )
    return len(ordered)
