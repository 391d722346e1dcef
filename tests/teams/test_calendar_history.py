"""Business time over the past uses the calendar in force then: a calendar edit never rewrites history."""

from __future__ import annotations

from datetime import datetime
from unittest import mock
from zoneinfo import ZoneInfo

import pytest

from teams.calendar import BusinessCalendar, CalendarHistory
from teams.models import CalendarPeriod, Role, Team
from teams.services import calendar_update
from tests.factories import WorkingHoursFactory

pytestmark = pytest.mark.django_db

BERLIN = ZoneInfo("Europe/Berlin")
HOUR = 3600


def _at(*args: int) -> datetime:
    return datetime(*args, tzinfo=BERLIN)


@pytest.fixture
def lead(team, make_member, membership_of):
    Team.objects.filter(pk=team.pk).update(time_zone="Europe/Berlin")
    team.refresh_from_db()
    for weekday in range(5):
        WorkingHoursFactory(team=team, weekday=weekday, start_minute=9 * 60, end_minute=17 * 60)
    return membership_of(make_member(team, Role.LEAD), team)


def test_without_an_edit_the_history_is_the_current_calendar(team, lead):
    history = CalendarHistory.for_team(team)
    # Monday 23 March 2026 09:00 → Friday 27 March 17:00: five days of 8 hours.
    assert history.business_seconds(_at(2026, 3, 23, 9), _at(2026, 3, 27, 17)) == 40 * HOUR


def test_an_edit_mid_week_counts_old_hours_before_it_and_new_hours_after(team, lead):
    # On Wednesday 25 March 2026 at 12:00 the team moves to 08:00-18:00.
    with mock.patch("django.utils.timezone.now", return_value=_at(2026, 3, 25, 12)):
        calendar_update(
            team=team, by=lead, expected_version=team.calendar_version, time_zone="Europe/Berlin",
            intervals=[(d, 8 * 60, 18 * 60) for d in range(5)],
        )  # fmt: skip
    assert CalendarPeriod.objects.filter(team=team).count() == 2
    history = CalendarHistory.for_team(team)
    # Mon 8 h + Tue 8 h + Wed 09-12 (3 h, old) and 12-18 (6 h, new) + Thu 10 h + Fri 08-17 (9 h).
    assert history.business_seconds(_at(2026, 3, 23, 0), _at(2026, 3, 27, 17)) == (8 + 8 + 3 + 6 + 10 + 9) * HOUR
    # The current calendar alone would have said 10 h a day: the history does not move.
    assert BusinessCalendar.for_team(team).business_seconds(_at(2026, 3, 23, 0), _at(2026, 3, 27, 17)) == 49 * HOUR


def test_dst_change_inside_a_period_is_measured_in_real_seconds(team, lead):
    # Round the clock on Saturday 28 and Sunday 29 March 2026: clocks spring forward on the Sunday.
    with mock.patch("django.utils.timezone.now", return_value=_at(2026, 3, 20, 12)):
        calendar_update(
            team=team, by=lead, expected_version=team.calendar_version, time_zone="Europe/Berlin",
            intervals=[(5, 0, 1440), (6, 0, 1440)],
        )  # fmt: skip
    history = CalendarHistory.for_team(team)
    assert history.business_seconds(_at(2026, 3, 28, 0), _at(2026, 3, 30, 0)) == (24 + 23) * HOUR
