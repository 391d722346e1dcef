"""The same metrics computed straight from tickets, events, outcomes and surveys, ticket by ticket.

Slow on purpose and independent of the daily rows: the tests check that the
dashboard's figures (read from the rows) equal these, and the benchmark
measures how much faster the rows are.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from metrics.clock import percentile, resolutions
from metrics.daily import local_day
from metrics.read import Scope, ratio
from teams.calendar import CalendarHistory
from teams.models import Team
from tickets.choices import CUSTOMER_KINDS, EventField, SLAOutcomeKind, SLATargetKind, Status
from tickets.models import Comment, SLAOutcome, Ticket, TicketEvent
from voice.choices import CSAT_SCALE
from voice.models import CsatSurvey
from voice.surveys import SATISFIED_SCORE


def direct_values(scope: Scope, now: datetime) -> dict[str, Any]:
    histories = CalendarHistory.for_teams(Team.objects.filter(pk__in=scope.team_ids))
    tickets = Ticket.objects.filter(team_id__in=scope.team_ids)
    if scope.priority:
        tickets = tickets.filter(priority=scope.priority)
    if scope.channel:
        tickets = tickets.filter(channel=scope.channel)
    chosen = {t.pk: t for t in tickets}

    def inside(ticket: Ticket, at: datetime | None) -> bool:
        return at is not None and scope.first <= local_day(histories[ticket.team_id], at) <= scope.last

    events: dict[int, list[tuple[datetime, str, str]]] = defaultdict(list)
    for e in TicketEvent.objects.filter(ticket_id__in=chosen, field=EventField.STATUS).order_by("created_at", "id"):
        events[e.ticket_id].append((e.created_at, e.from_value, e.to_value))
    replies: dict[int, int] = defaultdict(int)
    for c in Comment.objects.filter(ticket_id__in=chosen, is_public=True, from_customer=False):
        replies[c.ticket_id] += 1
    outcomes = list(SLAOutcome.objects.filter(ticket_id__in=chosen))
    breached_ever = {o.ticket_id for o in outcomes if o.outcome == SLAOutcomeKind.BREACHED}

    met: dict[tuple[str, str], int] = defaultdict(int)
    for o in outcomes:
        if inside(chosen[o.ticket_id], o.decided_at):
            met[(o.target, o.outcome)] += 1
    frt = [
        histories[t.team_id].business_seconds(t.created_at, t.first_response_at)
        for t in chosen.values()
        if t.kind in CUSTOMER_KINDS and t.first_response_at is not None and inside(t, t.first_response_at)
    ]
    resolution, cycle, lead = [], [], []
    created = resolved = first = reopened_n = one_touch = breached_n = 0
    for t in chosen.values():
        created += inside(t, t.created_at)
        history = events[t.pk]
        for r in resolutions(t.created_at, history, histories[t.team_id]):
            if not inside(t, r.at):
                continue
            resolved += 1
            resolution.append(r.business_seconds)
            lead.append(r.lead_seconds)
            if r.cycle_seconds is not None:
                cycle.append(r.cycle_seconds)
            if r.cycle == 1:
                reopened = any(b == Status.RESOLVED and a != Status.RESOLVED for _, b, a in history)
                first += 1
                reopened_n += reopened
                one_touch += not reopened and replies[t.pk] == 1
                breached_n += t.pk in breached_ever
    sent = sent_answered = answers = positive = 0
    for s in CsatSurvey.objects.filter(ticket_id__in=chosen, scale=CSAT_SCALE):
        ticket = chosen[s.ticket_id]
        if inside(ticket, s.sent_at):
            sent += 1
            sent_answered += s.answered_at is not None
        if inside(ticket, s.answered_at):
            answers += 1
            positive += (s.score or 0) >= SATISFIED_SCORE
    weeks = scope.days / 7
    frt_met, frt_breached = met[(SLATargetKind.FIRST_RESPONSE, "met")], met[(SLATargetKind.FIRST_RESPONSE, "breached")]
    res_met, res_breached = met[(SLATargetKind.RESOLUTION, "met")], met[(SLATargetKind.RESOLUTION, "breached")]
    return {
        "sla_frt": ratio(frt_met, frt_met + frt_breached),
        "sla_resolution": ratio(res_met, res_met + res_breached),
        "ever_breached": ratio(breached_n, first),
        "frt_median": percentile(frt, 0.5), "frt_p90": percentile(frt, 0.9),
        "resolution_median": percentile(resolution, 0.5), "resolution_p90": percentile(resolution, 0.9),
        "csat": ratio(positive, answers), "response_rate": ratio(sent_answered, sent),
        "throughput": round(resolved / weeks, 1), "arrivals": round(created / weeks, 1),
        "reopen_rate": ratio(reopened_n, first), "one_touch": ratio(one_touch, first),
        "cycle_median": percentile(cycle, 0.5), "lead_median": percentile(lead, 0.5),
    }  # fmt: skip
