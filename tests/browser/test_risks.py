"""A lead records a risk (first with a probability off the scale), filters the register by a heat-map cell
(the URL keeps the filter, the back button restores it), switches to inherent scores, adds a mitigation that
lands on the backlog, and marks the risk occurred: the contingency plan comes first and the incident is
opened once: in a real browser."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from projects.models import Project
from risks.models import Mitigation, Risk
from risks.services import RiskDraft, risk_create
from teams.models import Role
from tests.browser.test_board import sign_in
from tickets.choices import Kind
from tickets.models import Ticket

pytestmark = pytest.mark.browser


def test_record_filter_mitigate_and_occur(live_server, page: Page, team, make_member, screenshot):
    leo = make_member(team, Role.LEAD, username="leo", first_name="Leo", last_name="Lind")
    ana = make_member(team, Role.AGENT, username="ana", first_name="Ana", last_name="Costa")
    project = Project.objects.create(team=team, name="Live chat launch", framework="kanban")
    for title, current in (("Vendor raises prices", (2, 3)), ("Senior agent leaves", (3, 4))):
        risk_create(team=team, by=leo, draft=RiskDraft(title=title, owner=ana, inherent=(4, 4), current=current,
                                                       target=(1, 1), project=project))  # fmt: skip
    sign_in(page, live_server, "leo")
    page.goto(f"{live_server.url}/t/{team.slug}/risks/")
    page.get_by_role("link", name="Record a risk").click()

    # A probability off the scale (as a hand-made request would send it) is answered beside the field.
    page.get_by_label("Title").fill("Chat platform outage in the peak season")
    page.get_by_label("Owner").select_option(label="Ana Costa")
    page.get_by_label("Project").select_option(label="Live chat launch")
    page.locator("#id_current_probability").evaluate("el => { el.options[0].value = '6'; }")
    page.get_by_label("Current probability").select_option(index=0)
    page.get_by_label("Current impact").select_option(label="5 · Severe")
    page.get_by_label("Contingency steps").fill("Switch the widget to the contact form\nPost a status banner")
    page.get_by_role("button", name="Record the risk").click()
    expect(page.get_by_text("Probability is 1 to 5; 6 is not on the scale.")).to_be_visible()
    assert not Risk.objects.filter(title__startswith="Chat").exists()
    expect(page.get_by_label("Title")).to_have_value("Chat platform outage in the peak season")  # input kept
    page.get_by_label("Current probability").select_option(label="4 · Likely")
    page.get_by_role("button", name="Record the risk").click()
    expect(page.locator("#messages")).to_contain_text("Risk recorded: Chat platform outage in the peak season")
    risk = Risk.objects.get(title__startswith="Chat")
    assert risk.current.value == 20

    # The heat map: the critical cell lists just that risk, in place; the URL keeps the filter.
    page.get_by_role("link", name="Risk register").click()
    cell = page.get_by_role("link", name=re.compile(r"^Probability Likely \(4\), impact Severe \(5\): score 20"))
    expect(cell).to_contain_text("1")
    with page.expect_response(re.compile(r"/risks/\?")):
        cell.click()
    expect(page).to_have_url(re.compile(r"p=4&i=5"))
    expect(page.locator("#risk-table tbody tr")).to_have_count(1)
    expect(page.locator("#risk-table")).to_contain_text("Chat platform outage")
    screenshot("risk-cell")
    page.get_by_role("link", name="Inherent", exact=True).click()
    expect(page).to_have_url(re.compile(r"kind=inherent"))
    expect(page.get_by_role("link", name=re.compile(r"impact Major \(4\): score 16, High; 2 risks"))).to_be_visible()
    page.go_back()
    expect(page.locator("#risk-table tbody tr")).to_have_count(1)

    # A mitigation: a task on the team's backlog, linked to the risk.
    page.locator("#risk-table").get_by_role("link", name="Chat platform outage in the peak season").click()
    page.get_by_label("New mitigation task").fill("Configure the fallback contact form")
    page.get_by_role("button", name="Add to the backlog").click()
    expect(page.locator("#mitigations")).to_contain_text("Configure the fallback contact form")
    expect(page.locator("#mitigations-done")).to_have_text("0 of 1 done")
    assert Mitigation.objects.get(risk=risk).ticket.kind == Kind.TASK

    # It happens: the plan comes first, with the incident opened from it.
    page.get_by_label("It has happened: what did you see?").fill("Widget down since 09:10")
    page.get_by_role("button", name="Mark as occurred and open the incident").click()
    live = page.locator("#contingency-live")
    expect(live).to_contain_text("This risk has happened: run the contingency plan")
    expect(live.locator("#contingency-steps li")).to_have_count(2)
    expect(live).to_contain_text("Widget down since 09:10")
    incident = Ticket.objects.get(kind=Kind.INCIDENT)
    expect(live.get_by_role("link", name=f"{team.slug.upper()}-{incident.number}")).to_be_visible()
    expect(page.get_by_role("button", name="Mark as occurred and open the incident")).to_have_count(0)
    screenshot("risk-occurred")
