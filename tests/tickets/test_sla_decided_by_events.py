"""A target is decided by its event or its due time: a late reply or resolution is a breach without a sweep.

Issue case: a 90-minute first-response target around the clock; a sweep at 89 min 50 s finds nothing due,
the reply lands at 90 min 15 s, then the ticket is resolved. Before, no breach was ever recorded.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from unittest import mock

import pytest
from django.core import mail
from django.db import connection
from django.urls import reverse

from notifications.models import Notification
from notifications.services import subject_key
from teams.models import Role
from tests.factories import make_ticket
from tickets.choices import Priority, Status
from tickets.models import Column, SLAAlert, SLAPolicy, SLATarget, Ticket
from tickets.services import board_ensure_for_team, comment_add, ticket_move, ticket_update
from tickets.sla import sweep

pytestmark = pytest.mark.django_db(transaction=True)  # mail leaves after commit


def policy(team, *, frt: int = 90, res: int = 480) -> SLAPolicy:
    made = SLAPolicy.objects.create(team=team, name="Around the clock", business_hours=False,
                                    escalate_to_column=False, raise_priority=False)  # fmt: skip
    SLATarget.objects.bulk_create(
        SLATarget(policy=made, priority=p, first_response_minutes=frt, resolution_minutes=res) for p in Priority
    )
    return made


def at(moment):
    return mock.patch("django.utils.timezone.now", return_value=moment)


@pytest.fixture
def setup(team, make_member):
    board = board_ensure_for_team(team=team)
    policy(team)
    agent = make_member(team, Role.AGENT, username="agent", email="agent@example.com")
    lead = make_member(team, Role.LEAD, username="lead", email="lead@example.com")
    return board, agent, lead


def test_a_reply_after_the_due_time_is_a_breach_though_no_sweep_ran_since(team, setup, login):
    board, agent, _lead = setup
    ticket = make_ticket(team, title="Printer", assignee=agent)
    start = Ticket.objects.get(pk=ticket.pk).sla_started_at
    assert sweep.sla_sweep(now=start + timedelta(minutes=89, seconds=50)).breached == []
    with at(start + timedelta(minutes=90, seconds=15)):
        comment_add(ticket=ticket, by=agent, body="Sorry for the wait.", is_public=True)
    answered = Ticket.objects.get(pk=ticket.pk)
    assert answered.frt_breached_at == start + timedelta(minutes=90), "missed at its due time"
    assert answered.first_response_at is not None and answered.frt_due_at is None
    [alert] = SLAAlert.objects.filter(ticket=ticket, kind="breached")  # the 89:50 sweep warned it was at risk
    assert (alert.target, alert.kind, alert.due_at) == ("first_response", "breached", start + timedelta(minutes=90))
    told = Notification.objects.filter(subject=subject_key(ticket), kind="sla_first_response_breached")
    assert sorted(told.values_list("user__username", flat=True)) == ["agent", "lead"]
    breach_mail = [m.to[0] for m in mail.outbox if "Printer" in m.subject and "breached" in m.subject]
    assert sorted(breach_mail) == ["agent@example.com", "lead@example.com"]

    # Later sweeps and the resolution add nothing.
    assert sweep.sla_sweep(now=start + timedelta(minutes=95)).breached == []
    with at(start + timedelta(minutes=100)):
        ticket_move(ticket=answered, by=agent, column=Column.objects.get(board=board, status=Status.RESOLVED))
    assert SLAAlert.objects.filter(ticket=ticket, kind="breached").count() == 1 and told.count() == 2

    # The card and the ticket page agree: the first response was missed.
    client = login(agent)
    board_html = client.get(reverse("tickets:board", args=[team.slug])).content.decode()
    card = board_html[board_html.index(f'id="card-{ticket.pk}"') :].split("</article>")[0]
    assert 'class="sla sla-missed"' in card
    page = client.get(reverse("tickets:detail", args=[team.slug, ticket.number])).content.decode()
    assert "First response" in page and "Missed" in page


def test_a_resolution_after_its_due_time_is_a_breach_of_both_targets_it_ends(team, setup):
    _board, agent, _lead = setup
    ticket = make_ticket(team, title="Never answered")
    start = Ticket.objects.get(pk=ticket.pk).sla_started_at
    with at(start + timedelta(hours=9)):  # past both due times; no sweep ran
        ticket_update(ticket=Ticket.objects.get(pk=ticket.pk), by=agent, expected_version=1,
                      changes={"status": Status.RESOLVED})  # fmt: skip
    resolved = Ticket.objects.get(pk=ticket.pk)
    assert resolved.frt_breached_at == start + timedelta(minutes=90)
    assert resolved.res_breached_at == start + timedelta(minutes=480)
    assert set(SLAAlert.objects.filter(ticket=ticket).values_list("target", flat=True)) == {
        "first_response", "resolution",
    }  # fmt: skip


def test_an_event_in_time_records_no_breach(team, setup):
    board, agent, _lead = setup
    ticket = make_ticket(team, title="Quick")
    start = Ticket.objects.get(pk=ticket.pk).sla_started_at
    with at(start + timedelta(minutes=89, seconds=59)):
        comment_add(ticket=ticket, by=agent, body="On it.", is_public=True)
    with at(start + timedelta(minutes=479)):
        ticket_move(ticket=Ticket.objects.get(pk=ticket.pk), by=agent,
                    column=Column.objects.get(board=board, status=Status.RESOLVED))  # fmt: skip
    done = Ticket.objects.get(pk=ticket.pk)
    assert done.frt_breached_at is None and done.res_breached_at is None
    assert not SLAAlert.objects.filter(ticket=ticket).exists() and not Notification.objects.exists()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="two connections racing need PostgreSQL's row locks")
def test_a_reply_racing_a_sweep_at_the_due_instant_breaches_once_and_notifies_once(team, setup):
    """Two connections: the reply's transaction and the sweep's, released together after the due time."""
    _board, agent, lead = setup
    for round_ in range(5):
        ticket = make_ticket(team, title=f"Race {round_}", assignee=agent)
        due = Ticket.objects.get(pk=ticket.pk).frt_due_at
        # The due time has just passed (real clock): both the reply and the sweep find it due.
        Ticket.objects.filter(pk=ticket.pk).update(frt_due_at=due - timedelta(minutes=90, seconds=1))
        start = threading.Barrier(2)

        def reply(_: int, ticket: Ticket = ticket, start: threading.Barrier = start) -> None:
            try:
                start.wait(timeout=30)
                comment_add(ticket=ticket, by=agent, body="Here.", is_public=True)
            finally:
                connection.close()

        def run_sweep(_: int, start: threading.Barrier = start) -> None:
            try:
                start.wait(timeout=30)
                sweep.sla_sweep()
            finally:
                connection.close()

        with ThreadPoolExecutor(max_workers=2) as pool:
            list(pool.map(lambda f: f(0), [reply, run_sweep]))
        assert SLAAlert.objects.filter(ticket=ticket, target="first_response", kind="breached").count() == 1
        told = Notification.objects.filter(subject=subject_key(ticket), kind="sla_first_response_breached")
        assert sorted(told.values_list("user__username", flat=True)) == ["agent", "lead"], f"round {round_}"
        assert Ticket.objects.get(pk=ticket.pk).frt_breached_at is not None
    assert lead is not None
