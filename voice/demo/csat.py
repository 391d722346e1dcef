"""Demo CSAT surveys for the resolved demo tickets of ``tickets.demo`` (``seed_demo``).

Every customer ticket resolved at least the default delay before the anchor
(today 00:00 UTC) got its survey then, as the sweep would have sent it. About
four in ten were answered within days, with a spread of scores and comments;
the others wait for an answer or expired unanswered. Each low score (1 or 2)
has its follow-up ticket, as the closed loop creates it. The demo keeps
exactly N tickets, so a follow-up is one of the generated improvement tickets
opened within the survey's life and a little after the answer, given the follow-up's title, description and
requester (its history stays as generated).

No tokens: the demo stores no link hashes, so no demo survey can be answered
from a link. Deterministic (one ``random.Random`` of the seed, rows in
(team, number) order); idempotent: nothing is added while the demo teams have
surveys. Rows are written in one statement per batch, whatever N.
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from django.db.models.functions import Lower

from core.bulk import insert_rows
from teams.models import Team, User
from tickets.choices import Kind, Status
from tickets.markdown import render_markdown
from tickets.models import Ticket
from voice.answers import follow_up_draft
from voice.choices import CSAT_SCALE, SurveyStatus
from voice.models import CsatSurvey
from voice.surveys import DEFAULT_DELAY_MINUTES, DEFAULT_EXPIRY_DAYS, LOW_SCORE, SURVEYED_KINDS

RESPONSE_RATE = 0.42
SCORE_WEIGHTS = {5: 46, 4: 26, 3: 12, 2: 9, 1: 7}
# Share of answers with a comment, by score: unhappy customers say why more often.
COMMENT_SHARE = {5: 0.45, 4: 0.5, 3: 0.65, 2: 0.9, 1: 0.95}
COMMENTS = {
    5: (
        "Quick and friendly, thank you!",
        "Solved on the first reply. Great service.",
        "Much faster than I expected, and the explanation was clear.",
        "Thanks for staying with it until it really worked.",
        "Perfect, the step-by-step guide did it.",
    ),
    4: (
        "Good help, it just took a bit longer than I hoped.",
        "Fixed, thanks. The first answer missed the point but the second was spot on.",
        "All good now. A link to the help article would have saved me a question.",
        "Friendly and competent.",
    ),
    3: (
        "It works now, but I had to explain the problem twice.",
        "OK in the end; three days is long for something this simple.",
        "The answer was correct but felt like a template.",
    ),
    2: (
        "Took a week and several reminders from my side.",
        "The workaround is not a real fix. We will hit this again at month end.",
        "I was passed between three people and had to repeat everything each time.",
    ),
    1: (
        "Nobody answered for days and the problem came back the next morning.",
        "I was told to reinstall the app three times. Still broken.",
        "Closed without asking whether it was solved. It is not.",
    ),
}
# A low answer comes at least this long after its survey went out.
FOLLOW_UP_AFTER = timedelta(minutes=15)


@dataclass(frozen=True)
class CsatSeedResult:
    surveys: int = 0
    answered: int = 0
    follow_ups: int = 0


def _sec(t: datetime) -> datetime:
    return t.replace(microsecond=0)


def _answer_delay(rng: random.Random) -> timedelta:
    """Minutes to days, most within the first hours (log-uniform)."""
    low, high = timedelta(minutes=2).total_seconds(), timedelta(days=6).total_seconds()
    return timedelta(seconds=math.exp(rng.uniform(math.log(low), math.log(high))))


SURVEY_COLUMNS = (
    "team_id", "ticket_id", "cycle", "email", "status", "attempts", "created_at", "sent_at", "expires_at",
    "answered_at", "score", "scale", "comment", "follow_up_id",
)  # fmt: skip


def seed_csat(*, teams: Mapping[str, Team], seed: int, today: date) -> CsatSeedResult:
    """Surveys for the demo teams' resolved customer tickets (see the module docstring)."""
    anchor = datetime.combine(today, time(), tzinfo=UTC)
    ordered = [teams[slug] for slug in sorted(teams)]
    if not ordered or CsatSurvey.objects.filter(team__in=ordered).exists():
        return CsatSeedResult()
    rng = random.Random(f"csat-{seed}")
    delay = timedelta(minutes=DEFAULT_DELAY_MINUTES)
    expiry = timedelta(days=DEFAULT_EXPIRY_DAYS)
    colleagues = set(User.objects.exclude(email="").values_list(Lower("email"), flat=True))
    resolved = list(
        Ticket.objects.filter(
            team__in=ordered, status=Status.RESOLVED, kind__in=SURVEYED_KINDS, resolved_at__lte=anchor - delay
        )
        .exclude(requester_email="")
        .select_related("team", "account")
        .order_by("team__slug", "number")
    )
    # Improvement tickets that may become follow-ups, per team, oldest first.
    spare: dict[int, list[Ticket]] = {team.pk: [] for team in ordered}
    for ticket in Ticket.objects.filter(team__in=ordered, kind=Kind.IMPROVEMENT).order_by("created_at", "number"):
        spare[ticket.team_id].append(ticket)

    rows: list[tuple[object, ...]] = []
    follow_ups: list[Ticket] = []
    answered_count = 0
    for ticket in resolved:
        if ticket.requester_email.lower() in colleagues:
            continue
        assert ticket.resolved_at is not None
        sent_at = ticket.resolved_at + delay + timedelta(seconds=rng.randrange(60))
        expires_at = sent_at + expiry
        survey = CsatSurvey(
            team=ticket.team, ticket=ticket, cycle=ticket.sla_cycle, email=ticket.requester_email,
            status=SurveyStatus.SENT, attempts=1, sent_at=sent_at, expires_at=expires_at,
        )  # fmt: skip
        if rng.random() < RESPONSE_RATE:
            answered_at = _sec(sent_at + _answer_delay(rng))
            score = rng.choices(list(SCORE_WEIGHTS), weights=list(SCORE_WEIGHTS.values()))[0]
            follow_up = None
            if score <= LOW_SCORE:
                # The answer comes shortly before the improvement ticket that stands for its follow-up.
                follow_up = _take_follow_up(spare[ticket.team_id], sent_at + FOLLOW_UP_AFTER, min(expires_at, anchor))
                if follow_up is None:
                    score = rng.choices(list(SCORE_WEIGHTS)[:3], weights=list(SCORE_WEIGHTS.values())[:3])[0]
                else:
                    before = timedelta(minutes=rng.randint(5, 120))
                    answered_at = max(sent_at + timedelta(minutes=2), follow_up.created_at - before)
            if answered_at <= min(anchor, expires_at):
                survey.status = SurveyStatus.ANSWERED
                survey.answered_at = answered_at
                survey.score = score
                survey.comment = rng.choice(COMMENTS[score]) if rng.random() < COMMENT_SHARE[score] else ""
                answered_count += 1
                if follow_up is not None:
                    _become_follow_up(follow_up, survey)
                    survey.follow_up = follow_up
                    follow_ups.append(follow_up)
        rows.append(
            (
                survey.team_id, survey.ticket_id, survey.cycle, survey.email, survey.status, survey.attempts,
                sent_at, sent_at, expires_at, survey.answered_at, survey.score, CSAT_SCALE, survey.comment,
                survey.follow_up_id,
            )
        )  # fmt: skip
    if follow_ups:
        Ticket.objects.bulk_update(
            follow_ups, ["title", "description", "description_html", "requester_name", "requester_email"]
        )
    created = insert_rows(CsatSurvey, SURVEY_COLUMNS, rows)
    return CsatSeedResult(surveys=created, answered=answered_count, follow_ups=len(follow_ups))


def _take_follow_up(candidates: list[Ticket], after: datetime, before: datetime) -> Ticket | None:
    """The first unused improvement ticket created between ``after`` and ``before``."""
    for i, ticket in enumerate(candidates):
        if after <= ticket.created_at <= before:
            return candidates.pop(i)
    return None


def _become_follow_up(ticket: Ticket, survey: CsatSurvey) -> None:
    """Give a generated improvement ticket the follow-up's title, description and requester (no save)."""
    draft = follow_up_draft(survey, assignee=None)
    ticket.title = draft.title
    ticket.description = draft.description
    ticket.description_html = render_markdown(draft.description)
    ticket.requester_name = draft.requester_name
    ticket.requester_email = draft.requester_email
