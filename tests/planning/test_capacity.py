"""Capacity and the interrupt budget on hand-computed cases."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from planning import services
from planning.capacity import sprint_capacity
from teams.models import DayOff, Membership
from tests.factories import HolidayFactory
from tests.planning.conftest import at

pytestmark = pytest.mark.django_db


def test_capacity_counts_working_days_days_off_holidays_and_late_joiners(office_team, make_member):
    with at(date(2026, 1, 5), 9):
        lead = make_member(office_team, role="lead", first_name="Lea")  # 20 points a sprint: 2 a day
        agent = make_member(office_team, role="agent", first_name="Ana")
        late = make_member(office_team, role="agent", first_name="Zoe")
    make_member(office_team, role="viewer")  # viewers and managers plan no work
    make_member(office_team, role="manager")
    Membership.objects.filter(user=agent).update(capacity=10)  # 1 a day
    Membership.objects.filter(user=late).update(joined_at=datetime(2026, 3, 9, 8, tzinfo=UTC))
    HolidayFactory(team=office_team, date=date(2026, 3, 6), name="Team day")  # Friday: 9 working days left
    ana = Membership.objects.get(user=agent)
    DayOff.objects.create(membership=ana, date=date(2026, 3, 3))  # a working day off
    DayOff.objects.create(membership=ana, date=date(2026, 3, 7))  # a Saturday: changes nothing
    with at(date(2026, 2, 20), 9):
        sprint = services.sprint_create(
            team=office_team, by=lead, start_date=date(2026, 3, 2), interrupt_share=Decimal("0.25")
        )
    cap = sprint_capacity(sprint)
    assert cap.working_days == 9
    by_name = {m.name.split()[0]: (m.working_days, m.days_off, m.points) for m in cap.members}
    assert by_name == {
        "Lea": (9, 0, Decimal("14.4")),  # 9 × 2 × 0.8
        "Ana": (8, 1, Decimal("6.4")),  # (9 − 1) × 1 × 0.8
        "Zoe": (5, 0, Decimal("8.0")),  # joined Monday 9th: 5 working days × 2 × 0.8
    }
    assert (cap.gross, cap.interrupt_points, cap.plannable) == (Decimal("28.8"), Decimal("7.2"), Decimal("21.6"))
    assert not cap.share_is_default


def test_interrupt_default_is_the_reactive_share_of_the_last_three_closed_sprints(office_team, task, make_member):
    from tests.factories import make_ticket
    from tickets import services as ticket_services

    lead = make_member(office_team, role="lead")
    done = []
    starts = [date(2026, 1, 5), date(2026, 1, 19), date(2026, 2, 2), date(2026, 2, 16)]
    # Completed points per sprint: 10, 8, 6, 4; reactive points: 0 (oldest, outside the three), 2, 2, 4.
    plan = [(10, 0), (8, 2), (6, 2), (4, 4)]
    for start, (points, reactive) in zip(starts, plan, strict=True):
        with at(start, 8):
            sprint = services.sprint_create(team=office_team, by=lead, start_date=start)
            t = task(office_team, points)
            services.sprint_add(sprint=sprint, by=lead, tickets=[t])
            services.sprint_start(sprint=sprint, by=lead)
        with at(start, 10):
            ticket_services.ticket_update(ticket=t, by=None, expected_version=t.version, changes={"status": "resolved"})
            for _ in range(reactive // 2):
                r = make_ticket(office_team, title="Urgent question", story_points=2)
                ticket_services.ticket_update(
                    ticket=r, by=None, expected_version=r.version, changes={"status": "resolved"}
                )
        with at(start.replace(day=start.day + 11), 18):
            services.sprint_close(sprint=sprint, by=lead)
        done.append(sprint)
    with at(date(2026, 2, 28), 9):
        nxt = services.sprint_create(team=office_team, by=lead, start_date=date(2026, 3, 2))
    cap = sprint_capacity(nxt)
    assert [(p.completed, p.reactive) for p in cap.history] == [(4, 4), (6, 2), (8, 2)]
    # (4 + 2 + 2) / (4 + 2 + 2 + 4 + 6 + 8) = 8 / 26
    assert cap.share_is_default and cap.interrupt_share == Decimal("0.308")
