"""Demo SLA policies and running clocks for the demo teams of ``tickets.demo``.

Each demo team gets three policies, tried in order: enterprise accounts with
tight targets, premium accounts, and a standard policy for everything else.
All count business time on the team's calendar; for APAC Premium 24x7 that
calendar is round the clock.

Demo tickets are written straight to the table with their history, without
clocks. :func:`seed_sla` starts the clock of every ticket that has none by
replaying its status history (so time spent waiting on the customer or
resolved is not counted), recomputes every demo team's open tickets and runs
one sweep, so that some tickets show as at risk or breached and the leads have
notifications. Everything is measured at the anchor, today 00:00 UTC, so the
same seed on the same day gives the same clocks. The sweep's mail is not sent:
nobody needs email about demo tickets.

Idempotent: policies are added only to a team that has none, and clocks are
started only for tickets without one; when neither happens nothing is
recomputed or swept.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any

from teams.models import Team
from tickets.choices import Priority, Tier
from tickets.models import SLAPolicy, SLATarget, Ticket
from tickets.sla import outcomes, recompute, sweep

H = 60  # minutes

# Priority → (first response, resolution) in business minutes.
Targets = dict[int, tuple[int, int]]
ENTERPRISE: Targets = {Priority.URGENT: (30, 4 * H), Priority.HIGH: (1 * H, 8 * H),
                       Priority.NORMAL: (2 * H, 16 * H), Priority.LOW: (4 * H, 24 * H)}  # fmt: skip
PREMIUM: Targets = {Priority.URGENT: (1 * H, 8 * H), Priority.HIGH: (2 * H, 16 * H),
                    Priority.NORMAL: (4 * H, 24 * H), Priority.LOW: (8 * H, 40 * H)}  # fmt: skip
STANDARD: Targets = {Priority.URGENT: (2 * H, 16 * H), Priority.HIGH: (4 * H, 24 * H),
                     Priority.NORMAL: (8 * H, 40 * H), Priority.LOW: (16 * H, 80 * H)}  # fmt: skip

# (name, conditions and breach actions, targets), in the order they are tried.
POLICIES: tuple[tuple[str, dict[str, Any], Targets], ...] = (
    (
        "Enterprise accounts",
        {"account_tier": Tier.ENTERPRISE, "at_risk_percent": 75,
         "escalate_to_column": True, "raise_priority": True, "notify": True},
        ENTERPRISE,
    ),
    (
        "Premium accounts",
        {"account_tier": Tier.PREMIUM, "at_risk_percent": 80,
         "escalate_to_column": False, "raise_priority": True, "notify": True},
        PREMIUM,
    ),
    (
        "Standard",
        {"at_risk_percent": 80, "escalate_to_column": False, "raise_priority": False, "notify": True},
        STANDARD,
    ),
)  # fmt: skip


@dataclass(frozen=True)
class SLASeedResult:
    policies: int = 0
    clocks_started: int = 0
    running: int = 0  # open tickets with a due time after the recompute
    breached: int = 0
    at_risk: int = 0


def _ensure_policies(team: Team) -> int:
    """The demo policies, for a team that has none yet; returns how many were added."""
    if SLAPolicy.objects.filter(team=team).exists():
        return 0
    policies = SLAPolicy.objects.bulk_create(
        SLAPolicy(team=team, name=name, order=order, business_hours=True, **fields)
        for order, (name, fields, _targets) in enumerate(POLICIES, start=1)
    )
    SLATarget.objects.bulk_create(
        SLATarget(policy=policy, priority=priority, first_response_minutes=frt, resolution_minutes=res)
        for policy, (_name, _fields, targets) in zip(policies, POLICIES, strict=True)
        for priority, (frt, res) in targets.items()
    )
    return len(policies)


def seed_sla(*, teams: Mapping[str, Team], today: date) -> SLASeedResult:
    """Policies for the demo teams, clocks for their tickets, then one sweep (see the module docstring)."""
    anchor = datetime.combine(today, time(), tzinfo=UTC)
    ordered = [teams[slug] for slug in sorted(teams)]
    policies = sum(_ensure_policies(team) for team in ordered)
    started = sum(recompute.clocks_start_from_history(team=team) for team in ordered)
    if not (policies or started):
        return SLASeedResult()
    for team in ordered:
        recompute.team_clocks_recompute(team=team, now=anchor)
    running = Ticket.objects.filter(team__in=ordered, res_due_at__isnull=False).count()
    swept = sweep.sla_sweep(now=anchor, send_mail=False)
    # The history was written straight to the table: decide its targets as the engine would have.
    for team in ordered:
        outcomes.outcomes_backfill(team=team, now=anchor)
    return SLASeedResult(
        policies=policies,
        clocks_started=started,
        running=running,
        breached=len(set(swept.breached)),
        at_risk=len(set(swept.at_risk)),
    )
