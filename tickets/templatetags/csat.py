"""CSAT on staff pages: the ticket's survey panel and the team page's "Customer satisfaction" section.

Inclusion tags, so that the teams app's template can show the section
without the teams app importing tickets.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django import template
from django.utils import timezone

from teams.models import Team
from tickets.csat import SCORE_LABELS, csat_for_ticket, csat_recent_answers, csat_summary
from tickets.models import Ticket

register = template.Library()

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


@register.inclusion_tag("tickets/csat/ticket_panel.html")
def ticket_csat(ticket: Ticket) -> dict[str, Any]:
    """The ticket's surveys (status, answer, follow-up) and, on a follow-up, the answer it follows up."""
    now = timezone.now()
    data = csat_for_ticket(ticket, now=now)
    for survey in [*data.surveys, *([data.follow_up_of] if data.follow_up_of else [])]:
        survey.state_label = STATE_LABELS.get(survey.display_state, survey.display_state)  # type: ignore[attr-defined]
        survey.score_label = SCORE_LABELS.get(survey.score or 0, "")  # type: ignore[attr-defined]
    return {"ticket": ticket, "team": ticket.team, "csat": data, "now": now}


@register.inclusion_tag("tickets/csat/team_section.html")
def csat_team_section(team: Team) -> dict[str, Any]:
    """The last 30 days' CSAT, mean score and response rate, and the latest answers: two queries."""
    now = timezone.now()
    return {
        "team": team,
        "days": TEAM_PERIOD_DAYS,
        "summary": csat_summary(team=team, since=now - timedelta(days=TEAM_PERIOD_DAYS), until=now),
        "recent": csat_recent_answers(team=team, limit=RECENT_ANSWERS),
    }
