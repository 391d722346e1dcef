"""Leads are told when reactive work passes the sprint's interrupt budget: once, naming what gives way."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from notifications.models import Notification
from planning import services
from planning.budget import budgets_check
from teams.models import Membership
from tests.factories import make_ticket
from tests.planning.conftest import at
from tickets import services as ticket_services

pytestmark = pytest.mark.django_db

MON = date(2026, 3, 2)


def _resolve(ticket) -> None:
    ticket.refresh_from_db()
    ticket_services.ticket_update(
        ticket=ticket, by=None, expected_version=ticket.version, changes={"status": "resolved"}
    )


def test_lead_is_told_once_which_committed_items_give_way(office_team, task, make_member):
    lead = make_member(office_team, role="lead")  # 20 points a sprint
    agent = make_member(office_team, role="agent")
    Membership.objects.filter(user=agent).update(capacity=0)  # on leave from sprint work
    Membership.objects.filter(team=office_team).update(joined_at=datetime(2026, 1, 5, tzinfo=UTC))
    with at(date(2026, 3, 1), 12):
        # Capacity 20 × focus 0.8 = 16 points; 10 % (1.6 points) reserved for interrupts.
        sprint = services.sprint_create(
            team=office_team, by=lead, start_date=MON, focus_factor=Decimal("0.8"), interrupt_share=Decimal("0.1")
        )
        top, bottom = task(office_team, 3, "Rewrite macros"), task(office_team, 2, "Tag cleanup")
        services.sprint_add(sprint=sprint, by=lead, tickets=[top, bottom])
    with at(MON, 8):
        services.sprint_start(sprint=sprint, by=lead)
    with at(date(2026, 3, 3), 10):
        assert budgets_check() == 0  # no reactive work yet
        walk_ins = [make_ticket(office_team, title=f"Walk-in {n}", kind="inquiry") for n in range(3)]
    with at(date(2026, 3, 3), 11):
        _resolve(walk_ins[0])
        assert budgets_check() == 0  # 1 point used of 1.6: within budget
        for t in walk_ins[1:]:
            _resolve(t)
        assert budgets_check() == 1  # 3 points used: 1.4 over
    with at(date(2026, 3, 3), 11, 15):
        assert budgets_check() == 0  # the next beat run tells nobody again
    note = Notification.objects.get(user=lead)
    key = office_team.slug.upper()
    # The lowest item in sprint order (2 points) covers the 1.4 points over; the top item stays.
    assert f"{key}-{bottom.number} Tag cleanup" in note.message
    assert f"{key}-{top.number}" not in note.message
    assert "3 points in 3 tickets" in note.message and "1.6 points" in note.message
    assert note.link.endswith(f"/sprints/{sprint.number}/")
    assert not Notification.objects.filter(user=agent).exists()
