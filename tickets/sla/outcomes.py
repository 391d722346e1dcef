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

from tickets.choices import SLAOutcomeKind, SLATargetKind
from tickets.models import SLAOutcome, SLATarget, Ticket
from tickets.sla.engine import TeamSLA, elapsed_seconds, first_response_elapsed

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
    return SLAOutcome(
        ticket=ticket, target=TARGET[t], cycle=1 if t == "frt" else ticket.sla_cycle, outcome=outcome,
        decided_at=decided_at, due_at=due_at, target_seconds=seconds, elapsed_seconds=min(elapsed, seconds)
        if outcome == SLAOutcomeKind.BREACHED else elapsed, policy=policy, policy_name=policy.name,
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
