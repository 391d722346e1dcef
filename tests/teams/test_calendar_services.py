"""Calendar services: weekly hours, holidays, public-holiday prefill, stale saves and the SLA recompute."""

from __future__ import annotations

from datetime import date
from unittest import mock

import pytest

from core.errors import RuleBroken, StaleEdit
from teams.models import Holiday, Role, Team, WorkingHours
from teams.services import (
    NO_HOURS,
    CalendarRefused,
    CalendarState,
    calendar_state,
    calendar_update,
    holiday_add,
    holiday_remove,
    holidays_prefill,
)
from tests.factories import HolidayFactory, WorkingHoursFactory
from tests.teams.sent import assert_sent_once

OFFICE = [(weekday, 9 * 60, 17 * 60) for weekday in range(5)]


@pytest.fixture
def lead(team, make_member, membership_of):
    return membership_of(make_member(team, Role.LEAD), team)


def _hours(team: Team) -> list[tuple[int, int, int]]:
    return list(WorkingHours.objects.filter(team=team).values_list("weekday", "start_minute", "end_minute"))


def _update(team: Team, by, **overrides):
    values = {"expected_version": team.calendar_version, "time_zone": "Europe/Berlin", "intervals": OFFICE}
    return calendar_update(team=team, by=by, **{**values, **overrides})


# --- Weekly hours ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_update_replaces_zone_and_hours_and_moves_the_version_on(team, lead):
    WorkingHoursFactory(team=team, weekday=6, start_minute=0, end_minute=60)
    night = [(4, 22 * 60, 1440), (5, 0, 6 * 60)]
    updated = _update(team, lead, time_zone="America/New_York", intervals=[*OFFICE, *night])
    assert (updated.time_zone, updated.calendar_version) == ("America/New_York", 2)
    assert _hours(team) == sorted([*OFFICE, *night])
    assert calendar_state(team) == CalendarState("America/New_York", tuple(sorted([*OFFICE, *night])), 2)


@pytest.mark.django_db
def test_24_hours_on_every_day_is_a_calendar(team, lead):
    _update(team, lead, intervals=[(weekday, 0, 1440) for weekday in range(7)])
    assert len(_hours(team)) == 7


@pytest.mark.parametrize(
    ("intervals", "message", "weekday"),
    [
        ([], NO_HOURS, None),
        ([(0, 600, 540)], "Monday: the start 10:00 must be before the end 09:00.", 0),
        ([(1, 540, 540)], "Tuesday: the start 09:00 must be before the end 09:00.", 1),
        ([(2, 540, 720), (2, 690, 1020)], "Wednesday: 09:00–12:00 and 11:30–17:00 overlap.", 2),
        ([(3, 540, 720), (3, 540, 720)], "Thursday: 09:00–12:00 is there twice.", 3),
        (
            [(4, 540, 720), (4, 720, 1020)],
            "Friday: 09:00–12:00 and 12:00–17:00 touch; make them one interval, 09:00–17:00.",
            4,
        ),
        ([(5, 0, 1500)], "Saturday: times run from 00:00 to 24:00.", 5),
        ([(7, 540, 1020)], "There is no weekday 7: use 0 (Monday) to 6 (Sunday).", None),
    ],
)
@pytest.mark.django_db
def test_bad_hours_are_refused_naming_day_and_times_and_nothing_is_saved(team, lead, intervals, message, weekday):
    WorkingHoursFactory(team=team, weekday=0)
    with pytest.raises(CalendarRefused) as refused:
        _update(team, lead, intervals=intervals)
    assert str(refused.value) == message
    assert refused.value.problems == [(weekday, message)]
    team.refresh_from_db()
    assert (team.calendar_version, _hours(team)) == (1, [(0, 540, 1020)])


@pytest.mark.django_db
def test_an_interval_inside_another_is_an_overlap(team, lead):
    with pytest.raises(CalendarRefused, match=r"Monday: 08:00–18:00 and 12:00–13:00 overlap\."):
        _update(team, lead, intervals=[(0, 480, 1080), (0, 720, 780), (0, 1020, 1140)])


@pytest.mark.django_db
def test_unknown_time_zone_is_refused(team, lead):
    with pytest.raises(RuleBroken, match="“Mars/Olympus” is not a known time zone"):
        _update(team, lead, time_zone="Mars/Olympus")
    team.refresh_from_db()
    assert (team.time_zone, team.calendar_version) == ("Europe/Berlin", 1)


@pytest.mark.django_db
def test_a_stale_save_is_refused_with_what_is_saved_now(team, lead):
    opened_at = team.calendar_version
    _update(team, lead, intervals=[(0, 480, 960)])
    with pytest.raises(StaleEdit) as refused:
        _update(team, lead, expected_version=opened_at, time_zone="Asia/Kolkata", intervals=OFFICE)
    assert refused.value.current == CalendarState("Europe/Berlin", ((0, 480, 960),), opened_at + 1)
    team.refresh_from_db()
    assert (team.time_zone, _hours(team)) == ("Europe/Berlin", [(0, 480, 960)])


@pytest.mark.django_db
def test_only_leads_and_managers_of_the_team_change_the_calendar(team, other_team, make_member, membership_of):
    agent = membership_of(make_member(team, Role.AGENT), team)
    with pytest.raises(RuleBroken, match="Only a team lead or a manager"):
        _update(team, agent)
    outsider = membership_of(make_member(other_team, Role.MANAGER), other_team)
    with pytest.raises(RuleBroken, match="Only a team lead or a manager"):
        holiday_add(team=team, by=outsider, date=date(2026, 12, 24), name="Christmas Eve")
    assert not _hours(team) and not Holiday.objects.exists()


# --- Holidays -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_holiday_add_and_remove(team, lead):
    holiday = holiday_add(team=team, by=lead, date=date(2026, 12, 24), name="  Christmas   Eve ")
    assert (holiday.team_id, holiday.date, holiday.name) == (team.pk, date(2026, 12, 24), "Christmas Eve")
    removed = holiday_remove(team=team, by=lead, holiday_id=holiday.pk)
    assert removed.name == "Christmas Eve"
    assert not Holiday.objects.filter(team=team).exists()
    with pytest.raises(RuleBroken, match="no longer on the calendar"):
        holiday_remove(team=team, by=lead, holiday_id=holiday.pk)


@pytest.mark.django_db
def test_one_holiday_per_date(team, lead):
    HolidayFactory(team=team, date=date(2026, 12, 25), name="Christmas Day")
    with pytest.raises(RuleBroken, match=r"Fri 25 Dec 2026 is already a holiday: “Christmas Day”\."):
        holiday_add(team=team, by=lead, date=date(2026, 12, 25), name="Xmas")
    with pytest.raises(RuleBroken, match="Give the holiday a name"):
        holiday_add(team=team, by=lead, date=date(2026, 12, 26), name="   ")
    assert Holiday.objects.filter(team=team).count() == 1


@pytest.mark.django_db
def test_another_teams_holiday_cannot_be_removed(team, other_team, lead):
    foreign = HolidayFactory(team=other_team, date=date(2026, 5, 1), name="Labour Day")
    with pytest.raises(RuleBroken):
        holiday_remove(team=team, by=lead, holiday_id=foreign.pk)
    assert Holiday.objects.filter(pk=foreign.pk).exists()


@pytest.mark.django_db
def test_prefill_adds_a_countrys_public_holidays_and_keeps_existing_days(team, lead):
    HolidayFactory(team=team, date=date(2026, 12, 25), name="Weihnachten (ours)")
    result = holidays_prefill(team=team, by=lead, country="de", years=[2026])
    dates = set(Holiday.objects.filter(team=team).values_list("date", flat=True))
    assert {date(2026, 1, 1), date(2026, 4, 3), date(2026, 10, 3), date(2026, 12, 25), date(2026, 12, 26)} <= dates
    assert Holiday.objects.get(team=team, date=date(2026, 12, 25)).name == "Weihnachten (ours)"
    assert (result.country, result.years, result.skipped) == ("DE", [2026], 1)
    assert len(result.added) == len(dates) - 1
    # Again: nothing new.
    again = holidays_prefill(team=team, by=lead, country="DE", years=[2026])
    assert (again.added, again.skipped) == ([], len(dates))


@pytest.mark.django_db
def test_prefill_refuses_unknown_countries_and_odd_years(team, lead):
    with pytest.raises(RuleBroken, match="“XX” is not a country with known public holidays"):
        holidays_prefill(team=team, by=lead, country="XX", years=[2026])
    with pytest.raises(RuleBroken, match="Choose up to five years from 2000 to 2100"):
        holidays_prefill(team=team, by=lead, country="US", years=[1850])
    assert not Holiday.objects.exists()


# --- The SLA recompute ----------------------------------------------------------------------


@pytest.mark.django_db
def test_every_calendar_change_sends_one_recompute_after_commit(team, lead, django_capture_on_commit_callbacks):
    """Sent by name (``teams`` does not import ``tickets``), once per change, only once committed."""
    changes = [
        lambda: _update(team, lead, intervals=[(0, 480, 960)]),
        lambda: _update(team, lead, expected_version=2, time_zone="Asia/Kolkata", intervals=[(0, 480, 960)]),
        lambda: holiday_add(team=team, by=lead, date=date(2026, 8, 15), name="Independence Day"),
        lambda: holiday_remove(team=team, by=lead, holiday_id=Holiday.objects.get(team=team).pk),
        lambda: holidays_prefill(team=team, by=lead, country="AU", years=[2026]),
    ]
    for change in changes:
        with mock.patch("teams.services.current_app") as app:
            with django_capture_on_commit_callbacks(execute=True) as callbacks:
                change()
                app.send_task.assert_not_called()  # not before the commit
            assert len(callbacks) == 1
            assert_sent_once(app, team)


@pytest.mark.django_db
def test_no_recompute_when_nothing_changed_or_the_change_was_refused(team, lead, django_capture_on_commit_callbacks):
    _update(team, lead)
    team.refresh_from_db()
    HolidayFactory(team=team, date=date(2026, 12, 25), name="Christmas Day")
    with django_capture_on_commit_callbacks() as callbacks:
        same = _update(team, lead)  # the same zone and hours again
        with pytest.raises(CalendarRefused):
            _update(team, lead, intervals=[])
        with pytest.raises(StaleEdit):
            _update(team, lead, expected_version=1, intervals=[(0, 0, 60)])
        with pytest.raises(RuleBroken):
            holiday_add(team=team, by=lead, date=date(2026, 12, 25), name="Again")
        holidays_prefill(team=team, by=lead, country="VA", years=[2026])
        holidays_prefill(team=team, by=lead, country="VA", years=[2026])  # all there now
    assert same.calendar_version == 2
    assert len(callbacks) == 1  # only the first prefill added anything
