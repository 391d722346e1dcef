"""The SLA engine against an independent business-time calculation, on seeded random cases.

The reference below shares no code with ``teams.calendar`` or the engine: it
walks the local days of the zone, turns each working interval into UTC with
``zoneinfo`` (so DST days are 23 or 25 hours long), clips it to the span and
adds up seconds; a due time is found by bisection on that count. Cases mix
three zones around their DST switches, office, split-day and round-the-clock
calendars, holidays, calendar-time policies, a wait on the customer that spans
days (it pauses resolution, never first response), and a priority raised
after the first response was decided (the outcome stays as judged).
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta
from unittest import mock
from zoneinfo import ZoneInfo

import pytest

from teams.models import Holiday, Role, WorkingHours
from tests.factories import TeamFactory, make_ticket
from tickets.choices import Priority, Status
from tickets.models import SLAOutcome, SLAPolicy, SLATarget, Ticket
from tickets.services import board_ensure_for_team, comment_add, ticket_move, ticket_update

pytestmark = pytest.mark.django_db

CASES = 36
SEED = 20261205
SWITCHES = {  # DST switches of 2026 in each zone
    "Europe/Berlin": (datetime(2026, 3, 29, tzinfo=UTC), datetime(2026, 10, 25, tzinfo=UTC)),
    "America/New_York": (datetime(2026, 3, 8, tzinfo=UTC), datetime(2026, 11, 1, tzinfo=UTC)),
    "Australia/Sydney": (datetime(2026, 4, 5, tzinfo=UTC), datetime(2026, 10, 4, tzinfo=UTC)),
}
CALENDARS = {
    "office": {d: [(540, 1020)] for d in range(5)},
    "split": {**{d: [(480, 720), (780, 1050)] for d in range(5)}, 5: [(600, 840)]},
    "round the clock": {d: [(0, 1440)] for d in range(7)},
}


# --- The reference ---------------------------------------------------------------------------------


def ref_seconds(zone: ZoneInfo, week: dict[int, list[tuple[int, int]]], holidays: set[date], a: datetime,
                b: datetime) -> int:  # fmt: skip
    """Working seconds between ``a`` and ``b``: local days walked one by one, intervals clipped."""
    if b <= a:
        return 0
    total = 0.0
    day = a.astimezone(zone).date() - timedelta(days=1)
    last = b.astimezone(zone).date() + timedelta(days=1)
    while day <= last:
        if day not in holidays:
            for start, end in week.get(day.weekday(), []):
                lo = datetime.combine(day, time(), tzinfo=zone) if start == 0 else datetime.combine(
                    day, time(start // 60, start % 60), tzinfo=zone)  # fmt: skip
                hi = (datetime.combine(day + timedelta(days=1), time(), tzinfo=zone) if end == 1440
                      else datetime.combine(day, time(end // 60, end % 60), tzinfo=zone))  # fmt: skip
                lo_u, hi_u = max(lo.astimezone(UTC), a), min(hi.astimezone(UTC), b)
                if hi_u > lo_u:
                    total += (hi_u - lo_u).total_seconds()
        day += timedelta(days=1)
    return int(total)


def ref_due(count, start: datetime, seconds: int) -> datetime:
    """The earliest whole second at which ``count(start, t)`` reaches ``seconds`` (bisection)."""
    lo, hi = start, start + timedelta(days=1)
    while count(start, hi) < seconds:
        hi += timedelta(days=max(1, (hi - start).days))
    while (hi - lo) > timedelta(seconds=1):
        mid = lo + (hi - lo) / 2
        mid = mid.replace(microsecond=0)
        if mid <= lo:
            mid = lo + timedelta(seconds=1)
        if count(start, mid) >= seconds:
            hi = mid
        else:
            lo = mid
    return hi


# --- The cases -----------------------------------------------------------------------------------


def at(moment: datetime):
    return mock.patch("django.utils.timezone.now", return_value=moment)


def test_due_times_and_outcomes_match_an_independent_calculation(make_member):
    rng = random.Random(SEED)
    seen: set[str] = set()
    for case in range(CASES):
        zone_name = rng.choice(sorted(SWITCHES))
        zone = ZoneInfo(zone_name)
        calendar_name = rng.choice(sorted(CALENDARS))
        week = CALENDARS[calendar_name]
        business = rng.random() < 0.8
        switch = rng.choice(SWITCHES[zone_name])
        start = (switch + timedelta(seconds=rng.randrange(-5 * 86400, 3 * 86400))).replace(microsecond=0)
        local_start = start.astimezone(zone).date()
        holidays = {local_start + timedelta(days=rng.randrange(0, 6)) for _ in range(rng.randrange(0, 3))}
        frt_minutes = rng.randrange(15, 900)
        res_minutes = frt_minutes + rng.randrange(60, 3000)
        label = f"case {case}: {zone_name}, {calendar_name}, {'business' if business else 'calendar'} time, {start}"

        team = TeamFactory(time_zone=zone_name)
        WorkingHours.objects.bulk_create(
            WorkingHours(team=team, weekday=d, start_minute=s, end_minute=e)
            for d, spans in week.items()
            for s, e in spans
        )
        Holiday.objects.bulk_create(Holiday(team=team, date=d, name="Closed") for d in holidays)
        board = board_ensure_for_team(team=team)
        policy = SLAPolicy.objects.create(team=team, name="Random", business_hours=business,
                                          escalate_to_column=False, raise_priority=False, notify=False)  # fmt: skip
        SLATarget.objects.create(policy=policy, priority=Priority.NORMAL, first_response_minutes=frt_minutes,
                                 resolution_minutes=res_minutes)  # fmt: skip
        SLATarget.objects.create(policy=policy, priority=Priority.URGENT, first_response_minutes=10,
                                 resolution_minutes=30)  # fmt: skip
        agent = make_member(team, Role.AGENT)

        def count(a: datetime, b: datetime, business=business, zone=zone, week=week, holidays=holidays) -> int:
            if not business:
                return max(0, int((b - a).total_seconds()))
            return ref_seconds(zone, week, holidays, a, b)

        with at(start):
            ticket = make_ticket(team, title=label)
        expected_frt = ref_due(count, start, frt_minutes * 60)
        assert Ticket.objects.get(pk=ticket.pk).frt_due_at == expected_frt, label

        # A wait on the customer over one or more days: resolution pauses, first response does not.
        wait_from = start + timedelta(seconds=rng.randrange(60, 36 * 3600))
        wait_to = wait_from + timedelta(seconds=rng.randrange(3600, 3 * 86400))
        columns = {c.status: c for c in board.columns.all()}
        with at(wait_from):
            ticket_move(ticket=Ticket.objects.get(pk=ticket.pk), by=agent, column=columns[Status.WAITING])
        with at(wait_to):
            ticket_move(ticket=Ticket.objects.get(pk=ticket.pk), by=agent, column=columns[Status.IN_PROGRESS])
        resumed = Ticket.objects.get(pk=ticket.pk)
        if resumed.frt_breached_at is None and resumed.first_response_at is None:
            assert resumed.frt_due_at == expected_frt, f"{label}: waiting moved the first response"

        def paused_count(a: datetime, b: datetime, count=count, wait_from=wait_from, wait_to=wait_to) -> int:
            return count(a, b) - count(max(a, wait_from), min(b, wait_to)) if b > wait_from else count(a, b)

        expected_res = ref_due(paused_count, start, res_minutes * 60)
        assert resumed.res_due_at == expected_res, f"{label}: resolution due"

        # Reply after the wait: decided against the first-response due time, whichever side it falls.
        reply = wait_to + timedelta(seconds=rng.randrange(0, 4 * 3600))
        with at(reply):
            comment_add(ticket=resumed, by=agent, body="Answer", is_public=True)
        frt = SLAOutcome.objects.get(ticket=ticket, target="first_response")
        assert frt.outcome == ("met" if reply <= expected_frt else "breached"), label
        if frt.outcome == "met":
            assert frt.elapsed_seconds == count(start, reply), f"{label}: first response elapsed"
        # A priority raised after the decision moves the running resolution clock, never the outcome.
        with at(reply + timedelta(minutes=1)):
            current = Ticket.objects.get(pk=ticket.pk)
            ticket_update(ticket=current, by=agent, expected_version=current.version,
                          changes={"priority": Priority.URGENT})  # fmt: skip
        assert SLAOutcome.objects.get(pk=frt.pk).outcome == frt.outcome, label
        seen |= {frt.outcome, calendar_name, "business" if business else "calendar", "holidays" if holidays else "open"}
        urgent = Ticket.objects.get(pk=ticket.pk)
        assert urgent.res_due_at == ref_due(paused_count, start, 30 * 60) or urgent.res_breached_at, label
    # The cases cover what they claim to.
    assert {"met", "breached", "business", "calendar", "holidays", *CALENDARS} <= seen
