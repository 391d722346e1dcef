"""What SLA clocks show on the board: the clock on a card, the breach-risk lanes, and the time labels.

The ticket's own SLA panel and timeline are :mod:`tickets.sla.panel`.

Reads only. The SLA engine (``tickets/sla/engine.py``) stores due, warning and
breach times at every ticket event; this module turns them into what agents
see, counting business time left on the team calendar, loaded at most once
per render (:class:`ClockReader`).

A card shows its *running* target: first response while that clock runs,
else resolution. Business time is shown in hours and minutes, never in days:
a business day is not 24 hours (8 on an office team, 24 on a round-the-clock
one), so "26h left" means 26 working hours whatever the calendar.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from django.db.models import BooleanField, Case, CharField, Exists, OuterRef, Q, Subquery, Value, When

from tickets.choices import EventField, SLAAlertKind, Status
from tickets.models import SLAAlert, Ticket, TicketEvent
from tickets.sla.engine import TeamSLA, team_calendar

if TYPE_CHECKING:
    from teams.calendar import BusinessCalendar
    from teams.models import Team
    from tickets.models import Board


# Breach-risk swimlanes, in the order they are shown.
BREACHED, AT_RISK, ON_TRACK, LANE_PAUSED, NO_SLA = "breached", "at_risk", "on_track", "paused", "none"
SLA_LANES: dict[str, str] = {
    BREACHED: "Breached",
    AT_RISK: "At risk",
    ON_TRACK: "On track",
    LANE_PAUSED: "Paused",
    NO_SLA: "No SLA",
}
TARGETS = ("frt", "res")  # field prefixes on Ticket, in the order a card looks for a running one
TARGET_NAMES = {"frt": "First response", "res": "Resolution"}


# --- Formatting --------------------------------------------------------------------------------


def hours_minutes(seconds: int, *, round_up: bool = False) -> str:
    """Business time as "45m", "2h 15m" or "26h" (hours beyond ten drop their minutes; never days).

    static/js/board.js formats the ticking labels the same way.
    """
    seconds = max(0, seconds)
    minutes = -(-seconds // 60) if round_up else seconds // 60
    if minutes < 60:
        return f"{minutes}m"
    hours, rest = divmod(minutes, 60)
    return f"{hours}h {rest}m" if rest and hours < 10 else f"{hours}h"


def left_label(seconds: int) -> str:
    return "<1m left" if seconds < 60 else f"{hours_minutes(seconds, round_up=True)} left"


def ago_label(seconds: float) -> str:
    """Wall-clock time since a breach: "just now", "40m ago", "3h ago", "2d ago"."""
    seconds = int(seconds)
    if seconds < 60:
        return "just now"
    if seconds < 3600:
        return f"{seconds // 60}m ago"
    if seconds < 2 * 86400:
        return f"{seconds // 3600}h ago"
    return f"{seconds // 86400}d ago"


# --- Query expressions --------------------------------------------------------------------------


def sla_lane(now: datetime) -> Case:
    """The breach-risk lane of a ticket at ``now``, in SQL (so a window can partition by it).

    Mirrors :meth:`ClockReader.card`: the running target decides (first
    response while it runs, else resolution): breached once its breach is
    claimed or its due time passed, at risk once warned or past its warning
    time. Paused clocks, then everything else (no policy, no running target,
    resolved) follow.
    """
    whens = [When(status=Status.RESOLVED, then=Value(NO_SLA))]
    for t in TARGETS:
        running = Q(**{f"{t}_due_at__isnull": False})
        breached = Q(**{f"{t}_breached_at__isnull": False}) | Q(**{f"{t}_due_at__lte": now})
        warned = Q(**{f"{t}_warned_at__isnull": False}) | Q(**{f"{t}_warn_at__lte": now})
        whens += [
            When(running & breached, then=Value(BREACHED)),
            When(running & warned, then=Value(AT_RISK)),
            When(running, then=Value(ON_TRACK)),
        ]
    whens.append(When(sla_paused_since__isnull=False, sla_policy__isnull=False, then=Value(LANE_PAUSED)))
    return Case(*whens, default=Value(NO_SLA), output_field=CharField())


def sla_escalated() -> Case:
    """Whether the SLA put an escalated, breached ticket where it is (NULL for every other ticket).

    The sweep moves a breached ticket to Escalated with a status event stamped
    with the instant it claimed the breach (the alert's ``created_at``), so
    "the latest status change happened at a breach claim" means "the SLA put
    it there, and nobody moved it since". Only escalated, breached rows
    evaluate the subqueries.
    """
    latest = (
        TicketEvent.objects.filter(ticket=OuterRef(OuterRef("pk")), field=EventField.STATUS)
        .order_by("-created_at", "-id")
        .values("created_at")[:1]
    )
    claimed = SLAAlert.objects.filter(ticket=OuterRef("pk"), kind=SLAAlertKind.BREACHED, created_at=Subquery(latest))
    breached = Q(frt_breached_at__isnull=False) | Q(res_breached_at__isnull=False)
    return Case(
        When(Q(status=Status.ESCALATED) & breached, then=Exists(claimed)), default=None, output_field=BooleanField()
    )


# --- Card clocks -----------------------------------------------------------------------------------


@dataclass(slots=True, frozen=True)
class CardClock:
    """The clock a card shows.

    ``state``: "ok", "risk", "breached" (a running target), "paused", or for a
    resolved ticket "met" / "missed". ``left`` and ``warn_left`` are business
    seconds to the due and warning times; the clock runs without a break until
    ``ticking_until`` (None: it is standing still now, outside working hours).
    """

    state: str
    target: str = ""
    left: int = 0
    warn_left: int = 0
    ticking_until: datetime | None = None
    since: datetime | None = None
    due: datetime | None = None
    missed: str = ""  # for "missed": which targets


CLOCK_PAUSED = CardClock("paused")
CLOCK_MET = CardClock("met")


class ClockReader:
    """Reads clocks of one team's tickets at one instant; builds the team calendar once, when first needed."""

    def __init__(
        self, now: datetime, *, team: Team | None = None, board: Board | None = None, team_sla: TeamSLA | None = None
    ) -> None:
        assert team is not None or board is not None or team_sla is not None
        self.now = now
        self._team = team if team_sla is None else team_sla.team
        self._board = board
        self._sla: TeamSLA | None = team_sla  # already loaded (by the write this answer follows), or read when needed
        self._always: BusinessCalendar | None = None
        self._stretch: dict[int, datetime | None] = {}  # id(calendar) -> the current stretch's end, or None

    @property
    def team(self) -> Team:
        if self._team is None:
            assert self._board is not None
            self._team = self._board.team  # read only when a clock needs the calendar
        return self._team

    @property
    def team_sla(self) -> TeamSLA:
        """The team's calendar, wrapped for :meth:`TeamSLA.calendar_for` (no policies needed to read clocks)."""
        if self._sla is None:
            self._sla = TeamSLA(
                team=self.team, policies=[], calendar=team_calendar(self.team), paused_statuses=frozenset()
            )
        return self._sla

    def calendar(self, business_hours: bool) -> BusinessCalendar:
        """The calendar a policy counts on: the rule of :meth:`TeamSLA.calendar_for`, without loading policies."""
        if business_hours and self.team_sla.calendar.has_hours:
            return self.team_sla.calendar
        if self._always is None:
            from teams.calendar import BusinessCalendar

            self._always = BusinessCalendar.always(self.team.time_zone)
        return self._always

    def _ticking_until(self, calendar: BusinessCalendar, due: datetime) -> datetime | None:
        key = id(calendar)
        if key not in self._stretch:  # the same for every card: asked once per calendar
            now = self.now
            if calendar.is_open(now):
                self._stretch[key] = calendar.next_change(now) or datetime.max.replace(tzinfo=now.tzinfo)
            else:
                self._stretch[key] = None
        end = self._stretch[key]
        return None if end is None else min(end, due)

    def card(
        self,
        business_hours: bool,
        status: str,
        paused_since: datetime | None,
        frt: tuple[datetime | None, datetime | None, datetime | None, datetime | None],
        res: tuple[datetime | None, datetime | None, datetime | None, datetime | None],
    ) -> CardClock | None:
        """The clock of a ticket that has a policy; ``frt``/``res`` are (due, warn, warned, breached)."""
        if status == Status.RESOLVED:
            if frt[3] is None and res[3] is None:  # most of a board's history: met
                return CLOCK_MET
            missed = [TARGET_NAMES[t] for t, times in zip(TARGETS, (frt, res), strict=True) if times[3] is not None]
            return CardClock("missed", missed=" and ".join(missed).capitalize()) if missed else CLOCK_MET
        for target, (due, warn, warned, breached) in zip(TARGETS, (frt, res), strict=True):
            if due is None:
                continue
            now = self.now
            if breached is not None or due <= now:
                return CardClock("breached", target, since=breached or due, due=due)
            calendar = self.calendar(business_hours)
            left = calendar.business_seconds(now, due)
            at_risk = warned is not None or (warn is not None and warn <= now)
            warn_left = 0 if at_risk or warn is None else calendar.business_seconds(now, warn)
            until = self._ticking_until(calendar, due)
            return CardClock("risk" if at_risk else "ok", target, left, warn_left, until, due=due)
        return CLOCK_PAUSED if paused_since is not None else None


def lane_of(ticket: Ticket, now: datetime) -> str:
    """The breach-risk lane of a loaded ticket (what :func:`sla_lane` answers in SQL)."""
    if ticket.status == Status.RESOLVED:
        return NO_SLA
    for t in TARGETS:
        due = getattr(ticket, f"{t}_due_at")
        if due is None:
            continue
        if getattr(ticket, f"{t}_breached_at") is not None or due <= now:
            return BREACHED
        warn = getattr(ticket, f"{t}_warn_at")
        if getattr(ticket, f"{t}_warned_at") is not None or (warn is not None and warn <= now):
            return AT_RISK
        return ON_TRACK
    return LANE_PAUSED if ticket.sla_paused_since is not None and ticket.sla_policy_id is not None else NO_SLA
