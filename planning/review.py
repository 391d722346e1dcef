"""The sprint review: what was committed and done, what changed the scope, and how support went meanwhile.

Computed live while the sprint runs, and frozen into ``Sprint.review`` (a JSON
document) when it closes: a later reopened ticket, re-estimate or CSAT answer
never rewrites what the review said. Its service figures follow DESIGN.md:

- SLA attainment = met / (met + breached) over the team's targets decided
  between the start and the close (``SLAOutcome`` rows, never re-judged);
- first response time = created → first public reply, in business time
  (team calendar), for tickets first answered in the sprint; the median;
- resolution time = created → resolved in business time, less the business
  time spent paused (waiting on customer), for tickets resolved in the sprint;
  the median;
- CSAT = answers scoring 4 or 5 / answers given in the sprint.
"""

from __future__ import annotations

from datetime import datetime
from statistics import median
from typing import Any

from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from planning.capacity import sprint_capacity
from planning.choices import ChangeKind, ChangeReason
from planning.figures import sprint_figures
from planning.models import Sprint, SprintChange, SprintItem
from teams.calendar import BusinessCalendar
from tickets.choices import SLAOutcomeKind
from tickets.models import SLAOutcome, Ticket
from voice.selectors import csat_summary

CHANGE_LIMIT = 200


def _person(user: Any) -> str:
    return user.display_name if user is not None else "SupportPM"


def _changes(sprint: Sprint, prefix: str) -> dict[str, list[dict[str, Any]]]:
    rows = (
        SprintChange.objects.filter(sprint=sprint)
        .exclude(kind=ChangeKind.COMMITTED)
        .filter(at__gte=sprint.started_at)
        .select_related("ticket", "by", "other_sprint")
        .order_by("at", "id")[:CHANGE_LIMIT]
    )
    out: dict[str, list[dict[str, Any]]] = {"added": [], "removed": [], "estimates": [], "carried": []}
    for c in rows:
        row = {
            "key": f"{prefix}-{c.ticket.number}", "number": c.ticket.number, "title": c.ticket.title,
            "by": _person(c.by), "at": c.at.isoformat(), "points": c.points, "points_before": c.points_before,
            "other": c.other_sprint.name if c.other_sprint else "",
        }  # fmt: skip
        if c.reason == ChangeReason.ADDED:
            out["added"].append(row)
        elif c.reason == ChangeReason.REMOVED:
            out["removed"].append(row)
        elif c.reason == ChangeReason.ESTIMATE:
            out["estimates"].append(row)
        elif c.reason in (ChangeReason.CARRIED_OUT, ChangeReason.RETURNED):
            row["returned"] = c.reason == ChangeReason.RETURNED
            out["carried"].append(row)
    return out


def _paused_seconds(ticket: Ticket, calendar: BusinessCalendar, end: datetime) -> int:
    total = 0
    for start, stop, kind in ticket.sla_pauses or []:
        if kind != "paused":
            continue
        a = parse_datetime(start)
        b = parse_datetime(stop) if stop else end
        if a is None or b is None:
            continue
        a, b = max(a, ticket.created_at), min(b, end)
        if b > a:
            total += calendar.business_seconds(a, b)
    return total


def service_figures(team: Any, since: datetime, until: datetime) -> dict[str, Any]:
    """SLA attainment, FRT and resolution medians (business seconds) and CSAT of a team over [since, until)."""
    calendar = BusinessCalendar.for_team(team)
    outcomes = dict(
        SLAOutcome.objects.filter(ticket__team=team, decided_at__gte=since, decided_at__lt=until)
        .values_list("outcome")
        .annotate(n=Count("id"))
        .order_by()
    )
    met, breached = outcomes.get(SLAOutcomeKind.MET, 0), outcomes.get(SLAOutcomeKind.BREACHED, 0)
    answered = Ticket.objects.filter(team=team, first_response_at__gte=since, first_response_at__lt=until).only(
        "created_at", "first_response_at"
    )
    frt = [calendar.business_seconds(t.created_at, t.first_response_at) for t in answered if t.first_response_at]
    resolved = Ticket.objects.filter(team=team, resolved_at__gte=since, resolved_at__lt=until).only(
        "created_at", "resolved_at", "sla_pauses"
    )
    resolution = [
        max(0, calendar.business_seconds(t.created_at, t.resolved_at) - _paused_seconds(t, calendar, t.resolved_at))
        for t in resolved
        if t.resolved_at
    ]
    csat = csat_summary(team=team, since=since, until=until)
    return {
        "sla_met": met, "sla_breached": breached,
        "sla_attainment": round(100 * met / (met + breached), 1) if met + breached else None,
        "frt_median_seconds": int(median(frt)) if frt else None, "frt_count": len(frt),
        "resolution_median_seconds": int(median(resolution)) if resolution else None,
        "resolution_count": len(resolution),
        "csat_answered": csat.answered, "csat_satisfied": csat.satisfied,
        "csat_percent": round(csat.csat_percent, 1) if csat.csat_percent is not None else None,
    }  # fmt: skip


def sprint_review(sprint: Sprint, *, now: datetime | None = None) -> dict[str, Any] | None:
    """The review of a started sprint as of its close (or now, while it runs); None before the start."""
    if sprint.started_at is None:
        return None
    until = sprint.closed_at or now or timezone.now()
    figures = sprint_figures([(sprint, until)])[(sprint.pk, until)]
    capacity = sprint_capacity(sprint)
    committed = sprint.committed_points or 0
    planned_done = committed - figures.committed_remaining
    prefix = sprint.team.slug.upper()
    changes = _changes(sprint, prefix)
    added_done = _added_done(sprint, until)
    return {
        "as_of": until.isoformat(), "frozen": sprint.closed_at is not None,
        "goal": sprint.goal, "goal_met": sprint.goal_met,
        "committed_points": committed, "committed_items": sprint.committed_items or 0,
        "planned_done_points": planned_done,
        "planned_done_percent": round(100 * planned_done / committed, 1) if committed else None,
        "completed_points": figures.completed_points, "completed_items": figures.done_items,
        "added_done_points": added_done[0], "added_done_items": added_done[1],
        "reactive_points": figures.reactive_points, "reactive_items": figures.reactive_items,
        "interrupt_reserved": float(capacity.interrupt_points),
        "added_points": figures.added_points, "removed_points": figures.removed_points,
        "scope_points": figures.scope_points, "unestimated_items": figures.unestimated_items,
        **changes,
        "service": service_figures(sprint.team, sprint.started_at, until),
    }  # fmt: skip


def _added_done(sprint: Sprint, until: datetime) -> tuple[int, int]:
    """Points and items of work added mid-sprint and done by ``until`` (unplanned work completed)."""
    points = list(
        SprintItem.objects.filter(sprint=sprint, reason=ChangeReason.ADDED, ticket__resolved_at__lte=until)
        .exclude(ticket__resolved_at__isnull=True)
        .values_list("ticket__story_points", flat=True)
    )
    return sum(p or 0 for p in points), len(points)


@transaction.atomic
def review_freeze(*, sprint: Sprint) -> Sprint:
    """Store the review of a closed sprint once; later calls keep what was frozen."""
    locked = Sprint.objects.select_for_update().get(pk=sprint.pk)
    if locked.closed_at is None or locked.review is not None:
        return locked
    locked.review = sprint_review(locked)
    locked.save(update_fields=["review"])
    return locked
