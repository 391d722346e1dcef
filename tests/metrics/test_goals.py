"""SMART goals: the form says which letter is missing, the baseline is computed, status follows the path."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from metrics.daily import team_rebuild
from metrics.goals import goals_update, suggest
from metrics.models import Goal, GoalStatus
from notifications.models import Notification
from teams.models import Role, Team
from tests.metrics.conftest import at, berlin

pytestmark = pytest.mark.django_db

NOW = berlin(6, 12, month=4)


def _goal(**fields) -> Goal:
    values = {"baseline": 100.0, "target": 50.0, "direction": "down", "start": date(2026, 1, 1),
              "deadline": date(2026, 1, 11)}  # fmt: skip
    return Goal(**{**values, **fields})


@pytest.mark.parametrize(
    ("value", "day", "status"),
    [
        (None, date(2026, 1, 5), GoalStatus.NO_DATA),
        (80.0, date(2026, 1, 5), GoalStatus.ON_TRACK),  # 40 % of the way at 40 % of the time
        (85.0, date(2026, 1, 5), GoalStatus.ON_TRACK),  # 30 % of the way: 10 points behind
        (90.0, date(2026, 1, 5), GoalStatus.AT_RISK),  # 20 % of the way: 20 points behind
        (100.0, date(2026, 1, 5), GoalStatus.OFF_TRACK),  # no progress at 40 % of the time
        (120.0, date(2026, 1, 3), GoalStatus.OFF_TRACK),  # going the wrong way
        (45.0, date(2026, 1, 2), GoalStatus.ON_TRACK),  # target reached early
        (50.0, date(2026, 1, 11), GoalStatus.MET),
        (51.0, date(2026, 1, 11), GoalStatus.MISSED),
        (None, date(2026, 1, 11), GoalStatus.MISSED),
    ],
)
def test_status_follows_the_path_from_baseline_to_target(value, day, status):
    assert suggest(_goal(), value, day) == status


@pytest.fixture
def ready(week):
    with at(NOW):
        team_rebuild(week.team)
    return week


def _form(**overrides) -> dict:
    values = {"metric": "frt_median", "name": "Answer faster", "target_kind": "percent", "target_input": "-20",
              "window_days": "7", "baseline_first": "2026-03-30", "baseline_last": "2026-04-05",
              "start": "2026-04-06", "deadline": "2026-07-01", "priority": "", "channel": ""}  # fmt: skip
    return {**values, **overrides}


def _post(client, team, data):
    with at(NOW):
        return client.post(reverse("metrics:goal-new", args=[team.slug]), data)


@pytest.mark.parametrize(
    ("overrides", "letter", "message"),
    [
        ({"metric": "mood"}, "S", "is not a metric of the definitions"),
        ({"deadline": "2026-04-01"}, "T", "the deadline must be in the future"),
        ({"target_input": "20"}, "A", "on the wrong side of the baseline"),
        ({"metric": "csat", "target_input": "150"}, "A", "is impossible"),
        ({"baseline_first": "2025-01-01", "baseline_last": "2025-01-31"}, "M", "no data for this metric"),
        ({"target_input": "0"}, "A", "equals the baseline"),
    ],
)
def test_a_goal_that_is_not_smart_is_refused_with_the_missing_letter(ready, login, overrides, letter, message):
    response = _post(login(ready.lead), ready.team, _form(**overrides))
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html
    assert f'data-smart="{letter}" data-state="fail"' in html
    assert not Goal.objects.exists()


def test_a_smart_goal_gets_its_baseline_and_status(ready, login):
    response = _post(login(ready.lead), ready.team, _form())
    goal = Goal.objects.get()
    assert response.status_code == 302 and response.url == reverse("metrics:goal", args=[ready.team.slug, goal.pk])
    # Median first response of the hand-computed week: 2 h; 20 % less is 96 minutes.
    assert (goal.baseline, goal.target, goal.direction) == (7200.0, 5760.0, "down")
    assert goal.owner == ready.lead and goal.points.count() == 1
    with at(NOW):
        page = login(ready.lead).get(response.url).content.decode()
    assert "2 h" in page and "1 h 36 min" in page
    # The dashboard lists it with its sparkline.
    with at(NOW):
        dash = login(ready.lead).get(reverse("dashboard", args=[ready.team.slug])).content.decode()
    assert f'id="goal-row-{goal.pk}"' in dash and "Answer faster" in dash


def test_beat_updates_the_goal_daily_and_reminds_its_owner_weekly_while_at_risk(ready, login):
    # From 2 h to 5,000 s (83 min) between 30 March and 30 May (61 days), read over 30 days.
    _post(login(ready.lead), ready.team, _form(start="2026-03-30", deadline="2026-05-30", target_kind="absolute",
                                               target_input="5000", window_days="30"))  # fmt: skip
    goal = Goal.objects.get()

    def reminders() -> int:
        return Notification.objects.filter(user=ready.lead, kind="goal_at_risk").count()

    with at(berlin(10, 9, month=4)):  # Friday: 11 of 61 days gone (18 %), no progress: at risk
        goals_update()
    goal.refresh_from_db()
    assert (goal.current, goal.suggested, reminders()) == (7200.0, GoalStatus.AT_RISK, 1)
    with at(berlin(11, 9, month=4)):  # the same week: no second reminder
        goals_update()
    assert reminders() == 1
    with at(berlin(13, 9, month=4)):  # Monday, next week: 23 % of the time gone, still at risk
        goals_update()
    assert reminders() == 2
    assert goal.points.filter(day__in=[date(2026, 4, 10), date(2026, 4, 11), date(2026, 4, 13)]).count() == 3
    with at(berlin(25, 9, month=4)):  # 43 % of the time gone, nothing better: off track, no reminder
        goals_update()
    goal.refresh_from_db()
    assert goal.suggested == GoalStatus.OFF_TRACK and reminders() == 2
    with at(berlin(31, 9, month=5)):  # the deadline's point decides it (no replies in May): missed
        goals_update()
    goal.refresh_from_db()
    assert goal.suggested == GoalStatus.MISSED and goal.current_on == date(2026, 5, 30)


def test_owner_overrides_the_status_with_a_comment_others_may_not(ready, login, make_member):
    _post(login(ready.lead), ready.team, _form())
    goal = Goal.objects.get()
    url = reverse("metrics:goal-status", args=[ready.team.slug, goal.pk])
    agent = make_member(ready.team, Role.AGENT)
    assert login(agent).post(url, {"status": "met", "comment": "x", "version": goal.version}).status_code == 403
    lead = login(ready.lead)
    refused = lead.post(url, {"status": "met", "comment": "", "version": goal.version})
    assert refused.status_code == 400 and "Say why you override" in refused.content.decode()
    assert (
        lead.post(url, {"status": "off_track", "comment": "Two agents on leave", "version": goal.version}).status_code
        == 302
    )
    goal.refresh_from_db()
    assert (goal.status, goal.confirmed_comment) == (GoalStatus.OFF_TRACK, "Two agents on leave")
    stale = lead.post(url, {"status": "on_track", "comment": "Back", "version": goal.version - 1})
    assert stale.status_code == 400
    goal.refresh_from_db()
    assert goal.status == GoalStatus.OFF_TRACK


def test_goals_of_another_team_are_not_found(ready, login, make_member):
    _post(login(ready.lead), ready.team, _form())
    goal = Goal.objects.get()
    other = Team.objects.create(name="Billing", slug="billing", time_zone="UTC")
    outsider = make_member(other, Role.MANAGER)
    client = login(outsider)
    assert client.get(reverse("metrics:goal", args=[ready.team.slug, goal.pk])).status_code == 404
    assert client.get(reverse("metrics:goal", args=[other.slug, goal.pk])).status_code == 404
    assert client.get(reverse("metrics:goal-new", args=[ready.team.slug])).status_code == 404
    viewer = make_member(ready.team, Role.VIEWER)
    assert login(viewer).get(reverse("metrics:goal-new", args=[ready.team.slug])).status_code == 403
    assert login(viewer).get(reverse("metrics:goal", args=[ready.team.slug, goal.pk])).status_code == 200
