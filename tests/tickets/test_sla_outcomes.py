"""Stored SLA outcomes: one per ticket, target and cycle, decided once and never judged again."""

from __future__ import annotations

from datetime import datetime, timedelta
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from teams.models import Role, WorkingHours
from tests.factories import make_ticket
from tickets.choices import Priority, Status
from tickets.models import Column, SLAOutcome, SLAPolicy, SLATarget, Ticket
from tickets.services import board_ensure_for_team, comment_add, ticket_move, ticket_update
from tickets.sla import sweep

pytestmark = pytest.mark.django_db
BERLIN = ZoneInfo("Europe/Berlin")


def at(moment):
    return mock.patch("django.utils.timezone.now", return_value=moment)


@pytest.fixture
def berlin_office(team):
    """Berlin, Monday to Friday 09:00-17:00; Urgent: resolution 17 h; High: resolution 2 h."""
    team.time_zone = "Europe/Berlin"
    team.save()
    WorkingHours.objects.bulk_create(
        WorkingHours(team=team, weekday=d, start_minute=540, end_minute=1020) for d in range(5)
    )
    board_ensure_for_team(team=team)
    policy = SLAPolicy.objects.create(team=team, name="Office", escalate_to_column=False, raise_priority=False)
    SLATarget.objects.create(
        policy=policy, priority=Priority.URGENT, first_response_minutes=60, resolution_minutes=17 * 60
    )
    SLATarget.objects.create(policy=policy, priority=Priority.HIGH, first_response_minutes=60, resolution_minutes=120)
    return team


def test_a_target_met_stays_met_when_the_priority_changes_after(berlin_office, make_member, login):
    """The issue's case: Urgent resolved after 7 business hours (met), then set to High (2 h): still met, 7h of 17h."""
    team = berlin_office
    agent = make_member(team, Role.AGENT)
    monday = datetime(2026, 11, 23, 9, 0, tzinfo=BERLIN)
    with at(monday):
        ticket = make_ticket(team, title="Urgent outage", priority=Priority.URGENT)
    board = team.boards.get(project__isnull=True)
    with at(monday + timedelta(minutes=30)):
        comment_add(ticket=ticket, by=agent, body="Looking.", is_public=True)
    with at(monday + timedelta(hours=7)):
        ticket_move(ticket=Ticket.objects.get(pk=ticket.pk), by=agent,
                    column=Column.objects.get(board=board, status=Status.RESOLVED))  # fmt: skip
    resolution = SLAOutcome.objects.get(ticket=ticket, target="resolution", cycle=1)
    assert (resolution.outcome, resolution.elapsed_seconds, resolution.target_seconds) == ("met", 7 * 3600, 17 * 3600)
    assert resolution.priority == Priority.URGENT and resolution.policy_name == "Office"
    first = SLAOutcome.objects.get(ticket=ticket, target="first_response", cycle=1)
    assert (first.outcome, first.elapsed_seconds) == ("met", 1800)

    resolved = Ticket.objects.get(pk=ticket.pk)
    ticket_update(ticket=resolved, by=agent, expected_version=resolved.version, changes={"priority": Priority.HIGH})
    assert SLAOutcome.objects.get(pk=resolution.pk).outcome == "met", "never judged again"
    html = login(agent).get(reverse("tickets:detail", args=[team.slug, ticket.number])).content.decode()
    panel = html[html.index('id="ticket-sla"') :]
    assert "Missed" not in panel and "7h of 17h" in panel.replace("\u2009", " ")


def test_a_reopened_ticket_keeps_each_cycles_outcome(berlin_office, make_member):
    team = berlin_office
    agent = make_member(team, Role.AGENT)
    board = team.boards.get(project__isnull=True)
    columns = {c.status: c for c in board.columns.all()}
    monday = datetime(2026, 11, 23, 9, 0, tzinfo=BERLIN)
    with at(monday):
        ticket = make_ticket(team, title="Comes back", priority=Priority.HIGH)
    with at(monday + timedelta(hours=1)):  # resolved in 1 h of 2: met
        ticket_move(ticket=Ticket.objects.get(pk=ticket.pk), by=agent, column=columns[Status.RESOLVED])
    with at(monday + timedelta(hours=2)):
        ticket_move(ticket=Ticket.objects.get(pk=ticket.pk), by=agent, column=columns[Status.IN_PROGRESS])
    # Cycle 2: the clock resumes at 1 h; the other hour runs out at 3 h; the sweep decides it breached.
    sweep.sla_sweep(now=monday + timedelta(hours=3, minutes=5))
    outcomes = {(o.target, o.cycle): o.outcome for o in SLAOutcome.objects.filter(ticket=ticket)}
    assert outcomes[("resolution", 1)] == "met" and outcomes[("resolution", 2)] == "breached"
    # Resolved at 10:00 without a reply, the instant its first response fell due: resolving ended that
    # clock in time, with no reply to judge, so it is not counted either way.
    assert ("first_response", 1) not in outcomes
    breach = SLAOutcome.objects.get(ticket=ticket, target="resolution", cycle=2)
    assert breach.decided_at == breach.due_at == monday + timedelta(hours=3)


def test_an_escalation_keeps_the_outcome_judged_by_the_priority_before_it(team, make_member):
    board_ensure_for_team(team=team)
    policy = SLAPolicy.objects.create(team=team, name="Raise", business_hours=False, escalate_to_column=True,
                                      raise_priority=True)  # fmt: skip
    for p in Priority:
        SLATarget.objects.create(policy=policy, priority=p, first_response_minutes=60 // p, resolution_minutes=600 // p)
    ticket = make_ticket(team, priority=Priority.LOW)
    due = Ticket.objects.get(pk=ticket.pk).frt_due_at
    sweep.sla_sweep(now=due + timedelta(seconds=1))
    escalated = Ticket.objects.get(pk=ticket.pk)
    assert escalated.priority == Priority.NORMAL, "the breach raised it"
    outcome = SLAOutcome.objects.get(ticket=ticket, target="first_response")
    assert (outcome.priority, outcome.due_at, outcome.target_seconds) == (Priority.LOW, due, 3600)


def test_a_ticket_from_before_the_engine_gets_its_clock_from_history_then_its_outcomes(berlin_office, capsys):
    """No stops recorded: the upgrade command replays its status history, so a wait is not counted against it."""
    from django.core.management import call_command

    from tickets.choices import EventField
    from tickets.models import TicketEvent

    team = berlin_office
    monday = datetime(2026, 11, 23, 9, 0, tzinfo=BERLIN)
    with at(monday):
        ticket = make_ticket(team, title="Old", priority=Priority.HIGH)
    # As the engine found it: no clock at all, only history (waiting 10:00-16:00, resolved at 16:30).
    Ticket.objects.filter(pk=ticket.pk).update(
        sla_started_at=None, sla_pauses=[], sla_paused_since=None, sla_policy=None, status=Status.RESOLVED,
        resolved_at=monday + timedelta(hours=7, minutes=30), frt_due_at=None, frt_warn_at=None, res_due_at=None,
        res_warn_at=None, created_at=monday,
    )  # fmt: skip
    for old, new, hours in (("todo", "waiting", 1), ("waiting", "in_progress", 7), ("in_progress", "resolved", 7.5)):
        TicketEvent.objects.create(ticket=ticket, field=EventField.STATUS, from_value=old, to_value=new,
                                   created_at=monday + timedelta(hours=hours))  # fmt: skip
    call_command("sla_outcomes_backfill", "--team", team.slug)
    assert "1 clocks started from history" in capsys.readouterr().out
    old = Ticket.objects.get(pk=ticket.pk)
    assert [kind for _s, _e, kind in old.sla_pauses] == ["paused", "resolved"]
    resolution = SLAOutcome.objects.get(ticket=ticket, target="resolution", cycle=1)
    # 1 h before the wait and 30 min after it: 1 h 30 min of the 2 h High target, met.
    assert (resolution.outcome, resolution.elapsed_seconds) == ("met", 5400)
    first = SLAOutcome.objects.get(ticket=ticket, target="first_response")
    assert first.outcome == "breached", "never answered; due at 10:00, resolved at 16:30"
    call_command("sla_outcomes_backfill")
    assert SLAOutcome.objects.filter(ticket=ticket).count() == 2, "run again: nothing judged twice"


def test_an_outcome_keeps_the_due_time_as_first_set_and_as_last_set(team, make_member):
    """Normal (8 h) raised to Urgent (1 h) before the decision: judged against the later, first set the earlier."""
    board_ensure_for_team(team=team)
    policy = SLAPolicy.objects.create(team=team, name="Calendar", business_hours=False, escalate_to_column=False,
                                      raise_priority=False, notify=False)  # fmt: skip
    SLATarget.objects.create(
        policy=policy, priority=Priority.NORMAL, first_response_minutes=480, resolution_minutes=960
    )
    SLATarget.objects.create(policy=policy, priority=Priority.URGENT, first_response_minutes=60, resolution_minutes=120)
    agent = make_member(team, Role.AGENT)
    start = datetime(2026, 11, 23, 9, 0, tzinfo=BERLIN)
    with at(start):
        ticket = make_ticket(team, title="Gets worse")
    with at(start + timedelta(minutes=30)):
        current = Ticket.objects.get(pk=ticket.pk)
        ticket_update(ticket=current, by=agent, expected_version=current.version, changes={"priority": Priority.URGENT})
    sweep.sla_sweep(now=start + timedelta(minutes=61))
    outcome = SLAOutcome.objects.get(ticket=ticket, target="first_response")
    assert outcome.outcome == "breached" and outcome.priority == Priority.URGENT
    assert outcome.first_due_at == start + timedelta(hours=8) and outcome.due_at == start + timedelta(hours=1)
