"""An agent files a ticket, finds it in the list, opens it and answers the requester, in a real browser."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from teams.models import Role
from tests.factories import PASSWORD, LabelFactory, make_ticket

pytestmark = pytest.mark.browser


def test_agent_creates_a_ticket_opens_it_and_replies(live_server, page, team, make_member, screenshot):
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    make_member(team, Role.AGENT, username="ana", first_name="Ana", last_name="Costa")
    LabelFactory(team=team, name="billing", colour="#dc2626")
    make_ticket(team, title="Printer on fire")

    page.goto(f"{live_server.url}/accounts/login/?next=/t/care/tickets/")
    page.get_by_label("Username").fill("ana")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    nav = page.get_by_role("navigation", name="Team sections")
    expect(nav.get_by_role("link", name="Tickets", exact=True)).to_have_attribute("aria-current", "page")

    # Create
    page.get_by_role("link", name="New ticket").click()
    page.get_by_label("Title").fill("Refund not received")
    page.get_by_label("Requester email").fill("jane@example.com")
    page.get_by_label("Priority").select_option(label="High")
    page.get_by_label("Assignee").select_option(label="Ana Costa")
    page.get_by_label("billing").check()
    page.get_by_label("Description").fill("Paid on **Monday**, nothing since.")
    page.get_by_role("button", name="Create ticket").click()
    expect(page).to_have_url(f"{live_server.url}/t/care/tickets/2/")
    expect(page.locator("#messages")).to_contain_text("Created CARE-2.")

    # Find it in the list by searching (the results swap in place and the URL follows)
    nav.get_by_role("link", name="Tickets", exact=True).click()
    page.get_by_label("Search").fill("refund")
    expect(page).to_have_url(re.compile(r"/t/care/tickets/\?q=refund$"))
    results = page.locator("#ticket-results")
    expect(results).to_contain_text("1 ticket")
    expect(results).not_to_contain_text("Printer on fire")
    results.get_by_role("link", name="Refund not received").click()

    # Open and reply
    expect(page.get_by_role("heading", level=1)).to_contain_text("CARE-2 Refund not received")
    facts = page.locator("#ticket-facts")
    expect(facts).to_contain_text("High")
    expect(facts).to_contain_text("billing")
    expect(facts).to_contain_text("Not yet")
    expect(page.get_by_label("Public reply")).to_be_checked()
    page.get_by_label("Message").fill("Hi Jane, we are **on it**.")
    page.get_by_role("button", name="Add").click()

    reply = page.locator("#ticket-timeline .comment-public")
    expect(reply).to_contain_text("Hi Jane, we are on it.")
    expect(reply.locator("strong", has_text="on it")).to_be_visible()
    expect(reply).to_contain_text("Public reply")
    expect(page.locator("#messages")).to_contain_text("Public reply added.")
    expect(page.get_by_label("Message")).to_have_value("")
    # The details refresh themselves: the first response is recorded.
    expect(facts).not_to_contain_text("Not yet")
    screenshot("ticket-replied")
    assert errors == [], errors
