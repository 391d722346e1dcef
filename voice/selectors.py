"""Reads of customer feedback and CSAT: the feedback list, a ticket's survey panel, a team's figures."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count, Prefetch, Q, QuerySet, Sum

from teams.models import Team, User
from tickets.choices import Status
from tickets.models import Label, Ticket
from voice.choices import CSAT_SCALE, FeedbackStatus, SurveyStatus
from voice.models import CsatSurvey, FeedbackItem, FeedbackSettings
from voice.surveys import DEFAULT_DELAY_MINUTES, LOOK_BACK, SATISFIED_SCORE, SCORE_LABELS, SURVEYED_KINDS

OPEN = ""
ANY_STATUS = "all"


@dataclass(frozen=True)
class FeedbackFilters:
    status: str = OPEN  # OPEN: every status but closed; ANY_STATUS; or one status
    channel: str = ""
    tag: Label | None = None


def feedback_list(team: Team, filters: FeedbackFilters) -> QuerySet[FeedbackItem]:
    """The team's unmerged feedback by impact (highest first), filtered; rows carry what the list shows."""
    items = FeedbackItem.objects.filter(team=team, merged_into__isnull=True)
    if filters.status == OPEN:
        items = items.exclude(status=FeedbackStatus.CLOSED)
    elif filters.status != ANY_STATUS:
        items = items.filter(status=filters.status)
    if filters.channel:
        items = items.filter(channel=filters.channel)
    if filters.tag is not None:
        items = items.filter(tags=filters.tag)
    linked = Ticket.objects.only("id", "number", "team_id", "kind", "status", "title").order_by("number")
    return (
        items.select_related("account")
        .prefetch_related("tags", Prefetch("tickets", queryset=linked))
        .order_by("-impact_score", "-created_at", "-id")
    )


# --- Reading: the ticket's panel, the team's figures ------------------------------------------------------


@dataclass(frozen=True)
class TicketCsat:
    """What the ticket page shows: the ticket's surveys (newest cycle first) and the survey it follows up."""

    surveys: list[CsatSurvey]
    follow_up_of: CsatSurvey | None
    due_at: datetime | None  # resolved, surveyed, none yet: when the sweep will send it


def display_state(survey: CsatSurvey, *, now: datetime) -> str:
    """pending, sent, expired, answered, cancelled or failed (a sent link past its expiry is expired)."""
    if survey.status == SurveyStatus.SENDING:
        return SurveyStatus.PENDING.value
    if survey.status == SurveyStatus.SENT and survey.expires_at is not None and survey.expires_at <= now:
        return "expired"
    return str(survey.status)


def csat_for_ticket(ticket: Ticket, *, now: datetime) -> TicketCsat:
    """One query; up to two more for a resolved ticket whose survey is not out yet."""
    rows = list(
        CsatSurvey.objects.filter(Q(ticket=ticket) | Q(follow_up=ticket))
        .select_related("ticket__team", "follow_up__team")
        .order_by("-cycle", "-pk")
    )
    for survey in rows:
        survey.display_state = display_state(survey, now=now)  # type: ignore[attr-defined]
    surveys = [s for s in rows if s.ticket_id == ticket.pk]
    follow_up_of = next((s for s in rows if s.follow_up_id == ticket.pk), None)
    due_at = None
    if (
        ticket.status == Status.RESOLVED
        and ticket.resolved_at is not None
        and ticket.requester_email
        and ticket.kind in SURVEYED_KINDS
        and not any(s.cycle == ticket.sla_cycle for s in surveys)
        and not User.objects.filter(email__iexact=ticket.requester_email).exists()
    ):
        delay = (
            FeedbackSettings.objects.filter(team_id=ticket.team_id).values_list("csat_delay_minutes", flat=True).first()
        )
        due = ticket.resolved_at + timedelta(minutes=DEFAULT_DELAY_MINUTES if delay is None else delay)
        if due + LOOK_BACK > now:
            due_at = due
    return TicketCsat(surveys=surveys, follow_up_of=follow_up_of, due_at=due_at)


@dataclass(frozen=True)
class CsatSummary:
    """A team's survey figures over a period.

    ``answered``, ``satisfied`` and the score distribution count answers
    given in the period; ``sent`` counts surveys sent in it and
    ``sent_answered`` those of them answered so far, so the response rate
    never passes 100 %.
    """

    answered: int
    satisfied: int
    score_sum: int
    distribution: tuple[int, ...]  # answers scoring 1, 2, … scale
    sent: int
    sent_answered: int

    @property
    def csat_percent(self) -> float | None:
        return 100 * self.satisfied / self.answered if self.answered else None

    @property
    def mean_score(self) -> float | None:
        return self.score_sum / self.answered if self.answered else None

    @property
    def response_rate_percent(self) -> float | None:
        return 100 * self.sent_answered / self.sent if self.sent else None

    @property
    def bars(self) -> list[tuple[int, str, int, float]]:
        """(score, label, answers, share in %), best score first, for the distribution."""
        return [
            (score, SCORE_LABELS.get(score, ""), n, 100 * n / self.answered if self.answered else 0.0)
            for score, n in reversed(list(enumerate(self.distribution, start=1)))
        ]


def csat_summary(*, team: Team, since: datetime, until: datetime) -> CsatSummary:
    """CSAT %, mean score and response rate of the team over [since, until): one query.

    Answers on another scale than CSAT_SCALE (none so far) are left out rather than mixed in.
    """
    sent_in = Q(sent_at__gte=since, sent_at__lt=until)
    answered_in = Q(answered_at__gte=since, answered_at__lt=until)
    figures = (
        CsatSurvey.objects.filter(team=team, scale=CSAT_SCALE)
        .filter(sent_in | answered_in)
        .aggregate(
            answered=Count("pk", filter=answered_in),
            satisfied=Count("pk", filter=answered_in & Q(score__gte=SATISFIED_SCORE)),
            score_sum=Sum("score", filter=answered_in),
            sent=Count("pk", filter=sent_in),
            sent_answered=Count("pk", filter=sent_in & Q(answered_at__isnull=False)),
            **{f"score_{n}": Count("pk", filter=answered_in & Q(score=n)) for n in range(1, CSAT_SCALE + 1)},
        )
    )
    return CsatSummary(
        answered=figures["answered"],
        satisfied=figures["satisfied"],
        score_sum=figures["score_sum"] or 0,
        distribution=tuple(figures[f"score_{n}"] for n in range(1, CSAT_SCALE + 1)),
        sent=figures["sent"],
        sent_answered=figures["sent_answered"],
    )


RECENT_FIELDS = ("pk", "team_id", "score", "scale", "comment", "answered_at", "ticket__number", "ticket__title")


def csat_recent_answers(*, team: Team, limit: int = 10) -> list[CsatSurvey]:
    """The team's latest answers with their ticket's number and title: one query."""
    return list(
        CsatSurvey.objects.filter(team=team, answered_at__isnull=False)
        .select_related("ticket")
        .only(*RECENT_FIELDS)
        .order_by("-answered_at", "-pk")[:limit]
    )
