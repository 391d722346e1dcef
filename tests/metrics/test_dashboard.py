"""The dashboard as its readers get it: the hand-computed week's figures, CSV equal to the page, bad filters
refused with a message, other teams invisible, a query count that does not grow with history."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from metrics.daily import team_rebuild
from metrics.models import DailyFigure, Goal, GoalPoint, TicketDuration
from teams.models import Role, Team
from tests.factories import make_ticket
from tests.metrics.conftest import at, berlin

pytestmark = pytest.mark.django_db

WEEK = "range=custom&start=2026-03-30&end=2026-04-05"
NOW = berlin(6, 12, month=4)


@pytest.fixture
def ready(week):
    with at(NOW):
        team_rebuild(week.team)
    return week


def _get(client, team, query: str = WEEK, **headers):
    with at(NOW):
        return client.get(reverse("dashboard", args=[team.slug]) + "?" + query, **headers)


def _csv(client, team, table: str, query: str = WEEK) -> list[list[str]]:
    with at(NOW):
        response = client.get(reverse("metrics:csv", args=[team.slug, table]) + "?" + query)
    assert response.status_code == 200
    return list(csv.reader(io.StringIO(response.content.decode())))


def test_the_week_on_the_page_and_in_its_csv(ready, login):
    client = login(ready.lead)
    page = _get(client, ready.team).content.decode()
    rows = {r[0]: r for r in _csv(client, ready.team, "tiles")[1:]}
    assert rows["frt_median"][2:4] == ["7200.0", "2 h"]
    assert rows["resolution_median"][2:4] == ["18000.0", "5 h"]
    assert rows["sla_frt"][2:4] == ["66.7", "66.7 %"]
    assert rows["csat"][3] == "50.0 %" and rows["response_rate"][3] == "66.7 %"
    for key, row in rows.items():  # every tile shows exactly what its CSV row says
        assert f'id="tile-{key}"' in page
        assert f'<div class="fs-4 fw-semibold tile-value">{row[3]}</div>' in page, key
    weekly = _csv(client, ready.team, "weekly")
    assert weekly[1][:5] == ["2026-03-30", "66.7", "3", "66.7", "3"]
    assert "2 h" in page and "Show the numbers" in page


def test_filters_update_only_the_body_for_htmx(ready, login):
    response = _get(login(ready.lead), ready.team, WEEK + "&priority=4", HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert response.status_code == 200
    assert body.startswith('<div id="dashboard-body">') and "<form" not in body
    assert "0 met, 0 breached" in body  # no urgent tickets that week


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("range=custom&start=2026-04-05&end=2026-03-30", "starts after it ends"),
        ("range=custom&start=2023-01-01&end=2026-03-30", "at most two years"),
        ("range=custom&start=2026-04-05", "Give both dates"),
        ("teams=nowhere", "is not one of your teams"),
        ("priority=9", "is not a priority"),
        ("channel=pigeon", "is not a channel"),
        ("range=forever", "Select a valid choice"),
    ],
)
def test_bad_filters_say_what_is_wrong_and_show_the_default(ready, login, query, message):
    response = _get(login(ready.lead), ready.team, query)
    assert response.status_code == 400
    body = response.content.decode()
    assert message in body and "The figures below are the last 30 days" in body
    with at(NOW):
        refused = login(ready.lead).get(reverse("metrics:csv", args=[ready.team.slug, "tiles"]) + "?" + query)
    assert refused.status_code == 400 and message in refused.content.decode()


def test_another_teams_figures_are_never_shown(ready, login, make_member):
    other = Team.objects.create(name="Billing", slug="billing", time_zone="UTC")
    outsider = make_member(other, Role.MANAGER)
    client = login(outsider)
    for url in (reverse("dashboard", args=[ready.team.slug]), reverse("metrics:definitions", args=[ready.team.slug]),
                reverse("metrics:csv", args=[ready.team.slug, "tiles"])):  # fmt: skip
        assert client.get(url).status_code == 404
    # Asking for the other team by name from one's own dashboard is refused, not answered.
    response = client.get(reverse("dashboard", args=[other.slug]) + f"?teams={ready.team.slug}")
    assert response.status_code == 400 and "is not one of your teams" in response.content.decode()


def test_a_viewer_reads_the_dashboard_and_a_manager_of_two_teams_sees_both(ready, login, make_member):
    viewer = make_member(ready.team, Role.VIEWER)
    assert _get(login(viewer), ready.team).status_code == 200
    other = Team.objects.create(name="Billing", slug="billing", time_zone="Europe/Berlin")
    manager = make_member(ready.team, Role.MANAGER)
    from teams.models import Membership

    Membership.objects.create(user=manager, team=other, role=Role.MANAGER)
    with at(berlin(31, 9)):
        make_ticket(other, title="Double charge", kind="inquiry")
    with at(NOW):
        team_rebuild(other)
    client = login(manager)
    both = {r[0]: r for r in _csv(client, ready.team, "tiles", WEEK + f"&teams={ready.team.slug}&teams=billing")[1:]}
    one = {r[0]: r for r in _csv(client, ready.team, "tiles")[1:]}
    assert float(both["backlog_size"][2]) == float(one["backlog_size"][2]) + 1
    page = _get(client, ready.team, WEEK + f"&teams={ready.team.slug}&teams=billing").content.decode()
    assert "Billing" in page.split('id="dashboard-scope"')[1].split("</p>")[0]


def test_the_query_count_does_not_grow_with_history(ready, login):
    client = login(ready.lead)

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert _get(client, ready.team).status_code == 200
        return len(ctx.captured_queries)

    count()  # the first visit writes the session
    before = count()
    # A year more of history before the week: rows for every day, a duration for every day.
    first = date(2025, 3, 1)
    ticket = ready.tickets["T3"]
    DailyFigure.objects.bulk_create(
        DailyFigure(team=ready.team, day=first + timedelta(days=n), priority=2, channel="email", created=3, resolved=2)
        for n in range(365)
    )
    TicketDuration.objects.bulk_create(
        TicketDuration(team=ready.team, ticket=ticket, kind="lead", cycle=n + 10, day=first + timedelta(days=n),
                       priority=2, channel="email", seconds=3600)
        for n in range(365)
    )  # fmt: skip
    # Goals with a year of points each: their sparklines come with the goal row.
    for n in range(3):
        goal = Goal.objects.create(
            team=ready.team, name=f"Goal {n}", metric="csat", direction="up", window_days=30,
            baseline_first=date(2025, 3, 1), baseline_last=date(2025, 3, 30), baseline=70, target_kind="absolute",
            target_input=90, target=90, start=date(2025, 4, 1), deadline=date(2026, 9, 30), owner=ready.lead,
            trail=[[(first + timedelta(days=d)).isoformat(), 70 + d / 40] for d in range(365)],
        )  # fmt: skip
        GoalPoint.objects.bulk_create(
            GoalPoint(goal=goal, day=first + timedelta(days=d), value=70 + d / 40, expected=80) for d in range(365)
        )
    # Sign-in (session, user, memberships, team), then one query per widget at most: open tickets (backlog
    # tiles and table), the period sums, the durations (time tiles and the cycle percentiles), weekly sums,
    # weekly durations, priorities, breaches, goals, blockers, cumulative flow, cycle dots, ageing, workload,
    # then the scope's teams and the bell's count.
    page = _get(client, ready.team).content.decode()
    assert count() == before == 19
    assert page.count('class="goal-spark"') == 3


def test_cumulative_flow_and_cycle_times_of_the_week(ready, login):
    client = login(ready.lead)
    flow = _csv(client, ready.team, "flow")
    assert flow[0] == ["day", "arrived so far", "To Do", "In Progress", "Waiting on customer", "Escalated",
                       "resolved so far"]  # fmt: skip
    rows = {r[0]: r[1:] for r in flow[1:]}
    # Monday: T1 (from Friday) and T3 wait in To Do, T2 was resolved (its detours closed the same day).
    assert rows["2026-03-30"] == ["3", "2", "0", "0", "0", "1"]
    # Tuesday: T2 reopened and resolved again, T4 came and went: 5 arrivals, 3 resolutions.
    assert rows["2026-03-31"] == ["5", "2", "0", "0", "0", "3"]
    # From Wednesday T1 is resolved too; the lines never go down.
    assert rows["2026-04-01"] == rows["2026-04-05"] == ["5", "1", "0", "0", "0", "4"]
    cycle = _csv(client, ready.team, "cycle")
    assert sorted(r[2] for r in cycle[1:]) == ["0.22", "1.06"]  # T2: 5 h 20 min and 25 h 20 min
    page = _get(client, ready.team).content.decode()
    assert 'id="cycle-p85">0.9<' in page  # 0.222 + (1.056 − 0.222) × 0.85 days


def test_ageing_work_in_progress_flags_work_older_than_most_finished_work(week, login):
    from tickets import services

    t3 = week.tickets["T3"]
    with at(berlin(2, 10, month=4)):
        t3.refresh_from_db()
        services.ticket_update(ticket=t3, by=None, expected_version=t3.version,
                               changes={"status": "in_progress", "assignee": week.lead})  # fmt: skip
    with at(NOW):
        team_rebuild(week.team)
    client = login(week.lead)
    ageing = {r[0]: r for r in _csv(client, week.team, "ageing")[1:]}
    # Started Thursday 10:00, open on Monday at noon: 4.1 days, against T2's 85th percentile of 0.9 days.
    assert ageing["In Progress"][1:4] == ["1", "1", "4.1"]
    assert ageing["In Progress"][4] == "0.93"
    page = _get(client, week.team).content.decode()
    assert f"{week.team.slug.upper()}-{t3.number}</a> Tidy macros" in page.split('id="ageing-flagged"')[1]
    load = {r[0]: r[1:] for r in _csv(client, week.team, "workload")[1:]}
    assert load[week.lead.display_name] == ["1", "1", "0"]


def test_the_board_marks_work_started_longer_ago_than_most_finished_work(week, login):
    """The refresh keeps the team's threshold (85th percentile of the last 30 days' cycle times); a card whose
    work started before it says "Ageing", one started since does not."""
    from tickets import services

    t3 = week.tickets["T3"]
    with at(berlin(2, 10, month=4)):
        t3.refresh_from_db()
        services.ticket_update(ticket=t3, by=None, expected_version=t3.version, changes={"status": "in_progress"})
    with at(berlin(6, 11, month=4)):
        fresh = make_ticket(week.team, title="Just picked up", kind="inquiry")
        services.ticket_update(ticket=fresh, by=None, expected_version=fresh.version, changes={"status": "in_progress"})
    t3.refresh_from_db()
    assert t3.work_started_at == berlin(2, 10, month=4)
    with at(NOW):
        team_rebuild(week.team)
    week.team.refresh_from_db()
    assert week.team.ageing_seconds == 80400  # 0.93 days: T2's cycles, 85th percentile
    with at(NOW):
        html = login(week.lead).get(reverse("tickets:board", args=[week.team.slug])).content.decode()
    card = html.split(f'id="card-{t3.pk}"')[1].split("</article>")[0]
    assert "tcard-ageing" in card and "Ageing" in card
    assert "tcard-ageing" not in html.split(f'id="card-{fresh.pk}"')[1].split("</article>")[0]
