"""A hand-computed week of one team (Europe/Berlin, Monday to Friday 09:00-17:00), across the spring DST change.

Friday 27 March 2026 to Thursday 2 April; clocks go forward on Sunday 29 March.
The figures each test expects are worked out beside each step.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from unittest import mock
from zoneinfo import ZoneInfo

import pytest

from teams.models import Role, Team
from tests.factories import WorkingHoursFactory, make_ticket
from tickets import services
from tickets.models import SLAOutcome, Ticket
from voice.models import CsatSurvey

BERLIN = ZoneInfo("Europe/Berlin")


def berlin(day: int, hour: int, minute: int = 0, month: int = 3) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=BERLIN)


def at(when: datetime):
    return mock.patch("django.utils.timezone.now", return_value=when)


@dataclass
class Week:
    team: Team
    lead: object
    tickets: dict[str, Ticket]


def _status(ticket: Ticket, status: str, when: datetime) -> None:
    with at(when):
        ticket.refresh_from_db()
        services.ticket_update(ticket=ticket, by=None, expected_version=ticket.version, changes={"status": status})


def _reply(ticket: Ticket, agent, when: datetime) -> None:
    with at(when):
        services.comment_add(ticket=ticket, by=agent, body="Here is how", is_public=True, mail=False)


def _outcome(ticket: Ticket, target: str, outcome: str, when: datetime, cycle: int = 1) -> None:
    SLAOutcome.objects.create(
        ticket=ticket,
        target=target,
        cycle=cycle,
        outcome=outcome,
        decided_at=when,
        first_due_at=when,
        due_at=when,
        target_seconds=3600,
        elapsed_seconds=3600,
        policy_name="Standard",
        priority=ticket.priority,
    )


def _survey(ticket: Ticket, sent: datetime, answered: datetime | None = None, score: int | None = None) -> None:
    CsatSurvey.objects.create(
        team=ticket.team,
        ticket=ticket,
        cycle=1,
        email="customer@example.com",
        status="sent",
        sent_at=sent,
        answered_at=answered,
        score=score,
    )


@pytest.fixture
def week(team, make_member) -> Week:
    return build_week(team, make_member)


def build_week(team, make_member) -> Week:
    """The hand-computed week (see the module docstring), for fixtures here and in other test folders."""
    Team.objects.filter(pk=team.pk).update(time_zone="Europe/Berlin")
    team.refresh_from_db()
    for weekday in range(5):
        WorkingHoursFactory(team=team, weekday=weekday, start_minute=9 * 60, end_minute=17 * 60)
    lead = make_member(team, Role.LEAD)
    agent = make_member(team, Role.AGENT)
    t: dict[str, Ticket] = {}
    with at(berlin(27, 16)):
        t["T1"] = make_ticket(team, title="Invoice missing", kind="inquiry")
    with at(berlin(30, 9)):
        t["T2"] = make_ticket(team, title="Cannot log in", kind="inquiry")
        t["T3"] = make_ticket(team, title="Tidy macros", kind="task")
    with at(berlin(31, 9)):
        t["T4"] = make_ticket(team, title="Refund", kind="inquiry")
    # First responses. T1: Fri 16-17 and Mon 09-10 (after the DST change) = 2 h. T2: 30 min.
    # T3 is internal work: no first-response time. T4: 4 h.
    _reply(t["T1"], agent, berlin(30, 10))
    _reply(t["T2"], agent, berlin(30, 9, 30))
    _reply(t["T3"], agent, berlin(30, 9, 10))
    _reply(t["T4"], agent, berlin(31, 13))
    # T2: worked 09:00-10:00, waits on the customer 10:00-14:00, worked 14:00-15:00: resolved at 2 h.
    # Reopened Tuesday 10:00 (resolved time does not count), resolved again 11:00: 3 h.
    _status(t["T2"], "in_progress", berlin(30, 9, 40))
    _status(t["T2"], "waiting", berlin(30, 10))
    _status(t["T2"], "in_progress", berlin(30, 14))
    _status(t["T2"], "resolved", berlin(30, 15))
    _status(t["T2"], "in_progress", berlin(31, 10))
    _status(t["T2"], "resolved", berlin(31, 11))
    # T4: 09:00-16:00 = 7 h. T1: Fri 1 h + Mon 8 h + Tue 8 h + Wed 30 min = 17.5 h.
    _status(t["T4"], "resolved", berlin(31, 16))
    _status(t["T1"], "resolved", berlin(1, 9, 30, month=4))
    # Stored SLA outcomes: first response met twice and breached once; resolution met twice (T4, and T2's
    # second cycle after its reopening: every cycle counts) and breached once.
    _outcome(t["T1"], "first_response", "breached", berlin(30, 9))
    _outcome(t["T2"], "first_response", "met", berlin(30, 9, 30))
    _outcome(t["T4"], "first_response", "met", berlin(31, 13))
    _outcome(t["T4"], "resolution", "met", berlin(31, 16))
    _outcome(t["T1"], "resolution", "breached", berlin(1, 9, month=4))
    _outcome(t["T2"], "resolution", "met", berlin(31, 11), cycle=2)
    # Surveys: T4 sent Tuesday, answered 5 on Wednesday; T1 sent Wednesday, answered 2 on Thursday;
    # T2 sent Tuesday, never answered.
    _survey(t["T4"], berlin(31, 17), berlin(1, 10, month=4), 5)
    _survey(t["T1"], berlin(1, 12, month=4), berlin(2, 10, month=4), 2)
    _survey(t["T2"], berlin(31, 12))
    return Week(team=team, lead=lead, tickets=t)
