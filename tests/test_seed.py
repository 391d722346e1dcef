from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from teams.models import Holiday, Membership, Role, Team, User, WorkingHours


def _snapshot() -> list[tuple]:
    return sorted(
        Membership.objects.values_list("user__username", "team__slug", "role", "capacity", "skills").order_by()
    )


@pytest.mark.django_db
def test_seed_demo_creates_teams_in_three_zones_and_every_role():
    out = StringIO()
    call_command("seed_demo", "--seed", "7", stdout=out)
    assert set(Team.objects.values_list("time_zone", flat=True)) == {
        "Europe/Berlin",
        "America/New_York",
        "Australia/Sydney",
    }
    assert set(Membership.objects.values_list("role", flat=True)) == set(Role)
    assert WorkingHours.objects.filter(team__slug="apac").count() == 7  # round the clock
    assert Holiday.objects.filter(team__slug="emea").exists()
    assert User.objects.get(username="maya").check_password("supportpm-demo")
    assert User.objects.get(username="admin").is_staff
    text = out.getvalue()
    assert "maya" in text and "supportpm-demo" in text


@pytest.mark.django_db
def test_seed_demo_is_deterministic_and_idempotent():
    call_command("seed_demo", "--seed", "3", stdout=StringIO())
    first = _snapshot()
    call_command("seed_demo", "--seed", "3", stdout=StringIO())
    assert _snapshot() == first
    assert Team.objects.count() == 3

    Membership.objects.all().delete()
    Team.objects.all().delete()
    call_command("seed_demo", "--seed", "3", stdout=StringIO())
    assert _snapshot() == first


@pytest.mark.django_db
def test_seed_demo_if_empty_leaves_an_existing_database_alone(team):
    out = StringIO()
    call_command("seed_demo", "--if-empty", stdout=out)
    assert Team.objects.count() == 1
    assert "nothing loaded" in out.getvalue()
