"""Project pages at the sizes the issue names (``make bench``; PostgreSQL): a RACI matrix of 50 rows × 30
people, a timeline of 20 phases and 300 deliverables. Query counts as pinned in
tests/projects/test_project_queries.py; server time is the median of 7 requests as a lead gets them."""

from __future__ import annotations

import statistics
import time

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from core.bulk import analyze
from projects.models import Deliverable, Phase, RaciCell, RaciRow
from teams.models import Team
from tests.bench.conftest import machine
from tests.projects.test_project_queries import PINNED, page_queries
from tests.projects.world import project_world

pytestmark = [
    pytest.mark.bench,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="measured on PostgreSQL"),
]


def _timed(name: str, call, queries: int) -> None:
    call()
    times = []
    for _ in range(7):
        t0 = time.perf_counter()
        call()
        times.append((time.perf_counter() - t0) * 1000)
    print(f"{name:<40} {queries:>3} queries  {statistics.median(times):7.1f} ms")


def test_project_pages_at_the_named_sizes(production_templates):
    # The timeline's size: 20 phases, 300 deliverables (and their 320 RACI rows), 6 people.
    plan_team = Team.objects.create(name="Rollout desk", slug="rollout", time_zone="UTC")
    plan = project_world(plan_team, phases=20, deliverables=300, people=6, rows=0)
    # The matrix's size: 50 rows (5 phases, 15 deliverables, 30 activities) × 30 people.
    raci_team = Team.objects.create(name="Matrix desk", slug="matrix", time_zone="UTC")
    matrix = project_world(raci_team, phases=5, deliverables=15, people=30, rows=30)
    analyze(Phase, Deliverable, RaciRow, RaciCell)
    assert page_queries(plan) == page_queries(matrix) == PINNED
    print(f"\nProject pages ({machine()}), a lead's requests, median of 7")
    for world, label in ((plan, "20 phases, 300 deliverables"), (matrix, "50 RACI rows × 30 people")):
        client = Client()
        client.force_login(world.lead)
        slug, pk = world.project.team.slug, world.project.pk
        row = world.project.raci_rows.order_by("-order").first()
        calls = {
            "overview": lambda c=client, s=slug, p=pk: c.get(reverse("projects:detail", args=[s, p])),
            "plan and timeline": lambda c=client, s=slug, p=pk: c.get(reverse("projects:plan", args=[s, p])),
            "raci": lambda c=client, s=slug, p=pk: c.get(reverse("projects:raci", args=[s, p])),
            "raci click": lambda c=client, s=slug, p=pk, r=row, w=world: c.post(
                reverse("projects:raci-cycle", args=[s, p, r.pk]), {"person": f"u{w.lead.pk}"}, HTTP_HX_REQUEST="true"
            ),
        }
        for name, call in calls.items():
            _timed(f"{label}: {name}", call, PINNED[name])
