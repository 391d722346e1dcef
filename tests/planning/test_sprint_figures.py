"""Sprint figures on a hand-computed sprint: additions, removals, re-estimates, reactive work, carry-over."""

from __future__ import annotations

from datetime import date

import pytest

from planning import services
from planning.choices import ChangeReason, SprintState
from planning.models import SprintChange, SprintItem, SprintSnapshot
from planning.snapshots import FIELDS, snapshots_due, snapshots_write
from tests.factories import make_ticket
from tests.planning.conftest import at
from tickets import services as ticket_services
from tickets.models import Ticket

pytestmark = pytest.mark.django_db

MON = date(2026, 3, 2)  # a sprint of two weeks: Monday 2 March to Sunday 15 March 2026


def _edit(ticket: Ticket, **changes) -> Ticket:
    ticket.refresh_from_db()
    return ticket_services.ticket_update(ticket=ticket, by=None, expected_version=ticket.version, changes=changes)


def _day(n: int) -> date:
    return date(2026, 3, n)


@pytest.fixture
def sprint_history(office_team, task, make_member):
    """The sprint below, with beat writing each day's snapshot at 17:30 (after the 17:00 close)."""
    lead = make_member(office_team, role="lead")
    with at(_day(1), 12):
        a, b, c = task(office_team, 5, "A"), task(office_team, 3, "B"), task(office_team, 8, "C")
        e = task(office_team, 2, "E")
        sprint = services.sprint_create(team=office_team, by=lead, start_date=MON)
        services.sprint_add(sprint=sprint, by=lead, tickets=[a, b, c])
    with at(MON, 8):
        services.sprint_start(sprint=sprint, by=lead)

    def beat(day: int) -> None:
        with at(_day(day), 17, 30):
            snapshots_due()

    beat(2)
    with at(_day(3), 10):
        _edit(a, status="resolved")  # A done: 5 points burn
    beat(3)
    with at(_day(4), 11):
        services.sprint_add(sprint=sprint, by=lead, tickets=[e])  # E added mid-sprint: +2
    beat(4)
    with at(_day(5), 12):
        _edit(b, story_points=5)  # B re-estimated 3 → 5: +2
    beat(5)
    with at(_day(6), 13):
        services.sprint_remove(sprint=sprint, by=lead, ticket=c)  # C removed: −8
    beat(6)
    beat(7)  # Saturday and Sunday: nothing happens, the days still get their snapshot
    beat(8)
    with at(_day(9), 10):
        reactive = make_ticket(office_team, title="Invoice wrong", kind="inquiry")
    with at(_day(9), 11):
        _edit(reactive, status="resolved")  # reactive work: 1 point (unestimated)
    for day in range(9, 14):
        beat(day)
    return sprint, {"a": a, "b": b, "c": c, "e": e}, lead


def _snap(sprint, day: int) -> dict:
    return SprintSnapshot.objects.filter(sprint=sprint, day=_day(day)).values(*FIELDS).get()


def test_commitment_is_locked_at_start(sprint_history):
    sprint, _, _ = sprint_history
    sprint.refresh_from_db()
    assert (sprint.committed_points, sprint.committed_items, sprint.state) == (16, 3, SprintState.ACTIVE)


def test_burndown_figures_match_the_hand_computed_sprint(sprint_history):
    sprint, _, _ = sprint_history
    rows = {d: _snap(sprint, d) for d in range(2, 14)}
    pick = ("committed_remaining", "scope_points", "completed_points", "added_points", "removed_points",
            "remaining_points", "reactive_points")  # fmt: skip
    expected = {
        2: (16, 16, 0, 0, 0, 16, 0),
        3: (11, 16, 5, 0, 0, 11, 0),
        4: (11, 18, 5, 2, 0, 13, 0),
        5: (11, 20, 5, 4, 0, 15, 0),
        6: (11, 12, 5, 4, 8, 7, 0),  # the committed line only burns down; C's removal is a scope step
        7: (11, 12, 5, 4, 8, 7, 0),
        9: (11, 12, 5, 4, 8, 7, 1),
        13: (11, 12, 5, 4, 8, 7, 1),
    }
    for day, want in expected.items():
        assert tuple(rows[day][k] for k in pick) == want, f"2026-03-{day:02d}"


def test_running_beat_again_changes_nothing_and_backfill_equals_live(sprint_history):
    sprint, _, _ = sprint_history
    live = list(SprintSnapshot.objects.filter(sprint=sprint).order_by("day").values("day", *FIELDS))
    assert len(live) == 12
    with at(_day(13), 18):
        assert snapshots_due() == 0
    SprintSnapshot.objects.all().delete()
    with at(_day(13), 18):
        snapshots_write([sprint], rebuild=True)
    assert list(SprintSnapshot.objects.filter(sprint=sprint).order_by("day").values("day", *FIELDS)) == live


def test_close_carries_over_chosen_items_and_the_closed_sprint_keeps_them(sprint_history):
    sprint, t, lead = sprint_history
    with at(_day(13), 18):
        result = services.sprint_close(sprint=sprint, by=lead, fates={t["e"].pk: "backlog"}, default="next")
    nxt = result.next_sprint
    assert (
        nxt is not None and nxt.start_date == _day(16) and nxt.state == SprintState.PLANNED
    )  # the day after Sunday 15th
    assert [x.pk for x in result.carried] == [t["b"].pk]
    assert [x.pk for x in result.returned] == [t["e"].pk]
    carried = SprintItem.objects.get(sprint=nxt, ticket=t["b"])
    assert (carried.reason, carried.times_carried) == (ChangeReason.CARRIED_IN, 1)
    # The closed sprint's history shows B leaving as carried over (to the next sprint), E back to the backlog.
    out = SprintChange.objects.filter(sprint=sprint, kind="left").values_list("ticket_id", "reason", "other_sprint")
    assert set(out) == {
        (t["c"].pk, ChangeReason.REMOVED, None),
        (t["b"].pk, ChangeReason.CARRIED_OUT, nxt.pk),
        (t["e"].pk, ChangeReason.RETURNED, None),
    }
    assert not SprintItem.objects.filter(sprint=sprint).exclude(ticket=t["a"]).exists()


def test_a_reopened_ticket_is_no_longer_done(sprint_history):
    sprint, t, _ = sprint_history
    with at(_day(13), 15):
        _edit(t["a"], status="todo")
    with at(_day(13), 18):
        snapshots_write([sprint], rebuild=True)
    row = _snap(sprint, 13)
    assert (row["completed_points"], row["committed_remaining"], row["remaining_points"]) == (0, 16, 12)
    assert _snap(sprint, 12)["completed_points"] == 5  # the days before keep what was true then


def test_a_ticket_is_reactive_work_only_while_it_is_not_a_sprint_item(office_team, task, make_member):
    """Created after the start and resolved: reactive, unless it sits in the sprint at that instant."""
    lead = make_member(office_team, role="lead")
    with at(_day(1), 12):
        sprint = services.sprint_create(team=office_team, by=lead, start_date=MON)
        services.sprint_add(sprint=sprint, by=lead, tickets=[task(office_team, 3, "Planned")])
    with at(MON, 8):
        services.sprint_start(sprint=sprint, by=lead)
    with at(_day(3), 10):
        pulled_in = task(office_team, 2, "Pulled in")
        services.sprint_add(sprint=sprint, by=lead, tickets=[pulled_in])
        dropped = task(office_team, 5, "Dropped")
        services.sprint_add(sprint=sprint, by=lead, tickets=[dropped])
        services.sprint_remove(sprint=sprint, by=lead, ticket=dropped)
        walk_in = make_ticket(office_team, title="Walk-in", kind="inquiry")
    with at(_day(3), 11):
        _edit(pulled_in, status="resolved")  # a sprint item: completed work, not reactive
        _edit(dropped, status="resolved")  # left the sprint before it was done: reactive, 5 points
        _edit(walk_in, status="resolved")  # never in the sprint: reactive, 1 point (unestimated)
    with at(_day(3), 17, 30):
        snapshots_due()
    row = _snap(sprint, 3)
    assert (row["reactive_items"], row["reactive_points"], row["completed_points"]) == (2, 6, 2)


def test_burndown_without_beat_reads_each_closed_day_at_its_close(office_team, task, make_member):
    """Beat late or down: closed days still show their figures (at their 17:00 close), today shows now."""
    from planning.charts import burndown
    from teams.calendar import BusinessCalendar

    lead = make_member(office_team, role="lead")
    with at(_day(1), 12):
        sprint = services.sprint_create(team=office_team, by=lead, start_date=MON)
        a, b = task(office_team, 5, "A"), task(office_team, 3, "B")
        services.sprint_add(sprint=sprint, by=lead, tickets=[a, b])
    with at(MON, 8):
        services.sprint_start(sprint=sprint, by=lead)
    with at(_day(3), 16):
        _edit(a, status="resolved")  # before Tuesday's close: burns on Tuesday
    with at(_day(3), 18):
        _edit(b, story_points=4)  # after the close: Wednesday's scope step
    sprint.refresh_from_db()
    with at(_day(4), 12):
        days = {d.day.day: d for d in burndown(sprint, BusinessCalendar.for_team(office_team))}
    assert not SprintSnapshot.objects.filter(sprint=sprint).exists()
    assert (days[2].figures.committed_remaining, days[2].figures.added_points, days[2].live) == (8, 0, False)
    assert (days[3].figures.committed_remaining, days[3].figures.added_points) == (3, 0)
    assert (days[4].figures.added_points, days[4].figures.scope_points, days[4].live) == (1, 9, True)
    assert days[5].figures is None
