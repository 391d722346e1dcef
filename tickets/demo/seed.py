"""Demo tickets: customer accounts, labels, projects, the team board, routing
rules and months of ticket history for the demo teams of ``teams.demo``.

Deterministic: the same seed, ticket count and day give the same rows. Every
date hangs off one anchor, today at 00:00 UTC, and every random draw comes
from one ``random.Random(seed)`` in a fixed order (lists and tuples, never
sets). Idempotent: reference data is created when missing; tickets only while
the demo teams have none (``replace=True`` deletes theirs first).

The history is what the metrics read: a ``created`` event and a ``status``
event for every transition (reopenings included), ``assignee`` and
``priority`` events, all between the ticket's creation and the anchor;
``resolved_at`` is the last move into Resolved and ``first_response_at`` the
first public reply by a team member. The current state respects the WIP limits
of the team board (and of Kanban project boards): the surplus waits in To Do
or Waiting on customer.

Fast at any size: rows are planned in Python and written with one statement
per batch of ``BATCH_SIZE`` rows, so the number of queries does not depend on
the number of tickets (beyond one per extra batch).
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any

from django.db import transaction

from core.bulk import insert_rows
from teams.models import Team
from tickets.demo.data import (
    TEAM_TICKETS,
)
from tickets.demo.story import Plan, Story, assign_positions, created_times, decide_statuses, plan_ticket
from tickets.demo.team_context import DemoTeam, prepare_team
from tickets.markdown import render_markdown
from tickets.models import Comment, Ticket, TicketEvent

DEFAULT_TICKETS = 400
HISTORY_DAYS = 120


# --- Entry point ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class SeedResult:
    created: int
    existing: int


def _split(count: int, shares: Sequence[float]) -> list[int]:
    """``count`` split by ``shares``, largest remainders first; sums to ``count``."""
    total = sum(shares)
    exact = [count * s / total for s in shares]
    parts = [int(x) for x in exact]
    order = sorted(range(len(shares)), key=lambda i: (-(exact[i] - parts[i]), i))
    for i in order[: count - sum(parts)]:
        parts[i] += 1
    return parts


TICKET_COLUMNS = (
    "team_id", "number", "project_id", "kind", "title", "description", "description_html", "requester_name",
    "requester_email", "account_id", "channel", "priority", "status", "assignee_id", "story_points", "impact",
    "effort", "position", "created_at", "updated_at", "first_response_at", "resolved_at", "version",
)  # fmt: skip
EVENT_COLUMNS = ("ticket_id", "created_at", "actor_id", "field", "from_value", "to_value", "from_label", "to_label")
COMMENT_COLUMNS = ("ticket_id", "created_at", "author_id", "body", "body_html", "is_public")


@transaction.atomic
def seed_tickets(
    *, teams: Mapping[str, Team], seed: int, today: date, count: int = DEFAULT_TICKETS, replace: bool = False
) -> SeedResult:
    """Accounts, labels, projects, boards and routing rules of the demo teams; then ``count`` tickets.

    Tickets are generated only while the demo teams have none, so running it
    again adds nothing; ``replace`` deletes their tickets first.
    """
    anchor = datetime.combine(today, time(), tzinfo=UTC)
    rng = random.Random(seed)
    specs = [spec for spec in TEAM_TICKETS if spec.slug in teams]
    contexts = [prepare_team(teams[spec.slug], spec, anchor) for spec in specs]

    demo_tickets = Ticket.objects.filter(team__in=[ctx.team for ctx in contexts])
    if replace:
        demo_tickets.delete()
    existing = demo_tickets.count()
    if existing or not contexts or count <= 0:
        return SeedResult(created=0, existing=existing)

    html: dict[str, str] = {}
    plans_by_team: list[tuple[DemoTeam, list[Plan]]] = []
    for ctx, n in zip(contexts, _split(count, [ctx.spec.share for ctx in contexts]), strict=True):
        times = created_times(rng, ctx, n, anchor)
        plans = [plan_ticket(rng, ctx, number, created) for number, created in enumerate(times, start=1)]
        decide_statuses(rng, ctx, plans, anchor)
        for plan in plans:
            Story(rng, ctx, plan, anchor, html).tell()
        assign_positions(plans)
        plans_by_team.append((ctx, plans))

    def description_html(text: str) -> str:
        if text not in html:
            html[text] = render_markdown(text)
        return html[text]

    created = insert_rows(
        Ticket,
        TICKET_COLUMNS,
        (
            (ctx.team.pk, p.number, p.project.pk if p.project else None, p.kind, p.title, p.description,
             description_html(p.description), p.requester_name, p.requester_email,
             p.account.pk if p.account else None, p.channel, p.priority, p.status,
             p.final_assignee.pk if p.final_assignee else None, p.story_points, p.impact, p.effort, p.position,
             p.created, p.updated_at, p.first_response_at, p.resolved_at, 1)
            for ctx, plans in plans_by_team
            for p in plans
        ),
    )  # fmt: skip
    ids = {(team_id, number): pk for team_id, number, pk in demo_tickets.values_list("team_id", "number", "id")}

    def rows(kind: str) -> Iterator[tuple[Any, ...]]:
        for ctx, plans in plans_by_team:
            for plan in plans:
                pk = ids[(ctx.team.pk, plan.number)]
                if kind == "labels":
                    yield from ((pk, label.pk) for label in plan.labels)
                else:
                    yield from ((pk, *row) for row in (plan.events if kind == "events" else plan.comments))

    insert_rows(TicketEvent, EVENT_COLUMNS, rows("events"))
    insert_rows(Comment, COMMENT_COLUMNS, rows("comments"))
    insert_rows(Ticket.labels.through, ("ticket_id", "label_id"), rows("labels"))
    return SeedResult(created=created, existing=0)
