"""A team's SLA stamp changes with every write to its policies, targets, hours and holidays.

Moves trust what a process last read of a team's policies and calendar while the
team row carries the same stamp: a write the stamp missed would leave clocks on
old targets.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from teams.models import Holiday, Team, WorkingHours
from tests.factories import HolidayFactory, TeamFactory, WorkingHoursFactory
from tickets.models import SLAPolicy, SLATarget
from tickets.sla import engine

pytestmark = pytest.mark.django_db


def _stamp(team: Team) -> int:
    return Team.objects.values_list("sla_stamp", flat=True).get(pk=team.pk)


@pytest.fixture
def team() -> Team:
    return TeamFactory()


@pytest.mark.parametrize("model", ["policy", "target", "hours", "holiday"])
def test_every_write_of_a_child_row_changes_the_stamp(team: Team, model: str) -> None:
    policy = SLAPolicy.objects.create(team=team, name="Default")
    make = {
        "policy": lambda: SLAPolicy.objects.create(team=team, name="Another"),
        "target": lambda: SLATarget.objects.create(policy=policy, priority=3, resolution_minutes=60),
        "hours": lambda: WorkingHoursFactory(team=team, weekday=0, start_minute=540, end_minute=1020),
        "holiday": lambda: HolidayFactory(team=team, date=dt.date(2026, 12, 25)),
    }[model]
    before = _stamp(team)
    row = make()
    created = _stamp(team)
    assert created != before

    type(row).objects.filter(pk=row.pk).update(id=row.pk)  # an UPDATE of any column, even to itself
    updated = _stamp(team)
    assert updated != created

    row.delete()
    assert _stamp(team) != updated


def test_bulk_inserts_and_deletes_change_the_stamp(team: Team) -> None:
    before = _stamp(team)
    Holiday.objects.bulk_create([Holiday(team=team, date=dt.date(2027, 1, d), name="Break") for d in (1, 2)])
    bulk = _stamp(team)
    assert bulk != before
    WorkingHours.objects.bulk_create([WorkingHours(team=team, weekday=1, start_minute=600, end_minute=900)])
    assert _stamp(team) != bulk
    hours = _stamp(team)
    Holiday.objects.filter(team=team).delete()
    assert _stamp(team) != hours


def test_only_the_teams_own_stamp_changes(team: Team) -> None:
    other = TeamFactory()
    before = _stamp(other)
    SLAPolicy.objects.create(team=team, name="Default")
    assert _stamp(other) == before


def test_saving_a_stale_team_does_not_put_an_old_stamp_back(team: Team) -> None:
    stale = Team.objects.get(pk=team.pk)
    SLAPolicy.objects.create(team=team, name="Default")
    current = _stamp(team)
    stale.name = "Renamed"
    stale.save()
    assert _stamp(team) == current
    assert Team.objects.get(pk=team.pk).name == "Renamed"


def test_loading_again_reads_nothing_until_a_target_changes(team: Team) -> None:
    policy = SLAPolicy.objects.create(team=team, name="Default")
    SLATarget.objects.create(policy=policy, priority=3, resolution_minutes=60)
    WorkingHoursFactory(team=team, weekday=0, start_minute=540, end_minute=1020)
    paused = frozenset({"waiting"})
    engine.TeamSLA.load(team)

    fresh = Team.objects.get(pk=team.pk)
    with CaptureQueriesContext(connection) as ctx:
        kept = engine.TeamSLA.load(fresh, reload=False, paused_statuses=paused)
    assert len(ctx.captured_queries) == 0
    assert engine.target_of(kept.policies[0], 3).resolution_minutes == 60

    SLATarget.objects.filter(policy=policy, priority=3).update(resolution_minutes=240)
    fresh = Team.objects.get(pk=team.pk)
    loaded = engine.TeamSLA.load(fresh, reload=False, paused_statuses=paused)
    assert engine.target_of(loaded.policies[0], 3).resolution_minutes == 240
    assert loaded.calendar.intervals == kept.calendar.intervals


def test_a_new_time_zone_reads_the_calendar_again(team: Team) -> None:
    engine.TeamSLA.load(team)
    Team.objects.filter(pk=team.pk).update(time_zone="Asia/Tokyo")
    assert engine.TeamSLA.load(team).calendar.time_zone == "Asia/Tokyo"
