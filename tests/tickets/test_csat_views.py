"""The public survey page over HTTP, and CSAT on the ticket page and the team page."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from teams.models import Role
from tests.factories import make_ticket
from tests.tickets.test_csat import LINK, resolved, send_one, sweep
from tickets.choices import Kind
from tickets.models import Ticket
from voice import answers
from voice import surveys as csat
from voice.choices import SurveyStatus
from voice.models import CsatSurvey

pytestmark = pytest.mark.django_db


def page_url(token: str, score: int | None = None) -> str:
    url = reverse("survey:answer", args=[token])
    return f"{url}?score={score}" if score is not None else url


def checked_score(html: str) -> list[str]:
    return re.findall(
        r'<input class="score-input" type="radio" name="score" id="score-\d" value="(\d)" required checked', html
    )


@pytest.fixture
def sent(team, mailoutbox):
    return send_one(team, title="Refund not received")


# --- Reading the form never records ---------------------------------------------------------------------


def test_every_link_in_the_mail_opens_the_form_with_its_score_chosen(team, mailoutbox, client):
    ticket = resolved(team, title="Refund not received")
    sweep(ticket.resolved_at + timedelta(minutes=csat.DEFAULT_DELAY_MINUTES, seconds=1))
    for full, _token, score in LINK.findall(mailoutbox[0].body):
        path = full.split("://", 1)[1].split("/", 1)[1]
        response = client.get(f"/{path}?score={score}")
        assert response.status_code == 200
        assert checked_score(response.content.decode()) == [score]
    survey = CsatSurvey.objects.get()
    assert survey.status == SurveyStatus.SENT and survey.answered_at is None and survey.score is None


def test_get_and_head_never_record_an_answer(sent, client):
    survey, token = sent
    for method in (client.get, client.head):
        response = method(page_url(token, 5))
        assert response.status_code == 200
    response = client.get(page_url(token, 1), {"comment": "from a scanner"})
    assert response.status_code == 200
    survey.refresh_from_db()
    assert (survey.status, survey.score, survey.answered_at, survey.comment) == (SurveyStatus.SENT, None, None, "")
    assert not Ticket.objects.filter(kind=Kind.IMPROVEMENT).exists()


def test_the_form_is_small_accessible_and_needs_no_script(sent, client):
    survey, token = sent
    response = client.get(page_url(token, 4))
    html = response.content.decode()
    assert "<script" not in html and " style=" not in html and "<style" not in html
    assert "Refund not received" in html and f"CARE-{survey.ticket.number}" in html
    assert "<fieldset" in html and "<legend" in html
    for score, label in csat.SCORE_LABELS.items():
        assert f'<label class="score-option score-option-{score}" for="score-{score}">' in html
        assert label in html
    assert '<label class="form-label" for="id_comment">' in html
    assert "csrfmiddlewaretoken" in html and 'method="post"' in html
    assert 'name="robots" content="noindex' in html
    assert "Sign in" not in html and "sidebar" not in html
    assert "no-store" in response["Cache-Control"]
    assert "script-src 'self'" in response["Content-Security-Policy"]


@pytest.mark.parametrize("score", ["0", "6", "x", "", "-1", "²", "4.0", "9" * 50])
def test_a_link_with_a_strange_score_shows_the_form_with_none_chosen(sent, client, score):
    _survey, token = sent
    response = client.get(f"{page_url(token)}?score={score}")
    assert response.status_code == 200 and checked_score(response.content.decode()) == []


# --- Answering -----------------------------------------------------------------------------------------


def test_submitting_records_the_answer_and_thanks_the_customer(sent, client):
    survey, token = sent
    response = client.post(page_url(token), {"score": "4", "comment": "Quick and friendly"})
    assert response.status_code == 302 and response["Location"] == reverse("survey:thanks", args=[token])
    survey.refresh_from_db()
    assert (survey.status, survey.score, survey.comment) == (SurveyStatus.ANSWERED, 4, "Quick and friendly")
    thanks = client.get(response["Location"])
    assert thanks.status_code == 200
    html = thanks.content.decode()
    assert "Thank you" in html and "4 out of 5" in html and "Quick and friendly" in html
    assert "sorry" not in html


def test_a_second_submission_gets_the_already_answered_page(sent, client):
    survey, token = sent
    client.post(page_url(token), {"score": "5"})
    response = client.post(page_url(token), {"score": "1", "comment": "Changed my mind"})
    assert response.status_code == 410
    assert "already answered" in response.content.decode()
    survey.refresh_from_db()
    assert (survey.score, survey.comment, survey.follow_up) == (5, "", None)
    # The mailed links lead there too.
    response = client.get(page_url(token, 3))
    assert response.status_code == 410 and "already answered" in response.content.decode()


def test_an_expired_link_explains_itself_and_records_nothing(sent, client):
    survey, token = sent
    CsatSurvey.objects.filter(pk=survey.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    for response in (client.get(page_url(token, 5)), client.post(page_url(token), {"score": "5"})):
        assert response.status_code == 410
        html = response.content.decode()
        assert "This survey has closed" in html and "not recorded" in html
    survey.refresh_from_db()
    assert survey.score is None and survey.status == SurveyStatus.SENT


@pytest.mark.parametrize("token", ["unknown-token", "a" * 43, "x" * 400, "has.dots~and%20spaces"])
def test_an_unknown_link_gets_a_friendly_not_found_page(db, client, token):
    for response in (client.get(page_url(token, 5)), client.post(page_url(token), {"score": "5"})):
        assert response.status_code == 404
        html = response.content.decode()
        assert "We could not find this survey" in html and "copying the whole link" in html
        assert "<script" not in html


def test_a_cancelled_survey_link_is_unknown(sent, client):
    survey, token = sent
    CsatSurvey.objects.filter(pk=survey.pk).update(status=SurveyStatus.CANCELLED)
    assert client.get(page_url(token, 5)).status_code == 404


@pytest.mark.parametrize(
    "data",
    [{}, {"score": ""}, {"score": "0"}, {"score": "6"}, {"score": "five"}, {"score": "4", "comment": "x" * 2001}],
    ids=["missing", "empty", "zero", "six", "word", "long-comment"],
)
def test_an_invalid_answer_shows_the_form_again_with_a_message(sent, client, data):
    survey, token = sent
    response = client.post(page_url(token), {"comment": "Keep my words", **data})
    assert response.status_code == 422
    html = response.content.decode()
    assert "Your answer was not recorded yet." in html and 'role="alert"' in html
    if "comment" in data:
        assert "at most 2000 characters" in html
    else:
        assert "Choose a score from 1 to 5." in html
        assert "Keep my words" in html, "what the customer typed is kept"
    survey.refresh_from_db()
    assert survey.score is None and survey.status == SurveyStatus.SENT


def test_csrf_protection_stays_on_for_the_anonymous_form(sent):
    survey, token = sent
    browser = Client(enforce_csrf_checks=True)
    refused = browser.post(page_url(token), {"score": "4"})
    assert refused.status_code == 403
    # A customer whose browser dropped the cookie is told what to do, in plain words.
    html = refused.content.decode()
    assert "That form could not be sent" in html and "allow cookies for this site" in html
    assert "CSRF verification failed" not in html and "Go to my board" not in html
    survey.refresh_from_db()
    assert survey.score is None

    page = browser.get(page_url(token, 4)).content.decode()
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)[1]
    response = browser.post(page_url(token), {"score": "4", "csrfmiddlewaretoken": csrf})
    assert response.status_code == 302
    survey.refresh_from_db()
    assert survey.score == 4


def test_the_thanks_page_before_an_answer_leads_back_to_the_form(sent, client):
    _survey, token = sent
    response = client.get(reverse("survey:thanks", args=[token]))
    assert response.status_code == 302 and response["Location"] == page_url(token)
    assert client.get(reverse("survey:thanks", args=["nope"])).status_code == 404


def test_a_low_score_thanks_the_customer_and_says_someone_will_follow_up(team, make_member, sent, client):
    make_member(team, Role.LEAD)
    survey, token = sent
    response = client.post(page_url(token), {"score": "2", "comment": "Took a week"}, follow=True)
    assert "sorry" in response.content.decode()
    survey.refresh_from_db()
    assert survey.follow_up is not None


def test_the_survey_needs_no_sign_in_and_a_signed_in_agent_sees_the_same_page(team, make_member, login, sent):
    _survey, token = sent
    agent = make_member(team, Role.AGENT)
    html = login(agent).get(page_url(token, 3)).content.decode()
    assert checked_score(html) == ["3"] and "sidebar" not in html


# --- Staff pages: the ticket ------------------------------------------------------------------------------


def detail(client, ticket) -> str:
    """The ticket page with its CSAT region, as the browser composes it (the page loads the region)."""
    response = client.get(reverse("tickets:detail", args=[ticket.team.slug, ticket.number]))
    assert response.status_code == 200
    page = response.content.decode()
    region_url = reverse("voice:ticket-csat", args=[ticket.team.slug, ticket.number])
    assert f'hx-get="{region_url}" hx-trigger="load"' in page
    region = client.get(region_url, HTTP_HX_REQUEST="true")
    assert region.status_code == 200 and region["Vary"] and "HX-Request" in region["Vary"]
    return page + region.content.decode()


def team_page(client, slug: str) -> str:
    """The team page with its CSAT region, as the browser composes it."""
    page = client.get(reverse("teams:detail", args=[slug])).content.decode()
    region_url = reverse("voice:team-csat", args=[slug])
    assert f'hx-get="{region_url}" hx-trigger="load"' in page
    return page + client.get(region_url, HTTP_HX_REQUEST="true").content.decode()


def csat_panel(html: str) -> str:
    match = re.search(r'<section id="ticket-csat".*?</section>', html, re.S)
    return match[0] if match else ""


def test_the_ticket_page_shows_the_answer_and_links_the_follow_up_both_ways(team, make_member, login, sent):
    make_member(team, Role.LEAD)
    viewer = login(make_member(team, Role.VIEWER))
    survey, token = sent
    answers.csat_answer(token=token, score=2, comment="Took a <b>week</b>")
    survey.refresh_from_db()
    panel = csat_panel(detail(viewer, survey.ticket))
    assert "Answered" in panel and "2/5" in panel and "Dissatisfied" in panel
    assert "Took a &lt;b&gt;week&lt;/b&gt;" in panel
    assert "jane@customer.example" in panel
    follow_up = survey.follow_up
    assert f'href="/t/care/tickets/{follow_up.number}/">CARE-{follow_up.number}</a>' in panel

    other_side = csat_panel(detail(viewer, follow_up))
    original = survey.ticket
    assert "Follow-up of" in other_side and f">CARE-{original.number}</a> (CSAT 2/5)" in other_side


def test_the_ticket_page_shows_the_survey_status(team, make_member, login, mailoutbox):
    client = login(make_member(team, Role.AGENT))
    ticket = resolved(team)
    assert "A survey goes to jane@customer.example around" in csat_panel(detail(client, ticket))

    pending = CsatSurvey.objects.create(team=team, ticket=ticket, cycle=1, email="jane@customer.example")
    assert "Waiting to be sent" in csat_panel(detail(client, ticket))

    pending.delete()
    sweep(ticket.resolved_at + timedelta(minutes=csat.DEFAULT_DELAY_MINUTES, seconds=1))
    panel = csat_panel(detail(client, ticket))
    assert "Sent, not answered yet" in panel and "the link works until" in panel

    CsatSurvey.objects.filter(ticket=ticket).update(expires_at=timezone.now() - timedelta(days=1))
    panel = csat_panel(detail(client, ticket))
    assert "Expired unanswered" in panel and "not answered before the link expired" in panel


def test_an_open_ticket_and_an_internal_one_show_no_survey_panel(team, make_member, login):
    client = login(make_member(team, Role.AGENT))
    assert csat_panel(detail(client, make_ticket(team, requester_email="jane@customer.example"))) == ""
    assert csat_panel(detail(client, resolved(team, kind=Kind.TASK))) == ""


def test_the_ticket_page_costs_the_same_queries_with_surveys(
    team, make_member, login, mailoutbox, django_assert_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = login(make_member(team, Role.AGENT))
    plain = make_ticket(team, title="Open, no survey")
    detail(client, plain)
    with CaptureQueriesContext(connection) as ctx:
        detail(client, plain)
    base = len(ctx.captured_queries)

    survey, token = send_one(team)
    answers.csat_answer(token=token, score=1, comment="Bad")
    ticket = Ticket.objects.select_related("team").get(pk=survey.ticket_id)
    for cycle in (2, 3):
        CsatSurvey.objects.create(team=team, ticket=ticket, cycle=cycle, email="x@customer.example")
    with django_assert_num_queries(base):
        html = detail(client, ticket)
    assert csat_panel(html).count('class="csat-survey"') == 3


# --- Staff pages: the team ------------------------------------------------------------------------------


def team_section(html: str) -> str:
    match = re.search(r'<section id="team-csat".*?</section>', html, re.S)
    assert match, "the team page has its CSAT section"
    return match[0]


def answer(team, number: int, score: int, comment: str = "", days_ago: float = 1) -> CsatSurvey:
    ticket = make_ticket(team, title=f"Question {number}")
    now = timezone.now()
    return CsatSurvey.objects.create(
        team=team, ticket=ticket, cycle=1, email="c@customer.example", status=SurveyStatus.ANSWERED,
        sent_at=now - timedelta(days=days_ago + 1), expires_at=now + timedelta(days=5), score=score,
        comment=comment, answered_at=now - timedelta(days=days_ago),
    )  # fmt: skip


def test_the_team_page_shows_the_figures_and_the_latest_answers(team, other_team, make_member, login):
    viewer = login(make_member(team, Role.VIEWER))
    answer(team, 1, 5, "Brilliant help", days_ago=1)
    answer(team, 2, 4, days_ago=2)
    answer(team, 3, 1, "Nobody called me back " + "really " * 40, days_ago=3)
    unanswered = make_ticket(team, title="Silent")
    CsatSurvey.objects.create(team=team, ticket=unanswered, cycle=1, email="c@customer.example",
                              status=SurveyStatus.SENT, sent_at=timezone.now() - timedelta(days=2))  # fmt: skip
    answer(other_team, 9, 1, "Secret of the other team")

    html = team_section(team_page(viewer, "care"))
    assert "Customer satisfaction" in html and "Last 30 days" in html
    assert "67%" in html and "2 of 3 answers scored 4 or 5" in html
    assert "3.3" in html and "75%" in html and "3 of 4 surveys sent answered" in html
    assert html.index("Brilliant help") < html.index("Nobody called me back")
    assert "…" in html, "long comments are cut short"
    assert 'href="/t/care/tickets/1/">CARE-1</a>' in html
    assert "Secret of the other team" not in html


def test_the_team_page_without_surveys_says_so(team, make_member, login):
    html = team_section(team_page(login(make_member(team, Role.AGENT)), "care"))
    assert "No surveys were sent or answered" in html and "No answers yet." in html


def test_another_teams_page_and_answers_stay_hidden(team, other_team, make_member, login):
    answer(other_team, 1, 2, "Their private words")
    client = login(make_member(team, Role.LEAD))
    assert client.get(reverse("teams:detail", args=["other"])).status_code == 404
    assert client.get(reverse("voice:team-csat", args=["other"])).status_code == 404
    assert "Their private words" not in team_page(client, "care")


def test_the_team_section_costs_the_same_queries_for_1_and_25_answers(
    team, make_member, login, django_assert_num_queries
):
    from django.db import connection
    from django.template.loader import render_to_string
    from django.test.utils import CaptureQueriesContext

    from voice.views.csat import team_csat_context

    def section():
        return render_to_string("voice/csat/team_section.html", team_csat_context(team))

    client = login(make_member(team, Role.LEAD))
    url = reverse("voice:team-csat", args=["care"])
    answer(team, 1, 5, "One")
    client.get(url)
    with django_assert_num_queries(2):  # the figures, the latest answers
        section()
    with CaptureQueriesContext(connection) as small:
        client.get(url)
    for i in range(2, 26):
        answer(team, i, 1 + i % 5, f"Comment {i}", days_ago=i / 2)
    with django_assert_num_queries(2):
        assert section().count('class="csat-recent-item"') == 10
    with django_assert_num_queries(len(small.captured_queries)):
        html = team_section(client.get(url).content.decode())
    assert html.count('class="csat-recent-item"') == 10


def test_mail_is_not_sent_for_answers(team, sent, client):
    mail.outbox = []
    _survey, token = sent
    client.post(page_url(token), {"score": "5"})
    assert mail.outbox == []
