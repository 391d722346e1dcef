"""The ticket's SLA panel: each target's state, due time and business time left, and its SLA timeline."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from tickets.choices import SLAAlertKind, SLAOutcomeKind, SLATargetKind, Status
from tickets.models import SLAAlert, SLAOutcome, SLATarget, Ticket
from tickets.sla.display import TARGET_NAMES, ClockReader, hours_minutes
from tickets.sla.engine import PAUSED, RESOLVED, elapsed_seconds, first_response_elapsed, pauses_of

if TYPE_CHECKING:
    from teams.calendar import BusinessCalendar

# --- The ticket's SLA panel and timeline -------------------------------------------------------------

STATE_LABELS = {
    "met": "Met",
    "missed": "Missed",
    "running": "Running",
    "paused": "Paused",
    "at_risk": "At risk",
    "breached": "Breached",
    "unanswered": "No reply",
    "idle": "Not running",
}


@dataclass
class TargetStatus:
    """One target of the ticket's policy: how long it may take, how long it has taken, and where it stands."""

    kind: str  # "frt" or "res"
    target_seconds: int
    elapsed_seconds: int
    state: str
    due_at: datetime | None = None
    done_at: datetime | None = None
    breached_at: datetime | None = None

    @property
    def label(self) -> str:
        return TARGET_NAMES[self.kind]

    @property
    def state_label(self) -> str:
        return STATE_LABELS[self.state]

    @property
    def target_label(self) -> str:
        return hours_minutes(self.target_seconds)

    @property
    def elapsed_label(self) -> str:
        return hours_minutes(self.elapsed_seconds)

    @property
    def percent(self) -> int:
        """Share of the target used, 0-100 (for the bar)."""
        return min(100, self.elapsed_seconds * 100 // self.target_seconds) if self.target_seconds else 0


ENTRY_ICONS = {
    "cycle": "bi-play-circle",
    "reopened": "bi-arrow-counterclockwise",
    "paused": "bi-pause-circle",
    "resumed": "bi-play-circle",
    "resolved": "bi-check2-circle",
    "first_response": "bi-reply",
    "at_risk": "bi-exclamation-circle",
    "breached": "bi-alarm",
}


@dataclass
class SLAEntry:
    """One line of the SLA timeline."""

    at: datetime
    kind: str  # cycle, paused, resumed, resolved, reopened, first_response, at_risk, breached
    text: str
    elapsed: list[tuple[str, str]] = field(default_factory=list)  # (target name, "1h 20m of 2h")

    @property
    def icon(self) -> str:
        return ENTRY_ICONS[self.kind]


@dataclass
class TicketSLA:
    """What the ticket page shows about its SLA: the policy, each target, and the clock's history."""

    policy_name: str
    counts: str  # "business hours (Europe/Berlin)" or "calendar time"
    cycle: int
    paused_since: datetime | None
    targets: list[TargetStatus]
    entries: list[SLAEntry]


def _elapsed(ticket: Ticket, t: str, calendar: BusinessCalendar, at: datetime) -> int:
    """How long a target's clock has run: first response ignores pauses, resolution skips them."""
    return first_response_elapsed(ticket, calendar, at) if t == "frt" else elapsed_seconds(ticket, calendar, at)


def _running_state(ticket: Ticket, t: str, now: datetime) -> str:
    due = getattr(ticket, f"{t}_due_at")
    if getattr(ticket, f"{t}_breached_at") is not None or due <= now:
        return "breached"
    warn = getattr(ticket, f"{t}_warn_at")
    if getattr(ticket, f"{t}_warned_at") is not None or (warn is not None and warn <= now):
        return "at_risk"
    return "running"


def _target_status(
    ticket: Ticket, t: str, minutes: int, calendar: BusinessCalendar, now: datetime, decided: SLAOutcome | None
) -> TargetStatus:
    if decided is not None:
        # Decided: shown as it was judged then (its target, its time), whatever the priority or policy now.
        met = decided.outcome == SLAOutcomeKind.MET
        # A breach whose event has not happened yet (no reply, not resolved) still reads "breached".
        done = (
            ticket.first_response_at
            if t == "frt"
            else (ticket.resolved_at if ticket.status == Status.RESOLVED else None)
        )
        # First response also ends with the first resolution.
        ended = done is not None or (t == "frt" and (ticket.status == Status.RESOLVED or ticket.sla_cycle > 1))
        state = "met" if met else ("missed" if ended else "breached")
        return TargetStatus(
            t, decided.target_seconds, decided.elapsed_seconds, state, due_at=decided.due_at,
            done_at=decided.decided_at if met else None, breached_at=None if met else decided.decided_at,
        )  # fmt: skip
    status = _target_state(ticket, t, minutes, calendar, now)
    status.breached_at = getattr(ticket, f"{t}_breached_at")
    return status


def _target_state(ticket: Ticket, t: str, minutes: int, calendar: BusinessCalendar, now: datetime) -> TargetStatus:
    seconds = minutes * 60
    breached = getattr(ticket, f"{t}_breached_at") is not None
    resolved_at = ticket.resolved_at if ticket.status == Status.RESOLVED else None
    done = ticket.first_response_at if t == "frt" else resolved_at
    if done is not None:
        elapsed = _elapsed(ticket, t, calendar, done if t == "frt" else now)
        state = "missed" if breached or elapsed > seconds else "met"
        return TargetStatus(t, seconds, elapsed, state, done_at=done)
    elapsed = _elapsed(ticket, t, calendar, now)
    due = getattr(ticket, f"{t}_due_at")
    if due is not None:
        return TargetStatus(t, seconds, elapsed, _running_state(ticket, t, now), due_at=due)
    if ticket.status == Status.RESOLVED:  # resolved without a first response
        return TargetStatus(t, seconds, elapsed, "missed" if breached else "unanswered")
    if ticket.sla_paused_since is not None:
        return TargetStatus(t, seconds, elapsed, "breached" if breached else "paused")
    return TargetStatus(t, seconds, elapsed, "breached" if breached else "idle")


def ticket_sla(ticket: Ticket, *, now: datetime) -> TicketSLA | None:
    """The SLA panel and timeline of one ticket; None when no policy applies.

    A constant number of queries: the policy's targets, the team calendar
    (working hours, holidays) when the policy counts business hours, and the
    ticket's alerts. The ticket should come with ``team`` and ``sla_policy``.
    """
    policy = ticket.sla_policy
    if policy is None:
        return None
    target = SLATarget.objects.filter(policy=policy, priority=ticket.priority).first()
    team_sla = ClockReader(now, team=ticket.team).team_sla
    calendar = team_sla.calendar_for(policy)
    counts = f"business hours ({ticket.team.time_zone})" if calendar is team_sla.calendar else "calendar time"
    alerts = list(SLAAlert.objects.filter(ticket=ticket).order_by("created_at", "id"))
    decided = {(o.target, o.cycle): o for o in SLAOutcome.objects.filter(ticket=ticket)}
    frt_outcome = decided.get((SLATargetKind.FIRST_RESPONSE, 1))
    res_outcome = decided.get((SLATargetKind.RESOLUTION, ticket.sla_cycle))
    targets: list[TargetStatus] = []
    if target is not None or frt_outcome is not None or res_outcome is not None:
        frt_minutes = target.first_response_minutes if target is not None else None
        res_minutes = target.resolution_minutes if target is not None else None
        if frt_minutes or frt_outcome is not None:
            targets.append(_target_status(ticket, "frt", frt_minutes or 0, calendar, now, frt_outcome))
        if res_minutes or res_outcome is not None:
            targets.append(_target_status(ticket, "res", res_minutes or 0, calendar, now, res_outcome))

    return TicketSLA(
        policy_name=policy.name,
        counts=counts,
        cycle=ticket.sla_cycle,
        paused_since=ticket.sla_paused_since if ticket.status != Status.RESOLVED else None,
        targets=targets,
        entries=_timeline(ticket, targets, alerts, calendar),
    )


def _timeline(
    ticket: Ticket, targets: list[TargetStatus], alerts: list[SLAAlert], calendar: BusinessCalendar
) -> list[SLAEntry]:
    """Cycle starts, pauses and resumes, first response, resolutions, warnings and breaches, oldest first."""
    start = ticket.sla_started_at or ticket.created_at
    entries = [SLAEntry(start, "cycle", "Cycle 1 started: ticket created")]
    cycle = 1
    for stop, end, kind in pauses_of(ticket):
        if kind == RESOLVED:
            entries.append(SLAEntry(stop, "resolved", "Resolved: the clock stopped"))
            if end is not None:
                cycle += 1
                entries.append(SLAEntry(end, "reopened", f"Reopened: cycle {cycle} started, the clock runs on"))
        elif kind == PAUSED:
            entries.append(SLAEntry(stop, "paused", "Paused: waiting status"))
            if end is not None:
                entries.append(SLAEntry(end, "resumed", "Resumed"))
    if ticket.first_response_at is not None:
        entries.append(SLAEntry(ticket.first_response_at, "first_response", "First response sent"))
    for alert in alerts:  # at the moment it happened (its due or warning time), not when the sweep noticed
        name = TARGET_NAMES["frt" if alert.target == SLATargetKind.FIRST_RESPONSE else "res"]
        if alert.kind == SLAAlertKind.BREACHED:
            entries.append(SLAEntry(alert.due_at, "breached", f"{name} target breached"))
        else:
            entries.append(SLAEntry(alert.due_at, "at_risk", f"{name} target at risk"))
    order = {"cycle": 0, "reopened": 0, "resumed": 1, "first_response": 2, "at_risk": 3, "breached": 4}
    entries.sort(key=lambda e: (e.at, order.get(e.kind, 5)))
    by_kind = {t.kind: t for t in targets}
    for entry in entries:
        for t, status in by_kind.items():
            if t == "frt" and ticket.first_response_at is not None and entry.at > ticket.first_response_at:
                continue  # the first-response clock stopped with the reply
            spent = _elapsed(ticket, t, calendar, entry.at)
            entry.elapsed.append((status.label, f"{hours_minutes(spent)} of {status.target_label}"))
    return entries
