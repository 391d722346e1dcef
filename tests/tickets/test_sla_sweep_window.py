"""The sweep claims only targets that fell due lately: a write that moves a due time behind it leaves a mark.

Each test ages a ticket (its clock started hours ago), lets a sweep run, then
moves a due time into the past through the app's own services. Without the
sweep mark that write leaves, the next sweep would never see the breach.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.db.models import F
from django.utils import timezone

from tests.factories import make_ticket
from tickets.choices import Priority
from tickets.models import SLAAlert, SLAPolicy, SLATarget, Ticket
from tickets.services import board_ensure_for_team, ticket_update
from tickets.sla import engine, recompute, sweep

pytestmark = pytest.mark.django_db

CLOCK = ("created_at", "sla_started_at", "frt_due_at", "frt_warn_at", "res_due_at", "res_warn_at")


def policy(team, targets: dict[int, tuple[int, int]], **actions) -> SLAPolicy:
    """Calendar-time targets (first response, resolution minutes) per priority; breach actions off unless given."""
    actions = {"escalate_to_column": False, "raise_priority": False, "notify": False, **actions}
    made = SLAPolicy.objects.create(team=team, name="Standard", business_hours=False, **actions)
    for priority, (frt, res) in targets.items():
        SLATarget.objects.create(policy=made, priority=priority, first_response_minutes=frt, resolution_minutes=res)
    return made


def started_ago(ticket: Ticket, delta: timedelta) -> Ticket:
    """The ticket as if it had come in ``delta`` ago: its whole clock moves back, as a writer would leave it."""
    Ticket.objects.filter(pk=ticket.pk).update(**{name: F(name) - delta for name in CLOCK})
    moved = Ticket.objects.get(pk=ticket.pk)
    engine.sweep_from(min(t for t in (moved.frt_due_at, moved.frt_warn_at, moved.res_due_at, moved.res_warn_at) if t))
    return moved


def breaches(ticket: Ticket) -> set[str]:
    return set(SLAAlert.objects.filter(ticket=ticket, kind="breached").values_list("target", flat=True))


@pytest.fixture
def board(team):
    return board_ensure_for_team(team=team)


def test_priority_raised_past_its_target_is_breached_at_the_next_sweep(team, board):
    policy(team, {Priority.LOW: (240, 2880), Priority.URGENT: (60, 480)})
    ticket = started_ago(make_ticket(team, priority=Priority.LOW), timedelta(hours=2))
    assert sweep.sla_sweep().breached == [], "two hours into a four-hour target"

    raised = ticket_update(ticket=ticket, by=None, expected_version=ticket.version,
                           changes={"priority": Priority.URGENT})  # fmt: skip
    assert raised.frt_due_at < timezone.now() - timedelta(minutes=30), "the new target passed an hour ago"

    assert sweep.sla_sweep().breached == [ticket.pk]
    assert breaches(ticket) == {"first_response"}


def test_tightened_policy_breaches_at_the_next_sweep_after_its_recompute(team, board):
    standard = policy(team, dict.fromkeys(Priority, (240, 2880)))
    ticket = started_ago(make_ticket(team), timedelta(hours=2))
    assert sweep.sla_sweep().breached == []

    SLATarget.objects.filter(policy=standard).update(first_response_minutes=60)
    recompute.team_clocks_recompute(team=team)
    assert Ticket.objects.get(pk=ticket.pk).frt_due_at < timezone.now() - timedelta(minutes=30)

    assert sweep.sla_sweep().breached == [ticket.pk]


def test_priority_raised_by_a_breach_breaches_the_other_target_at_the_next_sweep(team, board):
    # Low: reply within 1 h, resolve within 10 h. Normal: 30 min and 2 h.
    policy(team, {Priority.LOW: (60, 600), Priority.NORMAL: (30, 120)}, raise_priority=True)
    ticket = started_ago(make_ticket(team, priority=Priority.LOW), timedelta(hours=3))

    first = sweep.sla_sweep()
    assert first.breached == [ticket.pk] and breaches(ticket) == {"first_response"}
    raised = Ticket.objects.get(pk=ticket.pk)
    assert raised.priority == Priority.NORMAL
    assert raised.res_due_at < timezone.now() - timedelta(minutes=30), "at Normal, resolution was due an hour ago"

    assert sweep.sla_sweep().breached == [ticket.pk]
    assert breaches(ticket) == {"first_response", "resolution"}


def test_a_sweep_leaves_no_breach_behind_when_nothing_moved(team, board):
    """The windows of consecutive sweeps overlap: a target due between two sweeps is claimed once."""
    policy(team, dict.fromkeys(Priority, (60, 600)))
    ticket = started_ago(make_ticket(team), timedelta(minutes=59, seconds=50))
    assert sweep.sla_sweep().breached == []
    assert sweep.sla_sweep(now=timezone.now() + timedelta(seconds=20)).breached == [ticket.pk]
    assert sweep.sla_sweep(now=timezone.now() + timedelta(seconds=40)).breached == []
    assert breaches(ticket) == {"first_response"}


@pytest.mark.skipif(connection.vendor != "postgresql", reason="heap-only updates are PostgreSQL's")
def test_claiming_breaches_rewrites_no_index_entry(team, board):
    """A claim changes no indexed column: PostgreSQL keeps each new row version on its page (HOT)."""
    policy(team, dict.fromkeys(Priority, (30, 600)))
    late = [started_ago(make_ticket(team, title=f"Late {n}"), timedelta(hours=1)) for n in range(5)]

    def updates() -> tuple[int, int]:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT n_tup_upd, n_tup_hot_upd FROM pg_stat_xact_user_tables WHERE relname = %s",
                [Ticket._meta.db_table],
            )
            return cursor.fetchone()

    before = updates()
    assert sorted(sweep.sla_sweep().breached) == sorted(t.pk for t in late)
    after = updates()
    assert after[0] - before[0] == len(late), "one update per claimed breach"
    assert after[1] - before[1] == len(late), "every claim was heap-only"
