"""A person signs in, finds their way around and switches team, in a real browser."""

from __future__ import annotations

import os
import re

import pytest
from playwright.sync_api import expect

from teams.models import Membership, Role
from tests.factories import PASSWORD, TeamFactory

pytestmark = pytest.mark.browser


@pytest.fixture
def two_teams(make_member):
    emea = TeamFactory(name="Customer Care EMEA", slug="emea", time_zone="Europe/Berlin")
    apac = TeamFactory(name="APAC Premium", slug="apac", time_zone="Australia/Sydney")
    TeamFactory(name="Hidden Team", slug="hidden")
    user = make_member(emea, Role.AGENT, username="ana", first_name="Ana", last_name="Costa")
    Membership.objects.create(user=user, team=apac, role=Role.LEAD)
    return emea, apac


def test_sign_in_switch_team_and_navigate(live_server, page, two_teams, screenshot):
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))

    page.goto(f"{live_server.url}/")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    page.get_by_label("Username").fill("ana")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    expect(page).to_have_url(f"{live_server.url}/t/apac/board/")  # first team by name
    nav = page.get_by_role("navigation", name="Team sections")
    for label in ("Board", "Backlog", "Sprints", "Projects", "Risks", "Dashboard", "Team"):
        expect(nav.get_by_role("link", name=label, exact=True)).to_be_visible()
    expect(nav.get_by_role("link", name="Board", exact=True)).to_have_attribute("aria-current", "page")

    nav.get_by_role("link", name="Risks", exact=True).click()
    expect(page.get_by_role("heading", name="Risk register")).to_be_visible()

    page.get_by_test_id("team-switcher").click()
    menu = page.locator(".team-switcher .dropdown-menu")
    expect(menu).to_be_visible()
    expect(menu).not_to_contain_text("Hidden Team")
    menu.get_by_role("link", name=re.compile("Customer Care EMEA")).click()

    # Same section, other team.
    expect(page).to_have_url(f"{live_server.url}/t/emea/risks/")
    expect(page.get_by_test_id("team-switcher")).to_contain_text("Customer Care EMEA")
    expect(page.locator(".role-pill")).to_have_text("Agent")

    nav.get_by_role("link", name="Team", exact=True).click()
    expect(page.get_by_role("heading", name="Customer Care EMEA")).to_be_visible()
    expect(page.locator(".members-table")).to_contain_text("Ana Costa")
    path = screenshot("team-page")
    assert os.path.getsize(path) > 10_000
    assert errors == [], errors


def test_lead_edits_capacity_inline(live_server, page, two_teams, screenshot):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill("ana")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(f"{live_server.url}/t/apac/team/")

    page.get_by_role("button", name="Edit “Ana Costa”").click()
    capacity = page.get_by_label("Capacity (pts)")
    expect(capacity).to_be_visible()
    capacity.fill("-5")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".member-row.editing")).to_contain_text("greater than or equal to 0")

    page.get_by_label("Capacity (pts)").fill("8")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".member-row").first).to_contain_text("8 pts")
    expect(page.locator("#messages")).to_contain_text("Saved Ana Costa")
    screenshot("capacity-saved")
    page.reload()
    expect(page.locator(".members-table")).to_contain_text("8 pts")


def test_phone_navigation_opens_from_the_menu_button(live_server, browser, two_teams):
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill("ana")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    nav = page.get_by_role("navigation", name="Team sections")
    expect(nav).to_be_hidden()
    page.get_by_role("button", name="Open navigation").click()
    expect(nav.get_by_role("link", name="Projects")).to_be_visible()
    nav.get_by_role("link", name="Projects").click()
    expect(page.get_by_role("heading", name="Projects", exact=True)).to_be_visible()
    context.close()
