"""Sprint days on a team's calendar: which are working days, and when each one closes."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, time, timedelta

from teams.calendar import BusinessCalendar


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


def day_close(calendar: BusinessCalendar, day: date) -> datetime:
    """The instant a sprint day's figures are taken: the end of the day's last working hours, in the
    team's zone (local midnight after a day without hours). Work resolved in the evening counts the next day.
    """
    ends = [end for weekday, _, end in calendar.intervals if weekday == day.weekday()]
    if not ends or day in calendar.holidays or not calendar.has_hours:
        return datetime.combine(day + timedelta(days=1), time(0), tzinfo=calendar.zone)
    minute = max(ends)
    return datetime.combine(day, time(0), tzinfo=calendar.zone) + timedelta(minutes=minute)
