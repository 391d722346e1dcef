"""A lead plans, starts and closes a sprint; an agent raises a blocker: in a real browser."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from planning import services
from planning.models import Sprint, SprintItem
from teams.models import Membership, Role
from tests.browser.test_board import drag, sign_in
from tests.factories import WorkingHoursFactory, make_ticket

pytestmark = pytest.mark.browser


@pytest.fixture
def planning_team(team, make_member):
    # Round the clock every day, so today's burndown row is live whenever the test runs.
    for weekday in range(7):
        WorkingHoursFactory(team=team, weekday=weekday, start_minute=0, end_minute=1440)
    lead = make_member(team, Role.LEAD, username="leo", first_name="Leo", last_name="Lind")
    agent = make_member(team, Role.AGENT, username="ana", first_name="Ana", last_name="Costa")
    Membership.objects.filter(team=team).update(capacity=1, joined_at=timezone.now() - timedelta(days=90))
    for title in ("Refund macro", "Invoice FAQ", "Audit log help", "Tag cleanup"):
        make_ticket(team, title=title, kind="task", story_points=5)
    today = timezone.localdate()
    monday = today - timedelta(days=today.weekday())
    sprint = services.sprint_create(team=team, by=lead, start_date=monday)
    return sprint, lead, agent


def test_plan_start_block_and_close_a_sprint(live_server, page: Page, team, planning_team, screenshot, browser):
    sprint, _lead, _agent = planning_team
    sign_in(page, live_server, "leo")
    page.goto(f"{live_server.url}/t/{team.slug}/sprints/{sprint.number}/")
    for title in ("Refund macro", "Invoice FAQ", "Audit log help"):
        with page.expect_response(re.compile(r"/plan/$")) as planned:
            drag(page, f'[data-list="backlog"] .plan-item:has-text("{title}")', '[data-list="sprint"]')
        assert planned.value.status == 200
        expect(page.locator('[data-list="sprint"]')).to_contain_text(title)
    expect(page.locator("#over-commitment")).to_contain_text("Over-committed by")
    expect(page.locator(".capacity-bar .progress-bar")).to_have_class(re.compile("bg-danger"))
    screenshot("planned-over-capacity")
    page.get_by_role("button", name="Start sprint").click()
    expect(page.locator("#messages")).to_contain_text("15 points in 3 items committed")

    # Mid-sprint, the lead pulls one more item in: the burndown shows it as today's scope step,
    # and the committed line keeps its 15 locked points.
    with page.expect_response(re.compile(r"/plan/$")):
        drag(page, '[data-list="backlog"] .plan-item:has-text("Tag cleanup")', '[data-list="sprint"]')
    expect(page.locator('[data-list="sprint"]')).to_contain_text("Added mid-sprint")
    page.reload()
    page.get_by_text("Show the numbers").click()
    today = page.locator("#burndown-table tbody tr", has_text="(now)")
    expect(today.locator("td")).to_have_text([re.compile(".*"), re.compile(".*"), "15", "20", "20", "0", "5", "0", "0"])
    screenshot("burndown-scope-step")

    # An agent raises a blocker on one of the items and sees it marked on the board.
    agent_page = browser.new_page()
    sign_in(agent_page, live_server, "ana")
    agent_page.goto(f"{live_server.url}/t/{team.slug}/sprints/{sprint.number}/standup/")
    blocked = SprintItem.objects.get(sprint=sprint, ticket__title="Invoice FAQ").ticket
    agent_page.get_by_label("Raise a blocker").fill("Waiting on billing for the VAT rules")
    agent_page.get_by_label("Ticket number (optional)").fill(str(blocked.number))
    agent_page.get_by_role("button", name="Raise").click()
    expect(agent_page.locator("#standup-blockers")).to_contain_text("Waiting on billing")
    agent_page.goto(f"{live_server.url}/t/{team.slug}/board/")
    expect(agent_page.locator(f"#card-{blocked.pk} .tcard-blocked")).to_be_visible()
    agent_page.close()

    # The lead closes the sprint: one item goes to the next sprint, the others back to the backlog.
    page.goto(f"{live_server.url}/t/{team.slug}/sprints/{sprint.number}/close/")
    selects = page.locator("select.fate")
    for n in range(selects.count()):
        selects.nth(n).select_option("backlog")
    page.locator(f'select[name="fate_{blocked.pk}"]').select_option("next")
    page.locator("#confirm-close").click()
    expect(page.locator("#messages")).to_contain_text("1 item(s) carried over")
    expect(page.locator('[data-list="sprint"]')).to_contain_text("Invoice FAQ")
    next_sprint = Sprint.objects.get(team=team, number=sprint.number + 1)
    assert SprintItem.objects.get(sprint=next_sprint).ticket == blocked
    page.goto(f"{live_server.url}/t/{team.slug}/sprints/{sprint.number}/review/")
    expect(page.locator("#review-state")).to_contain_text("Frozen at the close")
    expect(page.locator("#review-carried")).to_contain_text("Invoice FAQ")
    screenshot("frozen-review")
