"""The customer answers the survey in one click and one Submit from the mailed link; the team sees the answer."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from teams.models import Role
from tests.factories import PASSWORD
from tests.tickets.test_csat import LINK, due, resolved
from voice import surveys as csat
from voice.choices import SurveyStatus
from voice.models import CsatSurvey

pytestmark = pytest.mark.browser


def shot(page, output_path, name: str) -> None:
    """A full-page screenshot of another page than the ``screenshot`` fixture's, in the test's folder."""
    path = output_path(f"{name}.png") if callable(output_path) else f"{output_path}/{name}.png"
    page.screenshot(path=path, full_page=True)


def test_the_customer_answers_from_the_mailed_link_and_the_ticket_shows_it(
    live_server, browser, page, team, make_member, settings, output_path, screenshot
):
    settings.SITE_URL = live_server.url
    make_member(team, Role.AGENT, username="ana", first_name="Ana", last_name="Costa")
    ticket = resolved(team, title="Refund not received", requester_name="Jane Doe")
    mail.outbox = []
    csat.csat_schedule_and_send(now=due(ticket))
    message = mail.outbox[0]
    html, _ = message.alternatives[0]
    links = {int(score): f"{base}?score={score}" for base, _token, score in LINK.findall(html)}
    assert sorted(links) == [1, 2, 3, 4, 5] and links[4].startswith(live_server.url)

    # The customer's browser: no session, and no JavaScript needed.
    customer = browser.new_context(java_script_enabled=False)
    survey_page = customer.new_page()
    survey_page.goto(links[4])
    expect(survey_page.get_by_role("heading", level=1)).to_have_text("How did we do?")
    expect(survey_page.get_by_text("Refund not received")).to_be_visible()
    expect(survey_page.get_by_role("radio", name="4 Satisfied")).to_be_checked()
    for other in ("1 Very dissatisfied", "2 Dissatisfied", "3 Neutral", "5 Very satisfied"):
        expect(survey_page.get_by_role("radio", name=other)).not_to_be_checked()
    assert CsatSurvey.objects.get().answered_at is None, "opening the link records nothing"
    shot(survey_page, output_path, "survey-form")

    survey_page.get_by_label("Anything you would like to add?").fill("Quick and friendly, thank you!")
    survey_page.get_by_role("button", name="Submit").click()
    expect(survey_page.get_by_role("heading", level=1)).to_have_text("Thank you for your answer")
    expect(survey_page.get_by_text("4 out of 5")).to_be_visible()
    shot(survey_page, output_path, "survey-thanks")
    survey = CsatSurvey.objects.get()
    assert (survey.status, survey.score, survey.comment) == (SurveyStatus.ANSWERED, 4, "Quick and friendly, thank you!")

    # The same link again: the page explains the answer is in.
    survey_page.goto(links[2])
    expect(survey_page.get_by_role("heading", level=1)).to_have_text("You have already answered")
    shot(survey_page, output_path, "survey-already-answered")
    customer.close()

    # The agent sees the answer on the ticket.
    page.goto(f"{live_server.url}/accounts/login/?next=/t/care/tickets/{ticket.number}/")
    page.get_by_label("Username").fill("ana")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    panel = page.locator("#ticket-csat")
    expect(panel).to_contain_text("Answered")
    expect(panel.locator(".csat-score")).to_have_text("4/5")
    expect(panel).to_contain_text("Quick and friendly, thank you!")
    expect(page.get_by_role("region", name=re.compile("Customer satisfaction"))).to_be_visible()
    screenshot("ticket-csat-panel")
