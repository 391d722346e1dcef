"""Every planning page costs the same number of queries whatever the backlog's size (pinned).

The benchmark suite measures the same pages at 50 and 2,000 backlog items on
PostgreSQL (tests/bench/test_planning_bench.py); here a small and a larger
backlog (over two pages of 50) keep the counts pinned in every run.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from teams.models import Team
from tests.planning.world import World, planning_world

pytestmark = pytest.mark.django_db

# Queries per page for a lead, session and membership checks included.
PINNED = {
    "backlog": 11,
    "backlog page 2": 11,
    "matrix": 6,
    "sprints": 8,
    "planning view": 15,
    "sprint page": 20,
    "standup": 14,
    "review": 23,
    "retrospective": 15,
}


def page_queries(world: World) -> dict[str, int]:
    client = Client()
    client.force_login(world.lead)
    counts = {}
    for name, url in world.pages().items():
        client.get(url)  # the first visit opens the standup and the retrospective; later ones read
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url)
        assert response.status_code == 200, name
        counts[name] = len(ctx.captured_queries)
    return counts


def test_planning_pages_cost_the_same_at_any_backlog_and_team_size(team, db):
    small = page_queries(planning_world(team, backlog=5))
    other = Team.objects.create(name="Billing", slug="billing", time_zone=team.time_zone)
    large = page_queries(planning_world(other, backlog=130, agents=7))  # more people too
    assert small == large
    assert small == PINNED
