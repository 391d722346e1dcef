"""A lead creates a project from the CRM-rollout template, fixes a RACI row by clicking cells, saves a
baseline, re-plans a phase and sees the drift, and closes the planning phase through its gate; the
Accountable is asked for the gate review: in a real browser."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from notifications.models import Notification
from projects.models import Phase, Project, ProjectTemplate, RaciCell, RaciRow
from projects.shipped_templates import ensure_shipped
from teams.models import Role
from tests.browser.test_board import sign_in
from tests.factories import WorkingHoursFactory

pytestmark = pytest.mark.browser


@pytest.fixture
def people(team, make_member):
    ensure_shipped(ProjectTemplate)  # a transactional test before this one may have emptied the table
    for weekday in range(5):
        WorkingHoursFactory(team=team, weekday=weekday)
    leo = make_member(team, Role.LEAD, username="leo", first_name="Leo", last_name="Lind")
    ana = make_member(team, Role.AGENT, username="ana", first_name="Ana", last_name="Costa")
    return leo, ana


def test_from_template_to_a_closed_phase(live_server, page: Page, team, people, screenshot, browser):
    leo, ana = people
    sign_in(page, live_server, "leo")
    page.goto(f"{live_server.url}/t/{team.slug}/projects/")
    page.get_by_label("Template").select_option(label="CRM rollout")
    page.get_by_role("button", name="Create project").click()
    expect(page.locator("#messages")).to_contain_text("Project “CRM rollout” created")
    project = Project.objects.get(team=team, name="CRM rollout")
    expect(page.locator("#raci-rows-to-fix")).to_contain_text("Phase: Planning: Needs at least one Responsible.")

    # The RACI matrix: Ana becomes Responsible for the planning phase with one click; only the row redraws.
    page.get_by_role("link", name="RACI", exact=True).click()
    planning_row = RaciRow.objects.get(phase__project=project, phase__order=1)
    row = page.locator(f"#raci-row-{planning_row.pk}")
    expect(row).to_contain_text("Needs at least one Responsible.")
    before = page.locator("#raci-summary").inner_text()
    with page.expect_response(re.compile(r"/raci/rows/")):
        row.get_by_role("button", name=re.compile(r"Ana Costa: no role")).click()
    expect(row.get_by_role("button", name=re.compile(r"Ana Costa: R\b"))).to_be_visible()
    expect(row).not_to_contain_text("Needs")
    expect(page.locator("#raci-summary")).not_to_have_text(before)  # one row fewer to fix
    assert dict(RaciCell.objects.filter(row=planning_row).values_list("user_id", "role")) == {ana.pk: "R", leo.pk: "A"}
    screenshot("raci")

    # Ana asks for the gate review: the Accountable (Leo) is told.
    agent = browser.new_page()
    sign_in(agent, live_server, "ana")
    agent.goto(f"{live_server.url}/t/{team.slug}/projects/{project.pk}/plan/")
    agent.locator(f"#phase-{planning_row.phase_id}").get_by_role("button", name="Request the gate review").click()
    expect(agent.locator("#messages")).to_contain_text("Gate review of “Planning” requested")
    agent.close()
    assert Notification.objects.filter(user=leo, kind="raci_gate_request").count() == 1

    # A baseline, then the plan moves: an overlapping re-plan is refused, a later go-live is shown as drift.
    page.get_by_role("link", name="Phases and timeline").click()
    page.get_by_label("Baseline name").fill("Signed-off plan")
    page.get_by_role("button", name="Save baseline").click()
    expect(page.locator("#messages")).to_contain_text("Baseline “Signed-off plan” saved")
    pilot = Phase.objects.get(project=project, order=2)
    card = page.locator(f"#phase-{pilot.pk}")
    card.get_by_text("Re-plan the dates").click()
    card.get_by_label("End").fill((pilot.planned_end + timedelta(days=7)).isoformat())
    card.get_by_role("button", name="Save dates").click()
    expect(page.locator("#messages")).to_contain_text("It would overlap “Data migration”")
    last = Phase.objects.filter(project=project).order_by("-order").first()
    card = page.locator(f"#phase-{last.pk}")
    card.get_by_text("Re-plan the dates").click()
    card.get_by_label("End").fill((last.planned_end + timedelta(days=5)).isoformat())
    card.get_by_role("button", name="Save dates").click()
    expect(page.locator("#messages")).to_contain_text("re-planned")
    expect(page.locator("#timeline")).to_contain_text("+5 d vs baseline")
    # Dragging the end of the last phase three days further re-plans it the same way.
    svg = page.locator("svg.gantt")
    per_day = (
        float(svg.get_attribute("data-px-per-day")) * svg.bounding_box()["width"] / float(svg.get_attribute("width"))
    )
    page.locator(f'.gantt-handle[data-phase="{last.pk}"]').scroll_into_view_if_needed()
    handle = page.locator(f'.gantt-handle[data-phase="{last.pk}"]').bounding_box()
    page.mouse.move(handle["x"] + handle["width"] / 2, handle["y"] + handle["height"] / 2)
    page.mouse.down()
    page.mouse.move(handle["x"] + handle["width"] / 2 + 3 * per_day, handle["y"] + handle["height"] / 2, steps=8)
    with page.expect_response(re.compile(r"/replan/$")):
        page.mouse.up()
    expect(page.locator("#timeline")).to_contain_text("+8 d vs baseline")
    last.refresh_from_db()

    # The planning phase closes through its gate once its deliverables are done.
    planning = page.locator(f"#phase-{planning_row.phase_id}")
    planning.get_by_label("Gate comment").fill("Scope agreed")
    planning.get_by_role("button", name="Decide").click()
    expect(page.locator("#messages")).to_contain_text("deliverables are open: Project charter")
    for title in ("Project charter", "Data migration plan", "Rollout plan by region"):
        page.locator(f"#phase-{planning_row.phase_id}").get_by_role("button", name=f"Mark “{title}” done").click()
        expect(page.locator(f"#phase-{planning_row.phase_id}")).to_contain_text(f"{title} done")
    planning = page.locator(f"#phase-{planning_row.phase_id}")
    planning.get_by_label("Gate comment").fill("Scope agreed")
    planning.get_by_role("button", name="Decide").click()
    expect(page.locator("#messages")).to_contain_text("The phase is closed.")
    expect(page.locator(f"#phase-{planning_row.phase_id}")).to_contain_text("Closed")
    screenshot("plan")
