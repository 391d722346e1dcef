"""Deciding SLA targets: one stored outcome per ticket, target and cycle, written once and never re-judged.

A target is decided when its event happens (the first public reply decides
first response; a resolution decides the cycle's resolution) or when its due
time passes, whichever is first (DESIGN.md). The outcome keeps what it was
judged by: the due time, the target and the time the clock had run, the
policy and the priority then. A later priority or policy change moves the
clocks still running, never an outcome.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from teams.calendar import epoch_seconds, from_epoch_seconds
from teams.models import Team
from tickets.choices import CUSTOMER_KINDS, SLAAlertKind, SLAOutcomeKind, SLATargetKind, Status
from tickets.models import Account, SLAAlert, SLAOutcome, SLAPolicy, SLATarget, Ticket
from tickets.sla.engine import RESOLVED, TeamSLA, elapsed_seconds, first_response_elapsed, instant_at, target_of

TARGET = {"frt": SLATargetKind.FIRST_RESPONSE, "res": SLATargetKind.RESOLUTION}


def _target_seconds(ticket: Ticket, t: str) -> int | None:
    if ticket.sla_policy_id is None:
        return None
    row = SLATarget.objects.filter(policy_id=ticket.sla_policy_id, priority=ticket.priority).first()
    minutes = None if row is None else (row.first_response_minutes if t == "frt" else row.resolution_minutes)
    return minutes * 60 if minutes else None


def outcome_row(
    ticket: Ticket, t: str, *, outcome: str, decided_at: datetime, due_at: datetime, team_sla: TeamSLA | None,
    target_seconds: int | None = None,
) -> SLAOutcome | None:  # fmt: skip
    """The unsaved outcome of target ``t`` ("frt" or "res") of the ticket's current cycle, as judged now."""
    seconds = target_seconds if target_seconds is not None else _target_seconds(ticket, t)
    policy = ticket.sla_policy
    if seconds is None or policy is None:
        return None
    if outcome == SLAOutcomeKind.BREACHED:
        elapsed = seconds  # missed at its due time: the whole target had run
    else:
        assert team_sla is not None, "a met target's elapsed time needs the team calendar"
        calendar = team_sla.calendar_for(policy)
        elapsed = (first_response_elapsed if t == "frt" else elapsed_seconds)(ticket, calendar, decided_at)
    if outcome == SLAOutcomeKind.BREACHED:
        elapsed = min(elapsed, seconds)
    return SLAOutcome(
        ticket=ticket, target=TARGET[t], cycle=1 if t == "frt" else ticket.sla_cycle, outcome=outcome,
        decided_at=decided_at, first_due_at=getattr(ticket, f"{t}_first_due_at") or due_at, due_at=due_at,
        target_seconds=seconds, elapsed_seconds=elapsed, policy=policy, policy_name=policy.name,
        priority=ticket.priority,
    )  # fmt: skip


def outcomes_save(rows: Iterable[SLAOutcome | None]) -> None:
    """Store outcomes; one already stored for the same target and cycle wins (decided once, never again)."""
    SLAOutcome.objects.bulk_create([r for r in rows if r is not None], ignore_conflicts=True)


def decide_met(ticket: Ticket, targets: Iterable[str], *, at: datetime, team_sla: TeamSLA) -> None:
    """The events of ``targets`` happened at ``at`` in time (no breach stamped): store them as met.

    Call on the locked ticket before its clocks are refreshed (the due times
    are still those the targets were running to).
    """
    rows = []
    for t in targets:
        due = getattr(ticket, f"{t}_due_at")
        if due is None or due < at or getattr(ticket, f"{t}_breached_at") is not None:
            continue
        rows.append(outcome_row(ticket, t, outcome=SLAOutcomeKind.MET, decided_at=at, due_at=due, team_sla=team_sla))
    outcomes_save(rows)


# --- Backfill --------------------------------------------------------------------------------------


def _stops(ticket: Ticket) -> list[tuple[datetime, datetime | None, str]]:
    return [
        (datetime.fromisoformat(stop), datetime.fromisoformat(end) if end else None, kind)
        for stop, end, kind in ticket.sla_pauses
    ]


def _judge(
    ticket: Ticket, policy: SLAPolicy, t: str, seconds: int, decided: datetime | None, due: datetime,
    elapsed: int, cycle: int,
) -> SLAOutcome:  # fmt: skip
    met = decided is not None and elapsed <= seconds
    return SLAOutcome(
        ticket=ticket, target=TARGET[t], cycle=cycle, outcome=SLAOutcomeKind.MET if met else SLAOutcomeKind.BREACHED,
        decided_at=decided if met and decided is not None else due, first_due_at=due, due_at=due,
        target_seconds=seconds,
        elapsed_seconds=elapsed if met else seconds, policy=policy, policy_name=policy.name, priority=ticket.priority,
    )  # fmt: skip


def ticket_outcomes(ticket: Ticket, team_sla: TeamSLA, tier: str | None, *, now: datetime) -> list[SLAOutcome]:
    """What the engine decides for a ticket's history, judged by today's policies and calendar.

    For tickets whose targets were decided before outcomes were stored (and
    for demo history written straight to the table). First response: met
    when the first public reply came within its target, breached once its due
    time passed unanswered (a resolution in time ends it undecided).
    Resolution, per cycle: met when the cycle's resolution came within the
    target (the clock counts on across reopenings, less its stops), breached
    otherwise, and a running cycle once its due time passed.
    """
    policy = team_sla.policy_for_values(kind=ticket.kind, channel=ticket.channel, priority=ticket.priority,
                                        account_tier=tier)  # fmt: skip
    start = ticket.sla_started_at
    if policy is None or start is None:
        return []
    target = target_of(policy, ticket.priority)
    if target is None:
        return []
    calendar = team_sla.calendar_for(policy)
    stops = _stops(ticket)
    resolutions = [stop for stop, _end, kind in stops if kind == RESOLVED]
    rows: list[SLAOutcome] = []
    customer_work = ticket.kind in CUSTOMER_KINDS or not policy.first_response_customer_only
    if target.first_response_minutes and customer_work:
        seconds = target.first_response_minutes * 60
        due = calendar.add_business_seconds(start, seconds)
        replied = ticket.first_response_at
        ended = resolutions[0] if resolutions else None
        if replied is not None and (ended is None or replied <= ended):
            elapsed = first_response_elapsed(ticket, calendar, replied)
            rows.append(_judge(ticket, policy, "frt", seconds, replied, due, elapsed, 1))
        elif (ended is not None and ended > due) or (ended is None and due <= now):
            rows.append(_judge(ticket, policy, "frt", seconds, None, due, seconds, 1))
    if target.resolution_minutes:
        seconds = target.resolution_minutes * 60
        closed = [(epoch_seconds(s), epoch_seconds(e)) for s, e, _kind in stops if e is not None]
        due = from_epoch_seconds(instant_at(calendar, epoch_seconds(start), closed, seconds))
        for cycle, resolved in enumerate(resolutions, start=1):
            elapsed = elapsed_seconds(ticket, calendar, resolved)
            due_then = due if elapsed > seconds else calendar.add_business_seconds(resolved, seconds - elapsed)
            rows.append(_judge(ticket, policy, "res", seconds, resolved, due_then, elapsed, cycle))
        running = ticket.status != Status.RESOLVED and ticket.sla_paused_since is None
        if running and elapsed_seconds(ticket, calendar, now) > seconds:
            rows.append(_judge(ticket, policy, "res", seconds, None, due, seconds, ticket.sla_cycle))
    return rows


def _stamp_breaches(tickets: list[Ticket], rows: list[SLAOutcome]) -> None:
    """A breach decided by the backfill gets its stamp and alert, as the sweep gives one (no notification):
    the card, the panel and the timeline then tell the same story."""
    by_pk = {t.pk: t for t in tickets}
    alerts, changed = [], {}
    for row in rows:
        if row.outcome != SLAOutcomeKind.BREACHED:
            continue
        ticket = by_pk[row.ticket_id]
        stamp = "frt_breached_at" if row.target == SLATargetKind.FIRST_RESPONSE else "res_breached_at"
        if getattr(ticket, stamp) is None:
            setattr(ticket, stamp, row.due_at)
            changed[ticket.pk] = ticket
        alerts.append(SLAAlert(ticket=ticket, target=row.target, kind=SLAAlertKind.BREACHED, due_at=row.due_at,
                               created_at=row.due_at))  # fmt: skip
    SLAAlert.objects.bulk_create(alerts, ignore_conflicts=True)
    Ticket.objects.bulk_update(list(changed.values()), ["frt_breached_at", "res_breached_at"], batch_size=1000)


def outcomes_backfill(*, team: Team, now: datetime) -> int:
    """Store the outcomes the engine decides for every ticket of a team that has a clock; returns rows written.

    Outcomes already stored are kept: a decision is never judged again. A
    resolved ticket gets the policy its values match today (resolved tickets
    are not recomputed, so those written before had none). Tickets whose clock
    never started (from before the SLA engine) get none: no SLA data.
    """
    team_sla = TeamSLA.load(team)
    tiers: dict[int | None, str] = dict(Account.objects.filter(team=team).values_list("id", "tier"))
    written = 0
    last = 0
    while True:
        batch = list(Ticket.objects.filter(team=team, pk__gt=last, sla_started_at__isnull=False).order_by("pk")[:2000])
        if not batch:
            return written
        last = batch[-1].pk
        rows = [row for t in batch for row in ticket_outcomes(t, team_sla, tiers.get(t.account_id), now=now)]
        before = SLAOutcome.objects.filter(ticket__in=batch).count()
        SLAOutcome.objects.bulk_create(rows, ignore_conflicts=True)
        written += SLAOutcome.objects.filter(ticket__in=batch).count() - before
        _stamp_breaches(batch, rows)
        unset = [t for t in batch if t.sla_policy_id is None]
        for ticket in unset:
            ticket.sla_policy = team_sla.policy_for_values(kind=ticket.kind, channel=ticket.channel,
                                                           priority=ticket.priority,
                                                           account_tier=tiers.get(ticket.account_id))  # fmt: skip
        Ticket.objects.bulk_update([t for t in unset if t.sla_policy is not None], ["sla_policy"], batch_size=1000)
