"""Business time: ``teams.calendar`` against a minute-by-minute model of the rules, and the rules by example.

The model (:class:`Model`) knows nothing of the implementation. It reads the
zone's wall clock at every UTC minute of 2026 (and a margin) and marks working
minutes interval by interval, straight from the rules as the product states them:

- an interval of a local date starts at the first minute at which the wall clock
  shows its start or more (a repeated time: its first occurrence; a skipped time:
  the moment of the jump past it), and
- ends at the last minute at which the wall clock shows its end (a repeated
  time: its second occurrence) or, where the clock skips it, at the jump past
  it; an end of 24:00 is where the next date begins, by the rule for starts;
- a holiday is a local date whose intervals are left out; working time is the
  union of what is marked.

Every zone used changes its offset on whole minutes, so a minute grid is exact.
"""

from __future__ import annotations

import functools
import itertools
from array import array
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from teams.calendar import BusinessCalendar

ZONES = ("Europe/Berlin", "America/New_York", "Australia/Sydney", "UTC", "Asia/Kolkata", "America/Havana")
# Days the clocks change in 2026 (Havana changes at midnight: 00:00 is skipped in March, repeated in November).
DST_DAYS = {
    "Europe/Berlin": (date(2026, 3, 29), date(2026, 10, 25)),
    "America/New_York": (date(2026, 3, 8), date(2026, 11, 1)),
    "Australia/Sydney": (date(2026, 4, 5), date(2026, 10, 4)),
    "America/Havana": (date(2026, 3, 8), date(2026, 11, 1)),
}
ALL_DST_DAYS = tuple(sorted({d for days in DST_DAYS.values() for d in days}))

ORIGIN = datetime(2025, 12, 25, tzinfo=UTC)  # minute 0 of the model; local day 0 is 2025-12-25
HORIZON = datetime(2027, 1, 31, tzinfo=UTC)
MINUTE = timedelta(minutes=1)
SECOND = timedelta(seconds=1)
DAY_MINUTES = 24 * 60

# Enough examples to meet every DST day in every zone; the file runs in a few seconds.
PROPERTY = settings(max_examples=250, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])


def at(minute: int) -> datetime:
    """The instant of a model minute."""
    return ORIGIN + minute * MINUTE


# --- The model ------------------------------------------------------------------------------


@dataclass(frozen=True)
class WallClock:
    """What a zone's wall clock shows (minutes since local 2025-12-25 00:00) at each UTC minute of the horizon.

    Besides the readings: the highest reading so far and the lowest reading
    still to come, which never decrease, so "the first minute at which …" and
    "the last minute at which …" are binary searches.
    """

    readings: array
    so_far: array
    still_to_come: array

    def first_showing(self, wall: int) -> int:
        """The first minute at which the clock shows ``wall`` or more."""
        return bisect_left(self.so_far, wall)

    def last_showing(self, wall: int) -> int:
        """The last minute at which the clock shows ``wall``; where it never does, the jump past it."""
        after = bisect_right(self.still_to_come, wall)  # from here on the clock shows more than ``wall``
        return after - 1 if after and self.readings[after - 1] == wall else after


@functools.cache
def wall_clock(zone_name: str) -> WallClock:
    zone = ZoneInfo(zone_name)
    origin = int(ORIGIN.timestamp())
    count = (HORIZON - ORIGIN) // MINUTE
    readings = [i + datetime.fromtimestamp(origin + 60 * i, zone).utcoffset() // MINUTE for i in range(count)]
    return WallClock(
        readings=array("q", readings),
        so_far=array("q", itertools.accumulate(readings, max)),
        still_to_come=array("q", reversed(list(itertools.accumulate(reversed(readings), min)))),
    )


@dataclass(frozen=True)
class Spec:
    zone: str
    intervals: tuple[tuple[int, int, int], ...]
    holidays: frozenset[date]
    always_open: bool = False

    def calendar(self) -> BusinessCalendar:
        return BusinessCalendar(
            time_zone=self.zone, intervals=self.intervals, holidays=self.holidays, always_open=self.always_open
        )


class Model:
    """The working minutes of ``spec`` between model minutes ``lo`` and ``hi``."""

    def __init__(self, spec: Spec, lo: int, hi: int) -> None:
        self.lo, self.hi = lo, hi
        if spec.always_open:
            self.open = bytearray(b"\x01" * (hi - lo))
            return
        self.open = bytearray(hi - lo)
        clock = wall_clock(spec.zone)
        first_day, last_day = clock.so_far[lo] // DAY_MINUTES - 2, clock.so_far[hi - 1] // DAY_MINUTES + 2
        for day in range(first_day, last_day + 1):
            local_date = ORIGIN.date() + timedelta(days=day)
            if local_date in spec.holidays:
                continue
            for weekday, start, end in spec.intervals:
                if weekday != local_date.weekday():
                    continue
                first = clock.first_showing(day * DAY_MINUTES + start)
                if end == DAY_MINUTES:
                    last = clock.first_showing((day + 1) * DAY_MINUTES)
                else:
                    last = clock.last_showing(day * DAY_MINUTES + end)
                first, last = max(first, lo), min(last, hi)
                if first < last:
                    self.open[first - lo : last - lo] = b"\x01" * (last - first)

    def is_open(self, minute: int) -> bool:
        return bool(self.open[minute - self.lo])

    def count(self, start: int, end: int) -> int:
        return self.open[start - self.lo : end - self.lo].count(1)

    def add(self, start: int, minutes: int) -> int:
        """The first minute boundary after ``start`` by which ``minutes`` working minutes have passed."""
        position = start
        while minutes:
            minutes -= self.open[position - self.lo]
            position += 1
        return position

    def runs(self, start: int, end: int) -> list[tuple[int, int]]:
        runs: list[tuple[int, int]] = []
        minute = start
        for is_open, group in itertools.groupby(self.open[start - self.lo : end - self.lo]):
            length = len(list(group))
            if is_open:
                runs.append((minute, minute + length))
            minute += length
        return runs

    def flip_after(self, minute: int, until: int) -> int | None:
        state = self.open[minute - self.lo]
        for later in range(minute + 1, until):
            if self.open[later - self.lo] != state:
                return later
        return None


# --- Random calendars -----------------------------------------------------------------------

# Minutes of the day, with the hours the clocks change at (00:00, 01:00, 02:00, 02:30, 03:00) more often.
TIMES = st.one_of(st.integers(0, DAY_MINUTES), st.sampled_from([0, 60, 120, 150, 180, 540, 1020, 1320, 1380, 1440]))


@st.composite
def weekly_hours(draw: st.DrawFn) -> tuple[tuple[int, int, int], ...]:
    intervals: list[tuple[int, int, int]] = []
    for weekday in range(7):
        shape = draw(st.sampled_from(("closed", "hours", "hours", "hours", "all day")))
        if shape == "all day":
            intervals.append((weekday, 0, DAY_MINUTES))
        elif shape == "hours":
            count = draw(st.integers(0, 3))
            points = sorted(draw(st.lists(TIMES, min_size=2 * count, max_size=2 * count, unique=True)))
            intervals += [(weekday, start, end) for start, end in zip(points[::2], points[1::2], strict=True)]
    for _ in range(draw(st.integers(0, 2))):  # night shifts: to midnight, and on from it the next day
        weekday = draw(st.integers(0, 6))
        intervals.append((weekday, draw(st.integers(0, DAY_MINUTES - 1)), DAY_MINUTES))
        intervals.append(((weekday + 1) % 7, 0, draw(st.integers(1, DAY_MINUTES))))
    if intervals and draw(st.booleans()):  # one interval overlapping another: counted once
        weekday, start, end = draw(st.sampled_from(intervals))
        intervals.append((weekday, max(0, start - draw(st.integers(0, 120))), min(DAY_MINUTES, end + 30)))
    return tuple(intervals)


@st.composite
def scenarios(draw: st.DrawFn) -> tuple[Spec, int]:
    """A calendar and a start minute: any time of 2026, or within two days of a DST change."""
    zone = draw(st.sampled_from(ZONES))
    near_dst = st.sampled_from(DST_DAYS.get(zone, ALL_DST_DAYS))
    day = draw(st.one_of(st.dates(date(2026, 1, 1), date(2026, 12, 24)), near_dst))
    start = (datetime(day.year, day.month, day.day, tzinfo=UTC) - ORIGIN) // MINUTE
    start += draw(st.integers(-2 * DAY_MINUTES, 2 * DAY_MINUTES))
    holidays = frozenset(day + timedelta(days=k) for k in draw(st.lists(st.integers(-3, 21), max_size=4)))
    spec = Spec(
        zone=zone,
        intervals=draw(weekly_hours()),
        holidays=holidays,
        always_open=draw(st.integers(0, 24)) == 0,
    )
    return spec, start


# Minutes: within the hour, across nights and weekends, up to two weeks and more.
DURATIONS = st.one_of(st.integers(0, 240), st.integers(0, 3 * DAY_MINUTES), st.integers(0, 16 * DAY_MINUTES))


# --- Properties -----------------------------------------------------------------------------


@PROPERTY
@given(scenarios(), DURATIONS)
def test_business_seconds_and_periods_match_the_model(scenario: tuple[Spec, int], minutes: int) -> None:
    spec, start = scenario
    end = start + minutes
    model = Model(spec, start - 3 * DAY_MINUTES, end + 3 * DAY_MINUTES)
    calendar = spec.calendar()

    assert calendar.business_seconds(at(start), at(end)) == 60 * model.count(start, end)
    assert calendar.business_seconds(at(end), at(start)) == 0

    periods = list(calendar.periods(at(start), at(end)))
    assert periods == [(at(a), at(b)) for a, b in model.runs(start, end)]
    # Disjoint, merged, in order, inside [start, end), in UTC, and they add up.
    for (_, b), (c, _) in itertools.pairwise(periods):
        assert b < c
    assert all(at(start) <= a < b <= at(end) and a.utcoffset() == timedelta(0) for a, b in periods)
    assert sum((b - a) // SECOND for a, b in periods) == calendar.business_seconds(at(start), at(end))


@PROPERTY
@given(scenarios(), st.data())
def test_add_business_seconds_is_the_earliest_inverse(scenario: tuple[Spec, int], data: st.DataObject) -> None:
    spec, start = scenario
    window = 16 * DAY_MINUTES
    model = Model(spec, start - 3 * DAY_MINUTES, start + window + 3 * DAY_MINUTES)
    calendar = spec.calendar()
    minutes = data.draw(st.integers(0, model.count(start, start + window)), label="minutes")

    due = calendar.add_business_seconds(at(start), 60 * minutes)
    assert due == at(model.add(start, minutes))
    assert calendar.business_seconds(at(start), due) == 60 * minutes
    if minutes:
        # The earliest such instant: one second sooner is one second short.
        assert calendar.business_seconds(at(start), due - SECOND) == 60 * minutes - 1
        # Whole seconds: the last working minute is used up second by second.
        short = data.draw(st.integers(1, 59), label="seconds short")
        assert calendar.add_business_seconds(at(start), 60 * minutes - short) == due - short * SECOND
    if not spec.always_open and not spec.intervals:
        with pytest.raises(ValueError, match="calendar has no working hours"):
            calendar.add_business_seconds(at(start), 1)


@PROPERTY
@given(scenarios(), st.integers(0, 10 * 86_400), st.integers(0, 10 * 86_400), st.integers(0, 86_399_999_999))
def test_business_seconds_add_up(scenario: tuple[Spec, int], first: int, second: int, micros: int) -> None:
    """business_seconds(a, c) == business_seconds(a, b) + business_seconds(b, c), at any second and microsecond."""
    spec, start = scenario
    calendar = spec.calendar()
    a = at(start) + timedelta(microseconds=micros)
    b = a + timedelta(seconds=first, microseconds=micros % 7919)
    c = b + timedelta(seconds=second)
    assert calendar.business_seconds(a, c) == calendar.business_seconds(a, b) + calendar.business_seconds(b, c)
    # And in any zone the caller happens to use.
    assert calendar.business_seconds(a.astimezone(ZoneInfo("Asia/Kolkata")), c) == calendar.business_seconds(a, c)


@PROPERTY
@given(scenarios(), st.integers(0, 59))
def test_is_open_and_next_change_agree_with_the_model_and_periods(scenario: tuple[Spec, int], seconds: int) -> None:
    spec, moment = scenario
    window = 22 * DAY_MINUTES
    model = Model(spec, moment - 3 * DAY_MINUTES, moment + window + 3 * DAY_MINUTES)
    calendar = spec.calendar()
    instant = at(moment)

    assert calendar.is_open(instant) is model.is_open(moment)
    around = calendar.periods(instant - timedelta(days=2), instant + timedelta(days=2))
    assert calendar.is_open(instant) is any(a <= instant < b for a, b in around)

    change = calendar.next_change(instant)
    flip = model.flip_after(moment, moment + window)
    if flip is None:
        assert change is None or change > at(moment + window)
    else:
        assert change == at(flip)
    if change is not None:
        assert change.utcoffset() == timedelta(0)
        assert calendar.is_open(change) is not calendar.is_open(instant)
        assert calendar.is_open(change - SECOND) is calendar.is_open(instant)

    # Within the same minute nothing changes.
    later = instant + timedelta(seconds=seconds, microseconds=500)
    assert calendar.is_open(later) is calendar.is_open(instant)
    assert calendar.next_change(later) == change


# --- The rules by example -------------------------------------------------------------------

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
SYDNEY = ZoneInfo("Australia/Sydney")
HAVANA = ZoneInfo("America/Havana")
EVERY_DAY = [(weekday, 0, DAY_MINUTES) for weekday in range(7)]
OFFICE = [(weekday, 9 * 60, 17 * 60) for weekday in range(5)]  # Monday to Friday, 09:00-17:00
HOUR = 3600


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


@pytest.mark.parametrize(
    ("zone", "long_day", "short_day"),
    [
        ("Europe/Berlin", date(2026, 10, 25), date(2026, 3, 29)),
        ("America/New_York", date(2026, 11, 1), date(2026, 3, 8)),
        ("Australia/Sydney", date(2026, 4, 5), date(2026, 10, 4)),
        ("America/Havana", date(2026, 11, 1), date(2026, 3, 8)),  # at midnight
    ],
)
def test_a_whole_day_lasts_25_hours_when_clocks_fall_back_and_23_when_they_spring_forward(zone, long_day, short_day):
    tz = ZoneInfo(zone)
    days = [(long_day, 25), (short_day, 23), (long_day + timedelta(days=7), 24)]
    days += [(long_day - timedelta(days=1), 24), (short_day - timedelta(days=1), 24)]  # the day before: as usual
    for day, hours in days:
        calendar = BusinessCalendar(time_zone=zone, intervals=[(day.weekday(), 0, DAY_MINUTES)])
        start = datetime(day.year, day.month, day.day, tzinfo=tz)
        (period,) = calendar.periods(start - timedelta(days=1), start + timedelta(days=2))
        assert period[1] - period[0] == timedelta(hours=hours)
        assert calendar.business_seconds(start - timedelta(days=1), start + timedelta(days=2)) == hours * HOUR


def test_24_hours_every_day_is_round_the_clock_across_dst():
    every_day = BusinessCalendar(time_zone="Europe/Berlin", intervals=EVERY_DAY)
    always = BusinessCalendar.always("Europe/Berlin")
    start, end = utc(2026, 3, 20, 13, 7, 5), utc(2026, 11, 2, 1, 0)
    assert every_day.business_seconds(start, end) == always.business_seconds(start, end) == (end - start) // SECOND
    assert list(every_day.periods(start, end)) == [(start, end)]
    assert every_day.add_business_seconds(start, 40 * 24 * HOUR) == start + timedelta(days=40)
    assert every_day.next_change(start) is None and always.next_change(start) is None


def test_always_open_counts_every_second():
    always = BusinessCalendar.always()
    start = datetime(2026, 10, 24, 23, 0, 0, 250_000, tzinfo=BERLIN)
    assert always.has_hours and always.is_open(start)
    # Across the night the clocks fall back: three days on the wall clock are 72 hours and one.
    assert always.business_seconds(start, start + timedelta(days=3, seconds=5)) == 73 * HOUR + 5
    assert always.add_business_seconds(start, 90) == start.replace(microsecond=0) + timedelta(seconds=90)
    assert always.add_business_seconds(start, 90).tzinfo == UTC
    assert list(always.periods(start, start)) == []


def test_a_start_in_the_skipped_hour_moves_to_the_jump():
    # Berlin, Sunday 29 March 2026: 02:00 CET jumps to 03:00 CEST (01:00 UTC).
    calendar = BusinessCalendar(time_zone="Europe/Berlin", intervals=[(6, 2 * 60 + 30, 5 * 60)])
    assert list(calendar.periods(utc(2026, 3, 28), utc(2026, 3, 30))) == [(utc(2026, 3, 29, 1), utc(2026, 3, 29, 3))]


def test_an_end_in_the_skipped_hour_moves_to_the_jump():
    calendar = BusinessCalendar(time_zone="Europe/Berlin", intervals=[(6, 0, 2 * 60 + 30)])
    # 00:00 CET is 23:00 UTC on Saturday; the end, 02:30, does not exist: 03:00 CEST, 01:00 UTC.
    assert list(calendar.periods(utc(2026, 3, 28), utc(2026, 3, 30))) == [(utc(2026, 3, 28, 23), utc(2026, 3, 29, 1))]


def test_an_interval_inside_the_skipped_hour_is_empty_that_day_only():
    calendar = BusinessCalendar(time_zone="America/New_York", intervals=[(6, 2 * 60 + 10, 2 * 60 + 50)])
    assert calendar.business_seconds(utc(2026, 3, 7), utc(2026, 3, 10)) == 0
    assert not calendar.is_open(utc(2026, 3, 8, 7, 30))
    assert calendar.business_seconds(utc(2026, 3, 14), utc(2026, 3, 17)) == 40 * 60
    assert calendar.next_change(utc(2026, 3, 7)) == datetime(2026, 3, 15, 2, 10, tzinfo=NEW_YORK)


def test_a_repeated_start_is_its_first_occurrence_and_a_repeated_end_its_second():
    # Berlin, Sunday 25 October 2026: 03:00 CEST falls back to 02:00 CET; 02:00-03:00 happens twice.
    starts_twice = BusinessCalendar(time_zone="Europe/Berlin", intervals=[(6, 2 * 60 + 30, 4 * 60)])
    assert list(starts_twice.periods(utc(2026, 10, 24), utc(2026, 10, 26))) == [
        (utc(2026, 10, 25, 0, 30), utc(2026, 10, 25, 3))  # 02:30 CEST to 04:00 CET: 2.5 hours
    ]
    ends_twice = BusinessCalendar(time_zone="Europe/Berlin", intervals=[(6, 60, 2 * 60 + 30)])
    assert list(ends_twice.periods(utc(2026, 10, 24), utc(2026, 10, 26))) == [
        (utc(2026, 10, 24, 23), utc(2026, 10, 25, 1, 30))  # 01:00 CEST to the second 02:30 (CET): 2.5 hours
    ]


def test_night_shift_across_midnight_and_into_the_weekend():
    # 22:00-06:00, Monday night to Friday night; nobody works from Saturday 06:00 to Monday 22:00.
    nights = [(weekday, 22 * 60, DAY_MINUTES) for weekday in range(5)]
    nights += [(weekday, 0, 6 * 60) for weekday in range(1, 6)]
    calendar = BusinessCalendar(time_zone="Europe/Berlin", intervals=nights)
    friday_night = datetime(2026, 6, 12, 23, 0, tzinfo=BERLIN)

    week = list(calendar.periods(datetime(2026, 6, 8, tzinfo=BERLIN), datetime(2026, 6, 15, 23, tzinfo=BERLIN)))
    assert [
        (a.astimezone(BERLIN).strftime("%a %H:%M"), b.astimezone(BERLIN).strftime("%a %H:%M")) for a, b in week
    ] == [
        ("Mon 22:00", "Tue 06:00"),
        ("Tue 22:00", "Wed 06:00"),
        ("Wed 22:00", "Thu 06:00"),
        ("Thu 22:00", "Fri 06:00"),
        ("Fri 22:00", "Sat 06:00"),  # one stretch across midnight, not two
        ("Mon 22:00", "Mon 23:00"),
    ]
    assert calendar.is_open(datetime(2026, 6, 13, 0, 0, tzinfo=BERLIN))
    assert calendar.next_change(friday_night) == datetime(2026, 6, 13, 6, 0, tzinfo=BERLIN)
    # 7 hours on Friday night, the other 3 from Monday 22:00: due Tuesday 01:00.
    due = calendar.add_business_seconds(friday_night, 10 * HOUR)
    assert due == datetime(2026, 6, 16, 1, 0, tzinfo=BERLIN)
    assert calendar.next_change(datetime(2026, 6, 13, 6, 0, tzinfo=BERLIN)) == datetime(2026, 6, 15, 22, tzinfo=BERLIN)


def test_night_shift_stays_one_stretch_when_midnight_itself_is_skipped_or_repeated():
    # Havana: midnight jumps to 01:00 on 8 March 2026 and 01:00 falls back to 00:00 on 1 November 2026.
    calendar = BusinessCalendar(time_zone="America/Havana", intervals=[(5, 22 * 60, DAY_MINUTES), (6, 0, 6 * 60)])
    spring = list(calendar.periods(utc(2026, 3, 7), utc(2026, 3, 9)))
    assert spring == [(utc(2026, 3, 8, 3), utc(2026, 3, 8, 10))]  # 22:00 CST to 06:00 CDT: 7 hours
    autumn = list(calendar.periods(utc(2026, 10, 31), utc(2026, 11, 2)))
    assert autumn == [(utc(2026, 11, 1, 2), utc(2026, 11, 1, 11))]  # 22:00 CDT to 06:00 CST: 9 hours, counted once
    assert calendar.business_seconds(utc(2026, 10, 31), utc(2026, 11, 2)) == 9 * HOUR


def test_a_holiday_on_a_working_day_is_skipped():
    calendar = BusinessCalendar(time_zone="Europe/Berlin", intervals=OFFICE, holidays=[date(2026, 12, 25)])
    thursday = datetime(2026, 12, 24, 16, 0, tzinfo=BERLIN)
    assert calendar.add_business_seconds(thursday, 2 * HOUR) == datetime(2026, 12, 28, 10, 0, tzinfo=BERLIN)
    christmas = datetime(2026, 12, 25, tzinfo=BERLIN)
    assert calendar.business_seconds(christmas, christmas + timedelta(days=1)) == 0
    assert not calendar.is_open(christmas + timedelta(hours=10))
    assert calendar.next_change(thursday) == datetime(2026, 12, 24, 17, 0, tzinfo=BERLIN)
    assert calendar.next_change(datetime(2026, 12, 24, 17, 0, tzinfo=BERLIN)) == datetime(
        2026, 12, 28, 9, 0, tzinfo=BERLIN
    )
    # Without the holiday Friday counts.
    plain = BusinessCalendar(time_zone="Europe/Berlin", intervals=OFFICE)
    assert plain.add_business_seconds(thursday, 2 * HOUR) == datetime(2026, 12, 25, 10, 0, tzinfo=BERLIN)


def test_the_evening_before_a_holiday_ends_at_midnight():
    calendar = BusinessCalendar(
        time_zone="Europe/Berlin", intervals=[(3, 20 * 60, DAY_MINUTES), (4, 0, 4 * 60)], holidays=[date(2026, 12, 25)]
    )
    assert list(calendar.periods(utc(2026, 12, 24), utc(2026, 12, 26))) == [
        (utc(2026, 12, 24, 19), utc(2026, 12, 24, 23))
    ]


def test_round_the_clock_with_a_holiday_changes_only_at_the_holiday():
    calendar = BusinessCalendar(time_zone="Asia/Kolkata", intervals=EVERY_DAY, holidays=[date(2027, 1, 26)])
    assert calendar.next_change(utc(2026, 12, 1)) == datetime(2027, 1, 26, tzinfo=ZoneInfo("Asia/Kolkata"))
    assert calendar.next_change(utc(2027, 1, 26, 12)) == datetime(2027, 1, 27, tzinfo=ZoneInfo("Asia/Kolkata"))
    assert calendar.next_change(utc(2027, 1, 27, 12)) is None


def test_no_working_hours_at_all():
    calendar = BusinessCalendar(time_zone="Europe/Berlin", intervals=[], holidays=[date(2026, 1, 1)])
    start = utc(2026, 1, 1)
    assert not calendar.has_hours
    assert calendar.business_seconds(start, start + timedelta(days=30)) == 0
    assert list(calendar.periods(start, start + timedelta(days=30))) == []
    assert not calendar.is_open(start) and calendar.next_change(start) is None
    assert calendar.add_business_seconds(start, 0) is start
    with pytest.raises(ValueError, match=r"^calendar has no working hours$"):
        calendar.add_business_seconds(start, 60)


def test_zero_seconds_returns_the_start_unchanged():
    calendar = BusinessCalendar(time_zone="Europe/Berlin", intervals=OFFICE)
    saturday = datetime(2026, 6, 13, 12, 0, 1, 999, tzinfo=SYDNEY)
    assert calendar.add_business_seconds(saturday, 0) is saturday


def test_a_far_target_on_a_sparse_calendar_is_reached_week_by_week():
    # One hour a week (Wednesday 10:00-11:00 in Berlin) and 500 hours to go: the 500th Wednesday at 11:00.
    calendar = BusinessCalendar(time_zone="Europe/Berlin", intervals=[(2, 10 * 60, 11 * 60)])
    start = datetime(2026, 1, 7, 10, 30, tzinfo=BERLIN)  # a Wednesday, half an hour in
    due = calendar.add_business_seconds(start, 500 * HOUR)
    last_wednesday = date(2026, 1, 7) + timedelta(weeks=500)
    assert due == datetime(last_wednesday.year, last_wednesday.month, last_wednesday.day, 10, 30, tzinfo=BERLIN)
    assert calendar.business_seconds(start, due) == 500 * HOUR


def test_sub_second_parts_are_dropped():
    calendar = BusinessCalendar(time_zone="UTC", intervals=OFFICE)
    start = datetime(2026, 6, 1, 9, 0, 0, 900_000, tzinfo=UTC)
    assert calendar.business_seconds(start, start + timedelta(microseconds=50_000)) == 0
    assert calendar.business_seconds(start, start + timedelta(microseconds=150_000)) == 1
    assert calendar.add_business_seconds(start, 1) == utc(2026, 6, 1, 9, 0, 1)


def test_bad_input_is_refused():
    with pytest.raises(ValueError, match="unknown time zone"):
        BusinessCalendar(time_zone="Mars/Olympus_Mons", intervals=OFFICE)
    with pytest.raises(ValueError, match="weekday"):
        BusinessCalendar(time_zone="UTC", intervals=[(7, 0, 60)])
    with pytest.raises(ValueError, match="start < end"):
        BusinessCalendar(time_zone="UTC", intervals=[(0, 600, 540)])
    with pytest.raises(ValueError, match="start < end"):
        BusinessCalendar(time_zone="UTC", intervals=[(0, 0, 1441)])
    calendar = BusinessCalendar(time_zone="UTC", intervals=OFFICE)
    with pytest.raises(ValueError, match="timezone-aware"):
        calendar.business_seconds(datetime(2026, 1, 1), utc(2026, 1, 2))
    with pytest.raises(ValueError, match="timezone-aware"):
        calendar.is_open(datetime(2026, 1, 1))
    with pytest.raises(ValueError, match="negative"):
        calendar.add_business_seconds(utc(2026, 1, 1), -1)


@pytest.mark.django_db
def test_for_team_reads_hours_and_holidays_and_works_from_a_prefetch(django_assert_num_queries):
    from teams.models import Team
    from tests.factories import HolidayFactory, TeamFactory, WorkingHoursFactory

    team = TeamFactory(time_zone="America/New_York")
    WorkingHoursFactory(team=team, weekday=0, start_minute=9 * 60, end_minute=12 * 60)
    WorkingHoursFactory(team=team, weekday=0, start_minute=13 * 60, end_minute=17 * 60)
    HolidayFactory(team=team, date=date(2026, 1, 19), name="Martin Luther King Jr. Day")
    team = Team.objects.prefetch_related("working_hours", "holidays").get(pk=team.pk)
    with django_assert_num_queries(0):
        calendar = BusinessCalendar.for_team(team)
    assert calendar.time_zone == "America/New_York"
    assert calendar.intervals == ((0, 540, 720), (0, 780, 1020))
    assert calendar.holidays == frozenset({date(2026, 1, 19)})
    monday = datetime(2026, 1, 12, tzinfo=NEW_YORK)
    assert calendar.business_seconds(monday, monday + timedelta(weeks=2)) == 7 * HOUR  # the second Monday is off
