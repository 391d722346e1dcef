"""CSAT surveys as services: when they go out, once per resolution cycle, answering, the closed loop, the figures."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.utils import timezone

from teams.models import Role
from tests.factories import make_ticket
from tickets.choices import Kind, Status
from tickets.models import Ticket
from tickets.services import ticket_update
from voice import answers, feedback, selectors
from voice import surveys as csat
from voice.choices import SurveyStatus
from voice.models import CsatSurvey, FeedbackItem, FeedbackSettings

pytestmark = pytest.mark.django_db

DELAY = timedelta(minutes=csat.DEFAULT_DELAY_MINUTES)
LINK = re.compile(r"(https?://[^\s\"<>]+/survey/([A-Za-z0-9_-]+)/)\?score=(\d)")


def set_status(ticket: Ticket, status: str) -> Ticket:
    ticket = Ticket.objects.get(pk=ticket.pk)
    return ticket_update(ticket=ticket, by=None, expected_version=ticket.version, changes={"status": status})


def resolved(team, **fields) -> Ticket:
    fields.setdefault("requester_name", "Jane Doe")
    fields.setdefault("requester_email", "jane@customer.example")
    return set_status(make_ticket(team, **fields), Status.RESOLVED)


def due(ticket: Ticket, extra: timedelta = timedelta(seconds=1)):
    """A moment just past the default delay after the ticket's resolution."""
    assert ticket.resolved_at is not None
    return ticket.resolved_at + DELAY + extra


def sweep(now):
    return csat.csat_schedule_and_send(now=now)


def send_one(team, **fields) -> tuple[CsatSurvey, str]:
    """A resolved ticket whose survey went out; returns the survey and the token from its mail."""
    ticket = resolved(team, **fields)
    sweep(due(ticket))
    survey = CsatSurvey.objects.get(ticket=ticket)
    token = LINK.search(mail.outbox[-1].body)[2]
    return survey, token


def test_the_survey_waits_for_the_delay_then_goes_out_once(team, mailoutbox):
    ticket = resolved(team, title="Refund not received")

    early = sweep(due(ticket, -timedelta(minutes=1)))
    assert early.scheduled == 0 and early.sent == []
    assert not CsatSurvey.objects.exists() and mailoutbox == []

    result = sweep(due(ticket))
    survey = CsatSurvey.objects.get()
    assert result.sent == [survey.pk]
    assert (survey.ticket_id, survey.cycle, survey.email) == (ticket.pk, 1, "jane@customer.example")
    assert survey.status == SurveyStatus.SENT and survey.attempts == 1
    assert survey.sent_at == due(ticket)
    assert survey.expires_at == survey.sent_at + timedelta(days=csat.DEFAULT_EXPIRY_DAYS)
    assert len(mailoutbox) == 1 and mailoutbox[0].to == ["jane@customer.example"]
    assert "Refund not received" in mailoutbox[0].subject

    # Only the token's hash is stored.
    token = LINK.search(mailoutbox[0].body)[2]
    assert len(token) >= 40
    assert survey.token_hash == csat.token_hash(token) and re.fullmatch(r"[0-9a-f]{64}", survey.token_hash)
    assert token not in str(list(CsatSurvey.objects.values_list()))

    # Running again, later or at the same moment, sends nothing more.
    for later in (due(ticket), due(ticket, timedelta(hours=3))):
        again = sweep(later)
        assert again.sent == [] and again.scheduled == 0
    assert CsatSurvey.objects.count() == 1 and len(mailoutbox) == 1


def test_the_team_settings_set_the_delay_and_the_expiry(team, other_team, mailoutbox):
    FeedbackSettings.objects.create(team=team, csat_delay_minutes=60, csat_expiry_days=3, public_form_key="k1")
    quick = resolved(team)
    default = resolved(other_team)
    at = quick.resolved_at + timedelta(minutes=61)
    sweep(at)
    survey = CsatSurvey.objects.get()
    assert survey.ticket_id == quick.pk
    assert survey.expires_at == at + timedelta(days=3)
    sweep(due(default))
    assert CsatSurvey.objects.filter(ticket=default).exists()


def test_a_reopened_ticket_is_not_surveyed_and_its_next_resolution_is_surveyed_once(team, mailoutbox):
    ticket = resolved(team)
    set_status(ticket, Status.IN_PROGRESS)
    sweep(due(ticket, timedelta(hours=2)))
    assert not CsatSurvey.objects.exists() and mailoutbox == []

    again = set_status(ticket, Status.RESOLVED)
    assert again.sla_cycle == 2
    sweep(due(again))
    sweep(due(again, timedelta(minutes=5)))
    assert list(CsatSurvey.objects.values_list("cycle", "status")) == [(2, SurveyStatus.SENT)]
    assert len(mailoutbox) == 1


def test_a_survey_not_yet_out_is_cancelled_when_the_ticket_reopens(team, mailoutbox):
    ticket = resolved(team)
    waiting = CsatSurvey.objects.create(team=team, ticket=ticket, cycle=ticket.sla_cycle, email="jane@customer.example")
    set_status(ticket, Status.TODO)
    result = sweep(due(ticket))
    waiting.refresh_from_db()
    assert waiting.status == SurveyStatus.CANCELLED and result.cancelled == 1
    assert mailoutbox == []


def test_a_survey_of_an_earlier_cycle_is_cancelled_when_the_ticket_was_resolved_again(team, mailoutbox):
    ticket = resolved(team)
    old = CsatSurvey.objects.create(team=team, ticket=ticket, cycle=ticket.sla_cycle, email="jane@customer.example")
    set_status(ticket, Status.TODO)
    ticket = set_status(ticket, Status.RESOLVED)
    sweep(due(ticket))
    old.refresh_from_db()
    assert old.status == SurveyStatus.CANCELLED
    assert CsatSurvey.objects.get(cycle=2).status == SurveyStatus.SENT
    assert len(mailoutbox) == 1


@pytest.mark.parametrize(
    "fields",
    [
        {"requester_email": ""},
        {"kind": Kind.TASK},
        {"kind": Kind.IMPROVEMENT},
        {"requester_email": "Colleague@Support.example"},  # a person with an account: internal work
    ],
    ids=["no-email", "task", "improvement", "colleague"],
)
def test_tickets_without_a_customer_to_ask_get_no_survey(team, make_member, mailoutbox, fields):
    make_member(team, Role.AGENT, email="colleague@support.example")
    ticket = resolved(team, **fields)
    sweep(due(ticket))
    assert not CsatSurvey.objects.exists() and mailoutbox == []


def test_an_open_ticket_gets_no_survey(team, mailoutbox):
    ticket = make_ticket(team, requester_email="jane@customer.example")
    sweep(ticket.created_at + DELAY * 3)
    assert not CsatSurvey.objects.exists()


def test_resolutions_older_than_the_look_back_are_never_mailed(team, mailoutbox):
    ticket = resolved(team)
    sweep(due(ticket, csat.LOOK_BACK + timedelta(minutes=1)))
    assert not CsatSurvey.objects.exists() and mailoutbox == []
    sweep(due(ticket, csat.LOOK_BACK - timedelta(minutes=1)))
    assert CsatSurvey.objects.count() == 1


def test_the_mail_has_five_score_links_in_text_and_html(team, mailoutbox, settings):
    settings.SITE_URL = "https://support.example.com"
    ticket = resolved(team, title="Printer <on> fire", requester_name="Jane Doe")
    sweep(due(ticket))
    message = mailoutbox[0]
    text_links = LINK.findall(message.body)
    assert [int(score) for _, _, score in text_links] == [1, 2, 3, 4, 5]
    assert len({token for _, token, _ in text_links}) == 1
    base = text_links[0][0]
    assert base.startswith("https://support.example.com/survey/")
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    assert [int(score) for _, _, score in LINK.findall(html)] == [1, 2, 3, 4, 5]
    assert "Printer &lt;on&gt; fire" in html and "Printer <on> fire" in message.body
    assert message.body.startswith("Hello Jane,")
    assert "Very satisfied" in message.body and "Very dissatisfied" in html


class FailingBackend(BaseEmailBackend):
    def send_messages(self, email_messages):
        raise OSError("mail server down")


def test_a_failed_send_is_retried_by_later_sweeps_then_given_up(team, settings):
    settings.EMAIL_BACKEND = "tests.tickets.test_csat.FailingBackend"
    ticket = resolved(team)
    at = due(ticket)
    for attempt in (1, 2):
        result = sweep(at + timedelta(minutes=attempt))
        survey = CsatSurvey.objects.get()
        assert result.retrying == [survey.pk]
        assert (survey.status, survey.attempts, survey.token_hash) == (SurveyStatus.PENDING, attempt, None)
    result = sweep(at + timedelta(minutes=3))
    survey = CsatSurvey.objects.get()
    assert result.failed == 1 and result.retrying == []
    assert (survey.status, survey.attempts, survey.token_hash) == (SurveyStatus.FAILED, 3, None)

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    mail.outbox = []
    sweep(at + timedelta(minutes=4))
    assert CsatSurvey.objects.get().status == SurveyStatus.FAILED and mail.outbox == []


def test_one_failed_send_does_not_hold_up_the_others(team, settings, monkeypatch):
    first, second = resolved(team, requester_email="a@customer.example"), resolved(team)
    real = csat.survey_mail

    def flaky(survey, token, **kwargs):
        message = real(survey, token, **kwargs)
        if survey.ticket_id == first.pk:
            message.send = lambda: (_ for _ in ()).throw(OSError("refused"))
        return message

    monkeypatch.setattr(csat, "survey_mail", flaky)
    result = sweep(due(second))
    assert len(result.sent) == 1 and len(result.retrying) == 1
    assert CsatSurvey.objects.get(ticket=second).status == SurveyStatus.SENT
    assert CsatSurvey.objects.get(ticket=first).status == SurveyStatus.PENDING


def test_a_claim_left_by_a_crashed_worker_is_taken_over_after_its_lease(team, mailoutbox):
    ticket = resolved(team)
    at = due(ticket)
    stuck = CsatSurvey.objects.create(
        team=team, ticket=ticket, cycle=1, email="jane@customer.example", status=SurveyStatus.SENDING,
        attempts=1, token_hash="0" * 64, expires_at=at + timedelta(minutes=5),
    )  # fmt: skip
    sweep(at)
    stuck.refresh_from_db()
    assert stuck.status == SurveyStatus.SENDING and mailoutbox == [], "its lease still runs"

    sweep(at + timedelta(minutes=6))
    stuck.refresh_from_db()
    assert stuck.status == SurveyStatus.SENT and stuck.attempts == 2 and len(mailoutbox) == 1
    assert stuck.token_hash == csat.token_hash(LINK.search(mailoutbox[0].body)[2])


def test_a_claim_that_kept_lapsing_is_given_up(team, mailoutbox):
    ticket = resolved(team)
    at = due(ticket)
    CsatSurvey.objects.create(
        team=team, ticket=ticket, cycle=1, email="jane@customer.example", status=SurveyStatus.SENDING,
        attempts=csat.MAX_ATTEMPTS, token_hash="0" * 64, expires_at=at - timedelta(minutes=1),
    )  # fmt: skip
    result = sweep(at)
    assert result.failed == 1 and CsatSurvey.objects.get().status == SurveyStatus.FAILED and mailoutbox == []


def test_many_due_surveys_go_out_in_batches_in_one_sweep(team, mailoutbox, monkeypatch):
    monkeypatch.setattr(csat, "CLAIM_BATCH", 3)
    tickets = [resolved(team, requester_email=f"c{i}@customer.example") for i in range(7)]
    result = sweep(due(tickets[-1]))
    assert len(result.sent) == 7 and len(mailoutbox) == 7
    assert sorted(m.to[0] for m in mailoutbox) == sorted(f"c{i}@customer.example" for i in range(7))


def test_the_task_runs_the_sweep(team, mailoutbox):
    from voice.tasks import csat_send_surveys

    ticket = resolved(team)
    Ticket.objects.filter(pk=ticket.pk).update(resolved_at=timezone.now() - DELAY - timedelta(minutes=1))
    assert csat_send_surveys() == {"scheduled": 1, "cancelled": 0, "sent": 1, "retrying": 0, "failed": 0}
    assert csat_send_surveys()["sent"] == 0
    assert len(mailoutbox) == 1


# --- Answering -------------------------------------------------------------------------------------------


def test_an_answer_is_recorded_once(team, mailoutbox):
    survey, token = send_one(team)
    answered = answers.csat_answer(token=token, score=4, comment="  Quick, thanks!  ")
    survey.refresh_from_db()
    assert answered.pk == survey.pk
    assert (survey.status, survey.score, survey.scale, survey.comment) == (
        SurveyStatus.ANSWERED,
        4,
        5,
        "Quick, thanks!",
    )
    assert survey.answered_at is not None and survey.follow_up is None
    with pytest.raises(answers.SurveyClosed) as closed:
        answers.csat_answer(token=token, score=1, comment="changed my mind")
    assert closed.value.state == csat.SurveyState.ANSWERED
    survey.refresh_from_db()
    assert (survey.score, survey.comment) == (4, "Quick, thanks!")
    assert not Ticket.objects.filter(kind=Kind.IMPROVEMENT).exists()


def test_an_expired_or_unknown_link_records_nothing(team, mailoutbox):
    survey, token = send_one(team)
    with pytest.raises(answers.SurveyClosed) as closed:
        answers.csat_answer(token=token, score=5, now=survey.expires_at)
    assert closed.value.state == csat.SurveyState.EXPIRED
    with pytest.raises(answers.SurveyClosed) as closed:
        answers.csat_answer(token=token + "x", score=5)
    assert closed.value.state == csat.SurveyState.UNKNOWN and closed.value.survey is None
    survey.refresh_from_db()
    assert survey.status == SurveyStatus.SENT and survey.score is None


def test_a_score_outside_the_scale_is_refused(team, mailoutbox):
    survey, token = send_one(team)
    for score in (0, 6):
        with pytest.raises(ValueError):
            answers.csat_answer(token=token, score=score)
    survey.refresh_from_db()
    assert survey.score is None and survey.status == SurveyStatus.SENT


def test_the_state_of_a_link(team, mailoutbox):
    survey, token = send_one(team)
    now = timezone.now()
    assert answers.survey_state(answers.survey_by_token(token), now=now) == csat.SurveyState.OPEN
    assert answers.survey_state(answers.survey_by_token(token), now=survey.expires_at) == csat.SurveyState.EXPIRED
    assert answers.survey_by_token("nope") is None and answers.survey_by_token("x" * 500) is None
    CsatSurvey.objects.filter(pk=survey.pk).update(status=SurveyStatus.CANCELLED)
    assert answers.survey_state(answers.survey_by_token(token), now=now) == csat.SurveyState.UNKNOWN


# --- Closed loop ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("score", [1, 2])
def test_a_low_score_opens_one_follow_up_for_the_team_lead(team, make_member, mailoutbox, score):
    first_lead = make_member(team, Role.LEAD, first_name="Leo", last_name="Lead")
    make_member(team, Role.LEAD, first_name="Second", last_name="Lead")
    make_member(team, Role.AGENT)
    survey, token = send_one(team, title="Invoice shows the wrong VAT", requester_name="Jane Doe")
    original = survey.ticket
    tickets_before = Ticket.objects.count()

    answers.csat_answer(token=token, score=score, comment="Took a week.\n\nAnd *nobody* called [back](http://x).")
    survey.refresh_from_db()
    follow_up = survey.follow_up
    assert follow_up is not None and Ticket.objects.count() == tickets_before + 1
    assert follow_up.team_id == team.pk and follow_up.kind == Kind.IMPROVEMENT
    assert follow_up.title == f"Low CSAT ({score}/5) on CARE-{original.number}: Invoice shows the wrong VAT"
    assert follow_up.assignee == first_lead
    assert (follow_up.requester_name, follow_up.requester_email) == ("Jane Doe", "jane@customer.example")
    assert follow_up.status == Status.TODO
    html = follow_up.description_html
    assert f'<a href="/t/care/tickets/{original.number}/"' in html and f"CARE-{original.number}</a>" in html
    assert "<blockquote>" in html and "Took a week." in html
    assert "*nobody* called [back](http://x)." in html, "the comment is quoted as typed, not as Markdown"

    with pytest.raises(answers.SurveyClosed):
        answers.csat_answer(token=token, score=1, comment="again")
    assert Ticket.objects.count() == tickets_before + 1
    assert Ticket.objects.filter(kind=Kind.IMPROVEMENT).count() == 1


@pytest.mark.parametrize("score", [3, 4, 5])
def test_a_middling_or_good_score_opens_no_follow_up(team, make_member, mailoutbox, score):
    make_member(team, Role.LEAD)
    survey, token = send_one(team)
    count = Ticket.objects.count()
    answers.csat_answer(token=token, score=score, comment="Fine")
    survey.refresh_from_db()
    assert survey.follow_up is None and Ticket.objects.count() == count


def test_without_a_lead_the_follow_up_is_unassigned_and_says_there_was_no_comment(team, mailoutbox):
    survey, token = send_one(team)
    answers.csat_answer(token=token, score=1)
    survey.refresh_from_db()
    assert survey.follow_up is not None and survey.follow_up.assignee is None
    assert "left no comment" in survey.follow_up.description


def test_a_comment_becomes_survey_feedback_and_answers_move_impact_scores(team, mailoutbox):
    """Survey answers feed the feedback list: a comment is an item of its own, linked to ticket and survey,
    and the answer's sentiment raises the impact of feedback already linked to that ticket."""
    survey, token = send_one(team, title="Export fails", requester_name="Jane Doe")
    ticket = survey.ticket
    earlier = feedback.feedback_submit(team=team, text="Exports time out", channel="email", source="agent",
                                       tickets=[ticket])  # fmt: skip
    before = earlier.impact_score

    answers.csat_answer(token=token, score=1, comment="Still broken after a week.")

    item = FeedbackItem.objects.get(survey=survey)
    assert (item.channel, item.source, item.text) == ("survey", "survey", "Still broken after a week.")
    assert item.customer_email == survey.email and item.customer_name == "Jane Doe"
    assert list(item.tickets.all()) == [ticket]
    settings = FeedbackSettings(team=team)  # the defaults: a score of 1 is full negativity
    assert item.impact_score == pytest.approx(settings.weight_frequency + settings.weight_sentiment)
    earlier.refresh_from_db()
    assert earlier.impact_score == pytest.approx(before + settings.weight_sentiment)


def test_an_answer_without_a_comment_adds_no_feedback_item(team, mailoutbox):
    _survey, token = send_one(team)
    answers.csat_answer(token=token, score=5)
    assert not FeedbackItem.objects.exists()


# --- Figures ----------------------------------------------------------------------------------------------


def test_csat_mean_and_response_rate_follow_the_definitions(team, other_team):
    now = timezone.now()
    since, until = now - timedelta(days=30), now

    def survey(team, number, *, sent_days_ago, score=None, answered_days_ago=None):
        ticket = make_ticket(team, title=f"T{number}")
        return CsatSurvey.objects.create(
            team=team, ticket=ticket, cycle=1, email="c@customer.example",
            status=SurveyStatus.ANSWERED if score else SurveyStatus.SENT,
            sent_at=now - timedelta(days=sent_days_ago), expires_at=now + timedelta(days=1), score=score,
            answered_at=None if score is None else now - timedelta(days=answered_days_ago),
        )  # fmt: skip

    # In the period: 8 sent; 5 of them answered (5, 5, 4, 2, 1); one answer to an older survey (3).
    for i, score in enumerate([5, 5, 4, 2, 1]):
        survey(team, i, sent_days_ago=10, score=score, answered_days_ago=9)
    for i in range(3):
        survey(team, 10 + i, sent_days_ago=5)
    survey(team, 20, sent_days_ago=40, score=3, answered_days_ago=20)
    # Outside the period, or another team's: never counted.
    survey(team, 30, sent_days_ago=50, score=1, answered_days_ago=45)
    survey(other_team, 40, sent_days_ago=3, score=1, answered_days_ago=2)

    summary = selectors.csat_summary(team=team, since=since, until=until)
    assert (summary.answered, summary.satisfied, summary.sent, summary.sent_answered) == (6, 3, 8, 5)
    assert summary.csat_percent == pytest.approx(50.0)  # 3 of 6 answers scored 4 or 5
    assert summary.mean_score == pytest.approx((5 + 5 + 4 + 2 + 1 + 3) / 6)
    assert summary.response_rate_percent == pytest.approx(62.5)  # 5 of the 8 sent
    assert summary.distribution == (1, 1, 1, 1, 2)
    assert [(score, n) for score, _label, n, _share in summary.bars] == [(5, 2), (4, 1), (3, 1), (2, 1), (1, 1)]

    empty = selectors.csat_summary(team=team, since=now - timedelta(days=400), until=now - timedelta(days=300))
    assert (empty.answered, empty.sent) == (0, 0)
    assert empty.csat_percent is None and empty.mean_score is None and empty.response_rate_percent is None


def test_recent_answers_are_the_teams_newest_first(team, other_team):
    now = timezone.now()
    for i in range(12):
        ticket = make_ticket(team, title=f"T{i}")
        CsatSurvey.objects.create(team=team, ticket=ticket, cycle=1, email="c@x.example", status="answered",
                                  score=1 + i % 5, answered_at=now - timedelta(hours=i))  # fmt: skip
    theirs = make_ticket(other_team, title="Theirs")
    CsatSurvey.objects.create(team=other_team, ticket=theirs, cycle=1, email="c@x.example", status="answered",
                              score=5, answered_at=now)  # fmt: skip
    recent = selectors.csat_recent_answers(team=team)
    assert [s.ticket.title for s in recent] == [f"T{i}" for i in range(10)]
