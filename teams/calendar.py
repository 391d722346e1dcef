"""Business time: a team's working hours in its own time zone, minus its holidays.

A :class:`BusinessCalendar` answers how much working time lies between two
instants, when a number of working seconds after an instant is reached, and
whether (and until when) the team is at work. The SLA engine measures every
target with it; build one per team with :meth:`BusinessCalendar.for_team`.

Rules
-----

- Weekly hours are intervals ``(weekday, start_minute, end_minute)`` in local
  wall-clock time: weekday 0 is Monday, minutes count from local midnight and an
  end of 1440 is the following midnight. A day may have several intervals;
  overlapping or touching ones count once. Hours across midnight are two
  intervals on consecutive days (``(4, 1320, 1440)`` and ``(5, 0, 360)`` for a
  Friday night shift) and form one continuous stretch.
- A holiday is a local date on which none of that date's intervals applies.
  An interval of the evening before that runs to 24:00 still ends at midnight.
- Each interval on each local date is turned into one stretch of real (UTC)
  time with :mod:`zoneinfo`:

  * a start or an end that does not exist (it falls into the hour skipped when
    clocks spring forward) moves forward to the first instant that exists, the
    moment the clocks jumped;
  * a start that exists twice (clocks fall back) is its first occurrence
    (``fold=0``), an end that exists twice is its second occurrence
    (``fold=1``): an interval covering the repeated hour counts it twice.

  * an end of 24:00 is the moment the next date begins, so it follows the rule
    for starts: the first occurrence of the next midnight, or the jump if that
    midnight is skipped (zones such as America/Havana change clocks at
    midnight). A date's hours never reach into the wall-clock time of the next.

  So 00:00-24:00 lasts 25 hours on the day clocks fall back, 23 hours on the
  day they spring forward and 24 hours on every other day; 24 hours on every
  day is exactly round-the-clock time; an interval that lies wholly inside a
  skipped hour is empty that day. The stretches of all intervals and dates are
  then merged: working time is their union.
- ``always_open=True`` makes every second count (calendar time, for targets
  in calendar minutes); weekly hours and holidays are then ignored.
- Business time is counted in whole seconds: an instant is taken at the start
  of its second (microseconds are dropped). Every datetime passed in must be
  timezone-aware; every datetime returned is in UTC.

Speed: each local date's stretches are computed once per calendar and cached,
and so is each week's total, so long spans and far targets are summed week by
week. Build a calendar once and reuse it for many tickets.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = ["BusinessCalendar"]

MINUTES_PER_DAY = 24 * 60
_DAY = 86_400
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
_SECOND = timedelta(seconds=1)
# The last Monday whose week (and a day of margin) still fits before date.max.
_LAST_MONDAY = date.max.toordinal() - 14

# A stretch of working time: [start, end) in seconds since the Unix epoch (UTC).
Span = tuple[int, int]


def _timestamp(at: datetime) -> int:
    """Whole seconds since the epoch, rounded down; refuses naive datetimes."""
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError(f"a timezone-aware datetime is required, not {at!r}")
    return (at - _EPOCH) // _SECOND


def _datetime(ts: int) -> datetime:
    return _EPOCH + timedelta(seconds=ts)


def epoch_seconds(at: datetime) -> int:
    """An aware datetime as whole seconds since the Unix epoch (rounded down), as the calendar counts."""
    return _timestamp(at)


def from_epoch_seconds(ts: int) -> datetime:
    """Epoch seconds back to an aware UTC datetime."""
    return _datetime(ts)


def _seconds(offset: timedelta | None) -> int:
    assert offset is not None  # a ZoneInfo always answers
    return offset.days * _DAY + offset.seconds


def _merge(intervals: list[tuple[int, int]]) -> tuple[tuple[int, int], ...]:
    """The union of sorted half-open intervals, with touching ones joined."""
    merged: list[tuple[int, int]] = []
    for start, end in intervals:
        if merged and start <= merged[-1][1]:
            if end > merged[-1][1]:
                merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return tuple(merged)


class BusinessCalendar:
    """Working hours in a time zone, minus holidays; see the module docstring for the rules."""

    def __init__(
        self,
        *,
        time_zone: str,
        intervals: Iterable[tuple[int, int, int]],
        holidays: Iterable[date] = (),
        always_open: bool = False,
    ) -> None:
        try:
            zone = ZoneInfo(time_zone)
        except (ZoneInfoNotFoundError, ValueError, TypeError) as exc:
            raise ValueError(f"unknown time zone {time_zone!r}") from exc
        week: list[list[tuple[int, int]]] = [[] for _ in range(7)]
        for weekday, start, end in intervals:
            if not 0 <= weekday <= 6:
                raise ValueError(f"weekday must be 0 (Monday) to 6 (Sunday), not {weekday!r}")
            if not 0 <= start < end <= MINUTES_PER_DAY:
                raise ValueError(f"an interval needs 0 <= start < end <= 1440, not {start!r}-{end!r}")
            week[weekday].append((int(start), int(end)))

        self.time_zone = time_zone
        self.zone = zone
        self.always_open = bool(always_open)
        self.holidays: frozenset[date] = frozenset(holidays)
        self._week = tuple(_merge(sorted(day)) for day in week)
        #: The weekly hours as given, merged per day: ``(weekday, start_minute, end_minute)``.
        self.intervals: tuple[tuple[int, int, int], ...] = tuple(
            (weekday, start, end) for weekday, day in enumerate(self._week) for start, end in day
        )
        # Whether any hours fall on a date, by ``ordinal % 7`` (ordinal 1, 1 January of year 1, was a Monday).
        self._worked = tuple(bool(self._week[(residue + 6) % 7]) for residue in range(7))
        self._holiday_ordinals = frozenset(d.toordinal() for d in self.holidays)
        self._holidays_sorted = sorted(self._holiday_ordinals)
        # Every day 00:00-24:00: open all the time except on holidays, so a
        # stretch can go on for ever (see next_change).
        self._full_week = all(day == ((0, MINUTES_PER_DAY),) for day in self._week)
        # Per-instance caches: one entry per local date, per Monday and per midnight.
        self._day = functools.lru_cache(maxsize=16_384)(self._day_spans)
        self._week_total = functools.lru_cache(maxsize=4_096)(self._week_seconds)
        self._midnight = functools.lru_cache(maxsize=4_096)(self._midnight_of)

    def __repr__(self) -> str:
        if self.always_open:
            return f"BusinessCalendar.always({self.time_zone!r})"
        return (
            f"BusinessCalendar(time_zone={self.time_zone!r}, intervals={list(self.intervals)!r}, "
            f"holidays={len(self.holidays)})"
        )

    # --- Construction --------------------------------------------------------------------------

    @classmethod
    def for_team(cls, team: Any) -> BusinessCalendar:
        """The calendar of a team: its zone, weekly hours and holidays.

        Reads ``team.working_hours.all()`` and ``team.holidays.all()``, so
        prefetching both makes building calendars for many teams cost no
        further queries.
        """
        return cls(
            time_zone=team.time_zone,
            intervals=[(h.weekday, h.start_minute, h.end_minute) for h in team.working_hours.all()],
            holidays=[h.date for h in team.holidays.all()],
        )

    @classmethod
    def always(cls, time_zone: str = "UTC") -> BusinessCalendar:
        """Round-the-clock calendar time: every second counts, no holidays."""
        return cls(time_zone=time_zone, intervals=(), always_open=True)

    # --- Questions -----------------------------------------------------------------------------

    @property
    def has_hours(self) -> bool:
        """False when the calendar has no working time at all (nothing could ever be due)."""
        return self.always_open or any(self._week)

    def periods(self, start: datetime, end: datetime) -> Iterator[tuple[datetime, datetime]]:
        """The working stretches inside [start, end): merged, disjoint, in order, in UTC."""
        a, b = _timestamp(start), _timestamp(end)
        return self._periods(a, b)

    def _periods(self, a: int, b: int) -> Iterator[tuple[datetime, datetime]]:
        if b <= a:
            return
        if self.always_open:
            yield _datetime(a), _datetime(b)
            return
        for x, y in self._stretches(self._local_ordinal(a) - 2, self._local_ordinal(b) + 1):
            if y <= a:
                continue
            if x >= b:
                break
            yield _datetime(max(x, a)), _datetime(min(y, b))

    def business_seconds(self, start: datetime, end: datetime) -> int:
        """Working seconds in [start, end); 0 when end is not after start."""
        return self.seconds_between(_timestamp(start), _timestamp(end))

    def seconds_between(self, a: int, b: int) -> int:
        """:meth:`business_seconds` on instants given as epoch seconds (bulk work skips datetimes)."""
        if b <= a:
            return 0
        return self._between(a, b)

    def add_business_seconds(self, start: datetime, seconds: int) -> datetime:
        """The earliest instant t >= start with ``business_seconds(start, t) == seconds``.

        ``seconds == 0`` returns ``start`` unchanged. Far targets are reached
        week by week, not stretch by stretch.
        """
        if seconds == 0:
            _timestamp(start)
            return start
        return _datetime(self.add_seconds(_timestamp(start), seconds))

    def add_seconds(self, s: int, seconds: int) -> int:
        """:meth:`add_business_seconds` on an instant given as epoch seconds; answers epoch seconds."""
        if seconds < 0:
            raise ValueError(f"seconds must not be negative, not {seconds!r}")
        if seconds == 0:
            return s
        if not self.has_hours:
            raise ValueError("calendar has no working hours")
        if self.always_open:
            return s + seconds

        remaining = seconds
        monday = self._monday_after(self._local_ordinal(s) + 2)
        cut = self._midnight(monday)
        while cut < s:  # only where clocks once jumped back by days
            monday += 7
            cut = self._midnight(monday)
        before = self._sum(s, cut)
        if before >= remaining:
            return self._locate(s, remaining, monday + 1)
        remaining -= before
        while True:
            if monday > _LAST_MONDAY:
                raise ValueError("the target lies beyond the end of the calendar (year 9999)")
            week = self._week_total(monday)
            if week >= remaining:
                return self._locate(self._midnight(monday), remaining, monday + 8)
            remaining -= week
            monday += 7

    def is_open(self, at: datetime) -> bool:
        """Whether ``at`` lies in working time."""
        ts = _timestamp(at)
        if self.always_open:
            return True
        return self._span_at(ts) is not None

    def next_change(self, at: datetime) -> datetime | None:
        """The next instant after ``at`` where :meth:`is_open` flips; None when it never does."""
        ts = _timestamp(at)
        if self.always_open or not self.has_hours:
            return None
        local = self._local_ordinal(ts)
        last = date.max.toordinal()
        if self._full_week:
            # 24 hours every day: past the last holiday the calendar stays open for ever.
            last = max(self._holidays_sorted[-1] if self._holidays_sorted else local, local) + 3
        current: Span | None = None
        for ordinal in range(max(local - 2, 1), last + 1):
            for a, b in self._day(ordinal):
                if current is not None and a <= current[1]:
                    current = (current[0], max(current[1], b))
                    continue
                if current is not None and current[1] > ts:
                    return _datetime(current[1])  # the stretch we are in has ended
                if a > ts:
                    return _datetime(a)  # closed now; this is the next opening
                current = (a, b)
        return None

    # --- Internals -----------------------------------------------------------------------------

    def _local_ordinal(self, ts: int) -> int:
        """The local date (as an ordinal) on the wall clock at instant ``ts``."""
        return datetime.fromtimestamp(ts, self.zone).toordinal()

    def _offset_at(self, ts: int) -> int:
        return _seconds(datetime.fromtimestamp(ts, self.zone).utcoffset())

    def _to_utc(self, ordinal: int, minute: int, *, end: bool) -> int:
        """The instant of local ``minute`` on local date ``ordinal``, by the rules in the module docstring."""
        if minute == MINUTES_PER_DAY:
            # 24:00 is the moment the next date begins, so by the rule for starts.
            ordinal, minute, end = ordinal + 1, 0, False
        day = date.fromordinal(ordinal)
        wall = datetime(day.year, day.month, day.day, minute // 60, minute % 60)
        local = (ordinal - _EPOCH_ORDINAL) * _DAY + minute * 60
        first = local - _seconds(self.zone.utcoffset(wall))
        second = local - _seconds(self.zone.utcoffset(wall.replace(fold=1)))
        if first == second:
            return first
        if first < second:  # the wall time happens twice (clocks fell back)
            return second if end else first
        # The wall time does not exist (clocks sprang forward): the first instant
        # that exists after it is the jump itself. Before ``second`` the wall
        # clock shows less than ``local``, at ``first`` more; find the jump.
        lo, hi = second, first
        while hi - lo > 1:
            mid = (lo + hi) // 2
            if mid + self._offset_at(mid) >= local:
                hi = mid
            else:
                lo = mid
        return hi

    def _midnight_of(self, ordinal: int) -> int:
        """The instant the local date begins (a start, so its first occurrence)."""
        return self._to_utc(ordinal, 0, end=False)

    def _day_spans(self, ordinal: int) -> tuple[Span, ...]:
        """The working stretches of one local date, in UTC, merged and in order."""
        if ordinal in self._holiday_ordinals:
            return ()
        intervals = self._week[(ordinal + 6) % 7]  # ordinal 1 (1 January of year 1) was a Monday
        spans: list[Span] = []
        for start, end in intervals:
            a = self._to_utc(ordinal, start, end=False)
            b = self._to_utc(ordinal, end, end=True)
            if b <= a:
                continue  # wholly inside a skipped hour
            if spans and a <= spans[-1][1]:
                if b > spans[-1][1]:
                    spans[-1] = (spans[-1][0], b)
            else:
                spans.append((a, b))
        return tuple(spans)

    def _stretches(self, first: int, last: int) -> Iterator[Span]:
        """Merged working stretches of the local dates ``first`` to ``last`` (inclusive), in order.

        Starts never go backwards from one date to the next, so one pass merges
        stretches that run into each other across midnight.
        """
        first = max(first, 1)
        last = min(last, date.max.toordinal())
        current: Span | None = None
        day, worked = self._day, self._worked
        for ordinal in range(first, last + 1):
            if not worked[ordinal % 7]:
                continue
            for a, b in day(ordinal):
                if current is not None and a <= current[1]:
                    if b > current[1]:
                        current = (current[0], b)
                    continue
                if current is not None:
                    yield current
                current = (a, b)
        if current is not None:
            yield current

    def _span_at(self, ts: int) -> Span | None:
        local = self._local_ordinal(ts)
        for ordinal in range(local - 2, local + 2):
            for a, b in self._day(ordinal):
                if a <= ts < b:
                    return a, b
        return None

    def _sum(self, a: int, b: int) -> int:
        """Working seconds in [a, b), stretch by stretch."""
        if b <= a:
            return 0
        total = 0
        for x, y in self._stretches(self._local_ordinal(a) - 2, self._local_ordinal(b) + 1):
            if y <= a:
                continue
            if x >= b:
                break
            total += min(y, b) - max(x, a)
        return total

    def _week_seconds(self, monday: int) -> int:
        """Working seconds from one local Monday's midnight to the next."""
        return self._sum(self._midnight(monday), self._midnight(monday + 7))

    @staticmethod
    def _monday_after(ordinal: int) -> int:
        """The first Monday on or after the local date ``ordinal``."""
        return ordinal + (-(ordinal - 1)) % 7

    def _between(self, a: int, b: int) -> int:
        """Working seconds in [a, b): whole weeks from the cache, the ends stretch by stretch."""
        if self.always_open:
            return b - a
        first_monday = self._monday_after(self._local_ordinal(a) + 2)
        last_monday = first_monday + ((self._local_ordinal(b) - 2 - first_monday) // 7) * 7
        if last_monday - first_monday < 14 or last_monday > _LAST_MONDAY:
            return self._sum(a, b)
        head, tail = self._midnight(first_monday), self._midnight(last_monday)
        if not a <= head <= tail <= b:  # only where clocks once jumped by days
            return self._sum(a, b)
        weeks = sum(self._week_total(monday) for monday in range(first_monday, last_monday, 7))
        return self._sum(a, head) + weeks + self._sum(tail, b)

    def _locate(self, s: int, remaining: int, last: int) -> int:
        """The instant where ``remaining`` working seconds after ``s`` are used up (before local date ``last``)."""
        for x, y in self._stretches(self._local_ordinal(s) - 2, last):
            if y <= s:
                continue
            x = max(x, s)
            if y - x >= remaining:
                return x + remaining
            remaining -= y - x
        raise AssertionError("the target must lie within the dates searched")  # pragma: no cover


class CalendarHistory:
    """A team's calendars over time: business time between two instants by the calendar in force over
    each part of the interval (``CalendarPeriod`` rows; the current calendar when there are none).

    Build it with :meth:`for_team` (two queries with the working hours and holidays prefetched, plus
    one for the periods) or :meth:`for_teams` for many teams at once.
    """

    def __init__(self, periods: list[tuple[datetime, BusinessCalendar]]) -> None:
        if not periods:
            raise ValueError("a calendar history needs at least one calendar")
        self.periods = sorted(periods, key=lambda p: p[0])
        self.current = self.periods[-1][1]

    @classmethod
    def for_team(cls, team: Any) -> CalendarHistory:
        return cls.for_teams([team])[team.pk]

    @classmethod
    def for_teams(cls, teams: Iterable[Any]) -> dict[int, CalendarHistory]:
        from teams.models import CalendarPeriod

        teams = list(teams)
        rows: dict[int, list[Any]] = {}
        for period in CalendarPeriod.objects.filter(team__in=teams).order_by("effective_from"):
            rows.setdefault(period.team_id, []).append(period)
        out = {}
        for team in teams:
            current = BusinessCalendar.for_team(team)
            found = rows.get(team.pk)
            if not found:
                out[team.pk] = cls([(datetime(1970, 1, 1, tzinfo=UTC), current)])
                continue
            holidays = current.holidays
            out[team.pk] = cls(
                [
                    (p.effective_from, BusinessCalendar(time_zone=p.time_zone, intervals=p.intervals,
                                                        holidays=holidays))
                    for p in found
                ]
            )  # fmt: skip
        return out

    def at(self, instant: datetime) -> BusinessCalendar:
        """The calendar in force at ``instant``."""
        chosen = self.periods[0][1]
        for start, calendar in self.periods:
            if start <= instant:
                chosen = calendar
        return chosen

    def business_seconds(self, start: datetime, end: datetime) -> int:
        """Working seconds in [start, end), each part by the calendar in force then."""
        if len(self.periods) == 1:
            return self.current.business_seconds(start, end)
        total = 0
        for n, (since, calendar) in enumerate(self.periods):
            until = self.periods[n + 1][0] if n + 1 < len(self.periods) else None
            a = max(start, since) if n else start
            b = min(end, until) if until is not None else end
            if b > a:
                total += calendar.business_seconds(a, b)
        return total


# --- Days of a calendar (sprints and project plans count in working days) ----------------------------------------


def dates(first: date, last: date) -> Iterator[date]:
    day = first
    while day <= last:
        yield day
        day += timedelta(days=1)


def is_working_day(calendar: BusinessCalendar, day: date) -> bool:
    """A day with working hours that is not a holiday; a team without hours works every day."""
    if day in calendar.holidays:
        return False
    if not calendar.has_hours:
        return True
    return any(weekday == day.weekday() for weekday, _, _ in calendar.intervals)


def working_days(calendar: BusinessCalendar, first: date, last: date) -> list[date]:
    return [d for d in dates(first, last) if is_working_day(calendar, d)]


def after_working_days(calendar: BusinessCalendar, start: date, count: int) -> date:
    """The ``count``-th working day from ``start`` (``start`` itself is the first when it is one)."""
    day, seen = start, 0
    for _ in range(3660):
        if is_working_day(calendar, day):
            seen += 1
            if seen >= count:
                return day
        day += timedelta(days=1)
    return day  # a calendar with (almost) no working days: the search stops ten years on


def team_today(team: Any, now: datetime | None = None) -> date:
    """The team's date now (or at ``now``), in its own time zone."""
    from django.utils import timezone

    return (now or timezone.now()).astimezone(ZoneInfo(team.time_zone or "UTC")).date()
