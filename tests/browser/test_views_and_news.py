"""Saved views, a person filter, following a ticket and a customer's reply, in a real browser."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from notifications.models import Notification
from teams.models import Role
from tests.browser.test_board import sign_in
from tests.factories import make_ticket
from tickets.services import board_ensure_for_team

pytestmark = pytest.mark.browser


def test_a_lead_filters_the_board_by_person_and_shares_the_view(live_server, page, team, make_member, screenshot):
    make_member(team, Role.LEAD, username="leo", first_name="Leo", last_name="Lind")
    ben = make_member(team, Role.AGENT, username="ben", first_name="Ben", last_name="Berg")
    ana = make_member(team, Role.AGENT, username="ana", first_name="Ana", last_name="Costa")
    board_ensure_for_team(team=team)
    make_ticket(team, title="Ben's refund", assignee=ben)
    make_ticket(team, title="Ana's invoice", assignee=ana)
    sign_in(page, live_server, "leo")
    page.wait_for_load_state()  # the board's scripts listen for the change before it is made
    page.get_by_label("Person").select_option(label="Ben Berg")
    expect(page).to_have_url(re.compile(r"person="))
    expect(page.locator("#board-columns")).not_to_contain_text("Ana's invoice")
    page.locator(".saved-views > summary").click()
    page.get_by_label("Save these filters as").fill("Ben's work")
    page.get_by_label("Share with the team").check()
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_text("Saved “Ben's work” for the team.")).to_be_visible()
    screenshot("view-saved")

    page.goto(f"{live_server.url}/t/{team.slug}/board/")  # all cards again
    expect(page.locator("#board-columns")).to_contain_text("Ana's invoice")
    page.locator(".saved-views > summary").click()
    page.get_by_role("link", name="Ben's work").click()
    expect(page.locator("#board-columns")).to_contain_text("Ben's refund")
    expect(page.locator("#board-columns")).not_to_contain_text("Ana's invoice")


def test_following_a_ticket_and_logging_the_customers_reply(live_server, page, team, make_member, screenshot):
    make_member(team, Role.AGENT, username="ana", first_name="Ana", last_name="Costa")
    ben = make_member(team, Role.AGENT, username="ben", first_name="Ben", last_name="Berg")
    board_ensure_for_team(team=team)
    ticket = make_ticket(team, title="Export fails", assignee=ben, by=ben)
    sign_in(page, live_server, "ana")
    page.goto(f"{live_server.url}/t/{team.slug}/tickets/{ticket.number}/")
    follow = page.get_by_role("button", name="Follow")
    follow.click()
    expect(page.get_by_role("button", name="Following")).to_have_attribute("aria-pressed", "true")
    page.get_by_text("Customer reply", exact=True).click()
    page.get_by_label("Message").fill("Customer says: the export works now.")
    page.get_by_role("button", name="Add").click()
    expect(page.locator("#ticket-timeline")).to_contain_text("Customer's reply")
    screenshot("customer-reply")
    assert Notification.objects.filter(user=ben, kind="customer_reply").exists()
    page.reload()
    expect(page.get_by_role("button", name="Following")).to_be_visible()
