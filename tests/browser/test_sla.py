"""SLA clocks on the board tick in the browser, turn amber then red without a reload; the ticket page tells why."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from teams.models import Role
from tests.factories import PASSWORD, make_ticket
from tickets.choices import Priority, Status
from tickets.models import Column, SLAPolicy, SLATarget, Ticket
from tickets.services import board_ensure_for_team
from tickets.sla import sweep

pytestmark = pytest.mark.browser


def sign_in(page: Page, live_server, username: str = "ana") -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


@pytest.fixture
def clock_board(team, make_member, settings):
    """A round-the-clock policy (calendar time always counts), and clocks that tick fast for the test."""
    settings.SLA_BOARD_TICK_MS = 500
    settings.SLA_BOARD_REFRESH_MS = 3000
    agent = make_member(team, Role.AGENT, username="ana", first_name="Ana", last_name="Costa")
    board = board_ensure_for_team(team=team)
    policy = SLAPolicy.objects.create(team=team, name="Round the clock", business_hours=False, raise_priority=False)
    for priority in Priority:
        SLATarget.objects.create(policy=policy, priority=priority, first_response_minutes=120, resolution_minutes=480)
    calm = make_ticket(team, title="Plenty of time")
    return agent, board, calm


def test_clocks_turn_amber_then_red_and_the_sweep_escalates_without_a_reload(
    live_server, page, team, clock_board, screenshot
):
    _, board, calm = clock_board
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    now = timezone.now().replace(microsecond=0)  # due times are whole seconds, as the service writes them
    urgent = make_ticket(team, title="Customer waiting on the phone")
    # First response due in a few seconds; at risk a few seconds before.
    Ticket.objects.filter(pk=urgent.pk).update(
        frt_warn_at=now + timedelta(seconds=6), frt_due_at=now + timedelta(seconds=12)
    )

    sign_in(page, live_server)
    calm_clock = page.locator(f"#card-{calm.pk} .sla")
    expect(calm_clock).to_have_class(re.compile(r"\bsla-ok\b"))
    expect(calm_clock).to_contain_text("2h left")
    clock = page.locator(f"#card-{urgent.pk} .sla")
    expect(clock).to_have_class(re.compile(r"\bsla-ok\b"))
    expect(clock).to_contain_text("left")
    screenshot("clocks-on-track")

    # The page ticks on its own: amber once the warning time passes, red at the due time.
    expect(clock).to_have_class(re.compile(r"\bsla-risk\b"), timeout=15_000)
    screenshot("clock-at-risk")
    expect(clock).to_have_class(re.compile(r"\bsla-breached\b"), timeout=15_000)
    expect(clock).to_contain_text("breached")
    url_before = page.url

    # The sweep claims the breach and moves the ticket to Escalated; the board reloads its region by itself.
    result = sweep.sla_sweep()
    assert urgent.pk in result.breached and urgent.pk in result.escalated
    escalated = Column.objects.get(board=board, status=Status.ESCALATED)
    moved = page.locator(f"#cell-{escalated.pk} #card-{urgent.pk}")
    expect(moved).to_be_visible(timeout=15_000)
    expect(moved).to_contain_text("SLA escalation")
    expect(moved.locator(".sla")).to_have_class(re.compile(r"\bsla-breached\b"))
    assert page.url == url_before, "no navigation: only the board region was fetched again"
    screenshot("escalated-by-sla")

    # The ticket page's SLA timeline shows the breach.
    page.locator(f"#card-{urgent.pk} .tcard-title").click()
    timeline = page.locator("#ticket-sla .sla-timeline")
    expect(timeline).to_contain_text("First response target breached")
    expect(page.locator("#ticket-sla .sla-panel")).to_contain_text("Breached")
    screenshot("ticket-sla-timeline")
    assert not [e for e in errors if "Content Security Policy" in e or "Refused" in e], errors


def test_at_risk_filter_and_breach_risk_lanes(live_server, page, team, clock_board, screenshot):
    late = make_ticket(team, title="Overdue reply")
    Ticket.objects.filter(pk=late.pk).update(frt_due_at=timezone.now() - timedelta(minutes=5))
    sign_in(page, live_server)
    page.get_by_label("At risk or breached").check()
    expect(page).to_have_url(re.compile(r"sla_risk=on"))
    expect(page.locator("#board-columns")).to_contain_text("Overdue reply")
    expect(page.locator("#board-columns")).not_to_contain_text("Plenty of time")
    page.get_by_label("At risk or breached").uncheck()
    page.get_by_label("Swimlanes").select_option("sla")
    lanes = page.locator("section.lane")
    expect(lanes).to_have_count(2)
    expect(lanes.nth(0)).to_have_attribute("aria-label", "Breached")
    expect(lanes.nth(1)).to_have_attribute("aria-label", "On track")
    expect(lanes.nth(0)).to_contain_text("Overdue reply")
    screenshot("breach-risk-lanes")
