"""A lead fixes a RACI row by clicking cells, saves a baseline, re-plans a phase and closes the planning
phase through its gate; the Accountable is asked for the gate review: in a real browser."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from notifications.models import Notification
from projects import phases
from projects.models import Phase, RaciCell, RaciRow
from teams.models import Role
from tests.browser.test_board import sign_in
from tests.factories import ProjectFactory

pytestmark = pytest.mark.browser


@pytest.fixture
def crm(team, make_member):
    leo = make_member(team, Role.LEAD, username="leo", first_name="Leo", last_name="Lind")
    ana = make_member(team, Role.AGENT, username="ana", first_name="Ana", last_name="Costa")
    start = timezone.localdate() - timedelta(days=10)
    project = ProjectFactory(team=team, name="CRM rollout", framework="waterfall", owner=leo, start=start)
    phases.phases_default(project=project)
    planning = Phase.objects.get(project=project, order=1)
    phases.deliverable_add(phase=planning, title="Project charter", owner=ana)
    return project, leo, ana


def test_fix_raci_baseline_replan_and_close_a_phase(live_server, page: Page, team, crm, screenshot, browser):
    project, leo, ana = crm
    planning_row = RaciRow.objects.get(phase__project=project, phase__order=1)
    sign_in(page, live_server, "leo")
    page.goto(f"{live_server.url}/t/{team.slug}/projects/{project.pk}/raci/")
    row = page.locator(f"#raci-row-{planning_row.pk}")
    expect(row).to_contain_text("Needs exactly one Accountable.")
    # Ana: R (one click). Leo: R, then A (two clicks). Each click redraws only its row.
    with page.expect_response(re.compile(r"/raci/rows/")):
        row.get_by_role("button", name=re.compile(r"Ana Costa: no role")).click()
    expect(row.get_by_role("button", name=re.compile(r"Ana Costa: R\b"))).to_be_visible()
    row.get_by_role("button", name=re.compile(r"Leo Lind: no role")).click()
    row.get_by_role("button", name=re.compile(r"Leo Lind: R\b")).click()
    expect(row.get_by_role("button", name=re.compile(r"Leo Lind: A\b"))).to_be_visible()
    expect(row).not_to_contain_text("Needs")
    expect(page.locator("#raci-summary")).to_contain_text("5 rows to fix")  # the count follows each click
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

    # Leo saves a baseline, then moves the pilot's end a week later: the timeline shows the drift.
    page.goto(f"{live_server.url}/t/{team.slug}/projects/{project.pk}/plan/")
    page.get_by_label("Baseline name").fill("Signed-off plan")
    page.get_by_role("button", name="Save baseline").click()
    expect(page.locator("#messages")).to_contain_text("Baseline “Signed-off plan” saved")
    pilot = Phase.objects.get(project=project, order=2)
    card = page.locator(f"#phase-{pilot.pk}")
    card.get_by_text("Re-plan the dates").click()
    card.get_by_label("End").fill((pilot.planned_end + timedelta(days=7)).isoformat())
    # The testing phase and the rest follow only if there is room: make room by allowing overlap first? No:
    # seven days into the next phase is refused with a clear message.
    card.get_by_role("button", name="Save dates").click()
    expect(page.locator("#messages")).to_contain_text("It would overlap “Execution”")
    card = page.locator(f"#phase-{pilot.pk}")
    card.get_by_text("Re-plan the dates").click()
    card.get_by_label("Start").fill((pilot.planned_start + timedelta(days=1)).isoformat())
    card.get_by_label("End").fill(pilot.planned_end.isoformat())
    card.get_by_role("button", name="Save dates").click()
    expect(page.locator("#messages")).to_contain_text("re-planned")
    launch = Phase.objects.get(project=project, order=5)
    phases.phase_replan(phase=launch, expected_version=launch.version, planned_start=launch.planned_start,
                        planned_end=launch.planned_end + timedelta(days=5))  # fmt: skip
    page.reload()
    expect(page.locator("#timeline")).to_contain_text("+5 d vs baseline")

    # The planning phase closes through its gate once its deliverable is done.
    planning = page.locator(f"#phase-{planning_row.phase_id}")
    planning.get_by_label("Comment").fill("Scope agreed")
    planning.get_by_role("button", name="Decide").click()
    expect(page.locator("#messages")).to_contain_text("deliverables are open: Project charter")
    page.locator(f"#phase-{planning_row.phase_id}").get_by_role("button", name="Mark “Project charter” done").click()
    planning = page.locator(f"#phase-{planning_row.phase_id}")
    planning.get_by_label("Comment").fill("Scope agreed")
    planning.get_by_role("button", name="Decide").click()
    expect(page.locator("#messages")).to_contain_text("The phase is closed.")
    expect(page.locator(f"#phase-{planning_row.phase_id}")).to_contain_text("Closed")
    screenshot("plan")
