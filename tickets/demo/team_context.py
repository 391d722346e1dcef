"""What the ticket generator needs of one demo team: its calendar, accounts, labels, projects, people and limits."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import accumulate
from typing import Any

from django.db import models

from projects.models import Framework, Project
from teams.calendar import BusinessCalendar
from teams.models import Membership, Role, Team, User
from tickets.choices import Tier
from tickets.demo.data import (
    LABELS,
    ROUTING_RULES,
    TIER_WEIGHTS,
    TeamTickets,
)
from tickets.models import Account, Board, Column, Label, RoutingRule
from tickets.services import board_ensure_for_project, board_ensure_for_team

# --- Calendar -------------------------------------------------------------------------------------


def next_open(calendar: BusinessCalendar, t: datetime) -> datetime:
    """``t`` if the team works then, else the start of its next working stretch (``t`` without hours)."""
    if not calendar.has_hours or calendar.is_open(t):
        return t
    return calendar.next_change(t) or t


# --- Per-team context ------------------------------------------------------------------------


@dataclass
class DemoTeam:
    team: Team
    spec: TeamTickets
    calendar: BusinessCalendar
    accounts: list[Account]
    account_cum: list[float]
    labels: dict[str, Label]
    projects: list[Project]
    assignable: list[User]  # agents and leads
    assignable_cum: list[float]
    lead: User | None
    manager: User | None
    # WIP limits: (project id, or None for the team board; status) → limit.
    wip: dict[tuple[int | None, str], int]
    wip_per_agent: int | None


def ensure_named(model: type[models.Model], team: Team, wanted: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Create the rows of ``wanted`` (each with a ``name``) the team lacks; return all by name."""
    manager = model._default_manager
    existing = set(manager.filter(team=team).values_list("name", flat=True))
    manager.bulk_create([model(team=team, **row) for row in wanted if row["name"] not in existing])
    return {obj.name: obj for obj in manager.filter(team=team, name__in=[row["name"] for row in wanted])}  # type: ignore[attr-defined]


def prepare_team(team: Team, spec: TeamTickets, anchor: datetime) -> DemoTeam:
    accounts_by_name = ensure_named(
        Account, team, [{"name": n, "tier": tier, "notes": note} for n, tier, note in spec.accounts]
    )
    accounts = [accounts_by_name[n] for n, _tier, _note in spec.accounts]
    labels = ensure_named(Label, team, [{"name": n, "colour": c} for n, c in LABELS])

    existing_projects = set(Project.objects.filter(team=team).values_list("name", flat=True))
    projects_by_name = ensure_named(
        Project, team, [{"name": p.name, "framework": p.framework, "status": p.status} for p in spec.projects]
    )
    for p in spec.projects:
        if p.name not in existing_projects:
            # created_at is auto_now_add: date the new project back to when it started.
            Project.objects.filter(pk=projects_by_name[p.name].pk).update(
                created_at=anchor - timedelta(days=p.started_days_ago)
            )
    projects = [projects_by_name[p.name] for p in spec.projects]

    board_ensure_for_team(team=team)
    for project in projects:
        if project.framework == Framework.KANBAN:
            board_ensure_for_project(project=project)

    if not RoutingRule.objects.filter(team=team).exists():
        rules = RoutingRule.objects.bulk_create(
            [RoutingRule(team=team, name=name, order=order, **fields) for name, order, fields, _ in ROUTING_RULES]
        )
        through = RoutingRule.add_labels.through
        through.objects.bulk_create(
            [
                through(routingrule_id=rule.pk, label_id=labels[name].pk)
                for rule, (_n, _o, _f, label_names) in zip(rules, ROUTING_RULES, strict=True)
                for name in label_names
            ]
        )

    members = list(Membership.objects.filter(team=team).select_related("user").order_by("user__username"))
    assignable = [m.user for m in members if m.role in (Role.AGENT, Role.LEAD)]
    weights = [1 if m.role == Role.LEAD else 3 for m in members if m.role in (Role.AGENT, Role.LEAD)]
    lead = next((m.user for m in members if m.role == Role.LEAD), None)
    manager = next((m.user for m in members if m.role == Role.MANAGER), None)

    wip: dict[tuple[int | None, str], int] = {}
    for project_id, status, limit in Column.objects.filter(board__team=team, wip_limit__isnull=False).values_list(
        "board__project_id", "status", "wip_limit"
    ):
        if limit is not None:
            wip[(project_id, status)] = limit
    team_board = Board.objects.get(team=team, project__isnull=True)
    return DemoTeam(
        team=team,
        spec=spec,
        calendar=BusinessCalendar.for_team(team),
        accounts=accounts,
        account_cum=list(accumulate(TIER_WEIGHTS[Tier(a.tier)] for a in accounts)),
        labels=labels,
        projects=projects,
        assignable=assignable,
        assignable_cum=list(accumulate(weights)),
        lead=lead,
        manager=manager,
        wip=wip,
        wip_per_agent=team_board.wip_per_agent,
    )
