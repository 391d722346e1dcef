"""The SLA sweep: claim newly breached and at-risk targets, escalate and notify, exactly once per target."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, cast

from django.db import connection, transaction
from django.db.models import Field, Max
from django.urls import reverse
from django.utils import timezone

from core.bulk import update_from_values
from notifications.services import Note, notify_many, subject_key
from teams.models import Membership, Role
from tickets.choices import EventField, Priority, SLAAlertKind, SLAOutcomeKind, SLATargetKind, Status
from tickets.history import event_row
from tickets.models import SLAAlert, SLAOutcome, SLASweepMark, SLATarget, Ticket, TicketEvent
from tickets.positions import POSITION_GAP
from tickets.sla.engine import SLA_FIELDS, SWEEP_OVERLAP, TeamSLA, on_status_change, refresh, sweep_from
from tickets.sla.outcomes import outcome_row, outcomes_save

logger = logging.getLogger(__name__)

# pg_try_advisory_xact_lock key of the sweep ("SLA" in ASCII).
SWEEP_LOCK_KEY = 0x534C41

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
    """Stamp ``stamp`` on every ticket whose ``due`` fell between ``since`` (None: ever) and ``now``.

    A breach is stamped with its due time, the instant the target was missed
    (not when a sweep noticed: a stopped worker must not make every breach
    look recent); a warning with the claim's time.
    """
    table = Ticket._meta.db_table
    window = f"AND {due} >= %s" if since is not None else ""
    value = due if stamp.endswith("_breached_at") else "%s"
    sql = (
        f"UPDATE {table} SET {stamp} = {value} "  # noqa: S608 - column names are constants above
        f"WHERE {due} <= %s {window} AND {stamp} IS NULL {extra} RETURNING id, {due}"
    )
    params = [now] if since is None else [now, since]
    if value == "%s":
        params.insert(0, now)
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
        # Decided: each breach is stored as its cycle's outcome, judged by the priority and policy it had
        # until now (before the escalation raises the priority).
        outcomes_save(_breach_outcomes([a for a in saved if a.kind == SLAAlertKind.BREACHED]))
        result.escalated = _escalate(sorted(set(result.breached)), now=now)
        result.notified = len(notify_many(_notifications(saved), mail=send_mail))
    return result


def _breach_outcomes(alerts: list[SLAAlert]) -> list[SLAOutcome | None]:
    """The outcomes of newly claimed breaches: their targets read in one query for all."""
    policies = {a.ticket.sla_policy_id for a in alerts if a.ticket.sla_policy_id}
    targets: dict[tuple[int | None, int], SLATarget] = {
        (t.policy_id, t.priority): t for t in SLATarget.objects.filter(policy_id__in=policies)
    }
    rows = []
    for alert in alerts:
        ticket = alert.ticket
        target = targets.get((ticket.sla_policy_id, ticket.priority))
        minutes = None
        if target is not None:
            minutes = (
                target.first_response_minutes
                if alert.target == SLATargetKind.FIRST_RESPONSE
                else target.resolution_minutes
            )
        if not minutes:
            continue
        t = "frt" if alert.target == SLATargetKind.FIRST_RESPONSE else "res"
        rows.append(
            outcome_row(
                ticket,
                t,
                outcome=SLAOutcomeKind.BREACHED,
                decided_at=alert.due_at,
                due_at=alert.due_at,
                team_sla=None,
                target_seconds=minutes * 60,
            )
        )
    return rows


TARGET_OF = {"frt": SLATargetKind.FIRST_RESPONSE, "res": SLATargetKind.RESOLUTION}


def breach_on_event(ticket: Ticket, *, targets: Sequence[str], at: datetime, send_mail: bool = True) -> list[str]:
    """The event that decides ``targets`` ("frt", "res") happened at ``at``: record those it missed.

    A reply or a resolution that lands after its due time is a breach even if
    no sweep ran in between (DESIGN.md). Call it on the ticket locked for
    update, before its clocks are refreshed (which clears the due times); it
    stamps ``<target>_breached_at`` on the instance (the caller saves) and
    writes the alert and the notifications as the sweep would, under the same
    unique alert, so a sweep running at the same instant cannot double them:
    it waits for this row's lock and then finds the stamp set. The stamp is
    the due time, the instant the target was missed, as the sweep's. The breach
    actions (escalate, raise priority) are not applied: the ticket has just
    been answered or resolved. Returns the targets breached now.
    """
    alerts = []
    outcomes: list[SLAOutcome | None] = []
    for t in targets:
        due = getattr(ticket, f"{t}_due_at")
        if due is None or due >= at or getattr(ticket, f"{t}_breached_at") is not None:
            continue
        setattr(ticket, f"{t}_breached_at", due)  # missed at its due time, as the sweep stamps it
        alerts.append(
            SLAAlert(ticket=ticket, target=TARGET_OF[t], kind=SLAAlertKind.BREACHED, due_at=due, created_at=at)
        )
        outcomes.append(
            outcome_row(ticket, t, outcome=SLAOutcomeKind.BREACHED, decided_at=due, due_at=due, team_sla=None)
        )
    if not alerts:
        return []
    SLAAlert.objects.bulk_create(alerts, ignore_conflicts=True)
    outcomes_save(outcomes)
    saved = list(
        SLAAlert.objects.filter(
            ticket_id=ticket.pk, kind=SLAAlertKind.BREACHED, target__in=[a.target for a in alerts], created_at=at
        ).select_related("ticket", "ticket__team", "ticket__assignee", "ticket__sla_policy")
    )
    notify_many(_notifications(saved), mail=send_mail)
    return [t for t in targets if any(a.target == TARGET_OF[t] for a in alerts)]


ESCALATION_FIELDS = ("status", "position", "priority", "work_started_at", "version", "updated_at", *SLA_FIELDS)
WRITE_BATCH = 1000
# What the escalation writes, as attributes of a ticket (``sla_policy`` is ``sla_policy_id``).
ESCALATION_ATTNAMES = tuple(cast(Field, Ticket._meta.get_field(name)).attname for name in ESCALATION_FIELDS)


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
        team_sla = sla_by_team.get(ticket.team_id) or sla_by_team.setdefault(ticket.team_id, TeamSLA.load(ticket.team))
        if policy.escalate_to_column and ticket.status not in (Status.ESCALATED, Status.RESOLVED):
            # The breach overrides the Escalated column's WIP limit; the card says so.
            events.append(event_row(ticket, None, EventField.STATUS, ticket.status, Status.ESCALATED, now))
            on_status_change(ticket, old=ticket.status, new=Status.ESCALATED, at=now, paused=team_sla.paused_statuses)
            ticket.status = Status.ESCALATED
            ticket.mark_started(now)
            ticket.position = tops[ticket.team_id] = (tops.get(ticket.team_id) or 0) + POSITION_GAP
            changed = True
        if policy.raise_priority and ticket.priority < Priority.URGENT:
            events.append(event_row(ticket, None, EventField.PRIORITY, ticket.priority, ticket.priority + 1, now))
            ticket.priority += 1
            changed = True
        if changed:
            soonest = refresh(ticket, team_sla, now=now, mark=False)
            if soonest is not None:
                earliest.append(soonest)
            ticket.version += 1
            ticket.updated_at = now
            changed_tickets.append(ticket)
            escalated.append(ticket.pk)
    for first in range(0, len(changed_tickets), WRITE_BATCH):
        batch = changed_tickets[first : first + WRITE_BATCH]
        rows = [(t.pk, *(getattr(t, attname) for attname in ESCALATION_ATTNAMES)) for t in batch]
        update_from_values(Ticket, fields=ESCALATION_FIELDS, rows=rows)
    TicketEvent.objects.bulk_create(events)
    # A raised priority can put the other target's due time behind the next sweep's window.
    sweep_from(min(earliest, default=None))
    return escalated


TARGET_LABEL: dict[str, str] = {SLATargetKind.FIRST_RESPONSE: "first response", SLATargetKind.RESOLUTION: "resolution"}


def _notifications(alerts: list[SLAAlert]) -> list[Note]:
    """Notify the assignee and the team leads of each alert whose policy asks for it (one key per alert)."""
    team_ids = {a.ticket.team_id for a in alerts}
    leads: dict[int, list[Any]] = {}
    members: set[tuple[int, int]] = set()  # (team, user) of people who can still work the team's tickets
    for m in Membership.objects.filter(team_id__in=team_ids).exclude(role=Role.VIEWER).select_related("user"):
        members.add((m.team_id, m.user_id))
        if m.role == Role.LEAD:
            leads.setdefault(m.team_id, []).append(m.user)
    notes: list[Note] = []
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
        link = reverse("tickets:detail", args=[ticket.team.slug, ticket.number])
        for user in people.values():
            notes.append(
                Note(
                    user=user, kind=f"sla_{alert.target}_{alert.kind}", message=message,
                    dedupe_key=f"sla-alert:{alert.pk}", team_id=ticket.team_id, subject=subject_key(ticket), link=link,
                )
            )  # fmt: skip
    return notes
