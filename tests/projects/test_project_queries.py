"""Project pages cost the same number of queries whatever the plan's size (pinned)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from teams.models import Team
from tests.projects.world import ProjectWorld, project_world

pytestmark = pytest.mark.django_db

PINNED = {"overview": 16, "plan and timeline": 15, "raci": 10, "raci click": 20}  # session and membership included


def page_queries(world: ProjectWorld) -> dict[str, int]:
    client = Client()
    client.force_login(world.lead)
    team, pk = world.project.team.slug, world.project.pk
    row = world.project.raci_rows.order_by("-order").first()
    requests = {
        "overview": lambda: client.get(reverse("projects:detail", args=[team, pk])),
        "plan and timeline": lambda: client.get(reverse("projects:plan", args=[team, pk])),
        "raci": lambda: client.get(reverse("projects:raci", args=[team, pk])),
        "raci click": lambda: client.post(reverse("projects:raci-cycle", args=[team, pk, row.pk]),
                                          {"person": f"u{world.lead.pk}"}, HTTP_HX_REQUEST="true"),
    }  # fmt: skip
    counts = {}
    for name, call in requests.items():
        call()
        with CaptureQueriesContext(connection) as ctx:
            assert call().status_code == 200, name
        counts[name] = len(ctx.captured_queries)
    return counts


def test_project_pages_cost_the_same_at_any_plan_size(team):
    small = page_queries(project_world(team, phases=3, deliverables=6, people=3, rows=2))
    other = Team.objects.create(name="Big", slug="big", time_zone="UTC")
    large = page_queries(project_world(other, phases=12, deliverables=60, people=9, rows=20))
    assert small == large
    assert small == PINNED
