"""CSAT surveys: sending them after resolution (answers: :mod:`voice.answers`; figures: :mod:`voice.selectors`).

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

Figures follow DESIGN.md: CSAT is the share of answers scoring 4 or 5, the mean
is the average score, the response rate is answered / sent.
"""

from __future__ import annotations

import enum
import hashlib
import logging
import secrets
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import connection, transaction
from django.db.models import Case, Exists, OuterRef, Q, Value, When
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from teams.models import User
from tickets.choices import Kind, Status
from tickets.models import Ticket
from voice.choices import SurveyStatus
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
