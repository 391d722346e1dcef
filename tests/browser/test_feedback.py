"""An agent turns customer feedback into a backlog ticket, and logs new feedback, in a real browser."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from teams.models import Role
from tests.factories import PASSWORD, AccountFactory
from tickets.choices import Kind, Status
from tickets.models import Ticket
from voice import feedback as fb
from voice.models import FeedbackItem

pytestmark = pytest.mark.browser


def sign_in(page: Page, live_server, username: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}/t/**")


def test_agent_converts_feedback_into_a_backlog_ticket(live_server, page, team, make_member, screenshot):
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    make_member(team, Role.AGENT, username="ana")
    acme = AccountFactory(team=team, name="Acme", tier="enterprise")
    item = fb.feedback_submit(
        team=team, text="Exports stop at 10,000 rows.\nWe need the whole month.", channel="chat", source="agent",
        account=acme, customer_name="Jane Roe",
    )  # fmt: skip
    fb.feedback_submit(team=team, text="Dark mode, please", channel="email", source="agent")

    sign_in(page, live_server, "ana")
    nav = page.get_by_role("navigation", name="Team sections")
    nav.get_by_role("link", name="Feedback", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Feedback")
    rows = page.locator(".feedback-row")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("Exports stop at 10,000 rows.")  # the highest impact comes first
    # The score explains itself.
    rows.first.locator(".score-details summary").click()
    expect(rows.first.locator(".score-pop")).to_contain_text("Enterprise (3)")
    screenshot("feedback-list")

    rows.first.get_by_role("link", name=re.compile("Exports stop")).click()
    expect(page).to_have_url(f"{live_server.url}/t/care/feedback/{item.pk}/")
    page.get_by_role("button", name="Create backlog ticket").click()

    backlog_link = page.get_by_test_id("backlog-ticket")
    expect(backlog_link).to_contain_text("In the backlog as CARE-1")
    expect(page.locator("#messages")).to_contain_text("Created CARE-1 in the backlog and linked it.")
    expect(page.get_by_test_id("linked-tickets")).to_contain_text("CARE-1")
    expect(page.get_by_role("button", name="Create backlog ticket")).to_have_count(0)
    expect(page.locator("#feedback-detail .page-subtitle")).to_contain_text("Linked")
    screenshot("feedback-converted")

    ticket = Ticket.objects.get(team=team)
    assert (ticket.kind, ticket.status, ticket.account_id) == (Kind.IMPROVEMENT, Status.TODO, acme.pk)
    assert list(FeedbackItem.objects.get(pk=item.pk).tickets.all()) == [ticket]

    backlog_link.click()
    expect(page).to_have_url(f"{live_server.url}/t/care/tickets/1/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("CARE-1 Exports stop at 10,000 rows.")
    facts = page.locator("#ticket-facts")
    expect(facts).to_contain_text("To Do")
    expect(facts).to_contain_text("Improvement")
    expect(facts).to_contain_text("Acme")
    expect(page.locator(".ticket-description blockquote")).to_contain_text("We need the whole month.")
    assert errors == [], errors


def test_agent_logs_feedback_and_the_list_refreshes(live_server, page, team, make_member):
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    make_member(team, Role.AGENT, username="ana")
    fb.feedback_submit(team=team, text="Dark mode, please", channel="email", source="agent")
    sign_in(page, live_server, "ana")
    page.goto(f"{live_server.url}/t/care/feedback/")
    page.get_by_text("Something a customer told you").click()
    form = page.locator("#feedback-new form")
    form.get_by_role("button", name="Log feedback").click()
    expect(page.locator("#feedback-new")).to_contain_text("Write what the customer said.")
    form.get_by_label("What the customer said").fill("Invoices need our VAT number")
    form.get_by_label("Channel").select_option(label="Social")
    form.get_by_role("button", name="Log feedback").click()
    expect(page.locator("#messages")).to_contain_text("Logged feedback #")
    expect(page.locator(".feedback-row")).to_have_count(2)
    expect(page.locator("#feedback-results")).to_contain_text("Invoices need our VAT number")
    assert FeedbackItem.objects.filter(channel="social", text="Invoices need our VAT number").exists()
    assert errors == [], errors
