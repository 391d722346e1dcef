"""CSAT regions of staff pages: a ticket's survey panel and a team's "Customer satisfaction" section.

The ticket and team pages (lower apps) show them as composed regions
(``PAGE_REGIONS``): HTMX loads each when the page loads; a plain request gets
the region as a page of its own.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.views.decorators.http import require_safe

from core.htmx import fragment_or_page
from teams.http import TeamRequest
from teams.models import Team
from teams.views import team_view
from tickets.models import Ticket
from voice.selectors import csat_for_ticket, csat_recent_answers, csat_summary
from voice.surveys import SCORE_LABELS

TEAM_PERIOD_DAYS = 30
RECENT_ANSWERS = 10
STATE_LABELS = {
    "pending": "Waiting to be sent",
    "sent": "Sent, not answered yet",
    "expired": "Expired unanswered",
    "answered": "Answered",
    "cancelled": "Not sent: reopened",
    "failed": "Could not be sent",
}


def ticket_csat_context(ticket: Ticket) -> dict[str, Any]:
    """The ticket's surveys (status, answer, follow-up) and, on a follow-up, the answer it follows up."""
    now = timezone.now()
    data = csat_for_ticket(ticket, now=now)
    for survey in [*data.surveys, *([data.follow_up_of] if data.follow_up_of else [])]:
        survey.state_label = STATE_LABELS.get(survey.display_state, survey.display_state)  # type: ignore[attr-defined]
        survey.score_label = SCORE_LABELS.get(survey.score or 0, "")  # type: ignore[attr-defined]
    return {"ticket": ticket, "team": ticket.team, "csat": data, "now": now}


def team_csat_context(team: Team) -> dict[str, Any]:
    """The last 30 days' CSAT, mean score and response rate, and the latest answers: two queries."""
    now = timezone.now()
    return {
        "team": team,
        "days": TEAM_PERIOD_DAYS,
        "summary": csat_summary(team=team, since=now - timedelta(days=TEAM_PERIOD_DAYS), until=now),
        "recent": csat_recent_answers(team=team, limit=RECENT_ANSWERS),
    }


@require_safe
@team_view()
def ticket_csat(request: TeamRequest, team: Team, number: int) -> HttpResponse:
    """The survey panel of one of the team's tickets (empty when the ticket has no survey)."""
    ticket = get_object_or_404(Ticket.objects.select_related("team"), team=team, number=number)
    return fragment_or_page(request, "voice/csat/ticket.html", "ticket-csat", ticket_csat_context(ticket))


@require_safe
@team_view()
def team_csat(request: TeamRequest, team: Team) -> HttpResponse:
    """The team's customer satisfaction over the last 30 days."""
    return fragment_or_page(request, "voice/csat/team.html", "team-csat", team_csat_context(team))
