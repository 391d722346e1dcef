"""Team page render cost as the team grows: queries must stay flat."""

from __future__ import annotations

import pytest
from django.urls import reverse

from teams.models import Membership, Role, User
from tests.bench.conftest import machine
from tests.factories import TeamFactory

pytestmark = [pytest.mark.bench, pytest.mark.django_db]


def test_team_page_scales_with_members(client, measure):
    team = TeamFactory(slug="bench")
    lead = User.objects.create_user("bench-lead", password="x")
    Membership.objects.create(user=lead, team=team, role=Role.LEAD)
    client.force_login(lead)
    url = reverse("teams:detail", args=[team.slug])
    rows = []
    have = 1
    for size in (10, 100, 1000):
        users = User.objects.bulk_create(User(username=f"b{have + i}") for i in range(size - have))
        Membership.objects.bulk_create(Membership(user=u, team=team, role=Role.AGENT) for u in users)
        have = size
        queries, ms = measure(lambda: client.get(url))
        rows.append((size, queries, ms))
    print(f"\nTeam page ({machine()})")
    print(f"{'members':>8} {'queries':>8} {'ms':>8} {'µs/member':>10}")
    for size, queries, ms in rows:
        print(f"{size:>8} {queries:>8} {ms:>8.1f} {ms * 1000 / size:>10.0f}")
    assert len({q for _, q, _ in rows}) == 1, "query count must not grow with members"
