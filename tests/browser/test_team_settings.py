"""A lead keeps routing rules and labels in a real browser: errors in place, lists refreshed by events."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from teams.models import Role
from tests.factories import PASSWORD, LabelFactory, RoutingRuleFactory, make_ticket
from tickets.choices import Priority
from tickets.models import Label, RoutingRule

pytestmark = pytest.mark.browser


def sign_in(page: Page, live_server, username: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}/t/**")


def test_lead_adds_reorders_and_switches_off_a_rule(live_server, page, team, make_member, screenshot):
    make_member(team, Role.LEAD, username="leo")
    LabelFactory(team=team, name="billing")
    RoutingRuleFactory(team=team, name="Urgent words", keywords="outage", set_priority=Priority.URGENT)
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("dialog", lambda dialog: dialog.accept())
    sign_in(page, live_server, "leo")
    page.get_by_role("navigation", name="Team sections").get_by_role("link", name="Routing").click()
    expect(page.get_by_role("heading", name="Routing rules")).to_be_visible()

    page.get_by_text("New rule").click()
    page.get_by_label("Name").fill("Chat refunds")
    page.get_by_label("Channel").select_option("chat")
    page.get_by_role("button", name="Add rule").click()
    expect(page.locator("#rule-new .alert")).to_contain_text("A rule needs at least one action")

    page.get_by_label("Keywords").fill("refund")
    page.get_by_label("Set priority").select_option(str(Priority.HIGH))
    page.locator("#rule-new .rule-label-choice", has_text="billing").click()
    page.get_by_label("Assign").select_option("auto")
    page.get_by_role("button", name="Add rule").click()
    # The new rule arrives through the routing-changed event, after the others.
    rules = page.locator("#rule-list .rule")
    expect(rules).to_have_count(2)
    expect(rules.nth(1)).to_contain_text("When channel is Chat and the title or description mentions “refund”")
    expect(rules.nth(1)).to_contain_text("priority High, label billing, auto-assign")

    page.get_by_role("button", name="Move “Chat refunds” up").click()
    expect(rules.first).to_contain_text("Chat refunds")
    page.get_by_role("button", name="Switch “Chat refunds” off").click()
    expect(rules.first).to_contain_text("Off")
    assert list(RoutingRule.objects.order_by("order").values_list("name", "is_active")) == [
        ("Chat refunds", False),
        ("Urgent words", True),
    ]
    page.get_by_role("button", name="Delete “Urgent words”").click()
    expect(rules).to_have_count(1)
    screenshot("routing")
    assert errors == [], errors


def test_lead_deletes_a_label_after_seeing_what_carries_it(live_server, page, team, make_member, screenshot):
    make_member(team, Role.LEAD, username="leo")
    label = LabelFactory(team=team, name="legacy")
    make_ticket(team, labels=[label])
    sign_in(page, live_server, "leo")
    page.goto(f"{live_server.url}/t/{team.slug}/labels/")

    page.get_by_role("button", name="Delete “legacy”").click()
    expect(page.locator(".label-row.confirming")).to_contain_text("It is on 1 ticket (1 open)")
    page.get_by_role("button", name="Delete label").click()
    expect(page.locator("#label-list")).to_contain_text("No labels yet")
    expect(page.locator("#messages")).to_contain_text("Deleted the label “legacy” from 1 ticket.")
    assert not Label.objects.exists()

    page.get_by_label("Name").fill("Billing")
    page.get_by_role("button", name="Add label").click()
    expect(page.locator("#label-list")).to_contain_text("Billing")
    page.get_by_label("Name").fill("billing")
    page.get_by_role("button", name="Add label").click()
    expect(page.locator("#label-new")).to_contain_text("There is already a label called “billing” in this team.")
    screenshot("labels")
