"""SLA clocks: which policy applies, when targets fall due, pauses, the sweep and escalation.

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

import json
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from django.conf import settings
from django.core.mail import send_mass_mail
from django.db import connection, transaction
from django.db.models import Field, Max, Prefetch
from django.utils import timezone

from teams.calendar import BusinessCalendar, epoch_seconds, from_epoch_seconds
from teams.models import Membership, Role, Team
from tickets.models import (
    Account,
    Column,
    EventField,
    Notification,
    Priority,
    SLAAlert,
    SLAAlertKind,
    SLAPolicy,
    SLASweepMark,
    SLATarget,
    SLATargetKind,
    Status,
    Ticket,
    TicketEvent,
)

logger = logging.getLogger(__name__)

PAUSED = "paused"
RESOLVED = "resolved"
# pg_try_advisory_xact_lock key of the sweep ("SLA" in ASCII).
SWEEP_LOCK_KEY = 0x534C41
RECOMPUTE_BATCH = 10000
# Each sweep claims from this long before its own time, and a write leaves a
# sweep mark when it sets a due time before now plus this: a write whose
# transaction lasts less than twice this is never missed by the sweep.
SWEEP_OVERLAP = timedelta(minutes=2)
# A closed (or still open) stop of the clock, in epoch seconds.
Pause = tuple[int, int | None]

SLA_FIELDS = (
    "sla_policy", "sla_started_at", "sla_pauses", "sla_paused_since", "sla_cycle",
    "frt_due_at", "frt_warn_at", "res_due_at", "res_warn_at",
)  # fmt: skip


# --- What applies to a ticket ---------------------------------------------------------------


@dataclass
class TeamSLA:
    """Everything needed to compute the clocks of one team's tickets, loaded once."""

    team: Team
    policies: list[SLAPolicy]
    calendar: BusinessCalendar
    paused_statuses: frozenset[str]
    _always: BusinessCalendar | None = field(default=None, repr=False)

    @classmethod
    def load(cls, team: Team) -> TeamSLA:
        from teams.calendar import BusinessCalendar

        team = Team.objects.filter(pk=team.pk).prefetch_related("working_hours", "holidays").get()
        policies = list(
            SLAPolicy.objects.filter(team=team, is_active=True)
            .prefetch_related(Prefetch("targets", queryset=SLATarget.objects.all()))
            .order_by("order", "id")
        )
        paused = frozenset(
            Column.objects.filter(board__team=team, board__project__isnull=True, pauses_sla=True).values_list(
                "status", flat=True
            )
        )
        return cls(team=team, policies=policies, calendar=BusinessCalendar.for_team(team), paused_statuses=paused)

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


def _target(policy: SLAPolicy, priority: int) -> SLATarget | None:
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


def on_status_change(ticket: Ticket, *, old: str | None, new: str, at: datetime, paused: Iterable[str]) -> None:
    """Open or close the stop intervals of the clock when a ticket changes status (no save)."""
    paused = set(paused)
    at = _second(at)

    def category(status: str | None) -> str | None:
        if status == Status.RESOLVED:
            return RESOLVED
        return PAUSED if status in paused else None

    before, after = category(old), category(new)
    if before == after:
        return
    intervals = list(ticket.sla_pauses)
    if before is not None and intervals and intervals[-1][1] is None:
        intervals[-1] = [intervals[-1][0], at.isoformat(), intervals[-1][2]]
    if before == RESOLVED:
        ticket.sla_cycle += 1  # reopened: the resolution clock resumes in a new cycle
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


def _instant_at(calendar: BusinessCalendar, start: int, pauses: Sequence[Pause], target_seconds: int) -> int:
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


def _stops(pauses: Iterable[Any]) -> list[Pause]:
    """Stored stop intervals (ISO 8601 text) as epoch seconds."""
    return [
        (epoch_seconds(datetime.fromisoformat(stop)), epoch_seconds(datetime.fromisoformat(end)) if end else None)
        for stop, end, _kind in pauses
    ]


Clocks = tuple[SLAPolicy | None, datetime | None, datetime | None, datetime | None, datetime | None]
Times = tuple[SLAPolicy | None, int | None, int | None, int | None, int | None]


def clock_times(
    sla: TeamSLA, *, kind: str, channel: str, priority: int, account_tier: str | None, status: str,
    started: int, pauses: Sequence[Pause], paused: bool, responded: bool,
) -> Times:  # fmt: skip
    """The policy and (first-response due, warning, resolution due, warning) in epoch seconds.

    A pure function of the ticket's values, on integers, so a bulk recompute
    needs neither model instances nor datetimes.
    """
    policy = sla.policy_for_values(kind=kind, channel=channel, priority=priority, account_tier=account_tier)
    if policy is None:
        return None, None, None, None, None
    target = _target(policy, priority)
    if target is None or paused or status == Status.RESOLVED:
        return policy, None, None, None, None
    calendar = sla.calendar_for(policy)
    share = policy.at_risk_percent / 100
    frt_due = frt_warn = res_due = res_warn = None
    if target.first_response_minutes and not responded:
        seconds = target.first_response_minutes * 60
        frt_due = _instant_at(calendar, started, pauses, seconds)
        frt_warn = _instant_at(calendar, started, pauses, int(seconds * share))
    if target.resolution_minutes:
        seconds = target.resolution_minutes * 60
        res_due = _instant_at(calendar, started, pauses, seconds)
        res_warn = _instant_at(calendar, started, pauses, int(seconds * share))
    return policy, frt_due, frt_warn, res_due, res_warn


def clocks(
    sla: TeamSLA, *, kind: str, channel: str, priority: int, account_tier: str | None, status: str,
    started: datetime, pauses: list[Any], paused_since: datetime | None, first_response_at: datetime | None,
    now: datetime,
) -> Clocks:  # fmt: skip
    """:func:`clock_times` of one ticket's stored values, as datetimes."""
    policy, *times = clock_times(
        sla, kind=kind, channel=channel, priority=priority, account_tier=account_tier, status=status,
        started=epoch_seconds(started), pauses=_stops(pauses), paused=paused_since is not None,
        responded=first_response_at is not None,
    )  # fmt: skip
    frt_due, frt_warn, res_due, res_warn = (None if t is None else from_epoch_seconds(t) for t in times)
    return policy, frt_due, frt_warn, res_due, res_warn


def refresh(
    ticket: Ticket, sla: TeamSLA, *, now: datetime, account_tier: str | None = None, mark: bool = True
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
        sla, kind=ticket.kind, channel=ticket.channel, priority=ticket.priority, account_tier=account_tier,
        status=ticket.status, started=ticket.sla_started_at or ticket.created_at, pauses=ticket.sla_pauses,
        paused_since=ticket.sla_paused_since, first_response_at=ticket.first_response_at, now=_second(now),
    )  # fmt: skip
    claimed = (ticket.frt_breached_at, ticket.frt_warned_at, ticket.res_breached_at, ticket.res_warned_at)
    times = (ticket.frt_due_at, ticket.frt_warn_at, ticket.res_due_at, ticket.res_warn_at)
    earliest = _earliest_unclaimed(times, tuple(stamp is not None for stamp in claimed))
    if mark:
        sweep_from(earliest)
    return cast(datetime | None, earliest)


def _earliest_unclaimed(times: Sequence[Any], claimed: Sequence[bool]) -> Any:
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


def start(ticket: Ticket, sla: TeamSLA, *, now: datetime) -> None:
    """Start the clocks of a new ticket (no save)."""
    now = _second(now)
    ticket.sla_started_at = now
    ticket.sla_pauses = []
    ticket.sla_paused_since = None
    on_status_change(ticket, old=None, new=ticket.status, at=now, paused=sla.paused_statuses)
    refresh(ticket, sla, now=now)


RECOMPUTED = ("sla_policy_id", "frt_due_at", "frt_warn_at", "res_due_at", "res_warn_at")


@transaction.atomic
def sla_recompute_team(*, team: Team, now: datetime | None = None) -> int:
    """Recompute the clocks of every open ticket of a team; returns how many were written.

    Run after a policy or calendar change, as one task for the whole team.
    Tickets are read in keyset batches with their instants as epoch seconds,
    and the clocks computed in Python on integers (no datetime is built per
    ticket); on PostgreSQL the rows are streamed with COPY into a temporary
    table and written by ONE ``UPDATE … FROM``, elsewhere by one ``UPDATE …
    FROM (VALUES …)`` per batch. Never one statement, or one task, per ticket.

    A ticket edited while this runs (its version moved on) keeps what its
    edit computed, and one answered meanwhile keeps no first-response due.
    """
    sla = TeamSLA.load(team)
    tiers = dict(Account.objects.filter(team=team).values_list("id", "tier"))
    writer = _RowWriter()
    changed = 0
    last_id = 0
    earliest: int | None = None
    table = Ticket._meta.db_table
    postgres = connection.vendor == "postgresql"
    started = (
        "floor(extract(epoch from coalesce(sla_started_at, created_at)))::bigint"
        if postgres
        else "CAST(strftime('%%s', coalesce(sla_started_at, created_at)) AS INTEGER)"
    )
    pauses = "sla_pauses::text" if postgres else "sla_pauses"
    # Only what the clocks need; the stops as text, decoded only where there are any.
    sql = (
        f"SELECT id, version, kind, channel, priority, account_id, status, {started}, {pauses}, "  # noqa: S608
        f"sla_paused_since IS NOT NULL, first_response_at IS NOT NULL, frt_breached_at IS NOT NULL, "
        f"frt_warned_at IS NOT NULL, res_breached_at IS NOT NULL, res_warned_at IS NOT NULL FROM {table} "
        f"WHERE team_id = %s AND id > %s AND status <> %s ORDER BY id LIMIT %s"
    )
    while True:
        with connection.cursor() as cursor:
            cursor.execute(sql, [team.pk, last_id, Status.RESOLVED, RECOMPUTE_BATCH])
            batch = cursor.fetchall()
        if not batch:
            break
        last_id = batch[-1][0]
        rows = []
        for row in batch:
            pk, version, kind, channel, priority, account_id, status, start, pauses_text, paused, responded = row[:11]
            claimed = row[11:]  # breach and warning stamps set
            stops = _stops(json.loads(pauses_text)) if pauses_text and pauses_text != "[]" else []
            policy, *times = clock_times(
                sla, kind=kind, channel=channel, priority=priority, account_tier=tiers.get(account_id),
                status=status, started=start, pauses=stops, paused=bool(paused), responded=bool(responded),
            )  # fmt: skip
            rows.append((pk, version, policy.pk if policy else None, *times))
            soonest = _earliest_unclaimed(times, claimed)
            if soonest is not None:
                earliest = soonest if earliest is None else min(earliest, soonest)
        writer.add(rows)
        changed += len(rows)
    writer.finish()
    # Due times moved earlier, maybe into the past: the next sweep looks back to them.
    sweep_from(None if earliest is None else from_epoch_seconds(earliest))
    return changed


class _RowWriter:
    """Writes recomputed clock columns in bulk: COPY + one UPDATE on PostgreSQL, VALUES batches elsewhere.

    Rows carry instants as epoch seconds; PostgreSQL turns them into
    timestamps in the final UPDATE (``to_timestamp``).
    """

    def __init__(self) -> None:
        self.copying = connection.vendor == "postgresql"
        self.table_ready = False
        self.pending = 0

    def add(self, rows: Sequence[tuple[Any, ...]]) -> None:
        if not rows:
            return
        if not self.copying:
            as_datetimes = [
                (pk, version, policy, *(None if t is None else from_epoch_seconds(t) for t in times))
                for pk, version, policy, *times in rows
            ]
            _update_rows(as_datetimes, RECOMPUTED)
            return
        with connection.cursor() as cursor:
            if not self.table_ready:
                cursor.execute(
                    "CREATE TEMPORARY TABLE sla_recomputed (id bigint, version bigint, sla_policy_id bigint, "
                    "frt_due_at bigint, frt_warn_at bigint, res_due_at bigint, res_warn_at bigint) ON COMMIT DROP"
                )
                self.table_ready = True
            # COPY's text format written directly: integers only, \N for NULL.
            text = "".join("\t".join("\\N" if value is None else str(value) for value in row) + "\n" for row in rows)
            with cursor.cursor.copy("COPY sla_recomputed FROM STDIN") as copy:
                copy.write(text)
        self.pending += len(rows)

    def finish(self) -> None:
        if not self.pending:
            return
        table = Ticket._meta.db_table
        columns = ", ".join(
            _assignment(name, f"v.{name}" if name == "sla_policy_id" else f"to_timestamp(v.{name})", table)
            for name in RECOMPUTED
        )
        with connection.cursor() as cursor:
            # One hash join of the whole batch: give it memory and statistics instead of a key.
            cursor.execute("SET LOCAL work_mem = '256MB'")
            cursor.execute("ANALYZE sla_recomputed")
            cursor.execute(
                f"UPDATE {table} SET {columns} FROM sla_recomputed v "  # noqa: S608 - names from the model
                f"WHERE {table}.id = v.id AND {table}.version = v.version"
            )
            cursor.execute("DROP TABLE sla_recomputed")


def _assignment(name: str, value: str, table: str) -> str:
    """``SET`` of one recomputed column. A ticket answered meanwhile keeps its first-response due empty."""
    if name.startswith("frt_"):
        return f"{name} = CASE WHEN {table}.first_response_at IS NULL THEN {value} END"
    return f"{name} = {value}"


def _update_rows(rows: Sequence[tuple[Any, ...]], fields: Sequence[str]) -> None:
    """UPDATE tickets FROM a VALUES list: one statement for a whole batch (databases without COPY).

    Rows are ``(id, version, *fields)``; a ticket whose version moved on since
    it was read was edited meanwhile, and that edit computed its clocks: skip it.
    """
    table = Ticket._meta.db_table
    columns = ", ".join(_assignment(f, f"v.c{i}", table) for i, f in enumerate(fields))
    values = ", ".join("(" + ", ".join(["%s"] * (len(fields) + 2)) + ")" for _ in rows)
    names = ", ".join(["id", "version", *[f"c{i}" for i in range(len(fields))]])
    params = [value for row in rows for value in row]
    sql = (
        f"WITH v({names}) AS (VALUES {values}) "  # noqa: S608 - names from the model, values bound
        f"UPDATE {table} SET {columns} FROM v WHERE {table}.id = v.id AND {table}.version = v.version"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


# --- The sweep --------------------------------------------------------------------------------


@dataclass
class SweepResult:
    skipped: bool = False
    breached: list[int] = field(default_factory=list)
    at_risk: list[int] = field(default_factory=list)
    escalated: list[int] = field(default_factory=list)
    notified: int = 0


CLAIMS = (
    # (target, kind, field set to now, due field, extra condition)
    (SLATargetKind.FIRST_RESPONSE, SLAAlertKind.BREACHED, "frt_breached_at", "frt_due_at", ""),
    (SLATargetKind.RESOLUTION, SLAAlertKind.BREACHED, "res_breached_at", "res_due_at", ""),
    (SLATargetKind.FIRST_RESPONSE, SLAAlertKind.AT_RISK, "frt_warned_at", "frt_warn_at", "AND frt_breached_at IS NULL"),
    (SLATargetKind.RESOLUTION, SLAAlertKind.AT_RISK, "res_warned_at", "res_warn_at", "AND res_breached_at IS NULL"),
)


def _claim(stamp: str, due: str, extra: str, now: datetime, since: datetime | None) -> list[tuple[int, datetime]]:
    """Stamp ``stamp`` on every ticket whose ``due`` fell between ``since`` (None: ever) and ``now``."""
    table = Ticket._meta.db_table
    window = f"AND {due} >= %s" if since is not None else ""
    sql = (
        f"UPDATE {table} SET {stamp} = %s "  # noqa: S608 - column names are constants above
        f"WHERE {due} <= %s {window} AND {stamp} IS NULL {extra} RETURNING id, {due}"
    )
    params = [now, now] if since is None else [now, now, since]
    with connection.cursor() as cursor:
        # As the ORM writes them: SQLite compares timestamps as text.
        cursor.execute(sql, [connection.ops.adapt_datetimefield_value(p) for p in params])
        return [(pk, _aware(due_at)) for pk, due_at in cursor.fetchall()]


def _aware(value: datetime | str) -> datetime:
    """A timestamp read with raw SQL (SQLite returns text, and naive UTC)."""
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(value)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _take_marks() -> datetime | None:
    """Delete the sweep marks; the earliest is where this sweep's claims start (None: no mark, from the start).

    One ``DELETE … RETURNING``: a mark committed after it began stays for the next sweep.
    """
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {SLASweepMark._meta.db_table} RETURNING after")  # noqa: S608 - model's table
        return min((_aware(after) for (after,) in cursor.fetchall()), default=None)


def sla_sweep(*, now: datetime | None = None, send_mail: bool = True) -> SweepResult:
    """Claim newly breached and at-risk targets, escalate and notify; exactly once per target.

    Cost grows with the targets that change state, not with open tickets.
    Mail leaves after the sweep's transaction commits (``send_mail=False``
    records in-app notifications only, e.g. for demo data).
    """
    now = now or timezone.now()
    result = SweepResult()
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [SWEEP_LOCK_KEY])
                if not cursor.fetchone()[0]:
                    result.skipped = True  # another sweep is running; it will claim these
                    return result
        since = _take_marks()
        alerts: list[SLAAlert] = []
        for target, kind, stamp, due, extra in CLAIMS:
            for pk, due_at in _claim(stamp, due, extra, now, since):
                alerts.append(SLAAlert(ticket_id=pk, target=target, kind=kind, due_at=due_at, created_at=now))
                (result.breached if kind == SLAAlertKind.BREACHED else result.at_risk).append(pk)
        # The next sweep starts a little before this one (never after the clock: tests and the
        # demo sweep at a chosen time), so a write committed while this one ran is not missed.
        SLASweepMark.objects.create(after=min(now, timezone.now()) - SWEEP_OVERLAP)
        if not alerts:
            return result
        SLAAlert.objects.bulk_create(alerts, ignore_conflicts=True)
        saved = list(
            SLAAlert.objects.filter(created_at=now, ticket_id__in={a.ticket_id for a in alerts}).select_related(
                "ticket", "ticket__team", "ticket__assignee", "ticket__sla_policy"
            )
        )
        result.escalated = _escalate(sorted(set(result.breached)), now=now)
        notifications, mails = _notifications(saved)
        Notification.objects.bulk_create(notifications, ignore_conflicts=True)
        result.notified = len(notifications)
        if mails and send_mail:
            transaction.on_commit(lambda: _send(mails))
    return result


def _send(mails: list[tuple[str, str, str, list[str]]]) -> None:
    try:
        send_mass_mail(mails, fail_silently=False)
    except Exception:  # the in-app notifications are saved; a mail outage must not fail the sweep
        logger.exception("Could not send %s SLA notification mails", len(mails))


ESCALATION_FIELDS = ("status", "position", "priority", "version", "updated_at", *SLA_FIELDS)
WRITE_BATCH = 1000


def _escalate(ticket_ids: list[int], *, now: datetime) -> list[int]:
    """Apply the breach actions of each newly breached ticket's policy, set-based.

    The tickets are locked and read at once, the top of each team's Escalated
    column is read once, and the changed rows go back in one ``UPDATE … FROM
    (VALUES …)`` per thousand: a burst of breaches costs a few statements,
    not two per ticket.
    """
    escalated: list[int] = []
    if not ticket_ids:
        return escalated
    from tickets.services import POSITION_GAP

    tickets = list(
        Ticket.objects.select_for_update(of=("self",))
        .filter(pk__in=ticket_ids)
        .select_related("sla_policy", "team", "account")
        .order_by("pk")
    )
    tops: dict[int, int] = dict(
        Ticket.objects.filter(team_id__in={t.team_id for t in tickets}, status=Status.ESCALATED)
        .values("team_id")
        .annotate(top=Max("position"))
        .values_list("team_id", "top")
    )
    sla_by_team: dict[int, TeamSLA] = {}
    earliest: list[datetime] = []
    events: list[TicketEvent] = []
    changed_tickets: list[Ticket] = []
    for ticket in tickets:
        policy = ticket.sla_policy
        if policy is None:
            continue
        changed = False
        sla = sla_by_team.get(ticket.team_id) or sla_by_team.setdefault(ticket.team_id, TeamSLA.load(ticket.team))
        if policy.escalate_to_column and ticket.status not in (Status.ESCALATED, Status.RESOLVED):
            # The breach overrides the Escalated column's WIP limit; the card says so.
            events.append(
                TicketEvent(
                    ticket=ticket,
                    actor=None,
                    field=EventField.STATUS,
                    from_value=ticket.status,
                    to_value=Status.ESCALATED,
                    from_label=Status(ticket.status).label,
                    to_label=Status.ESCALATED.label,
                    created_at=now,
                )
            )
            on_status_change(ticket, old=ticket.status, new=Status.ESCALATED, at=now, paused=sla.paused_statuses)
            ticket.status = Status.ESCALATED
            ticket.position = tops[ticket.team_id] = (tops.get(ticket.team_id) or 0) + POSITION_GAP
            changed = True
        if policy.raise_priority and ticket.priority < Priority.URGENT:
            events.append(
                TicketEvent(
                    ticket=ticket,
                    actor=None,
                    field=EventField.PRIORITY,
                    from_value=str(ticket.priority),
                    to_value=str(ticket.priority + 1),
                    from_label=Priority(ticket.priority).label,
                    to_label=Priority(ticket.priority + 1).label,
                    created_at=now,
                )
            )
            ticket.priority += 1
            changed = True
        if changed:
            soonest = refresh(ticket, sla, now=now, mark=False)
            if soonest is not None:
                earliest.append(soonest)
            ticket.version += 1
            ticket.updated_at = now
            changed_tickets.append(ticket)
            escalated.append(ticket.pk)
    for first in range(0, len(changed_tickets), WRITE_BATCH):
        _write_tickets(changed_tickets[first : first + WRITE_BATCH], ESCALATION_FIELDS)
    TicketEvent.objects.bulk_create(events)
    # A raised priority can put the other target's due time behind the next sweep's window.
    sweep_from(min(earliest, default=None))
    return escalated


def _write_tickets(tickets: Sequence[Ticket], names: Sequence[str]) -> None:
    """Save ``names`` of many tickets with one ``UPDATE … FROM (VALUES …)``.

    Values are prepared by each model field for the database at hand and cast
    to the column's type, so JSON, timestamps and keys go in as ``save()``
    would write them.
    """
    fields = [cast(Field, Ticket._meta.get_field(name)) for name in names]
    postgres = connection.vendor == "postgresql"
    table = Ticket._meta.db_table
    placeholders = ", ".join([f"CAST(%s AS {f.db_type(connection)})" if postgres else "%s" for f in fields] + ["%s"])
    values = ", ".join(f"({placeholders})" for _ in tickets)
    aliases = [f"c{i}" for i in range(len(fields))]
    columns = ", ".join(f"{f.column} = v.{alias}" for f, alias in zip(fields, aliases, strict=True))
    params = [
        value
        for ticket in tickets
        for value in (*(f.get_db_prep_save(getattr(ticket, f.attname), connection) for f in fields), ticket.pk)
    ]
    sql = (
        f"WITH v({', '.join(aliases)}, id) AS (VALUES {values}) "  # noqa: S608 - names from the model
        f"UPDATE {table} SET {columns} FROM v WHERE {table}.id = v.id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


TARGET_LABEL: dict[str, str] = {SLATargetKind.FIRST_RESPONSE: "first response", SLATargetKind.RESOLUTION: "resolution"}


def _notifications(alerts: list[SLAAlert]) -> tuple[list[Notification], list[tuple[str, str, str, list[str]]]]:
    """Notify the assignee and the team leads of each alert whose policy asks for it."""
    team_ids = {a.ticket.team_id for a in alerts}
    leads: dict[int, list[Any]] = {}
    members: set[tuple[int, int]] = set()  # (team, user) of people who can still work the team's tickets
    for m in Membership.objects.filter(team_id__in=team_ids).exclude(role=Role.VIEWER).select_related("user"):
        members.add((m.team_id, m.user_id))
        if m.role == Role.LEAD:
            leads.setdefault(m.team_id, []).append(m.user)
    notes: list[Notification] = []
    mails: list[tuple[str, str, str, list[str]]] = []
    for alert in alerts:
        ticket = alert.ticket
        if ticket.sla_policy is None or not ticket.sla_policy.notify:
            continue
        key = f"{ticket.team.slug.upper()}-{ticket.number}"
        what = "was breached" if alert.kind == SLAAlertKind.BREACHED else "is at risk"
        title = " ".join(ticket.title.split())[:120]  # one line: it becomes a mail subject
        message = f"{key} “{title}”: the {TARGET_LABEL[alert.target]} target {what}."
        people = {u.pk: u for u in leads.get(ticket.team_id, [])}
        if ticket.assignee is not None and (ticket.team_id, ticket.assignee.pk) in members:
            people[ticket.assignee.pk] = ticket.assignee
        for user in people.values():
            notes.append(Notification(user=user, ticket=ticket, alert=alert, message=message))
            if user.email:
                mails.append((f"[SupportPM] {message}", message, settings.DEFAULT_FROM_EMAIL, [user.email]))
    return notes, mails
