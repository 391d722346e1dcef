"""CSAT surveys: sending them after resolution, answering them from the mailed link, and the figures.

Sending is one set-based sweep, :func:`csat_schedule_and_send`, which beat runs
every minute (``tickets.tasks.csat_send_surveys``):

1. One INSERT adds a pending survey for every ticket resolved at least the
   team's delay ago (and no longer than ``LOOK_BACK`` before that, so history
   is never mailed) that has none for its resolution cycle yet. The unique
   (ticket, cycle) constraint makes a repeated or overlapping sweep add nothing.
2. Surveys whose ticket was reopened (or resolved again, a new cycle) before
   they went out are cancelled.
3. Pending surveys are claimed in batches with one conditional ``UPDATE …
   RETURNING`` (``FOR UPDATE SKIP LOCKED`` on PostgreSQL): two sweeps never
   claim the same row. A claimed row is "sending" with a lease in
   ``expires_at``; a worker that dies mid-batch leaves rows that the next sweep
   claims again once the lease has run out.
4. Each claimed survey gets a fresh token (only its SHA-256 is stored), its
   mail goes out, and the row becomes "sent" with the link's real expiry. A
   failed send goes back to pending and is tried again by the next sweeps, at
   most ``MAX_ATTEMPTS`` times in all, then "failed".

Delivery is at least once: a crash between handing a mail to the backend and
marking the row sent mails the customer again (with a new link) after the lease.

Answering (:func:`csat_answer`) is one conditional UPDATE on the token's hash,
so a link records one answer however often it is posted; a score of 1 or 2
opens a follow-up ticket for the team lead in the same transaction.

Figures follow DESIGN.md: CSAT is the share of answers scoring 4 or 5, the mean
is the average score, the response rate is answered / sent.
"""

from __future__ import annotations

import enum
import hashlib
import logging
import re
import secrets
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import connection, transaction
from django.db.models import Case, Count, Exists, OuterRef, Q, Sum, Value, When
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from teams.models import Membership, Role, Team, User
from tickets.choices import Channel, Kind, Priority, Status
from tickets.drafts import TicketDraft
from tickets.models import Ticket
from tickets.services import ticket_create
from voice.choices import CSAT_SCALE, FeedbackChannel, FeedbackSource, SurveyStatus
from voice.feedback import MAX_TEXT, feedback_rescore_for_survey, feedback_submit
from voice.models import CsatSurvey, FeedbackSettings

logger = logging.getLogger(__name__)

DEFAULT_DELAY_MINUTES = int(FeedbackSettings._meta.get_field("csat_delay_minutes").default)
DEFAULT_EXPIRY_DAYS = int(FeedbackSettings._meta.get_field("csat_expiry_days").default)
# A ticket resolved longer than this before its survey fell due is never surveyed (beat was down,
# the delay was shortened, demo history): customers are not mailed about old tickets.
LOOK_BACK = timedelta(days=7)
# How long a claimed survey stays with the sweep that claimed it before another may take it over.
LEASE = timedelta(minutes=10)
MAX_ATTEMPTS = 3
CLAIM_BATCH = 100
MAX_BATCHES = 20  # per sweep: 2,000 mails a minute; the rest waits for the next sweep
# No new batch is claimed after this long, so a sweep ends well within LEASE (and within Celery's
# 300 s time limit): a lease never runs out under a sweep that is still mailing.
SWEEP_BUDGET_SECONDS = 240
# Tickets a customer asked for: internal work (tasks, improvements, the follow-ups of low scores) gets no survey.
SURVEYED_KINDS = (Kind.INQUIRY, Kind.INCIDENT, Kind.BUG)
LOW_SCORE = 2  # this or lower opens a follow-up ticket
SATISFIED_SCORE = 4  # this or higher counts as satisfied (DESIGN.md: 4 or 5 on the 1-5 scale)
SCORE_LABELS = {1: "Very dissatisfied", 2: "Dissatisfied", 3: "Neutral", 4: "Satisfied", 5: "Very satisfied"}
TOKEN_MAX_LENGTH = 128


class SurveyState(enum.StrEnum):
    """What a link leads to, as the customer sees it."""

    OPEN = "open"
    ANSWERED = "answered"
    EXPIRED = "expired"
    UNKNOWN = "unknown"


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def survey_url(token: str, score: int | None = None) -> str:
    """The absolute link of a survey (``SITE_URL``), optionally with a score preselected."""
    url = settings.SITE_URL + reverse("survey:answer", args=[token])
    return f"{url}?score={score}" if score is not None else url


# --- Sending ----------------------------------------------------------------------------------------


@dataclass
class CsatSendResult:
    scheduled: int = 0  # surveys found due (a concurrent sweep may have added some of them)
    cancelled: int = 0  # their ticket was reopened before they went out
    sent: list[int] = field(default_factory=list)
    retrying: list[int] = field(default_factory=list)  # a send failed; back to pending
    failed: int = 0  # gave up after MAX_ATTEMPTS


def due_tickets(*, now: datetime) -> Any:
    """Resolved tickets whose survey falls due by ``now`` and that have none for their current cycle.

    A team's delay comes from its feedback settings, else the default. The
    range on ``resolved_at`` (with ``status = resolved``) is served by the
    partial index ``ticket_resolved_at``, so the cost follows recently
    resolved tickets, not all of them.
    """

    def window(minutes: int) -> Q:
        latest = now - timedelta(minutes=minutes)
        return Q(resolved_at__lte=latest, resolved_at__gt=latest - LOOK_BACK)

    own_settings = FeedbackSettings.objects.filter(team_id=OuterRef("team_id"))
    due = window(DEFAULT_DELAY_MINUTES) & Q(~Exists(own_settings))
    delays = FeedbackSettings.objects.values_list("csat_delay_minutes", flat=True).distinct().order_by()
    for minutes in sorted(set(delays)):
        due |= window(minutes) & Q(Exists(own_settings.filter(csat_delay_minutes=minutes)))
    surveyed = CsatSurvey.objects.filter(ticket_id=OuterRef("pk"), cycle=OuterRef("sla_cycle"))
    # Customers never sign in: a requester with an account is a colleague filing internal work.
    colleague = User.objects.filter(email__iexact=OuterRef("requester_email"))
    return (
        Ticket.objects.filter(due, status=Status.RESOLVED, kind__in=SURVEYED_KINDS)
        .exclude(requester_email="")
        .filter(~Exists(surveyed), ~Exists(colleague))
        .order_by()
    )


def _schedule(now: datetime) -> int:
    rows = list(due_tickets(now=now).values_list("pk", "team_id", "sla_cycle", "requester_email"))
    CsatSurvey.objects.bulk_create(
        [CsatSurvey(ticket_id=pk, team_id=team_id, cycle=cycle, email=email) for pk, team_id, cycle, email in rows],
        ignore_conflicts=True,
        batch_size=500,
    )
    return len(rows)


def _claimable(now: datetime) -> Q:
    return Q(status=SurveyStatus.PENDING) | Q(status=SurveyStatus.SENDING, expires_at__lte=now)


def _cancel_and_give_up(now: datetime) -> tuple[int, int]:
    """Cancel surveys not yet out whose ticket moved on; fail those whose claims kept lapsing."""
    still_due = Ticket.objects.filter(pk=OuterRef("ticket_id"), status=Status.RESOLVED, sla_cycle=OuterRef("cycle"))
    cancelled = (
        CsatSurvey.objects.filter(_claimable(now))
        .filter(~Exists(still_due))
        .update(status=SurveyStatus.CANCELLED, token_hash=None, expires_at=None)
    )
    # A worker died MAX_ATTEMPTS times on these (lease run out each time): stop trying.
    failed = CsatSurvey.objects.filter(
        status=SurveyStatus.SENDING, expires_at__lte=now, attempts__gte=MAX_ATTEMPTS
    ).update(status=SurveyStatus.FAILED, token_hash=None, expires_at=None)
    return cancelled, failed


def _claim(now: datetime, *, after_id: int) -> list[int]:
    """Claim up to CLAIM_BATCH pending (or lapsed) surveys whose ticket is still resolved in their cycle."""
    surveys, tickets = CsatSurvey._meta.db_table, Ticket._meta.db_table
    skip_locked = " FOR UPDATE OF s SKIP LOCKED" if connection.vendor == "postgresql" else ""
    at = connection.ops.adapt_datetimefield_value(now)
    lease = connection.ops.adapt_datetimefield_value(now + LEASE)
    sql = f"""
        UPDATE {surveys} SET status = %s, attempts = attempts + 1, expires_at = %s
        WHERE id IN (
            SELECT s.id FROM {surveys} s
            WHERE (s.status = %s OR (s.status = %s AND s.expires_at <= %s)) AND s.attempts < %s AND s.id > %s
              AND EXISTS (
                  SELECT 1 FROM {tickets} t WHERE t.id = s.ticket_id AND t.status = %s AND t.sla_cycle = s.cycle
              )
            ORDER BY s.id LIMIT %s{skip_locked}
        )
        RETURNING id
    """  # noqa: S608 - table names from the models, values bound
    params = [
        SurveyStatus.SENDING, lease, SurveyStatus.PENDING, SurveyStatus.SENDING, at, MAX_ATTEMPTS, after_id,
        Status.RESOLVED, CLAIM_BATCH,
    ]  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return sorted(row[0] for row in cursor.fetchall())


def _claim_batch(now: datetime, *, after_id: int) -> list[tuple[CsatSurvey, str]]:
    """Claim a batch and give each survey a new token; commits before any mail leaves."""
    with transaction.atomic():
        ids = _claim(now, after_id=after_id)
        if not ids:
            return []
        surveys = list(CsatSurvey.objects.filter(pk__in=ids).select_related("ticket__team").order_by("pk"))
        claimed = []
        for survey in surveys:
            token = secrets.token_urlsafe(32)
            survey.token_hash = token_hash(token)
            claimed.append((survey, token))
        CsatSurvey.objects.bulk_update(surveys, ["token_hash"])
    return claimed


def survey_mail(survey: CsatSurvey, token: str, *, expires_at: datetime, mail_connection: Any = None) -> Any:
    """The survey mail: plain text and HTML, each with the five score links."""
    ticket = survey.ticket
    team = ticket.team
    context = {
        "ticket": ticket,
        "team": team,
        "name": ticket.requester_name.split(" ")[0] if ticket.requester_name else "",
        "scores": [(n, SCORE_LABELS[n], survey_url(token, n)) for n in range(1, survey.scale + 1)],
        "expires_on": timezone.localtime(expires_at, team.tzinfo),
    }
    subject = " ".join(render_to_string("voice/csat/email_subject.txt", context).split())
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string("voice/csat/email.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[survey.email],
        connection=mail_connection,
        headers={"Auto-Submitted": "auto-generated"},
    )
    message.attach_alternative(render_to_string("voice/csat/email.html", context), "text/html")
    return message


def _send_batch(claimed: list[tuple[CsatSurvey, str]], now: datetime, result: CsatSendResult) -> None:
    expiry = dict(
        FeedbackSettings.objects.filter(team_id__in={s.team_id for s, _ in claimed}).values_list(
            "team_id", "csat_expiry_days"
        )
    )
    mail_connection = get_connection()
    try:
        for survey, token in claimed:
            expires_at = now + timedelta(days=expiry.get(survey.team_id, DEFAULT_EXPIRY_DAYS))
            mine = CsatSurvey.objects.filter(pk=survey.pk, status=SurveyStatus.SENDING, token_hash=survey.token_hash)
            try:
                survey_mail(survey, token, expires_at=expires_at, mail_connection=mail_connection).send()
            except Exception:
                logger.exception("Could not send the CSAT survey %s (attempt %s)", survey.pk, survey.attempts)
                gave_up = survey.attempts >= MAX_ATTEMPTS
                mine.update(
                    status=Case(
                        When(attempts__gte=MAX_ATTEMPTS, then=Value(SurveyStatus.FAILED)),
                        default=Value(SurveyStatus.PENDING),
                    ),
                    token_hash=None,
                    expires_at=None,
                )
                if gave_up:
                    result.failed += 1
                else:
                    result.retrying.append(survey.pk)
                continue
            # Only the claim this token belongs to: a sweep that took over a lapsed lease owns the row now.
            if mine.update(status=SurveyStatus.SENT, sent_at=now, expires_at=expires_at):
                result.sent.append(survey.pk)
    finally:
        mail_connection.close()


def csat_schedule_and_send(*, now: datetime | None = None) -> CsatSendResult:
    """Schedule the surveys that fell due, cancel those of reopened tickets, and mail the pending ones.

    Idempotent and safe to run concurrently (see the module docstring): a
    ticket gets at most one survey per resolution cycle, and each survey is
    mailed by one sweep.
    """
    now = now or timezone.now()
    result = CsatSendResult()
    with transaction.atomic():
        result.scheduled = _schedule(now)
        result.cancelled, result.failed = _cancel_and_give_up(now)
    after_id = 0  # a survey whose send failed is tried again by the next sweep, not this one
    started = time.monotonic()
    for _ in range(MAX_BATCHES):
        if time.monotonic() - started > SWEEP_BUDGET_SECONDS:
            break
        claimed = _claim_batch(now, after_id=after_id)
        if not claimed:
            break
        after_id = claimed[-1][0].pk
        _send_batch(claimed, now, result)
        if len(claimed) < CLAIM_BATCH:
            break
    return result


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
