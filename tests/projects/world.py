"""A project at any size, for the pinned query counts (tests/projects/test_project_queries.py) and the
benchmark (tests/bench/test_project_bench.py): phases with deliverables and gates, RACI rows × people."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from projects.models import CostEntry, Deliverable, Phase, Project, RaciCell, RaciRow, Stakeholder
from teams.models import Membership, Role, Team, User
from tests.factories import UserFactory


@dataclass
class ProjectWorld:
    project: Project
    lead: User


def project_world(team: Team, *, phases: int, deliverables: int, people: int, rows: int) -> ProjectWorld:
    """``phases`` phases sharing ``deliverables`` deliverables, ``people`` members, ``rows`` named RACI rows
    (besides one per phase and deliverable), every row with an A and an R."""
    lead = UserFactory(username=f"lead-{team.slug}")
    Membership.objects.create(user=lead, team=team, role=Role.LEAD)
    users = [lead]
    for n in range(people - 1):
        user = UserFactory(username=f"{team.slug}-p{n}")
        Membership.objects.create(user=user, team=team, role=Role.AGENT)
        users.append(user)
    start = date(2027, 1, 4)
    project = Project.objects.create(team=team, name="Big rollout", framework="waterfall", owner=lead, start=start,
                                     budget_planned=100000)  # fmt: skip
    made = Phase.objects.bulk_create(
        Phase(project=project, order=n + 1, name=f"Phase {n + 1}", planned_start=start + timedelta(days=14 * n),
              planned_end=start + timedelta(days=14 * n + 13))
        for n in range(phases)
    )  # fmt: skip
    items = Deliverable.objects.bulk_create(
        Deliverable(phase=made[n % phases], title=f"Deliverable {n}", owner=users[n % len(users)],
                    due=made[n % phases].planned_start + timedelta(days=n % 14))
        for n in range(deliverables)
    )  # fmt: skip
    raci_rows = RaciRow.objects.bulk_create(
        [RaciRow(project=project, phase=p, order=p.order * 1000) for p in made]
        + [RaciRow(project=project, deliverable=d, order=d.phase.order * 1000 + 1) for d in items]
        + [RaciRow(project=project, activity=f"Activity {n}", order=900000 + n) for n in range(rows)]
    )  # fmt: skip
    RaciCell.objects.bulk_create(
        [RaciCell(row=r, user=users[n % len(users)], role="A") for n, r in enumerate(raci_rows)]
        + [RaciCell(row=r, user=users[(n + 1) % len(users)], role="R") for n, r in enumerate(raci_rows)]
    )  # fmt: skip
    Stakeholder.objects.create(project=project, name="Vera Vendor", email="vera@vendor.example")
    CostEntry.objects.bulk_create(
        CostEntry(project=project, date=start + timedelta(days=n), amount=100, category="people") for n in range(30)
    )
    return ProjectWorld(project=project, lead=lead)
