"""WIP limits hold, and SLA sweeps stay exact, when many things happen at the same moment."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from tests.factories import make_ticket
from tickets.choices import Status
from tickets.models import Column, Ticket
from tickets.services import WipLimitReached, board_ensure_for_team, ticket_move

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks are PostgreSQL's; CI runs this there"),
]

THREADS = 50
LIMIT = 5


def test_fifty_simultaneous_moves_into_a_wip_5_column_never_exceed_it(team):
    board = board_ensure_for_team(team=team)
    doing = Column.objects.get(board=board, status=Status.IN_PROGRESS)
    doing.wip_limit = LIMIT
    doing.save()
    for trial in range(3):
        Ticket.objects.filter(team=team, status=Status.IN_PROGRESS).update(status=Status.RESOLVED)
        tickets = [make_ticket(team, title=f"Trial {trial} #{i}") for i in range(THREADS)]
        start = threading.Barrier(THREADS)

        def drop(ticket: Ticket, start: threading.Barrier = start) -> bool:
            try:
                start.wait(timeout=30)
                ticket_move(ticket=ticket, by=None, column=doing)
                return True
            except WipLimitReached:
                return False
            finally:
                connection.close()

        with ThreadPoolExecutor(max_workers=THREADS) as pool:
            landed = sum(pool.map(drop, tickets))
        in_column = Ticket.objects.filter(team=team, status=Status.IN_PROGRESS).count()
        assert landed == LIMIT, f"trial {trial}: {landed} moves succeeded"
        assert in_column == LIMIT, f"trial {trial}: {in_column} tickets in a WIP-{LIMIT} column"


def test_eight_overlapping_sweeps_alert_and_notify_exactly_once(team, make_member):
    from datetime import timedelta

    from notifications.models import Notification
    from teams.models import Role
    from tickets.choices import Priority
    from tickets.models import SLAAlert, SLAPolicy, SLATarget
    from tickets.sla import sweep

    board_ensure_for_team(team=team)
    policy = SLAPolicy.objects.create(team=team, name="Tight", business_hours=False, escalate_to_column=False,
                                      raise_priority=False)  # fmt: skip
    for priority in Priority:
        SLATarget.objects.create(policy=policy, priority=priority, first_response_minutes=5, resolution_minutes=50)
    agent = make_member(team, Role.AGENT)
    tickets = [make_ticket(team, title=f"Due {i}", assignee=agent) for i in range(40)]
    later = max(Ticket.objects.values_list("frt_due_at", flat=True)) + timedelta(seconds=1)
    start = threading.Barrier(8)

    def run_sweep(_: int, start: threading.Barrier = start) -> list[int]:
        try:
            start.wait(timeout=30)
            return sweep.sla_sweep(now=later).breached
        finally:
            connection.close()

    for _round in range(3):  # re-delivered sweeps find nothing new
        with ThreadPoolExecutor(max_workers=8) as pool:
            claimed = [pk for found in pool.map(run_sweep, range(8)) for pk in found]
        if _round == 0:
            assert sorted(claimed) == sorted(t.pk for t in tickets)
        else:
            assert claimed == []
    assert SLAAlert.objects.filter(kind="breached", target="first_response").count() == 40
    assert Notification.objects.filter(kind__endswith="_breached", user=agent).count() == 40


def test_a_priority_raised_while_a_sweep_runs_is_breached_by_the_next_sweep(team):
    """The raise commits after the sweep read its marks: the mark it left commits with it and waits."""
    from datetime import timedelta

    from django.db import transaction

    from tests.tickets.test_sla_sweep_window import policy, started_ago
    from tickets.choices import Priority
    from tickets.services import ticket_update
    from tickets.sla import sweep

    board_ensure_for_team(team=team)
    policy(team, {Priority.LOW: (240, 2880), Priority.URGENT: (60, 480)})
    ticket = started_ago(make_ticket(team, priority=Priority.LOW), timedelta(hours=2))
    assert sweep.sla_sweep().breached == []
    written, swept = threading.Event(), threading.Event()

    def raise_priority() -> None:
        try:
            with transaction.atomic():
                ticket_update(ticket=ticket, by=None, expected_version=ticket.version,
                              changes={"priority": Priority.URGENT})  # fmt: skip
                written.set()
                assert swept.wait(timeout=30)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=1) as pool:
        editing = pool.submit(raise_priority)
        assert written.wait(timeout=30)
        assert sweep.sla_sweep().breached == [], "the raise is not committed yet"
        swept.set()
        editing.result(timeout=30)
    assert sweep.sla_sweep().breached == [ticket.pk]
