"""Each metric on the hand-computed week (tests/metrics/conftest.py), from the daily rows and straight from
the tickets; rebuilds are idempotent, beat's day-by-day rows equal a rebuild, a calendar edit rewrites nothing."""

from __future__ import annotations

from datetime import date

import pytest

from metrics.daily import team_rebuild, team_refresh
from metrics.models import DailyFigure, TicketDuration
from metrics.read import Scope, period_values
from metrics.reference import direct_values
from teams.models import Membership
from teams.services import calendar_update
from tests.metrics.conftest import at, berlin
from voice.models import CsatSurvey

pytestmark = pytest.mark.django_db

WEEK = (date(2026, 3, 30), date(2026, 4, 5))  # Monday to Sunday after the DST change
NOW = berlin(6, 12, month=4)

EXPECTED = {
    "frt_median": 7200.0,  # 2 h (T1 across the weekend and the DST change), 30 min, 4 h
    "frt_p90": 12960.0,  # 7,200 + (14,400 − 7,200) × 0.8
    "resolution_median": 18000.0,  # 2 h, 3 h (T2 reopened), 7 h, 17.5 h: (3 h + 7 h) / 2
    "resolution_p90": 51660.0,  # 25,200 + (63,000 − 25,200) × 0.7
    "sla_frt": 66.7,  # 2 met, 1 breached
    "sla_resolution": 66.7,  # T4 and T2's second cycle met, T1 breached
    "ever_breached": 33.3,  # T1 of the three tickets first resolved
    "csat": 50.0,  # a 5 and a 2
    "response_rate": 66.7,  # three surveys sent, two answered
    "throughput": 4.0,  # T2 twice, T4, T1
    "arrivals": 3.0,  # T2, T3, T4 (T1 came on the Friday before)
    "reopen_rate": 33.3,  # T2
    "one_touch": 66.7,  # T4 and T1: one reply each, never reopened
    "lead_median": 59400.0,  # 6 h, 7 h, 26 h, 112.5 h (real hours across the DST change)
    "cycle_median": 55200.0,  # T2 only: 5 h 20 min and 25 h 20 min
}


def _scope(week) -> Scope:
    return Scope(team_ids=(week.team.pk,), first=WEEK[0], last=WEEK[1])


def _rows(team) -> tuple[list, list]:
    figures = list(DailyFigure.objects.filter(team=team).order_by("day", "priority", "channel").values())
    durations = list(TicketDuration.objects.filter(team=team).order_by("ticket_id", "kind", "cycle").values())
    for row in figures + durations:
        row.pop("id")
    return figures, durations


def test_every_metric_matches_the_hand_computed_week(week):
    with at(NOW):
        team_rebuild(week.team)
    values = period_values(_scope(week), NOW)
    assert {k: values[k] for k in EXPECTED} == EXPECTED


def test_rows_equal_the_direct_computation_from_tickets(week):
    with at(NOW):
        team_rebuild(week.team)
    from_rows = period_values(_scope(week), NOW)
    direct = direct_values(_scope(week), NOW)
    assert {k: from_rows[k] for k in direct} == direct
    # Filters too: only normal-priority email tickets (all of them here) and none of the chat ones.
    chat = Scope(team_ids=(week.team.pk,), first=WEEK[0], last=WEEK[1], channel="chat")
    assert period_values(chat, NOW)["throughput"] == direct_values(chat, NOW)["throughput"] == 0.0


def test_rebuilding_twice_gives_identical_rows(week):
    with at(NOW):
        team_rebuild(week.team)
        first = _rows(week.team)
        team_rebuild(week.team)
    assert _rows(week.team) == first
    assert first[0] and first[1]


def test_beat_day_by_day_writes_what_a_rebuild_writes(week):
    # Beat ran every evening of the week (its refresh re-reads the days late events touched).
    for day in (27, 28, 29, 30, 31):
        with at(berlin(day, 23)):
            team_refresh(week.team)
    for day in range(1, 7):
        with at(berlin(day, 23, month=4)):
            team_refresh(week.team)
    live = _rows(week.team)
    with at(berlin(6, 23, month=4)):
        team_rebuild(week.team, since=date(2026, 3, 27))
    assert _rows(week.team) == live


def test_a_late_answer_updates_the_cohort_of_the_day_its_survey_went_out(week):
    survey = CsatSurvey.objects.get(ticket=week.tickets["T1"])
    CsatSurvey.objects.filter(pk=survey.pk).update(answered_at=None, score=None)  # not answered yet
    with at(berlin(1, 23, month=4)):
        team_rebuild(week.team)
    wednesday = Scope(team_ids=(week.team.pk,), first=date(2026, 4, 1), last=date(2026, 4, 1))
    assert period_values(wednesday, NOW)["response_rate"] == 0.0  # T1's survey, not answered yet
    CsatSurvey.objects.filter(pk=survey.pk).update(answered_at=berlin(2, 10, month=4), score=2)
    with at(berlin(2, 23, month=4)):
        team_refresh(week.team)  # Thursday's answer lands on Wednesday's cohort
    assert period_values(wednesday, NOW)["response_rate"] == 100.0


def test_a_calendar_edit_later_does_not_rewrite_the_week(week):
    lead = Membership.objects.get(user=week.lead, team=week.team)
    with at(berlin(10, 12, month=4)):
        calendar_update(team=week.team, by=lead, expected_version=week.team.calendar_version,
                        time_zone="Europe/Berlin", intervals=[(d, 7 * 60, 19 * 60) for d in range(5)])  # fmt: skip
        team_rebuild(week.team)
    values = period_values(_scope(week), NOW)
    assert {k: values[k] for k in EXPECTED} == EXPECTED
    assert direct_values(_scope(week), NOW)["frt_median"] == 7200.0
