"""Answering a CSAT survey from its mailed link: one answer per link, a follow-up ticket for a low score.

Answering (:func:`csat_answer`) is one conditional UPDATE on the token's hash,
so a link records one answer however often it is posted; a score of 1 or 2
opens a follow-up ticket for the team lead in the same transaction.
"""

from __future__ import annotations

import re
from datetime import datetime

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from teams.models import Membership, Role, Team, User
from tickets.choices import Channel, Kind, Priority
from tickets.drafts import TicketDraft
from tickets.models import Ticket
from tickets.services import ticket_create
from voice.choices import FeedbackChannel, FeedbackSource, SurveyStatus
from voice.feedback import MAX_TEXT, feedback_submit
from voice.impact import feedback_rescore_for_survey
from voice.models import CsatSurvey
from voice.surveys import LOW_SCORE, TOKEN_MAX_LENGTH, SurveyState, token_hash

# --- Answering ----------------------------------------------------------------------------------------


def survey_by_token(token: str) -> CsatSurvey | None:
    """The survey a link's token belongs to, with its ticket and team; None for an unknown token."""
    if not token or len(token) > TOKEN_MAX_LENGTH:
        return None
    return CsatSurvey.objects.select_related("ticket__team").filter(token_hash=token_hash(token)).first()


def survey_state(survey: CsatSurvey | None, *, now: datetime) -> SurveyState:
    if survey is None:
        return SurveyState.UNKNOWN
    if survey.answered_at is not None:
        return SurveyState.ANSWERED
    if survey.status != SurveyStatus.SENT or survey.expires_at is None:
        return SurveyState.UNKNOWN  # cancelled, failed or not sent: no link of it is out
    if survey.expires_at <= now:
        return SurveyState.EXPIRED
    return SurveyState.OPEN


class SurveyClosed(Exception):
    """The link was answered already, has expired, or is unknown: nothing was recorded."""

    def __init__(self, state: SurveyState, survey: CsatSurvey | None) -> None:
        super().__init__(state.value)
        self.state = state
        self.survey = survey


@transaction.atomic
def csat_answer(*, token: str, score: int, comment: str = "", now: datetime | None = None) -> CsatSurvey:
    """Record the answer to the survey of ``token``: once, while its link is open.

    One conditional UPDATE decides, so of two submissions at once exactly one
    records; the other (and any later one) raises :class:`SurveyClosed`. A
    score of ``LOW_SCORE`` or less opens one follow-up ticket, in the same
    transaction. A score outside the survey's scale raises ``ValueError``.
    """
    now = now or timezone.now()
    if score < 1:
        raise ValueError(f"score {score} is below 1")
    digest = token_hash(token)
    recorded = CsatSurvey.objects.filter(
        token_hash=digest,
        status=SurveyStatus.SENT,
        answered_at__isnull=True,
        expires_at__gt=now,
        scale__gte=score,
    ).update(status=SurveyStatus.ANSWERED, answered_at=now, score=score, comment=comment.strip())
    survey = (
        CsatSurvey.objects.select_related("team", "ticket__team", "ticket__account").filter(token_hash=digest).first()
    )
    if not recorded:
        state = survey_state(survey, now=now)
        if state == SurveyState.OPEN:
            raise ValueError(f"score {score} is outside the survey's scale of {survey.scale if survey else '?'}")
        raise SurveyClosed(state, survey)
    assert survey is not None
    if score <= LOW_SCORE:
        survey.follow_up = _follow_up_create(survey)
        survey.save(update_fields=["follow_up"])
    _feedback_of_answer(survey)
    return survey


def _feedback_of_answer(survey: CsatSurvey) -> None:
    """Survey answers are feedback too: a comment becomes a feedback item, and every answer rescores.

    The item (channel and source "survey") is linked to the ticket and the
    survey, so its sentiment counts in its impact score; feedback already
    linked to the ticket is rescored with the new answer.
    """
    ticket = survey.ticket
    # Feedback already linked to the ticket first: the new item is scored as it is stored.
    feedback_rescore_for_survey(survey=survey)
    if survey.comment:
        feedback_submit(
            team=survey.team, text=survey.comment[:MAX_TEXT], channel=FeedbackChannel.SURVEY,
            source=FeedbackSource.SURVEY, account=ticket.account, customer_name=ticket.requester_name,
            customer_email=survey.email, tickets=[ticket], survey=survey, created_at=survey.answered_at,
        )  # fmt: skip


# The customer's words are quoted as typed: Markdown's inline markers and raw HTML are escaped
# everywhere, block markers (headings, quotes, lists) at the start of a line.
_INLINE_MARKERS = re.compile(r"([\\`*_\[\]])")
_BLOCK_MARKER = re.compile(r"^(\s*)([#>+-]|\d+(?=\.))")


def _quote(text: str) -> str:
    """``text`` as a Markdown block quote that renders exactly the characters typed."""
    lines = []
    for line in text.splitlines():
        line = _INLINE_MARKERS.sub(r"\\\1", line).replace("<", "&lt;")
        line = _BLOCK_MARKER.sub(lambda m: f"{m[1]}{m[2]}\\" if m[2].isdigit() else f"{m[1]}\\{m[2]}", line)
        lines.append(f"> {line}" if line.strip() else ">")
    return "\n".join(lines)


def team_lead(team_id: int) -> User | None:
    """The team's first lead (longest-standing membership), who owns follow-ups of low scores."""
    membership = (
        Membership.objects.filter(team_id=team_id, role=Role.LEAD).select_related("user").order_by("pk").first()
    )
    return membership.user if membership else None


def follow_up_draft(survey: CsatSurvey, *, assignee: User | None) -> TicketDraft:
    """The follow-up ticket of an answered survey: title, the customer's words quoted, a link back."""
    ticket = survey.ticket
    team: Team = survey.team
    assert survey.score is not None and survey.answered_at is not None
    rating = f"{survey.score}/{survey.scale}"
    answered = timezone.localtime(survey.answered_at, team.tzinfo)
    link = reverse("tickets:detail", args=[ticket.team.slug, ticket.number])
    who = ticket.requester_name or survey.email
    description = (
        f"{who} rated the resolution of [{ticket.key}]({link}) **{rating}** in the satisfaction survey "
        f"({answered:%d %b %Y, %H:%M} {team.time_zone}).\n\n"
        + (f"Their comment:\n\n{_quote(survey.comment)}\n\n" if survey.comment else "They left no comment.\n\n")
        + "Get back to them, find out what went wrong and note here what we change."
    )
    return TicketDraft(
        title=f"Low CSAT ({rating}) on {ticket.key}: {ticket.title}"[:200],
        kind=Kind.IMPROVEMENT,
        description=description,
        requester_name=ticket.requester_name,
        requester_email=survey.email,
        account=ticket.account,
        channel=Channel.WEB,
        priority=Priority.NORMAL,
        assignee=assignee,
    )


def _follow_up_create(survey: CsatSurvey) -> Ticket:
    """The closed loop: a low score becomes an improvement ticket for the team lead (unrouted)."""
    draft = follow_up_draft(survey, assignee=team_lead(survey.team_id))
    return ticket_create(team=survey.team, by=None, draft=draft, route=False)
