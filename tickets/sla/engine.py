"""The SLA engine: which policy applies, pauses, and when targets fall due (no I/O but the sweep mark).

The clock of a target counts business time (the team's calendar, or calendar
time when the policy says so) from the ticket's creation, less the intervals
it spent in a pausing status or resolved. Pauses are stored on the ticket as
intervals (``Ticket.sla_pauses``), never rebuilt from history.

Due times are computed in Python at every ticket event and stored; a due time
is NULL whenever its target is not running (met, paused, resolved, or no
target), so the sweep is one indexed statement per target:
``UPDATE … SET breached_at = now WHERE due <= now AND due >= since AND
breached_at IS NULL RETURNING id``. Each claim writes one ``SLAAlert``
(unique per ticket, target and kind) in the same transaction, under a
PostgreSQL advisory lock, so a duplicated, overlapping or re-delivered sweep
alerts exactly once.

``since`` is the earliest :class:`~tickets.models.SLASweepMark`: the last
sweep's time less :data:`SWEEP_OVERLAP`, or an earlier due time that a write
set since (a raised priority, a tighter policy). The claim so reads only the
targets that fell due lately, never the open tickets breached long ago, and
no index names a stamp: a claim rewrites no index entry (a heap-only update).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, cast

from django.db.models import DateField, Prefetch, Value
from django.utils import timezone

from teams.calendar import BusinessCalendar, epoch_seconds, from_epoch_seconds
from teams.models import Holiday, Team, WorkingHours
from tickets.choices import CUSTOMER_KINDS, Status
from tickets.models import Column, SLAPolicy, SLASweepMark, SLATarget, Ticket

PAUSED = "paused"
RESOLVED = "resolved"
# Each sweep claims from this long before its own time, and a write leaves a
# sweep mark when it sets a due time before now plus this: a write whose
# transaction lasts less than twice this is never missed by the sweep.
SWEEP_OVERLAP = timedelta(minutes=2)
# A closed (or still open) stop of the clock, in epoch seconds.
Pause = tuple[int, int | None]

SLA_FIELDS = (
    "sla_policy", "sla_started_at", "sla_pauses", "sla_paused_since", "sla_cycle",
    "frt_due_at", "frt_warn_at", "res_due_at", "res_warn_at", "frt_first_due_at", "res_first_due_at",
)  # fmt: skip


# --- What applies to a ticket ---------------------------------------------------------------


def team_calendar(team: Team) -> BusinessCalendar:
    """A team's business calendar from one query: its weekly hours and its holidays, as plain rows."""
    hours = (
        WorkingHours.objects.filter(team=team)
        .order_by()
        .values_list("weekday", "start_minute", "end_minute", Value(None, output_field=DateField()))
    )
    days = Holiday.objects.filter(team=team).order_by().values_list(Value(-1), Value(0), Value(0), "date")
    intervals, holidays = [], []
    for weekday, start, end, day in hours.union(days, all=True):
        if day is None:
            intervals.append((weekday, start, end))
        else:
            holidays.append(day)
    return BusinessCalendar(time_zone=team.time_zone, intervals=intervals, holidays=holidays)


# What this process last read of each team's policies and calendar, under the team's SLA stamp and
# time zone. The stamp changes with every write to policies, targets, hours or holidays (database
# triggers), so an entry is used only while the team row still carries it: a move reads the team
# with its ticket and needs no other query for the clock. Read-only once stored.
_KEPT: dict[int, tuple[tuple[int, str], list[SLAPolicy], BusinessCalendar]] = {}


@dataclass
class TeamSLA:
    """Everything needed to compute the clocks of one team's tickets, loaded once."""

    team: Team
    policies: list[SLAPolicy]
    calendar: BusinessCalendar
    paused_statuses: frozenset[str]
    _always: BusinessCalendar | None = field(default=None, repr=False)

    @classmethod
    def load(cls, team: Team, *, reload: bool = True, paused_statuses: frozenset[str] | None = None) -> TeamSLA:
        """The team's policies, calendar and pausing columns.

        At most five queries, none when this process has read the same team's policies and
        calendar since they last changed (under its stamp) and the caller knows the rest.

        ``reload=False`` trusts ``team`` as just read (a row locked with its ticket, say); by
        default the team row is read again. ``paused_statuses``: the statuses of the team
        board's columns that stop the clock, when the caller has just read those columns.
        """
        if reload:
            team = Team.objects.filter(pk=team.pk).get()
        stamp = (team.sla_stamp, team.time_zone)
        kept = _KEPT.get(team.pk)
        if kept is not None and kept[0] == stamp:
            policies, calendar = kept[1], kept[2]
        else:
            calendar = team_calendar(team)
            policies = list(
                SLAPolicy.objects.filter(team=team, is_active=True)
                .prefetch_related(Prefetch("targets", queryset=SLATarget.objects.all()))
                .order_by("order", "id")
            )
            _KEPT[team.pk] = (stamp, policies, calendar)
        paused = paused_statuses
        if paused is None:
            paused = frozenset(
                Column.objects.filter(board__team=team, board__project__isnull=True, pauses_sla=True).values_list(
                    "status", flat=True
                )
            )
        return cls(team=team, policies=policies, calendar=calendar, paused_statuses=paused)

    def calendar_for(self, policy: SLAPolicy) -> BusinessCalendar:
        # A team without working hours cannot count business time: count calendar time.
        if policy.business_hours and self.calendar.has_hours:
            return self.calendar
        if self._always is None:
            self._always = BusinessCalendar.always(self.team.time_zone)
        return self._always

    def policy_for(self, ticket: Ticket, *, account_tier: str | None) -> SLAPolicy | None:
        return self.policy_for_values(
            kind=ticket.kind, channel=ticket.channel, priority=ticket.priority, account_tier=account_tier
        )

    def policy_for_values(
        self, *, kind: str, channel: str, priority: int, account_tier: str | None
    ) -> SLAPolicy | None:
        """The first active policy whose conditions all hold (empty conditions match anything)."""
        for policy in self.policies:
            if policy.kind and policy.kind != kind:
                continue
            if policy.channel and policy.channel != channel:
                continue
            if policy.priority and policy.priority != priority:
                continue
            if policy.account_tier and policy.account_tier != account_tier:
                continue
            return policy
        return None


def target_of(policy: SLAPolicy, priority: int) -> SLATarget | None:
    # Indexed once per policy object: bulk recomputes ask this for every ticket.
    targets: dict[int, SLATarget] | None = getattr(policy, "_targets_by_priority", None)
    if targets is None:
        targets = {t.priority: t for t in policy.targets.all()}
        policy._targets_by_priority = targets  # type: ignore[attr-defined]
    return targets.get(priority)


def _second(moment: datetime) -> datetime:
    """Clocks count whole seconds, as the calendar does."""
    return moment.replace(microsecond=0)


# --- Pauses -----------------------------------------------------------------------------------


def _parse(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def pauses_of(ticket: Ticket) -> list[tuple[datetime, datetime | None, str]]:
    return [(_parse(start), _parse(end), kind) for start, end, kind in ticket.sla_pauses]  # type: ignore[misc]


def stop_kind(status: str | None, paused: Collection[str]) -> str | None:
    """What a status does to the clock: stops it as resolved, as paused, or not at all (None)."""
    if status == Status.RESOLVED:
        return RESOLVED
    return PAUSED if status in paused else None


def on_status_change(ticket: Ticket, *, old: str | None, new: str, at: datetime, paused: Iterable[str]) -> None:
    """Open or close the stop intervals of the clock when a ticket changes status (no save)."""
    paused = set(paused)
    at = _second(at)
    before, after = stop_kind(old, paused), stop_kind(new, paused)
    if before == after:
        return
    intervals = list(ticket.sla_pauses)
    if before is not None and intervals and intervals[-1][1] is None:
        intervals[-1] = [intervals[-1][0], at.isoformat(), intervals[-1][2]]
    if before == RESOLVED:
        ticket.sla_cycle += 1  # reopened: the resolution clock resumes in a new cycle
        ticket.res_first_due_at = None  # set by the refresh that follows, for the new cycle
    if after is not None:
        intervals.append([at.isoformat(), None, after])
        ticket.sla_paused_since = at
    else:
        ticket.sla_paused_since = None
    ticket.sla_pauses = intervals


# --- Clocks -----------------------------------------------------------------------------------


def _elapsed(calendar: BusinessCalendar, start: datetime, pauses: list[Any], at: datetime) -> int:
    if at <= start:
        return 0
    total = calendar.business_seconds(start, at)
    for stop_text, end_text, _kind in pauses:
        stop = datetime.fromisoformat(stop_text)
        if stop >= at:
            continue
        end = datetime.fromisoformat(end_text) if end_text else at
        total -= calendar.business_seconds(stop, min(end, at))
    return max(total, 0)


def elapsed_seconds(ticket: Ticket, calendar: BusinessCalendar, at: datetime) -> int:
    """Business seconds the clock has run from the start to ``at``, less its stops."""
    return _elapsed(calendar, ticket.sla_started_at or ticket.created_at, ticket.sla_pauses, at)


def first_response_elapsed(ticket: Ticket, calendar: BusinessCalendar, at: datetime) -> int:
    """Business seconds the first-response clock has run at ``at``: from the start, with no pause.

    Waiting on the customer does not stop it; the first resolution ends it
    (a ticket resolved without a reply is not answered later for this target).
    """
    start = ticket.sla_started_at or ticket.created_at
    ended = next((datetime.fromisoformat(stop) for stop, _end, kind in ticket.sla_pauses if kind == RESOLVED), None)
    end = min(at, ended) if ended is not None else at
    return calendar.business_seconds(start, end) if end > start else 0


def instant_at(calendar: BusinessCalendar, start: int, pauses: Sequence[Pause], target_seconds: int) -> int:
    """The instant (epoch seconds) the clock reaches ``target_seconds``: past or future, exactly.

    The clock runs from ``start`` through the gaps between its (closed) stops
    and on after the last one; called only while the clock runs, so every
    stop has an end.
    """
    accumulated = 0
    running_from = start
    for stop, end in pauses:
        if stop > running_from:
            ran = calendar.seconds_between(running_from, stop)
            if accumulated + ran >= target_seconds:
                return calendar.add_seconds(running_from, target_seconds - accumulated)
            accumulated += ran
        if end is not None:
            running_from = max(running_from, end)
    return calendar.add_seconds(running_from, target_seconds - accumulated)


def at_risk_seconds(target_seconds: int, percent: int) -> int:
    """When a target is at risk: ``percent`` of it, in whole seconds, by integer arithmetic (no float rounding)."""
    return target_seconds * percent // 100


def pause_stops(pauses: Iterable[Any]) -> list[Pause]:
    """Stored stop intervals (ISO 8601 text) as epoch seconds."""
    return [
        (epoch_seconds(datetime.fromisoformat(stop)), epoch_seconds(datetime.fromisoformat(end)) if end else None)
        for stop, end, _kind in pauses
    ]


Clocks = tuple[SLAPolicy | None, datetime | None, datetime | None, datetime | None, datetime | None]
Times = tuple[SLAPolicy | None, int | None, int | None, int | None, int | None]


def clock_times(
    team_sla: TeamSLA, *, kind: str, channel: str, priority: int, account_tier: str | None, status: str,
    started: int, pauses: Sequence[Pause], paused: bool, responded: bool, cycle: int = 1,
) -> Times:  # fmt: skip
    """The policy and (first-response due, warning, resolution due, warning) in epoch seconds.

    A pure function of the ticket's values, on integers, so a bulk recompute
    needs neither model instances nor datetimes.

    The two clocks stop for different things (DESIGN.md). First response runs
    from creation to the first public reply and nothing pauses it: waiting on
    the customer does not (they have not heard from us yet); resolving ends it,
    so it runs only in the first cycle. Resolution stops while the ticket waits
    on the customer and while it is resolved; reopening resumes it.
    """
    policy = team_sla.policy_for_values(kind=kind, channel=channel, priority=priority, account_tier=account_tier)
    if policy is None:
        return None, None, None, None, None
    target = target_of(policy, priority)
    if target is None or status == Status.RESOLVED:
        return policy, None, None, None, None
    calendar = team_sla.calendar_for(policy)
    frt_due = frt_warn = res_due = res_warn = None
    customer_work = kind in CUSTOMER_KINDS or not policy.first_response_customer_only
    if target.first_response_minutes and not responded and cycle == 1 and customer_work:
        seconds = target.first_response_minutes * 60
        frt_due = calendar.add_seconds(started, seconds)
        frt_warn = calendar.add_seconds(started, at_risk_seconds(seconds, policy.at_risk_percent))
    if target.resolution_minutes and not paused:
        seconds = target.resolution_minutes * 60
        res_due = instant_at(calendar, started, pauses, seconds)
        res_warn = instant_at(calendar, started, pauses, at_risk_seconds(seconds, policy.at_risk_percent))
    return policy, frt_due, frt_warn, res_due, res_warn


def clocks(
    team_sla: TeamSLA, *, kind: str, channel: str, priority: int, account_tier: str | None, status: str,
    started: datetime, pauses: list[Any], paused_since: datetime | None, first_response_at: datetime | None,
    now: datetime, cycle: int = 1,
) -> Clocks:  # fmt: skip
    """:func:`clock_times` of one ticket's stored values, as datetimes."""
    policy, *times = clock_times(
        team_sla, kind=kind, channel=channel, priority=priority, account_tier=account_tier, status=status,
        started=epoch_seconds(started), pauses=pause_stops(pauses), paused=paused_since is not None,
        responded=first_response_at is not None, cycle=cycle,
    )  # fmt: skip
    frt_due, frt_warn, res_due, res_warn = (None if t is None else from_epoch_seconds(t) for t in times)
    return policy, frt_due, frt_warn, res_due, res_warn


def refresh(
    ticket: Ticket, team_sla: TeamSLA, *, now: datetime, account_tier: str | None = None, mark: bool = True
) -> datetime | None:
    """Choose the policy and recompute the stored due and warning times (no save of the ticket).

    Called at every ticket event that can move a clock: creation, priority,
    kind, channel or account change, status change, first response, and for
    all open tickets when a policy or the calendar changes. Elapsed time is
    kept: the new targets count from the same start, less the same stops.

    Returns the earliest time still to be claimed; with ``mark``, leaves a
    sweep mark there when it is due or nearly (see :func:`sweep_from`), in the
    caller's transaction. Callers refreshing many tickets pass ``mark=False``
    and mark the earliest of all once.
    """
    if account_tier is None and ticket.account_id:
        account_tier = ticket.account.tier if ticket.account else None
    (ticket.sla_policy, ticket.frt_due_at, ticket.frt_warn_at, ticket.res_due_at, ticket.res_warn_at) = clocks(
        team_sla, kind=ticket.kind, channel=ticket.channel, priority=ticket.priority, account_tier=account_tier,
        status=ticket.status, started=ticket.sla_started_at or ticket.created_at, pauses=ticket.sla_pauses,
        paused_since=ticket.sla_paused_since, first_response_at=ticket.first_response_at, now=_second(now),
        cycle=ticket.sla_cycle,
    )  # fmt: skip
    if ticket.frt_first_due_at is None:
        ticket.frt_first_due_at = ticket.frt_due_at
    if ticket.res_first_due_at is None:
        ticket.res_first_due_at = ticket.res_due_at
    claimed = (ticket.frt_breached_at, ticket.frt_warned_at, ticket.res_breached_at, ticket.res_warned_at)
    times = (ticket.frt_due_at, ticket.frt_warn_at, ticket.res_due_at, ticket.res_warn_at)
    earliest = earliest_unclaimed(times, tuple(stamp is not None for stamp in claimed))
    if mark:
        sweep_from(earliest)
    return cast(datetime | None, earliest)


def earliest_unclaimed(times: Sequence[Any], claimed: Sequence[bool]) -> Any:
    """The earliest of (first-response due, its warning, resolution due, its warning) still to be claimed.

    ``claimed`` says, in the same order, which of breached / warned are
    stamped: a breached target's warning is never claimed either.
    """
    frt_due, frt_warn, res_due, res_warn = times
    frt_breached, frt_warned, res_breached, res_warned = claimed
    pending = []
    if not frt_breached:
        pending += [frt_due, None if frt_warned else frt_warn]
    if not res_breached:
        pending += [res_due, None if res_warned else res_warn]
    return min((t for t in pending if t is not None), default=None)


def sweep_from(earliest: datetime | None) -> None:
    """Have the next sweep claim from ``earliest`` if it is already due or will be soon.

    Call in the transaction that writes the due or warning time, so the time
    and the mark commit together. Later times need no mark: the sweep's own
    window reaches them.
    """
    if earliest is not None and earliest <= timezone.now() + SWEEP_OVERLAP:
        SLASweepMark.objects.create(after=earliest)


def start(ticket: Ticket, team_sla: TeamSLA, *, now: datetime) -> None:
    """Start the clocks of a new ticket (no save)."""
    now = _second(now)
    ticket.sla_started_at = now
    ticket.sla_pauses = []
    ticket.sla_paused_since = None
    on_status_change(ticket, old=None, new=ticket.status, at=now, paused=team_sla.paused_statuses)
    refresh(ticket, team_sla, now=now)
