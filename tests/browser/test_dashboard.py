"""A manager reads the dashboard, filters it, opens a chart's numbers, downloads a CSV and sets a SMART goal."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from metrics.daily import team_rebuild
from metrics.models import Goal
from teams.models import Membership, Role, Team
from tests.browser.test_board import sign_in
from tests.factories import make_ticket
from tickets import services

pytestmark = pytest.mark.browser


@pytest.fixture
def manager_teams(team, make_member):
    maya = make_member(team, Role.MANAGER, username="maya", first_name="Maya", last_name="Okafor")
    other = Team.objects.create(name="Billing Desk", slug="billing", time_zone="UTC")
    Membership.objects.create(user=maya, team=other, role=Role.MANAGER)
    for n in range(4):
        ticket = make_ticket(team, title=f"Refund request {n}", kind="inquiry")
        if n < 3:
            services.ticket_update(ticket=ticket, by=None, expected_version=ticket.version,
                                   changes={"status": "resolved"})  # fmt: skip
    make_ticket(other, title="Card declined", kind="inquiry")
    team_rebuild(team)
    team_rebuild(other)
    return maya, other


def test_manager_filters_reads_downloads_and_sets_a_goal(live_server, page: Page, team, manager_teams, screenshot):
    sign_in(page, live_server, "maya")
    page.goto(f"{live_server.url}/t/{team.slug}/dashboard/?teams={team.slug}&teams=billing&range=90")
    expect(page.locator("#tile-backlog_size .tile-value")).to_have_text("2")  # one open ticket in each team
    # Down to this team and the last 30 days: only the body is redrawn, the URL keeps the filters.
    page.get_by_label("Teams").select_option([team.slug])
    page.get_by_label("Period", exact=True).select_option("30")
    expect(page).to_have_url(re.compile(r"teams=" + team.slug + r"&range=30"))
    expect(page.locator("#tile-backlog_size .tile-value")).to_have_text("1")
    expect(page.locator("#tile-throughput .tile-value")).to_have_text("0.7 a week")  # 3 resolutions in 30 days
    # The cumulative flow as a table: today, 4 arrived, 1 to do, 3 resolved.
    page.locator("#cumulative-flow summary").click()
    today_row = page.locator("#flow-cfd-table tbody tr").last
    expect(today_row.locator("td")).to_have_text([re.compile(".+"), "4", "1", "0", "0", "0", "3"])
    screenshot("dashboard-filtered")
    with page.expect_download() as download:
        page.locator("#tiles").page.get_by_role("link", name="CSV").first.click()
    text = download.value.path().read_text()
    assert "throughput,Throughput,0.7,0.7 a week" in text

    # A goal: first not time-bound (deadline today), then a good one.
    page.goto(f"{live_server.url}/t/{team.slug}/goals/new/")
    today = timezone.localdate()
    page.get_by_label("Metric").select_option("throughput")
    page.get_by_label("Target as").select_option("percent")
    page.get_by_label("Target", exact=True).fill("50")
    page.get_by_label("Measured over (days)").fill("7")
    page.get_by_label("Baseline from").fill((today - timedelta(days=6)).isoformat())
    page.get_by_label("Baseline to").fill(today.isoformat())
    page.get_by_label("Deadline").fill(today.isoformat())
    page.get_by_role("button", name="Save goal").click()
    expect(page.locator('[data-smart="T"]')).to_have_attribute("data-state", "fail")
    expect(page.locator('[data-smart="T"]')).to_contain_text("the deadline must be in the future")
    assert not Goal.objects.exists()
    page.get_by_label("Deadline").fill((today + timedelta(days=60)).isoformat())
    page.get_by_role("button", name="Save goal").click()
    expect(page.locator("#goal-baseline")).to_have_text("3.0 a week")  # 3 resolutions in 7 days
    expect(page.locator("#goal-target")).to_have_text("4.5 a week")
    expect(page.locator("h1 .badge")).to_have_text("On track")  # its first day: the path starts at the baseline
    screenshot("goal")
