"""The SLA engine: due times in business time, pauses, reopen cycles, the sweep and escalation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.core.management import call_command

from notifications.models import Notification
from notifications.services import subject_key
from teams.models import Role, WorkingHours
from tests.factories import make_ticket
from tickets.choices import EventField, Priority, Status
from tickets.models import Column, SLAAlert, SLAPolicy, SLATarget, Ticket, TicketEvent
from tickets.services import board_ensure_for_team, comment_add, ticket_move, ticket_update
from tickets.sla import engine, recompute, sweep

pytestmark = pytest.mark.django_db
BERLIN = ZoneInfo("Europe/Berlin")


def berlin(*args: int) -> datetime:
    return datetime(*args, tzinfo=BERLIN).astimezone(UTC)


@pytest.fixture
def office_hours(team):
    """Mon-Fri 09:00-17:00 Europe/Berlin."""
    team.time_zone = "Europe/Berlin"
    team.save()
    WorkingHours.objects.bulk_create(
        WorkingHours(team=team, weekday=d, start_minute=9 * 60, end_minute=17 * 60) for d in range(5)
    )
    board_ensure_for_team(team=team)
    return team


def make_policy(team, *, business_hours=True, frt=120, res=480, at_risk=80, **flags) -> SLAPolicy:
    policy = SLAPolicy.objects.create(team=team, name="Standard", business_hours=business_hours,
                                      at_risk_percent=at_risk, **flags)  # fmt: skip
    for priority in Priority:
        SLATarget.objects.create(policy=policy, priority=priority, first_response_minutes=frt, resolution_minutes=res)
    return policy


def fresh(ticket: Ticket) -> Ticket:
    return Ticket.objects.get(pk=ticket.pk)


def test_due_times_count_business_hours_only(office_hours):
    make_policy(office_hours, frt=120, res=480)
    ticket = make_ticket(office_hours)  # saved; now recompute its clock for a chosen start
    ticket.sla_started_at = berlin(2026, 11, 20, 16, 0)  # Friday 16:00
    ticket.sla_pauses, ticket.sla_paused_since = [], None
    team_sla = engine.TeamSLA.load(office_hours)
    engine.refresh(ticket, team_sla, now=berlin(2026, 11, 20, 16, 0))
    assert ticket.frt_due_at == berlin(2026, 11, 23, 10, 0)  # 1 h on Friday + 1 h on Monday
    assert ticket.frt_warn_at == berlin(2026, 11, 23, 9, 36)  # 80 % of 2 h = 96 min
    assert ticket.res_due_at == berlin(2026, 11, 23, 16, 0)  # 8 h: 1 h Friday + 7 h Monday


def test_calendar_minutes_policy_ignores_office_hours(office_hours):
    make_policy(office_hours, business_hours=False, frt=120, res=480)
    ticket = make_ticket(office_hours)
    assert ticket.frt_due_at == ticket.sla_started_at + timedelta(hours=2)
    assert ticket.res_due_at == ticket.sla_started_at + timedelta(hours=8)


def test_no_policy_no_clock(office_hours):
    ticket = make_ticket(office_hours)
    assert ticket.sla_policy is None and ticket.frt_due_at is None and ticket.res_due_at is None


def test_first_matching_policy_applies_and_priority_change_keeps_elapsed(team):
    board_ensure_for_team(team=team)
    vip = make_policy(team, business_hours=False, frt=30, res=120)
    vip.name, vip.kind, vip.order = "Incidents", "incident", 0
    vip.save()
    standard = make_policy(team, business_hours=False, frt=240, res=2400)
    standard.order = 1
    standard.save()
    incident = make_ticket(team, kind="incident")
    inquiry = make_ticket(team, kind="inquiry")
    assert incident.sla_policy == vip and inquiry.sla_policy == standard
    SLATarget.objects.filter(policy=standard, priority=Priority.URGENT).update(first_response_minutes=60)
    started = inquiry.sla_started_at
    updated = ticket_update(
        ticket=inquiry, by=None, expected_version=inquiry.version, changes={"priority": Priority.URGENT}
    )
    assert updated.frt_due_at == started + timedelta(minutes=60), "targets count from the same start"


def test_waiting_on_customer_pauses_and_resumes_the_clock(team):
    board = board_ensure_for_team(team=team)
    make_policy(team, business_hours=False, frt=60, res=600)
    ticket = make_ticket(team)
    waiting = Column.objects.get(board=board, status=Status.WAITING)
    todo = Column.objects.get(board=board, status=Status.TODO)
    ticket_move(ticket=ticket, by=None, column=waiting)
    paused = fresh(ticket)
    assert paused.sla_paused_since is not None
    assert paused.res_due_at is None, "the resolution clock stops while waiting on the customer"
    assert paused.frt_due_at == paused.sla_started_at + timedelta(minutes=60), "first response runs on (DESIGN.md)"
    assert paused.sla_pauses[-1][1] is None and paused.sla_pauses[-1][2] == "paused"
    ticket_move(ticket=paused, by=None, column=todo)
    resumed = fresh(ticket)
    assert resumed.sla_paused_since is None and resumed.sla_pauses[-1][1] is not None
    paused_for = datetime.fromisoformat(resumed.sla_pauses[-1][1]) - datetime.fromisoformat(resumed.sla_pauses[-1][0])
    assert resumed.res_due_at == resumed.sla_started_at + timedelta(minutes=600) + paused_for


def test_elapsed_time_skips_pauses_and_resolved_periods(office_hours):
    make_policy(office_hours)
    ticket = make_ticket(office_hours)
    ticket.sla_started_at = berlin(2026, 11, 16, 9, 0)  # Monday
    ticket.sla_pauses = [
        [berlin(2026, 11, 16, 10, 0).isoformat(), berlin(2026, 11, 16, 12, 0).isoformat(), "paused"],
        [berlin(2026, 11, 16, 15, 0).isoformat(), berlin(2026, 11, 17, 11, 0).isoformat(), "resolved"],
    ]
    calendar = engine.TeamSLA.load(office_hours).calendar
    # Monday 9-10 and 12-15 (4 h), Tuesday 11-12 (1 h)
    assert engine.elapsed_seconds(ticket, calendar, berlin(2026, 11, 17, 12, 0)) == 5 * 3600


def test_reopening_resumes_resolution_in_a_new_cycle(team):
    board = board_ensure_for_team(team=team)
    make_policy(team, business_hours=False, frt=60, res=600)
    ticket = make_ticket(team)
    ticket_move(ticket=ticket, by=None, column=Column.objects.get(board=board, status=Status.RESOLVED))
    done = fresh(ticket)
    assert done.res_due_at is None and done.sla_cycle == 1
    ticket_move(ticket=done, by=None, column=Column.objects.get(board=board, status=Status.IN_PROGRESS))
    reopened = fresh(ticket)
    assert reopened.sla_cycle == 2
    assert reopened.res_due_at is not None and reopened.sla_pauses[-1][2] == "resolved"


def test_first_public_reply_stops_the_first_response_clock(team, make_member):
    board_ensure_for_team(team=team)
    make_policy(team, business_hours=False)
    agent = make_member(team, Role.AGENT)
    ticket = make_ticket(team)
    comment_add(ticket=ticket, by=agent, body="Looking into it", is_public=True)
    answered = fresh(ticket)
    assert answered.first_response_at is not None
    assert answered.frt_due_at is None and answered.frt_warn_at is None
    assert answered.res_due_at is not None


def test_ticket_answered_a_second_before_due_is_not_breached(team, make_member):
    board_ensure_for_team(team=team)
    make_policy(team, business_hours=False, frt=60, res=6000)
    agent = make_member(team, Role.AGENT)
    ticket = make_ticket(team)
    due = fresh(ticket).frt_due_at
    Ticket.objects.filter(pk=ticket.pk).update(first_response_at=due - timedelta(seconds=1), frt_due_at=None,
                                               frt_warn_at=None)  # fmt: skip
    del agent
    result = sweep.sla_sweep(now=due + timedelta(seconds=1))
    assert ticket.pk not in result.breached
    assert fresh(ticket).frt_breached_at is None
    assert not SLAAlert.objects.filter(ticket=ticket, target="first_response", kind="breached").exists()


def test_waiting_never_breaches_resolution_but_an_unanswered_ticket_misses_its_first_response(team):
    """Waiting on the customer pauses resolution only: the customer who never heard from us still waits."""
    board = board_ensure_for_team(team=team)
    make_policy(team, business_hours=False, frt=1, res=2)
    ticket = make_ticket(team)
    ticket_move(ticket=ticket, by=None, column=Column.objects.get(board=board, status=Status.WAITING))
    result = sweep.sla_sweep(now=fresh(ticket).created_at + timedelta(days=30))
    assert result.breached == [ticket.pk]
    assert fresh(ticket).frt_breached_at is not None and fresh(ticket).res_breached_at is None


@pytest.mark.django_db(transaction=True)  # mail leaves after the sweep commits
def test_sweep_claims_once_escalates_over_wip_and_notifies(team, make_member):
    board = board_ensure_for_team(team=team)
    escalated = Column.objects.get(board=board, status=Status.ESCALATED)
    escalated.wip_limit = 1
    escalated.save()
    make_policy(team, business_hours=False, frt=30, res=60)
    lead = make_member(team, Role.LEAD, email="lead@example.com")
    agent = make_member(team, Role.AGENT, email="agent@example.com")
    make_member(team, Role.VIEWER, email="viewer@example.com")
    already = make_ticket(team, title="Already escalated")
    ticket_move(ticket=already, by=None, column=escalated)
    ticket = make_ticket(team, title="Printer on fire", assignee=agent, priority=Priority.NORMAL)
    later = fresh(ticket).frt_due_at + timedelta(seconds=1)

    first = sweep.sla_sweep(now=later)
    assert ticket.pk in first.breached and ticket.pk in first.escalated
    moved = fresh(ticket)
    assert moved.status == Status.ESCALATED and moved.priority == Priority.HIGH
    assert Ticket.objects.filter(team=team, status=Status.ESCALATED).count() == 2, "the breach overrides WIP"
    assert TicketEvent.objects.filter(ticket=ticket, field=EventField.STATUS, to_value="escalated", actor=None).exists()
    assert TicketEvent.objects.filter(ticket=ticket, field=EventField.PRIORITY, to_value="3", actor=None).exists()
    notified = set(Notification.objects.filter(subject=subject_key(ticket)).values_list("user__email", flat=True))
    assert notified == {"lead@example.com", "agent@example.com"}
    assert sorted(m.to[0] for m in mail.outbox if "Printer on fire" in m.subject and "breached" in m.subject) == [
        "agent@example.com", "lead@example.com",
    ]  # fmt: skip
    del lead

    again = sweep.sla_sweep(now=later + timedelta(seconds=30))
    assert ticket.pk not in again.breached and again.escalated == []
    assert SLAAlert.objects.filter(ticket=ticket, target="first_response", kind="breached").count() == 1
    assert Notification.objects.filter(subject=subject_key(ticket), kind="sla_first_response_breached").count() == 2


@pytest.mark.parametrize("burst", [3, 30])
def test_a_burst_of_breaches_escalates_in_a_constant_number_of_statements(team, burst, django_assert_max_num_queries):
    """Escalation is set-based: 3 or 30 breaches at once cost the same statements, and every card lands
    in Escalated at its own place below the cards already there, with its clock paused state kept."""
    board = board_ensure_for_team(team=team)
    make_policy(team, business_hours=False, frt=30, res=60, notify=False)
    Column.objects.filter(board=board, status=Status.WAITING).update(pauses_sla=True)
    already = make_ticket(team, title="Already escalated")
    ticket_move(ticket=already, by=None, column=Column.objects.get(board=board, status=Status.ESCALATED))
    top = fresh(already).position
    tickets = [make_ticket(team, priority=Priority.LOW) for _ in range(burst)]
    dues = {t.pk: fresh(t).frt_due_at for t in tickets}
    later = max(dues.values()) + timedelta(seconds=1)

    with django_assert_max_num_queries(24):  # with the breaches' targets and their stored outcomes
        result = sweep.sla_sweep(now=later)

    # The card already in Escalated breached too: it stays where it is and only its priority rises.
    assert sorted(result.escalated) == sorted([already.pk, *(t.pk for t in tickets)])
    assert fresh(already).position == top
    moved = list(Ticket.objects.filter(pk__in=[t.pk for t in tickets]).order_by("position"))
    assert {t.status for t in moved} == {Status.ESCALATED} and {t.priority for t in moved} == {Priority.NORMAL}
    positions = [t.position for t in moved]
    assert len(set(positions)) == burst and min(positions) > top, "each card gets its own place below the top"
    assert all(t.version == 2 for t in moved)
    # The raised priority recomputed the clocks; the (still running) resolution target is due again.
    # Each breach is stamped with the instant it was missed (its due time), not with the sweep's.
    assert all(t.res_due_at is not None and t.frt_breached_at == dues[t.pk] for t in moved)
    assert TicketEvent.objects.filter(ticket__in=moved, field=EventField.PRIORITY, to_value="2").count() == burst


def test_at_risk_warning_comes_before_the_breach(team):
    board_ensure_for_team(team=team)
    make_policy(team, business_hours=False, frt=100, res=1000, at_risk=50)
    ticket = make_ticket(team)
    warn = fresh(ticket).frt_warn_at
    assert warn == fresh(ticket).sla_started_at + timedelta(minutes=50)
    result = sweep.sla_sweep(now=warn + timedelta(seconds=1))
    assert ticket.pk in result.at_risk and ticket.pk not in result.breached
    assert fresh(ticket).frt_warned_at is not None
    assert sweep.sla_sweep(now=warn + timedelta(seconds=2)).at_risk == []


def test_policy_change_recomputes_open_tickets_in_bulk(team, django_assert_max_num_queries):
    board = board_ensure_for_team(team=team)
    policy = make_policy(team, business_hours=False, frt=60, res=600)
    open_tickets = [make_ticket(team) for _ in range(5)]
    done = make_ticket(team)
    ticket_move(ticket=done, by=None, column=Column.objects.get(board=board, status=Status.RESOLVED))
    SLATarget.objects.filter(policy=policy).update(resolution_minutes=1200)
    with django_assert_max_num_queries(18):  # with the two statements that keep each cycle's first due time
        changed = recompute.team_clocks_recompute(team=team)
    assert changed == 5
    for t in open_tickets:
        f = fresh(t)
        assert f.res_due_at == f.sla_started_at + timedelta(minutes=1200)
    assert fresh(done).res_due_at is None


def test_bulk_recompute_matches_the_per_ticket_clock(office_hours):
    """The bulk path (epoch seconds, COPY on PostgreSQL) and ``refresh`` agree to the second.

    Covers business hours, closed stops across nights and weekends, a paused
    ticket, an answered one, a start without ``sla_started_at`` (created_at
    with microseconds) and a second priority.
    """
    make_policy(office_hours, frt=120, res=480)
    friday = berlin(2026, 11, 20, 16, 0)
    shapes = [
        {"sla_started_at": friday, "sla_pauses": []},
        {
            "sla_started_at": friday,
            "sla_pauses": [
                [berlin(2026, 11, 20, 16, 30).isoformat(), berlin(2026, 11, 23, 11, 15).isoformat(), "paused"],
                [berlin(2026, 11, 23, 12, 0).isoformat(), berlin(2026, 11, 24, 9, 5).isoformat(), "resolved"],
            ],
            "sla_cycle": 2,
        },
        {
            "sla_started_at": friday,
            "sla_paused_since": berlin(2026, 11, 23, 9, 0),
            "sla_pauses": [[berlin(2026, 11, 23, 9, 0).isoformat(), None, "paused"]],
        },
        {"sla_started_at": friday, "first_response_at": berlin(2026, 11, 23, 9, 30), "priority": Priority.URGENT},
        {"sla_started_at": None, "created_at": berlin(2026, 11, 19, 10, 0) + timedelta(microseconds=654321)},
    ]
    tickets = []
    for shape in shapes:
        ticket = make_ticket(office_hours)
        Ticket.objects.filter(pk=ticket.pk).update(**{"sla_paused_since": None, **shape})
        tickets.append(ticket)
    SLATarget.objects.update(first_response_minutes=90, resolution_minutes=600)  # a policy change

    assert recompute.team_clocks_recompute(team=office_hours) == len(shapes)

    team_sla = engine.TeamSLA.load(office_hours)
    for ticket in tickets:
        stored = fresh(ticket)
        expected = fresh(ticket)
        engine.refresh(expected, team_sla, now=friday)
        got = (stored.frt_due_at, stored.frt_warn_at, stored.res_due_at, stored.res_warn_at)
        assert got == (expected.frt_due_at, expected.frt_warn_at, expected.res_due_at, expected.res_warn_at)
    first, stopped, paused, answered, _ = (fresh(t) for t in tickets)
    assert first.res_due_at == berlin(2026, 11, 24, 10, 0)  # 10 h: 1 h Friday, 8 h Monday, 1 h Tuesday
    # 30 min on Friday and 45 on Monday run; from Tuesday 09:05 the other 525 min: 475 on Tuesday, 50 on Wednesday.
    assert stopped.res_due_at == berlin(2026, 11, 25, 9, 50)
    # Waiting stops resolution, never first response: 60 min on Friday, 30 on Monday (DESIGN.md's FRT).
    assert paused.frt_due_at == berlin(2026, 11, 23, 9, 30) and paused.res_due_at is None
    assert answered.frt_due_at is None and answered.res_due_at is not None


def test_bulk_recompute_keeps_edits_and_replies_made_while_it_runs(team, make_member, monkeypatch):
    """An edit or a first reply between the recompute's read and its write is not overwritten."""
    board_ensure_for_team(team=team)
    make_policy(team, business_hours=False, frt=60, res=600)
    agent = make_member(team, Role.AGENT)
    edited, answered, untouched = make_ticket(team), make_ticket(team), make_ticket(team)
    SLATarget.objects.update(resolution_minutes=1200)  # a policy change to recompute
    compute = engine.clock_times

    def edits_arrive_meanwhile(*args, **kwargs):
        if not getattr(edits_arrive_meanwhile, "done", False):
            edits_arrive_meanwhile.done = True  # type: ignore[attr-defined]
            # Both tickets were already read with their old values by now.
            current = fresh(edited)
            ticket_update(ticket=current, by=agent, expected_version=current.version,
                          changes={"status": Status.WAITING})  # fmt: skip
            comment_add(ticket=answered, by=agent, body="On it.", is_public=True)
        return compute(*args, **kwargs)

    monkeypatch.setattr(recompute, "clock_times", edits_arrive_meanwhile)
    before = fresh(edited)
    recompute.team_clocks_recompute(team=team)

    after = fresh(edited)
    assert after.status == Status.WAITING and after.version == before.version + 1
    # The edit paused the clocks; the recompute, which read the ticket running, does not restart them.
    assert after.sla_paused_since is not None
    assert after.res_due_at is None, "waiting stops the resolution clock"
    # First response runs on while waiting, on the new 60-minute target the edit itself computed.
    assert after.frt_due_at == after.sla_started_at + timedelta(minutes=60)
    reply = fresh(answered)
    assert reply.first_response_at is not None
    assert reply.frt_due_at is None and reply.frt_warn_at is None, "a met first response never falls due again"
    assert reply.res_due_at == reply.sla_started_at + timedelta(minutes=1200)
    assert fresh(untouched).res_due_at == fresh(untouched).sla_started_at + timedelta(minutes=1200)


def test_sla_sweep_command_reports_what_it_claimed(team, capsys):
    board_ensure_for_team(team=team)
    make_policy(team, business_hours=False, frt=1, res=2)
    ticket = make_ticket(team)
    due = ticket.created_at - timedelta(minutes=5)
    Ticket.objects.filter(pk=ticket.pk).update(frt_due_at=due)
    engine.sweep_from(due)  # what every writer of a past due time does
    call_command("sla_sweep")
    assert "1 breached" in capsys.readouterr().out


def test_the_at_risk_instant_is_exact_to_the_second_for_any_share(team):
    """1,560 minutes at 29 %: 93,600 s × 29 / 100 = 27,144 s exactly (a float product gave 27,143)."""
    board_ensure_for_team(team=team)
    make_policy(team, business_hours=False, frt=1560, res=1560, at_risk=29)
    ticket = fresh(make_ticket(team))
    assert ticket.frt_warn_at == ticket.sla_started_at + timedelta(seconds=27_144)
    assert ticket.res_warn_at == ticket.sla_started_at + timedelta(seconds=27_144)


def test_the_upgrade_command_recomputes_open_tickets_with_the_current_rules(team, other_team, capsys):
    """After the first-response rule changed, ``sla_recompute`` brings stored due times in line, per team or all."""
    from django.core.management import call_command
    from django.core.management.base import CommandError

    board = board_ensure_for_team(team=team)
    make_policy(team, business_hours=False, frt=60, res=600)
    ticket = make_ticket(team)
    ticket_move(ticket=ticket, by=None, column=Column.objects.get(board=board, status=Status.WAITING))
    Ticket.objects.filter(pk=ticket.pk).update(frt_due_at=None, frt_warn_at=None)  # as the old rule stored it
    call_command("sla_recompute", "--team", team.slug)
    assert fresh(ticket).frt_due_at == fresh(ticket).sla_started_at + timedelta(minutes=60)
    out = capsys.readouterr().out
    assert f"{team.slug}: 1 open tickets recomputed." in out and other_team.slug not in out
    call_command("sla_recompute")
    assert other_team.slug in capsys.readouterr().out
    with pytest.raises(CommandError, match="No team"):
        call_command("sla_recompute", "--team", "nope")


def test_internal_work_gets_no_first_response_target_unless_the_policy_says_so(team):
    """A task or an improvement has nobody waiting for a reply: resolution only (DESIGN.md's customer targets)."""
    from tickets.choices import Kind

    board_ensure_for_team(team=team)
    policy = make_policy(team, business_hours=False, frt=60, res=600)
    assert policy.first_response_customer_only, "the default"
    for kind in (Kind.INQUIRY, Kind.INCIDENT, Kind.BUG):
        customer = fresh(make_ticket(team, kind=kind))
        assert customer.frt_due_at == customer.sla_started_at + timedelta(minutes=60), kind
    for kind in (Kind.TASK, Kind.IMPROVEMENT):
        internal = fresh(make_ticket(team, kind=kind))
        assert internal.frt_due_at is None and internal.frt_warn_at is None, kind
        assert internal.res_due_at == internal.sla_started_at + timedelta(minutes=600)
        assert internal.pk not in sweep.sla_sweep(now=internal.sla_started_at + timedelta(minutes=61)).breached
    # A policy that wants a first response on every kind says so.
    SLAPolicy.objects.filter(pk=policy.pk).update(first_response_customer_only=False)
    task = fresh(make_ticket(team, kind=Kind.TASK))
    assert task.frt_due_at == task.sla_started_at + timedelta(minutes=60)


def test_changes_of_kind_channel_and_account_are_history(team, make_member):
    from tickets.choices import Channel, EventField, Kind
    from tickets.models import Account

    agent = make_member(team, Role.AGENT)
    acme = Account.objects.create(team=team, name="Acme")
    ticket = make_ticket(team)
    ticket_update(ticket=fresh(ticket), by=agent, expected_version=fresh(ticket).version,
                  changes={"kind": Kind.BUG, "channel": Channel.CHAT, "account": acme})  # fmt: skip
    events = {e.field: e for e in TicketEvent.objects.filter(ticket=ticket).exclude(field__in=["created", "status"])}
    assert (events[EventField.KIND].from_label, events[EventField.KIND].to_label) == ("Customer inquiry", "Bug")
    assert events[EventField.CHANNEL].to_label == "Chat" and events[EventField.CHANNEL].actor == agent
    assert (events[EventField.ACCOUNT].from_value, events[EventField.ACCOUNT].to_value) == ("", str(acme.pk))
    assert events[EventField.ACCOUNT].to_label == "Acme"
