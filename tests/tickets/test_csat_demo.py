"""Demo CSAT surveys: realistic, consistent with the rules, deterministic, idempotent and cheap."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from teams.demo import seed_people
from teams.models import Team, User
from tickets.choices import Kind, Status
from tickets.demo.seed import seed_tickets
from tickets.demo.sla import seed_sla
from tickets.models import Ticket
from voice.choices import FeedbackChannel, FeedbackSource, SurveyStatus
from voice.demo.csat import seed_csat
from voice.demo.feedback import seed_feedback
from voice.models import CsatSurvey, FeedbackItem
from voice.surveys import LOW_SCORE, SURVEYED_KINDS

pytestmark = pytest.mark.django_db

TODAY = date(2025, 4, 2)
ANCHOR = datetime(2025, 4, 2, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def seed(count: int, seed: int = 3):
    teams = seed_people(seed=seed, today=TODAY)
    seed_tickets(teams=teams, seed=seed, today=TODAY, count=count)
    seed_sla(teams=teams, today=TODAY)
    return teams


def snapshot() -> list[tuple]:
    return sorted(
        CsatSurvey.objects.values_list(
            "ticket__team__slug", "ticket__number", "cycle", "email", "status", "sent_at", "expires_at",
            "answered_at", "score", "comment", "follow_up__number", "follow_up__title",
        )
    )  # fmt: skip


def test_demo_surveys_follow_the_rules_and_tell_a_story():
    teams = seed(500)
    tickets_before = Ticket.objects.count()
    result = seed_csat(teams=teams, seed=3, today=TODAY)
    assert Ticket.objects.count() == tickets_before, "the demo keeps exactly N tickets"
    surveys = list(CsatSurvey.objects.select_related("ticket", "follow_up"))
    assert result.surveys == len(surveys) > 50
    colleagues = {e.lower() for e in User.objects.values_list("email", flat=True)}
    for s in surveys:
        t = s.ticket
        assert t.status == Status.RESOLVED and t.kind in SURVEYED_KINDS and s.cycle == t.sla_cycle
        assert s.email == t.requester_email and s.email.lower() not in colleagues
        assert s.sent_at >= t.resolved_at and s.sent_at <= ANCHOR and s.token_hash is None
        if s.status == SurveyStatus.ANSWERED:
            assert s.sent_at < s.answered_at <= min(s.expires_at, ANCHOR)
        else:
            assert s.status == SurveyStatus.SENT and s.score is None
        if s.score is not None and s.score <= LOW_SCORE:
            f = s.follow_up
            assert f is not None and f.kind == Kind.IMPROVEMENT and f.team_id == s.team_id
            assert f.title.startswith(f"Low CSAT ({s.score}/5) on {t.key}:")
            assert f.created_at > s.answered_at and f.requester_email == s.email
        else:
            assert s.follow_up is None
    answered = [s for s in surveys if s.answered_at]
    assert 0.25 < len(answered) / len(surveys) < 0.6 and result.answered == len(answered)
    assert {s.score for s in answered} == {1, 2, 3, 4, 5}
    assert sum(1 for s in answered if s.comment) > len(answered) / 3
    assert result.follow_ups == sum(1 for s in answered if s.follow_up_id) >= 2
    assert any(s.status == SurveyStatus.SENT and s.expires_at <= ANCHOR for s in surveys), "some expired"


def test_demo_surveys_are_deterministic_and_added_once():
    teams = seed(200, seed=5)
    seed_csat(teams=teams, seed=5, today=TODAY)
    first = snapshot()
    assert first
    assert seed_csat(teams=teams, seed=5, today=TODAY).surveys == 0
    assert snapshot() == first

    Team.objects.all().delete()
    User.objects.all().delete()
    teams = seed(200, seed=5)
    seed_csat(teams=teams, seed=5, today=TODAY)
    assert snapshot() == first


def test_demo_surveys_cost_the_same_queries_at_any_size():
    def queries(count: int) -> int:
        Team.objects.all().delete()
        User.objects.all().delete()
        teams = seed(count, seed=1)
        with CaptureQueriesContext(connection) as ctx:
            seed_csat(teams=teams, seed=1, today=TODAY)
        return len(ctx.captured_queries)

    small, large = queries(150), queries(900)
    assert large - small <= 2, (small, large)


def test_demo_survey_comments_are_feedback_items_with_their_sentiment():
    teams = seed(300, seed=4)
    seed_csat(teams=teams, seed=4, today=TODAY)
    seed_feedback(teams=teams, today=TODAY)
    commented = CsatSurvey.objects.filter(answered_at__isnull=False).exclude(comment="")
    items = FeedbackItem.objects.filter(source=FeedbackSource.SURVEY).select_related("survey")
    assert sorted(i.survey_id for i in items) == sorted(commented.values_list("pk", flat=True))
    for item in items:
        assert item.text == item.survey.comment and item.created_at == item.survey.answered_at
        assert item.channel == FeedbackChannel.SURVEY
        assert list(item.tickets.values_list("pk", flat=True)) == [item.survey.ticket_id]
    # An unhappy answer weighs more than a happy one from the same account.
    pairs = [
        (low, high)
        for low in items
        for high in items
        if low.survey.score == 1 and high.survey.score == 5 and low.account_id == high.account_id
    ]
    assert pairs, "the demo has a 1 and a 5 from the same account"
    assert all(low.impact_score > high.impact_score for low, high in pairs)
