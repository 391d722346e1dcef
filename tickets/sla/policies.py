"""SLA policies of a team: how they read, and the writes that keep them.

A team's policies are tried in order; the first active one whose conditions
all match a ticket gives it a first-response and a resolution target per
priority (:mod:`tickets.sla` computes the clocks). Leads and managers keep
them with the ``sla_policy_*`` services; a policy is checked before it is
saved, and a refusal names the field it is about (:class:`tickets.errors.Invalid`).

Every change that can move a clock (targets, conditions, order, switching on
or off, deleting) recomputes the team's open tickets once, in bulk, after the
transaction commits: one ``sla_recompute_team`` task per change, never one per
ticket.

Targets are stored in minutes. Forms take a whole number with a unit, minutes
or hours; pages show them as "30 min", "1 h 30 min", "8 h", and, for policies
that count calendar time, whole days as "3 d". Business-time days are never
shown as days: how long a business day is depends on the team's calendar.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from django.db import transaction

from core.errors import Invalid
from core.ordered import lock_team_order, next_place, ordered_delete, ordered_move, ordered_set_active
from core.stale import lock_if_current
from core.tasks import enqueue_after_commit
from teams.models import Team
from tickets.choices import Channel, Kind, Priority, Tier
from tickets.models import SLAPolicy, SLATarget
from tickets.tasks import sla_recompute_team

# Most-urgent first: the order of the targets table and of the form.
PRIORITIES: tuple[Priority, ...] = (Priority.URGENT, Priority.HIGH, Priority.NORMAL, Priority.LOW)
# The longest target a policy may set: a year of minutes.
MAX_MINUTES = 365 * 24 * 60

NO_TARGET = "Give at least one target: a first-response or a resolution time for some priority."
AT_RISK_RANGE = "Warn at a share from 1 to 99% of the target."
TOO_LONG = "Use a time from 1 minute up to 365 days."


# --- Reading policies ------------------------------------------------------------------------


def duration_label(minutes: int | None, *, business_hours: bool = True) -> str:
    """30 → "30 min", 90 → "1 h 30 min", 480 → "8 h"; in calendar time 4320 → "3 d". None → "—"."""
    if not minutes:
        return "—"
    hours, rest = divmod(minutes, 60)
    if rest:
        return f"{hours} h {rest} min" if hours else f"{rest} min"
    if not business_hours and hours % 24 == 0:
        return f"{hours // 24} d"
    return f"{hours} h"


@dataclass(frozen=True)
class Phrase:
    """One condition of a policy: the value it asks for, then words ("<Enterprise> accounts")."""

    value: str
    words: str

    def __str__(self) -> str:
        return f"{self.value} {self.words}"


@dataclass(frozen=True)
class TargetRow:
    """One priority's targets as shown ("1 h", "8 h"); an empty string where it has none."""

    priority: int
    label: str
    first_response: str
    resolution: str
    is_set: bool


@dataclass(frozen=True)
class PolicySentence:
    """A policy as people read it.

    "Enterprise accounts — business hours; warn at 80%; on breach: move to
    Escalated, raise priority, notify", with a targets row per priority.
    """

    conditions: list[Phrase]
    clock: str
    at_risk_percent: int
    on_breach: list[str]
    targets: list[TargetRow] = field(default_factory=list)

    def __str__(self) -> str:
        when = ", ".join(map(str, self.conditions)) if self.conditions else "Every ticket"
        breach = ", ".join(self.on_breach) or "no action"
        return f"{when} — {self.clock}; warn at {self.at_risk_percent}%; on breach: {breach}"


def describe(policy: SLAPolicy) -> PolicySentence:
    """The policy's conditions, clock, warning and breach actions, and its targets (as ``in_order`` loads them)."""
    conditions: list[Phrase] = []
    if policy.account_tier:
        conditions.append(Phrase(str(Tier(policy.account_tier).label), "accounts"))
    if policy.kind:
        conditions.append(Phrase(str(Kind(policy.kind).label), "tickets"))
    if policy.channel:
        conditions.append(Phrase(str(Channel(policy.channel).label), "channel"))
    if policy.priority:
        conditions.append(Phrase(str(Priority(policy.priority).label), "priority"))
    on_breach = []
    if policy.escalate_to_column:
        on_breach.append("move to Escalated")
    if policy.raise_priority:
        on_breach.append("raise priority")
    if policy.notify:
        on_breach.append("notify")
    by_priority = {t.priority: t for t in policy.targets.all()}
    rows = []
    for priority in PRIORITIES:
        target = by_priority.get(priority)
        frt = target.first_response_minutes if target else None
        res = target.resolution_minutes if target else None
        rows.append(
            TargetRow(
                priority=priority.value,
                label=str(priority.label),
                first_response=duration_label(frt, business_hours=policy.business_hours) if frt else "",
                resolution=duration_label(res, business_hours=policy.business_hours) if res else "",
                is_set=bool(frt or res),
            )
        )
    return PolicySentence(
        conditions=conditions,
        # First response is for customer work unless the policy says otherwise: only the exception is told.
        clock=("business hours" if policy.business_hours else "calendar time")
        + ("" if policy.first_response_customer_only else "; first response on every kind, internal work too"),
        at_risk_percent=policy.at_risk_percent,
        on_breach=on_breach,
        targets=rows,
    )


# --- Writing policies ------------------------------------------------------------------------


@dataclass(frozen=True)
class SLAPolicyChange:
    """What a policy form submits. Empty conditions match anything.

    ``targets`` maps a priority to its (first response, resolution) minutes;
    a priority left out, or with both ``None``, has no target.
    """

    name: str
    kind: str = ""
    channel: str = ""
    account_tier: str = ""
    priority: int | None = None
    business_hours: bool = True
    first_response_customer_only: bool = True
    at_risk_percent: int = 80
    escalate_to_column: bool = True
    raise_priority: bool = True
    notify: bool = True
    targets: Mapping[int, tuple[int | None, int | None]] = field(default_factory=dict)


def validate(change: SLAPolicyChange) -> None:
    """Refuse a policy that could never apply a target, or whose numbers make no sense (:class:`Invalid`)."""
    errors: dict[str | None, str] = {}
    if not change.name.strip():
        errors["name"] = "Give the policy a name."
    if change.kind and change.kind not in Kind.values:
        errors["kind"] = "Choose one of the kinds."
    if change.channel and change.channel not in Channel.values:
        errors["channel"] = "Choose one of the channels."
    if change.account_tier and change.account_tier not in Tier.values:
        errors["account_tier"] = "Choose one of the tiers."
    if change.priority is not None and change.priority not in Priority.values:
        errors["priority"] = "Choose one of the priorities."
    if not 1 <= change.at_risk_percent <= 99:
        errors["at_risk_percent"] = AT_RISK_RANGE
    unknown = set(change.targets) - set(Priority.values)
    if unknown:
        errors[None] = f"Targets are set per priority; {sorted(unknown)} is not one."
    any_target = False
    for priority in PRIORITIES:
        frt, res = change.targets.get(priority, (None, None))
        for key, minutes in ((f"first_response_{priority}", frt), (f"resolution_{priority}", res)):
            if minutes is not None and not 1 <= minutes <= MAX_MINUTES:
                errors[key] = TOO_LONG
        any_target = any_target or bool(frt or res)
        if frt and res and res < frt and f"resolution_{priority}" not in errors:
            shown = {m: duration_label(m, business_hours=change.business_hours) for m in (frt, res)}
            errors[f"resolution_{priority}"] = (
                f"{priority.label}: the resolution target ({shown[res]}) "
                f"cannot be shorter than the first-response target ({shown[frt]})."
            )
    if not any_target:
        errors["targets"] = NO_TARGET
    if errors:
        raise Invalid(errors)


def _write(policy: SLAPolicy, change: SLAPolicyChange) -> None:
    policy.name = change.name.strip()
    policy.kind = change.kind
    policy.channel = change.channel
    policy.account_tier = change.account_tier
    policy.priority = change.priority
    policy.business_hours = change.business_hours
    policy.first_response_customer_only = change.first_response_customer_only
    policy.at_risk_percent = change.at_risk_percent
    policy.escalate_to_column = change.escalate_to_column
    policy.raise_priority = change.raise_priority
    policy.notify = change.notify


def _write_targets(policy: SLAPolicy, change: SLAPolicyChange) -> None:
    """Replace the policy's targets with the priorities that have one."""
    SLATarget.objects.filter(policy=policy).delete()
    SLATarget.objects.bulk_create(
        SLATarget(policy=policy, priority=priority, first_response_minutes=frt, resolution_minutes=res)
        for priority, (frt, res) in sorted(change.targets.items())
        if frt or res
    )


def _recompute_after_commit(team_id: int) -> None:
    """Recompute the team's open tickets once, in bulk, when (and only if) the change commits."""
    enqueue_after_commit(sla_recompute_team, team_id)


@transaction.atomic
def sla_policy_create(*, team: Team, change: SLAPolicyChange) -> SLAPolicy:
    """Add an active policy after the team's last one; its open tickets are recomputed after commit.

    Raises :class:`Invalid` when the policy has no target, a resolution target
    shorter than the first-response target of the same priority, a warning
    share outside 1-99% or no name.
    """
    validate(change)
    lock_team_order(SLAPolicy, team.pk)
    policy = SLAPolicy(team=team, order=next_place(SLAPolicy, team.pk), is_active=True)
    _write(policy, change)
    policy.save()
    _write_targets(policy, change)
    _recompute_after_commit(team.pk)
    return SLAPolicy.objects.in_order(team).get(pk=policy.pk)


@transaction.atomic
def sla_policy_update(*, policy: SLAPolicy, expected_version: int, change: SLAPolicyChange) -> SLAPolicy:
    """Change a policy's name, conditions, clock, breach actions and targets.

    A write based on an old version raises :class:`StaleEdit` carrying the
    current policy (nothing is written); an invalid policy raises
    :class:`Invalid` (see create). The team's open tickets are recomputed
    after commit.
    """
    locked = lock_if_current(
        SLAPolicy.objects.select_related("team"), pk=policy.pk, seen=expected_version,
        current=lambda row: SLAPolicy.objects.in_order(row.team).get(pk=row.pk),
    )  # fmt: skip
    validate(change)
    _write(locked, change)
    locked.version += 1
    locked.save()
    _write_targets(locked, change)
    _recompute_after_commit(locked.team_id)
    return SLAPolicy.objects.in_order(locked.team).get(pk=policy.pk)


@transaction.atomic
def sla_policy_set_active(*, policy: SLAPolicy, is_active: bool) -> SLAPolicy:
    """Switch a policy on or off; the caller says which state it wants, so a repeated click is harmless.

    Not a content edit: an open edit form of the policy stays valid. Only an
    actual switch recomputes the team's open tickets.
    """
    if ordered_set_active(SLAPolicy, pk=policy.pk, is_active=is_active):
        _recompute_after_commit(policy.team_id)
    return SLAPolicy.objects.in_order(policy.team_id).get(pk=policy.pk)


@transaction.atomic
def sla_policy_delete(*, policy: SLAPolicy) -> None:
    """Delete a policy; the policies after it move up one place and its tickets find another one.

    Tickets keep their breach and warning history; their clocks are
    recomputed after commit under whichever policy now matches (or none).
    """
    ordered_delete(SLAPolicy, team_id=policy.team_id, pk=policy.pk)
    _recompute_after_commit(policy.team_id)


@transaction.atomic
def sla_policy_move(*, policy: SLAPolicy, direction: Literal["up", "down"]) -> bool:
    """Swap a policy with its neighbour above or below; the team's policies are numbered 1..n after.

    Returns whether the order changed: moving the first policy up or the last
    one down changes nothing and recomputes nothing.
    """
    moved = ordered_move(SLAPolicy, team_id=policy.team_id, pk=policy.pk, direction=direction)
    if moved:
        _recompute_after_commit(policy.team_id)
    return moved
