"""Sprint days on a team's calendar: when each one closes (which are working days: teams.calendar)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from teams.calendar import BusinessCalendar, dates, is_working_day, working_days

__all__ = ["dates", "day_close", "is_working_day", "working_days"]


def day_close(calendar: BusinessCalendar, day: date) -> datetime:
    """The instant a sprint day's figures are taken: the end of the day's last working hours, in the
    team's zone (local midnight after a day without hours). Work resolved in the evening counts the next day.
    """
    ends = [end for weekday, _, end in calendar.intervals if weekday == day.weekday()]
    if not ends or day in calendar.holidays or not calendar.has_hours:
        return datetime.combine(day + timedelta(days=1), time(0), tzinfo=calendar.zone)
    minute = max(ends)
    return datetime.combine(day, time(0), tzinfo=calendar.zone) + timedelta(minutes=minute)
