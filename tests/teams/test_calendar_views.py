"""The calendar editor: who may use it, the week form, holidays over HTMX, refusals, stale saves, the recompute."""

from __future__ import annotations

from datetime import date
from unittest import mock

import pytest
from django.urls import reverse

from teams.models import Holiday, Role, Team, WorkingHours
from tests.factories import HolidayFactory, WorkingHoursFactory
from tests.teams.sent import assert_sent_once
from tests.teams.test_permissions import EXPECTED

HTMX = {"HTTP_HX_REQUEST": "true"}
DAYS = range(7)


def week_data(team: Team, hours: dict[int, list[tuple[str, str]]], **extra: str) -> dict[str, str]:
    """The week form as a browser posts it: three rows a day, blank where there is nothing."""
    data = {"time_zone": team.time_zone, "version": str(team.calendar_version), "rows": "3"}
    for weekday in DAYS:
        rows = hours.get(weekday, [])
        for row in range(3):
            start, end = rows[row] if row < len(rows) else ("", "")
            data[f"d{weekday}_{row}_start"], data[f"d{weekday}_{row}_end"] = start, end
    return {**data, **extra}


OFFICE = {weekday: [("09:00", "17:00")] for weekday in range(5)}


def _hours(team: Team) -> list[tuple[int, int, int]]:
    return list(WorkingHours.objects.filter(team=team).values_list("weekday", "start_minute", "end_minute"))


@pytest.fixture
def lead_client(team, make_member, login):
    return login(make_member(team, Role.LEAD))


# --- Who may do what ------------------------------------------------------------------------

# (url name, needs a holiday pk, method, the data it sends)
ROUTES = [
    ("teams:calendar", False, "get", None),
    ("teams:calendar", False, "post", "week"),
    ("teams:holiday-add", False, "post", {"date": "2026-12-24", "name": "Christmas Eve"}),
    ("teams:holiday-remove", True, "post", {}),
    ("teams:holidays-prefill", False, "post", {"country": "DE", "year": "2026"}),
]


def _route_url(name: str, team: Team, holiday: Holiday | None) -> str:
    kwargs: dict[str, object] = {"team_slug": team.slug}
    if holiday is not None:
        kwargs["pk"] = holiday.pk
    return reverse(name, kwargs=kwargs)


@pytest.mark.django_db
@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize(("name", "needs_pk", "method", "data"), ROUTES)
def test_every_calendar_route_answers_by_role(team, make_member, login, role, name, needs_pk, method, data):
    from teams.permissions import Action

    WorkingHoursFactory(team=team, weekday=0)
    holiday = HolidayFactory(team=team, date=date(2026, 5, 1), name="Labour Day")
    client = login(make_member(team, role))
    url = _route_url(name, team, holiday if needs_pk else None)
    payload = week_data(team, {6: [("10:00", "12:00")]}) if data == "week" else data
    response = client.post(url, payload) if method == "post" else client.get(url)
    allowed = Action.MANAGE_TEAM in EXPECTED[role]
    if not allowed:
        assert response.status_code == 403
        assert _hours(team) == [(0, 540, 1020)], "a refused write must change nothing"
        assert list(Holiday.objects.filter(team=team).values_list("name", flat=True)) == ["Labour Day"]
    elif method == "get":
        assert response.status_code == 200
    else:  # a plain form post goes back to the page
        assert response.status_code == 302, response.content[:500]
        assert response["Location"] == reverse("teams:calendar", args=[team.slug])


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "needs_pk", "method", "data"), ROUTES)
def test_another_teams_calendar_is_404(team, other_team, make_member, login, name, needs_pk, method, data):
    """A manager of one team learns nothing about another's calendar, not even that it exists."""
    manager = make_member(team, Role.MANAGER)
    foreign = HolidayFactory(team=other_team, date=date(2026, 5, 1), name="Labour Day")
    url = _route_url(name, other_team, foreign if needs_pk else None)
    client = login(manager)
    response = (
        client.post(url, week_data(other_team, OFFICE) if data == "week" else data or {})
        if method == "post"
        else client.get(url)
    )
    assert response.status_code == 404
    assert Holiday.objects.filter(pk=foreign.pk).exists() and not _hours(other_team)


@pytest.mark.django_db
def test_another_teams_holiday_under_my_team_is_404(team, other_team, make_member, login):
    foreign = HolidayFactory(team=other_team, date=date(2026, 5, 1), name="Labour Day")
    response = login(make_member(team, Role.MANAGER)).post(
        reverse("teams:holiday-remove", args=[team.slug, foreign.pk]), **HTMX
    )
    assert response.status_code == 404
    assert Holiday.objects.filter(pk=foreign.pk).exists()


@pytest.mark.django_db
def test_anonymous_is_sent_to_sign_in(client, team):
    response = client.get(reverse("teams:calendar", args=[team.slug]))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


@pytest.mark.django_db
def test_team_page_links_the_editor_for_leads_only(team, make_member, login):
    url = reverse("teams:detail", args=[team.slug])
    editor = reverse("teams:calendar", args=[team.slug])
    assert f'href="{editor}"' in login(make_member(team, Role.LEAD)).get(url).content.decode()
    assert f'href="{editor}"' not in login(make_member(team, Role.AGENT)).get(url).content.decode()


# --- The page -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_page_shows_zone_hours_in_the_grid_and_holidays(team, lead_client):
    WorkingHoursFactory(team=team, weekday=0, start_minute=8 * 60, end_minute=12 * 60)
    WorkingHoursFactory(team=team, weekday=0, start_minute=13 * 60, end_minute=17 * 60 + 30)
    WorkingHoursFactory(team=team, weekday=4, start_minute=22 * 60, end_minute=1440)
    HolidayFactory(team=team, date=date(2099, 12, 25), name="Christmas Day")
    response = lead_client.get(reverse("teams:calendar", args=[team.slug]))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'name="time_zone"' in html and 'value="Europe/Berlin"' in html and '<datalist id="time-zones">' in html
    assert 'name="d0_0_start" value="08:00"' in html and 'name="d0_1_end" value="17:30"' in html
    assert 'name="d4_0_end" value="24:00"' in html
    assert 'name="d6_2_start"' in html  # three rows on every day, even a closed one
    assert 'id="holiday-list"' in html and "Christmas Day" in html
    assert "24 hours every day" in html
    assert 'style="' not in html and "<style" not in html  # strict CSP
    assert "10 h 30 min a week" in html  # the week's total


@pytest.mark.django_db
def test_page_query_count_does_not_grow_with_holidays(team, lead_client, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    url = reverse("teams:calendar", args=[team.slug])
    HolidayFactory(team=team, date=date(2099, 1, 1), name="One")
    lead_client.get(url)  # warm the session
    with CaptureQueriesContext(connection) as small:
        lead_client.get(url)
    for day in range(2, 40):
        HolidayFactory(team=team, date=date(2099, 1, day % 28 + 1).replace(month=day // 28 + 2), name=f"Day {day}")
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = lead_client.get(url)
    assert response.content.decode().count('class="list-group-item holiday-item') == 39


@pytest.mark.django_db
def test_save_week_redirects_with_a_message_and_stores_hours(team, lead_client):
    url = reverse("teams:calendar", args=[team.slug])
    hours = {**OFFICE, 4: [("09:00", "12:00"), ("22:00", "24:00")], 5: [("00:00", "06:00")]}
    response = lead_client.post(url, week_data(team, hours, time_zone="America/New_York"))
    assert response.status_code == 302 and response["Location"] == url
    team.refresh_from_db()
    assert (team.time_zone, team.calendar_version) == ("America/New_York", 2)
    assert _hours(team) == [(d, 540, 1020) for d in range(4)] + [(4, 540, 720), (4, 1320, 1440), (5, 0, 360)]
    page = lead_client.get(url).content.decode()
    assert "Saved the working hours" in page
    assert 'name="version" value="2"' in page


@pytest.mark.django_db
def test_round_the_clock_shortcut_ignores_the_rows(team, lead_client):
    WorkingHoursFactory(team=team, weekday=0)
    url = reverse("teams:calendar", args=[team.slug])
    response = lead_client.post(url, week_data(team, {0: [("nonsense", "")]}, preset="round-the-clock"))
    assert response.status_code == 302
    assert _hours(team) == [(d, 0, 1440) for d in DAYS]
    assert "24 hours on every day" in lead_client.get(url).content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("hours", "zone", "message"),
    [
        (
            {},
            "Europe/Berlin",
            "A calendar needs some working hours; for round-the-clock support use 24 hours on every day.",
        ),
        ({0: [("17:00", "09:00")]}, "Europe/Berlin", "Monday: the start 17:00 must be before the end 09:00."),
        (
            {1: [("09:00", "12:00"), ("11:00", "13:00")]},
            "Europe/Berlin",
            "Tuesday: 09:00–12:00 and 11:00–13:00 overlap.",
        ),
        ({2: [("09:00", "12:00"), ("09:00", "12:00")]}, "Europe/Berlin", "Wednesday: 09:00–12:00 is there twice."),
        ({3: [("09:00", "12:00"), ("12:00", "17:00")]}, "Europe/Berlin", "make them one interval, 09:00–17:00."),
        ({4: [("9am", "17:00")]}, "Europe/Berlin", "Write the time as HH:MM, for example 09:00."),
        ({5: [("09:00", "")]}, "Europe/Berlin", "Give both a start and an end, or leave both empty."),
        ({6: [("24:00", "24:00")]}, "Europe/Berlin", "24:00 can only end an interval"),
        ({0: [("09:00", "25:00")]}, "Europe/Berlin", "Use a time from 00:00 to 24:00."),
        (OFFICE, "Europe/Paris-ish", "“Europe/Paris-ish” is not a known time zone"),
    ],
)
def test_refused_week_is_422_with_the_message_keeps_input_and_saves_nothing(team, lead_client, hours, zone, message):
    WorkingHoursFactory(team=team, weekday=0, start_minute=480, end_minute=960)
    response = lead_client.post(reverse("teams:calendar", args=[team.slug]), week_data(team, hours, time_zone=zone))
    assert response.status_code == 422
    html = response.content.decode()
    assert message in html
    assert f'value="{zone}"' in html
    for rows in hours.values():
        for start, _end in rows:
            assert f'value="{start}"' in html if start else True
    team.refresh_from_db()
    assert (team.time_zone, team.calendar_version, _hours(team)) == ("Europe/Berlin", 1, [(0, 480, 960)])


@pytest.mark.django_db
def test_stale_save_is_409_with_current_values_and_keeps_input(team, make_member, login):
    first, second = login(make_member(team, Role.LEAD)), login(make_member(team, Role.MANAGER))
    url = reverse("teams:calendar", args=[team.slug])
    opened = week_data(team, OFFICE)  # both open the form at version 1
    assert first.post(url, week_data(team, {0: [("08:00", "16:00")]}, time_zone="Asia/Kolkata")).status_code == 302

    response = second.post(url, {**opened, "d6_0_start": "10:00", "d6_0_end": "14:00"})
    assert response.status_code == 409
    html = response.content.decode()
    assert "Someone else changed the calendar" in html
    assert "Saved now: Asia/Kolkata" in html and "08:00–16:00" in html
    assert 'name="d6_0_start" value="10:00"' in html and 'value="Europe/Berlin"' in html  # the input is kept
    assert 'name="version" value="2"' in html  # the next save is based on what was shown
    team.refresh_from_db()
    assert (team.time_zone, _hours(team)) == ("Asia/Kolkata", [(0, 480, 960)])

    again = second.post(url, {**opened, "version": "2", "d6_0_start": "10:00", "d6_0_end": "14:00"})
    assert again.status_code == 302
    assert (6, 600, 840) in _hours(team)


# --- Holidays over HTMX ---------------------------------------------------------------------


@pytest.mark.django_db
def test_holiday_add_answers_with_the_list_and_a_message(team, lead_client):
    response = lead_client.post(
        reverse("teams:holiday-add", args=[team.slug]), {"date": "2099-12-24", "name": "Christmas Eve"}, **HTMX
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith('<section id="holiday-list"') and "<html" not in html
    assert "Christmas Eve" in html and "Thu 24 Dec 2099" in html
    assert 'hx-swap-oob="true"' in html and "Added “Christmas Eve” on Thu 24 Dec 2099." in html
    assert Holiday.objects.filter(team=team, date=date(2099, 12, 24)).exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"date": "2099-12-25", "name": "Xmas"}, "Fri 25 Dec 2099 is already a holiday: “Christmas Day”."),
        ({"date": "someday", "name": "Xmas"}, "Enter a valid date."),
        ({"date": "2099-12-26", "name": ""}, "This field is required."),
    ],
)
def test_refused_holiday_is_422_in_the_list_with_input_kept(team, lead_client, data, message):
    HolidayFactory(team=team, date=date(2099, 12, 25), name="Christmas Day")
    response = lead_client.post(reverse("teams:holiday-add", args=[team.slug]), data, **HTMX)
    assert response.status_code == 422
    html = response.content.decode()
    assert html.lstrip().startswith('<section id="holiday-list"')
    assert message in html and f'value="{data["name"]}"' in html if data["name"] else message in html
    assert Holiday.objects.filter(team=team).count() == 1


@pytest.mark.django_db
def test_refused_holiday_without_htmx_renders_the_page(team, lead_client):
    HolidayFactory(team=team, date=date(2099, 12, 25), name="Christmas Day")
    response = lead_client.post(reverse("teams:holiday-add", args=[team.slug]), {"date": "2099-12-25", "name": "X"})
    assert response.status_code == 422
    assert "<html" in response.content.decode() and "is already a holiday" in response.content.decode()


@pytest.mark.django_db
def test_holiday_remove_answers_with_the_list(team, lead_client):
    keep = HolidayFactory(team=team, date=date(2099, 12, 25), name="Christmas Day")
    gone = HolidayFactory(team=team, date=date(2099, 12, 31), name="New Year's Eve")
    response = lead_client.post(reverse("teams:holiday-remove", args=[team.slug, gone.pk]), **HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert f'id="holiday-{keep.pk}"' in html and f'id="holiday-{gone.pk}"' not in html
    assert "Removed “New Year&#x27;s Eve” (Thu 31 Dec 2099)." in html
    assert list(Holiday.objects.filter(team=team)) == [keep]


@pytest.mark.django_db
def test_prefill_adds_public_holidays_of_the_country(team, lead_client):
    response = lead_client.post(
        reverse("teams:holidays-prefill", args=[team.slug]), {"country": "DE", "year": "2026"}, **HTMX
    )
    assert response.status_code == 200
    dates = set(Holiday.objects.filter(team=team).values_list("date", flat=True))
    assert date(2026, 12, 25) in dates and date(2026, 10, 3) in dates and date(2026, 5, 1) in dates
    assert f"Added {len(dates)} public holidays of Germany for 2026." in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"country": "XX", "year": "2026"}, "Select a valid choice. XX is not one of the available choices."),
        ({"country": "", "year": "2026"}, "This field is required."),
        ({"country": "DE", "year": "1850"}, "Ensure this value is greater than or equal to 2000."),
    ],
)
def test_refused_prefill_is_422_and_adds_nothing(team, lead_client, data, message):
    response = lead_client.post(reverse("teams:holidays-prefill", args=[team.slug]), data, **HTMX)
    assert response.status_code == 422
    assert message in response.content.decode()
    assert not Holiday.objects.exists()


# --- The SLA recompute ----------------------------------------------------------------------


@pytest.mark.django_db
def test_each_change_through_the_page_sends_one_recompute(team, lead_client, django_capture_on_commit_callbacks):
    posts = [
        (reverse("teams:calendar", args=[team.slug]), week_data(team, OFFICE), {}),
        (reverse("teams:holiday-add", args=[team.slug]), {"date": "2099-12-24", "name": "Christmas Eve"}, HTMX),
        (reverse("teams:holidays-prefill", args=[team.slug]), {"country": "DE", "year": "2026"}, {}),
    ]
    for url, data, headers in posts:
        with mock.patch("teams.services.current_app") as app, django_capture_on_commit_callbacks(execute=True):
            assert lead_client.post(url, data, **headers).status_code in (200, 302)
        assert_sent_once(app, team)
    # A refused change sends nothing.
    with mock.patch("teams.services.current_app") as app, django_capture_on_commit_callbacks(execute=True):
        assert lead_client.post(posts[0][0], week_data(team, {})).status_code == 422
    app.send_task.assert_not_called()


# --- Navigation -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_editor_sits_under_team_in_the_navigation(team, other_team, make_member, login):
    from teams.models import Membership

    lead = make_member(team, Role.LEAD)
    Membership.objects.create(user=lead, team=other_team, role=Role.VIEWER)
    html = login(lead).get(reverse("teams:calendar", args=[team.slug])).content.decode()
    assert f'class="nav-item active" href="{reverse("teams:detail", args=[team.slug])}"' in html
    # The switcher offers the other team's team page, not its editor (a viewer there may not edit).
    assert f'href="{reverse("teams:detail", args=[other_team.slug])}"' in html
    assert f'href="{reverse("teams:calendar", args=[other_team.slug])}"' not in html


@pytest.mark.django_db
def test_local_time_and_next_change_are_shown_in_the_teams_zone(team, lead_client):
    from datetime import UTC, datetime

    for weekday in range(5):
        WorkingHoursFactory(team=team, weekday=weekday, start_minute=9 * 60, end_minute=17 * 60)
    monday_morning = datetime(2026, 6, 15, 6, 30, tzinfo=UTC)  # 08:30 in Berlin (CEST)
    with mock.patch("django.utils.timezone.now", return_value=monday_morning):
        calendar_page = lead_client.get(reverse("teams:calendar", args=[team.slug])).content.decode()
        team_page = lead_client.get(reverse("teams:detail", args=[team.slug])).content.decode()
    assert "Europe/Berlin, now Mon 08:30" in calendar_page
    assert "Closed" in calendar_page and "opens Mon 15 Jun, 09:00" in calendar_page
    assert "40 h a week" in calendar_page
    assert '<dd class="col-7">Mon 08:30</dd>' in team_page
