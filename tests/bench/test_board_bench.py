"""The board on data shaped like real use (``make bench``; use PostgreSQL).

``seed_demo`` makes the data: months of history, most tickets resolved, SLA
clocks, events and comments. The benchmark then

1. loads the busiest team's default paged board with 1,000 tickets of history,
   copies its old resolved tickets (with their events and comments) further
   back in time until it has 10,000, and loads the board again: the page must
   cost less than 1.3 times as much (it reads open and recent work only);
2. seeds again so that one team has about 5,000 tickets and times a full
   render of every one of its cards (selector and template, no paging), the
   per-card cost, and a card move (the whole POST through Django).

Every figure is a median of repeated runs; the printout names the machine.
Templates render as in production (the test runner's render instrumentation is
off for the benchmark).
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models import Count
from django.template.loader import render_to_string
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from core.bulk import analyze
from teams.models import Membership, Role, Team
from tests.bench.conftest import machine
from tickets.choices import Status
from tickets.models import Comment, Ticket, TicketEvent
from tickets.selectors.board import BoardFilters, board_data, team_board

pytestmark = [pytest.mark.bench, pytest.mark.django_db(transaction=True)]

FLAT_BUDGET = 1.3  # paged board at 10,000 tickets of history / at 1,000
PER_CARD_BUDGET_US = 30.0
MOVE_BUDGET_MS = 15.0


def _timed(fn: Callable[[], object], repeat: int) -> tuple[int, float]:
    fn()
    with CaptureQueriesContext(connection) as ctx:
        fn()
    queries = len(ctx.captured_queries)
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return queries, statistics.median(times)


def _seed(tickets: int) -> Team:
    call_command("seed_demo", "--tickets", str(tickets), "--replace-tickets", stdout=StringIO())
    return Team.objects.annotate(n=Count("tickets")).order_by("-n").first()


def _agent_client(team: Team) -> Client:
    client = Client()
    client.force_login(Membership.objects.filter(team=team, role=Role.AGENT).first().user)
    return client


def _grow_history(team: Team, want: int) -> None:
    """Copy the team's resolved tickets older than the board's window further back, with their history."""
    span = timezone.now() - Ticket.objects.filter(team=team).order_by("created_at").first().created_at
    old = list(
        Ticket.objects.filter(team=team, status=Status.RESOLVED, resolved_at__lt=timezone.now() - span / 4)
        .order_by("number")
        .values_list("pk", flat=True)
    )
    number = Ticket.objects.filter(team=team).order_by("-number").first().number
    fields = [f for f in Ticket._meta.concrete_fields if not f.primary_key]
    shift = 0
    while Ticket.objects.filter(team=team).count() < want:
        shift += 1
        back = span * shift
        batch = old[: want - Ticket.objects.filter(team=team).count()]
        copies = []
        for t in Ticket.objects.filter(pk__in=batch).order_by("pk"):
            number += 1
            copy = Ticket(**{f.attname: getattr(t, f.attname) for f in fields})
            copy.number, copy.position = number, t.position + shift * 10**12
            for name in ("created_at", "updated_at", "resolved_at", "first_response_at", "sla_started_at"):
                if getattr(copy, name):
                    setattr(copy, name, getattr(copy, name) - back)
            copies.append((t.pk, copy))
        Ticket.objects.bulk_create([c for _, c in copies], batch_size=1000)
        new_id = {old_pk: c.pk for old_pk, c in copies}
        events = [
            TicketEvent(ticket_id=new_id[e.ticket_id], actor_id=e.actor_id, field=e.field, from_value=e.from_value,
                        to_value=e.to_value, from_label=e.from_label, to_label=e.to_label,
                        created_at=e.created_at - back)
            for e in TicketEvent.objects.filter(ticket_id__in=new_id)
        ]  # fmt: skip
        TicketEvent.objects.bulk_create(events, batch_size=2000)
        comments = [
            Comment(ticket_id=new_id[c.ticket_id], author_id=c.author_id, body=c.body, body_html=c.body_html,
                    is_public=c.is_public)
            for c in Comment.objects.filter(ticket_id__in=new_id)
        ]  # fmt: skip
        Comment.objects.bulk_create(comments, batch_size=2000)
    analyze(Ticket, TicketEvent, Comment)


def test_board_is_flat_in_history_cheap_per_card_and_moves_fast(production_templates):
    print(f"\nBoard on seed_demo data ({machine()})")

    # 1. The paged board at 1,000 and at 10,000 tickets of history.
    team = _seed(2500)
    client = _agent_client(team)
    url = reverse("tickets:board", args=[team.slug])
    paged = []
    for want in (1000, 10_000):
        _grow_history(team, want)  # seed_demo gave the busiest team about 1,000 tickets to start with
        total = Ticket.objects.filter(team=team).count()
        open_ = Ticket.objects.filter(team=team).exclude(status=Status.RESOLVED).count()
        queries, ms = _timed(lambda: client.get(url), 15)
        cards = client.get(url).content.decode().count('class="tcard ')
        paged.append((total, open_, cards, queries, ms))
    print(f"{'tickets':>8} {'open':>5} {'cards':>6} {'queries':>8} {'paged ms':>9}")
    for total, open_, cards, queries, ms in paged:
        print(f"{total:>8} {open_:>5} {cards:>6} {queries:>8} {ms:>9.1f}")
    ratio = paged[1][4] / paged[0][4]
    print(f"paged board, {paged[1][0]:,} / {paged[0][0]:,} tickets of history: {ratio:.2f}x (budget {FLAT_BUDGET}x)")

    # 2. A full render and a move on a board of about 5,000 tickets.
    team = _seed(12_500)
    board = team_board(team)
    board.resolved_days = 0  # every card, resolved ones included
    client = _agent_client(team)
    url = reverse("tickets:board", args=[team.slug])
    request = RequestFactory().get(url)
    request.user = Membership.objects.filter(team=team, role=Role.AGENT).first().user

    def full_render() -> str:
        data = board_data(board=board, filters=BoardFilters(), per_column=None)
        context = {
            "team": team, "board": board, "data": data, "key_prefix": team.slug.upper(),
            "ticket_base": f"/t/{team.slug}/tickets/", "board_url": url, "move_url": url, "can_move": True,
            "filter_query": "", "lane_by": "",
        }  # fmt: skip
        return render_to_string("tickets/board.html#board-columns", context, request=request)

    cards = full_render().count('class="tcard ')
    full_q, full_ms = _timed(full_render, 5)
    per_card = full_ms * 1000 / cards
    print(f"full render: {cards:,} cards, {full_q} queries, {full_ms:.1f} ms, {per_card:.1f} µs per card")

    columns = {c.status: c for c in board.columns.all()}
    todo = list(Ticket.objects.filter(team=team, status=Status.TODO).order_by("position")[:40])
    move_url = reverse("tickets:board-move", args=[team.slug])

    def mover(plan):
        steps = iter(plan)

        def move() -> None:
            ticket, status = next(steps)
            response = client.post(
                move_url, {"ticket": ticket.pk, "column": columns[status].pk}, HTTP_HX_REQUEST="true"
            )
            assert response.status_code == 200, response.content[:300]

        return move

    # Each move takes another card (a card moved back and forth a hundred times would carry a hundred
    # clock stops). Two kinds: into a column where the clock runs as before (To Do to In Progress, its WIP
    # limit raised so that every move fits: the limit's lock and count are still taken), and into one
    # that stops the clock (Waiting on customer), which recomputes the due times.
    columns[Status.IN_PROGRESS].wip_limit = 500
    columns[Status.IN_PROGRESS].save(update_fields=["wip_limit"])
    runs = len(todo) * 2 - 2
    alike_q, alike_ms = _timed(mover([(t, s) for t in todo for s in (Status.IN_PROGRESS, Status.TODO)]), runs)
    stops_q, stops_ms = _timed(mover([(t, s) for t in todo for s in (Status.WAITING, Status.TODO)]), runs)
    size = Ticket.objects.filter(team=team).count()
    print(f"card move on a board of {size:,} tickets (the whole POST through Django):")
    print(f"  To Do <-> In Progress (the clock runs alike): {alike_q} queries, {alike_ms:.1f} ms")
    print(f"  To Do <-> Waiting on customer (the clock stops and restarts): {stops_q} queries, {stops_ms:.1f} ms")
    move_ms = max(alike_ms, stops_ms)

    assert len({p[3] for p in paged}) == 1, "paged board queries must not grow with history"
    assert ratio < FLAT_BUDGET, f"the paged board grew {ratio:.2f}x from 1,000 to 10,000 tickets of history"
    assert per_card <= PER_CARD_BUDGET_US, f"full render costs {per_card:.1f} µs per card"
    assert move_ms <= MOVE_BUDGET_MS, f"a move takes {move_ms:.1f} ms"
