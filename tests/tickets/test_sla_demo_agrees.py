"""Every resolved demo ticket has its stored outcomes, and its card, SLA panel and timeline tell the same story."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from tickets.choices import SLAOutcomeKind, Status
from tickets.models import SLAOutcome, Ticket
from tickets.sla.display import ClockReader
from tickets.sla.panel import ticket_sla

pytestmark = pytest.mark.django_db


def test_resolved_demo_tickets_have_outcomes_and_card_panel_and_timeline_agree():
    call_command("seed_demo", "--seed", "11", "--tickets", "240", stdout=StringIO())
    now = timezone.now()
    resolved = list(
        Ticket.objects.filter(status=Status.RESOLVED, sla_policy__isnull=False).select_related("team", "sla_policy")
    )
    assert len(resolved) > 100
    outcomes: dict[int, list[SLAOutcome]] = {}
    for row in SLAOutcome.objects.filter(ticket__in=resolved):
        outcomes.setdefault(row.ticket_id, []).append(row)
    readers: dict[int, ClockReader] = {}
    checked = 0
    for ticket in resolved:
        rows = outcomes.get(ticket.pk, [])
        cycles = sum(1 for _s, _e, kind in ticket.sla_pauses if kind == "resolved")
        res_rows = [r for r in rows if r.target == "resolution"]
        assert len(res_rows) == cycles, f"{ticket.key}: one resolution outcome per resolved cycle"
        ever_breached = any(r.outcome == SLAOutcomeKind.BREACHED for r in rows)
        # The card: "missed" exactly when a target was ever breached.
        reader = readers.setdefault(ticket.team_id, ClockReader(now, team=ticket.team))
        card = reader.card(
            ticket.sla_policy.business_hours, ticket.status, ticket.sla_paused_since,
            (ticket.frt_due_at, ticket.frt_warn_at, ticket.frt_warned_at, ticket.frt_breached_at),
            (ticket.res_due_at, ticket.res_warn_at, ticket.res_warned_at, ticket.res_breached_at),
        )  # fmt: skip
        assert card is not None and card.state == ("missed" if ever_breached else "met"), ticket.key
        # The panel: each decided target as it was judged.
        panel = ticket_sla(ticket, now=now)
        assert panel is not None
        judged = {(r.target, r.cycle): r for r in rows}
        for status in panel.targets:
            key = ("first_response", 1) if status.kind == "frt" else ("resolution", ticket.sla_cycle)
            if key in judged:
                expected = "met" if judged[key].outcome == SLAOutcomeKind.MET else "missed"
                assert status.state == expected, f"{ticket.key} {status.kind}"
        # The timeline: a breach entry for every breached target.
        breaches = [e for e in panel.entries if e.kind == "breached"]
        assert len(breaches) == len({r.target for r in rows if r.outcome == SLAOutcomeKind.BREACHED}), ticket.key
        checked += 1
    assert checked == len(resolved)
    kinds = {r.outcome for rows in outcomes.values() for r in rows}
    assert kinds == {"met", "breached"}, "the demo shows both"
