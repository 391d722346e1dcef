"""Writes to teams and memberships."""

from __future__ import annotations

import functools
import logging
import re
import uuid
import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date as Date

import holidays as public_holidays
from celery import current_app
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from core.errors import Invalid, RuleBroken
from core.stale import lock_if_current
from teams.models import (
    HISTORY_START,
    MINUTES_PER_DAY,
    CalendarPeriod,
    Holiday,
    Membership,
    Role,
    Team,
    User,
    Weekday,
    WorkingHours,
)
from teams.permissions import Action, can

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class MembershipChange:
    role: str
    capacity: int
    skills: list[str]


@transaction.atomic
def membership_update(
    *, membership: Membership, by: Membership, expected_version: int, change: MembershipChange
) -> Membership:
    """Change a member's role, capacity and skills.

    Only managers change roles; a team always keeps at least one manager.
    A write based on an old version is refused with :class:`StaleEdit`.
    """
    if change.role != membership.role and not can(by, Action.MANAGE_MEMBERS):
        raise RuleBroken("Only a manager can change someone's role.")
    if membership.role == Role.MANAGER and change.role != Role.MANAGER:
        # Lock the team's managers so two demotions at once cannot both pass.
        managers = list(Membership.objects.select_for_update().filter(team_id=membership.team_id, role=Role.MANAGER))
        if len(managers) <= 1:
            raise RuleBroken("A team needs at least one manager: make someone else manager first.")
    locked = lock_if_current(Membership.objects.select_related("user"), pk=membership.pk, seen=expected_version)
    locked.role, locked.capacity, locked.skills = change.role, change.capacity, change.skills
    locked.version += 1
    locked.save(update_fields=["role", "capacity", "skills", "version"])
    return Membership.objects.select_related("user", "team").get(pk=membership.pk)


def user_create(*, username: str, password: str, first_name: str = "", last_name: str = "", email: str = "") -> User:
    user = User(username=username, first_name=first_name, last_name=last_name, email=email)
    user.set_password(password)
    user.save()
    return user


# --- Business calendar -------------------------------------------------------------------------
#
# The SLA engine (in ``tickets``, which ``teams`` must not import) recomputes a
# team's open tickets when its calendar changes. The task is sent by name once
# the change is committed: one task per change, never one per ticket.

SLA_RECOMPUTE_TASK = "tickets.tasks.sla_recompute_team"
NOTIFY_LEADS_TASK = "notifications.tasks.notify_team_leads"
NO_HOURS = "A calendar needs some working hours; for round-the-clock support use 24 hours on every day."
PREFILL_YEARS = range(2000, 2101)


@dataclass(frozen=True)
class CalendarState:
    """A team's time zone and weekly hours as saved, with the version they carry."""

    time_zone: str
    intervals: tuple[tuple[int, int, int], ...]
    version: int


class CalendarRefused(Invalid):
    """The weekly hours break a rule; ``problems`` pairs each message with its weekday (None: the whole calendar)."""

    def __init__(self, problems: list[tuple[int | None, str]]) -> None:
        super().__init__(problems=problems)


@dataclass(frozen=True)
class PrefillResult:
    added: list[Holiday]
    skipped: int
    country: str
    years: list[int] = field(default_factory=list)


@functools.cache
def known_time_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def minutes_label(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def calendar_state(team: Team) -> CalendarState:
    """The calendar as saved now (not as ``team`` was read)."""
    time_zone, version = Team.objects.filter(pk=team.pk).values_list("time_zone", "calendar_version").get()
    intervals = WorkingHours.objects.filter(team_id=team.pk).order_by("weekday", "start_minute")
    return CalendarState(
        time_zone=time_zone,
        intervals=tuple(intervals.values_list("weekday", "start_minute", "end_minute")),
        version=version,
    )


def _require_calendar_editor(team: Team, by: Membership) -> None:
    if by.team_id != team.pk or not can(by, Action.MANAGE_TEAM):
        raise RuleBroken("Only a team lead or a manager can change the team's calendar.")


def _calendar_changed(team: Team, by: Membership, what: str) -> None:
    """Once committed: the SLA engine recomputes the open tickets' due times, and the team's leads are told.

    Both go by task name (``tickets`` and ``notifications`` sit above this
    app). The change is saved either way: if the broker is down, the failure
    is logged and the next change (or ``sla_recompute_team``) catches up.
    """
    team_id = team.pk
    name = by.user.get_full_name() or by.user.username
    notice = {
        "team_id": team_id,
        "kind": "calendar_changed",
        "message": f"{name} changed the business calendar of {team.name} ({what}): "
        "open tickets' SLA due times follow it.",
        "link": reverse("teams:calendar", args=[team.slug]),
        # One key per change: a task delivered twice tells nobody twice.
        "dedupe_key": f"calendar-change:{uuid.uuid4().hex}",
        "exclude_user_id": by.user_id,
    }

    def send() -> None:
        try:
            current_app.send_task(SLA_RECOMPUTE_TASK, args=(team_id,))
            current_app.send_task(NOTIFY_LEADS_TASK, kwargs=notice)
        except Exception:  # a broker outage must not turn a saved change into an error page
            logger.exception("Could not queue the SLA recompute of team %s", team_id)

    transaction.on_commit(send)


def _check_time_zone(time_zone: str) -> None:
    if time_zone not in known_time_zones():
        raise RuleBroken(f"“{time_zone}” is not a known time zone (for example Europe/Berlin).")


def calendar_intervals_check(intervals: Iterable[tuple[int, int, int]]) -> tuple[tuple[int, int, int], ...]:
    """The weekly hours in order, or :class:`CalendarRefused` naming each day and times that break a rule.

    Each interval needs a start before its end, within 00:00-24:00. Intervals of
    one day may not overlap or touch (two that touch are one interval), and a
    calendar needs some working time.
    """
    problems: list[tuple[int | None, str]] = []
    by_day: dict[int, list[tuple[int, int]]] = {}
    for weekday, start, end in intervals:
        if weekday not in Weekday.values:
            problems.append((None, f"There is no weekday {weekday}: use 0 (Monday) to 6 (Sunday)."))
            continue
        day = Weekday(weekday).label
        if not (0 <= start <= MINUTES_PER_DAY and 0 <= end <= MINUTES_PER_DAY):
            problems.append((weekday, f"{day}: times run from 00:00 to 24:00."))
        elif start >= end:
            problems.append(
                (weekday, f"{day}: the start {minutes_label(start)} must be before the end {minutes_label(end)}.")
            )
        else:
            by_day.setdefault(weekday, []).append((start, end))
    for weekday, day_intervals in sorted(by_day.items()):
        day = Weekday(weekday).label
        day_intervals.sort()
        reach = day_intervals[0]  # of the intervals so far, the one that ends last
        for c, d in day_intervals[1:]:
            a, b = reach
            first, second = f"{minutes_label(a)}–{minutes_label(b)}", f"{minutes_label(c)}–{minutes_label(d)}"
            if (a, b) == (c, d):
                problems.append((weekday, f"{day}: {first} is there twice."))
            elif c < b:
                problems.append((weekday, f"{day}: {first} and {second} overlap."))
            elif c == b:
                merged = f"{minutes_label(a)}–{minutes_label(d)}"
                problems.append((weekday, f"{day}: {first} and {second} touch; make them one interval, {merged}."))
            if d > b:
                reach = (c, d)
    if problems:
        raise CalendarRefused(problems)
    if not by_day:
        raise CalendarRefused([(None, NO_HOURS)])
    return tuple((weekday, a, b) for weekday, day_intervals in sorted(by_day.items()) for a, b in day_intervals)


@transaction.atomic
def calendar_update(
    *, team: Team, by: Membership, expected_version: int, time_zone: str, intervals: Iterable[tuple[int, int, int]]
) -> Team:
    """Replace the team's time zone and weekly hours in one go.

    The hours are checked by :func:`calendar_intervals_check`; an unknown time
    zone is refused. A save based on an old ``calendar_version`` is refused with
    :class:`StaleEdit` carrying the :class:`CalendarState` saved now. Saving what
    is already there changes nothing. After a change commits, the open tickets'
    SLA due times are recomputed in bulk.
    """
    _require_calendar_editor(team, by)
    _check_time_zone(time_zone)
    cleaned = calendar_intervals_check(intervals)
    locked = lock_if_current(
        Team.objects, pk=team.pk, seen=expected_version, stamp=lambda row: row.calendar_version,
        current=calendar_state,
    )  # fmt: skip
    now = calendar_state(locked)
    if (now.time_zone, now.intervals) == (time_zone, cleaned):
        return locked
    _period_record(team_id=team.pk, before=now, time_zone=time_zone, intervals=cleaned)
    Team.objects.filter(pk=team.pk).update(time_zone=time_zone, calendar_version=F("calendar_version") + 1)
    WorkingHours.objects.filter(team_id=team.pk).delete()
    WorkingHours.objects.bulk_create(
        WorkingHours(team_id=team.pk, weekday=weekday, start_minute=start, end_minute=end)
        for weekday, start, end in cleaned
    )
    _calendar_changed(team, by, "weekly hours and time zone")
    return Team.objects.get(pk=team.pk)


def _period_record(
    *, team_id: int, before: CalendarState, time_zone: str, intervals: Iterable[tuple[int, int, int]]
) -> None:
    """Keep the calendar's history: the state before the first change from the beginning of time,
    then each new state from now (metrics measure past business time by the calendar in force)."""
    now = timezone.now()
    if not CalendarPeriod.objects.filter(team_id=team_id).exists():
        CalendarPeriod.objects.create(
            team_id=team_id, effective_from=HISTORY_START, time_zone=before.time_zone,
            intervals=[list(i) for i in before.intervals],
        )  # fmt: skip
    CalendarPeriod.objects.update_or_create(
        team_id=team_id, effective_from=now,
        defaults={"time_zone": time_zone, "intervals": [list(i) for i in intervals]},
    )  # fmt: skip


def _holiday_label(day: Date) -> str:
    return f"{day:%a} {day.day} {day:%b %Y}"


@transaction.atomic
def holiday_add(*, team: Team, by: Membership, date: Date, name: str) -> Holiday:
    """Add a day off; one holiday per date. SLA due times are recomputed after commit."""
    _require_calendar_editor(team, by)
    name = " ".join(name.split())
    if not name:
        raise RuleBroken("Give the holiday a name, for example “Company offsite”.")
    if len(name) > 120:
        raise RuleBroken("A holiday's name can be at most 120 characters.")
    existing = Holiday.objects.filter(team_id=team.pk, date=date).first()
    if existing is None:
        try:
            with transaction.atomic():
                holiday = Holiday.objects.create(team_id=team.pk, date=date, name=name)
        except IntegrityError:  # added by someone else a moment ago
            existing = Holiday.objects.filter(team_id=team.pk, date=date).first()
        else:
            _calendar_changed(team, by, f"holiday {_holiday_label(date)} added")
            return holiday
    label = existing.name if existing is not None else "another holiday"
    raise RuleBroken(f"{_holiday_label(date)} is already a holiday: “{label}”.")


@transaction.atomic
def holiday_remove(*, team: Team, by: Membership, holiday_id: int) -> Holiday:
    """Take a day off the calendar again. SLA due times are recomputed after commit."""
    _require_calendar_editor(team, by)
    holiday = Holiday.objects.filter(team_id=team.pk, pk=holiday_id).first()
    if holiday is None:
        raise RuleBroken("That holiday is no longer on the calendar.")
    holiday.delete()
    _calendar_changed(team, by, f"holiday {_holiday_label(holiday.date)} removed")
    return holiday


@functools.cache
def holiday_countries() -> list[tuple[str, str]]:
    """(ISO code, name) of every country the ``holidays`` package knows public holidays for, by name."""
    codes = sorted(code for code in public_holidays.list_supported_countries() if len(code) == 2)
    names: dict[str, str] = {}
    try:  # the package keeps its country names in its registry; only the codes are public API
        from holidays.registry import COUNTRIES

        for entry in COUNTRIES.values():
            names[entry[1]] = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", entry[0])
    except (ImportError, AttributeError, IndexError, TypeError):
        pass
    return sorted(((code, names.get(code, code)) for code in codes), key=lambda pair: pair[1])


@transaction.atomic
def holidays_prefill(*, team: Team, by: Membership, country: str, years: Iterable[int]) -> PrefillResult:
    """Add a country's public holidays for ``years``; dates already on the calendar are kept as they are.

    Names are in English where the ``holidays`` package has them. SLA due times
    are recomputed after commit when anything was added.
    """
    _require_calendar_editor(team, by)
    code = country.strip().upper()
    if code not in public_holidays.list_supported_countries():
        raise RuleBroken(
            f"“{country}” is not a country with known public holidays: use a two-letter code such as DE, US or AU."
        )
    wanted = sorted(set(years))
    if not wanted:
        raise RuleBroken("Choose a year.")
    if any(year not in PREFILL_YEARS for year in wanted) or len(wanted) > 5:
        raise RuleBroken(f"Choose up to five years from {PREFILL_YEARS.start} to {PREFILL_YEARS.stop - 1}.")
    calendar = public_holidays.country_holidays(code, years=wanted)
    if not (calendar.default_language or "").startswith("en") and "en_US" in calendar.supported_languages:
        calendar = public_holidays.country_holidays(code, years=wanted, language="en_US")
    taken = set(Holiday.objects.filter(team_id=team.pk, date__in=list(calendar)).values_list("date", flat=True))
    new = [
        Holiday(team_id=team.pk, date=day, name=name[:120])
        for day, name in sorted(calendar.items())
        if day not in taken
    ]
    Holiday.objects.bulk_create(new, ignore_conflicts=True)
    if new:
        _calendar_changed(team, by, f"{len(new)} public holidays of {code} added")
    return PrefillResult(added=new, skipped=len(calendar) - len(new), country=code, years=wanted)
