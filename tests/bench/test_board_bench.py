"""Board render cost at 10, 100, 1,000 and 5,000 cards (``make bench``; use PostgreSQL).

Reports queries and time per card for the default paged board (what users
load) and for a full render of every card (the like-for-like comparison with
trackers that draw the whole board).
"""

from __future__ import annotations

import random
import statistics
import time

import pytest
from django.db import connection
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from teams.models import Membership, Role, User
from tests.bench.conftest import machine
from tests.factories import TeamFactory
from tickets.choices import Status
from tickets.models import Account, Label, Ticket
from tickets.positions import POSITION_GAP
from tickets.selectors.board import BoardFilters, board_data
from tickets.services import board_ensure_for_team

pytestmark = [pytest.mark.bench, pytest.mark.django_db]

SIZES = (10, 100, 1000, 5000)
# django-helpdesk 2.6.1's kanban, measured the same way on this kind of machine.
PEER_US_PER_CARD = 184


def _grow(team, agents, labels, accounts, have: int, want: int) -> None:
    rng = random.Random(want)
    statuses = [Status.TODO] * 5 + [Status.IN_PROGRESS, Status.WAITING, Status.ESCALATED] + [Status.RESOLVED] * 4
    new = [
        Ticket(
            team=team, number=n, title=f"Customer cannot export report {n}", status=rng.choice(statuses),
            priority=rng.randint(1, 4), assignee=rng.choice([*agents, None]), account=rng.choice([*accounts, None]),
            story_points=rng.choice([None, 1, 2, 3, 5, 8]), position=n * POSITION_GAP,
        )
        for n in range(have + 1, want + 1)
    ]  # fmt: skip
    Ticket.objects.bulk_create(new, batch_size=2000)
    through = Ticket.labels.through
    through.objects.bulk_create(
        [through(ticket_id=t.pk, label_id=rng.choice(labels).pk) for t in new if rng.random() < 0.6], batch_size=5000
    )


def _timed(fn, repeat: int) -> tuple[int, float]:
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


def test_board_render_scales(client):
    team = TeamFactory(slug="bench", name="Bench team")
    agents = [User.objects.create_user(f"bench-agent-{i}", first_name="Agent", last_name=str(i)) for i in range(8)]
    Membership.objects.bulk_create(Membership(user=u, team=team, role=Role.AGENT) for u in agents)
    labels = [Label.objects.create(team=team, name=f"label-{i}", colour="#4f46e5") for i in range(6)]
    accounts = [Account.objects.create(team=team, name=f"Account {i}") for i in range(20)]
    board = board_ensure_for_team(team=team)
    board.columns.update(wip_limit=None)
    client.force_login(agents[0])
    url = reverse("tickets:board", args=[team.slug])
    request = RequestFactory().get(url)
    request.user = agents[0]

    def full_render() -> str:
        data = board_data(board=board, filters=BoardFilters(), per_column=None)
        context = {
            "team": team, "board": board, "data": data, "key_prefix": "BENCH", "ticket_base": "/t/bench/tickets/",
            "board_url": url, "move_url": url, "can_move": True, "filter_query": "", "lane_by": "",
        }  # fmt: skip
        return render_to_string("tickets/board.html#board-columns", context, request=request)

    rows = []
    have = 0
    for size in SIZES:
        _grow(team, agents, labels, accounts, have, size)
        have = size
        repeat = 3 if size >= 1000 else 7
        paged_q, paged_ms = _timed(lambda: client.get(url), repeat)
        full_q, full_ms = _timed(full_render, repeat)
        assert full_render().count('class="tcard ') == size
        rows.append((size, paged_q, paged_ms, full_q, full_ms))

    print(f"\nBoard ({machine()})")
    print(f"{'cards':>6} {'paged q':>8} {'paged ms':>9} {'full q':>7} {'full ms':>8} {'full µs/card':>13}")
    for size, pq, pms, fq, fms in rows:
        print(f"{size:>6} {pq:>8} {pms:>9.1f} {fq:>7} {fms:>8.1f} {fms * 1000 / size:>13.1f}")
    size, _, paged_ms, _, full_ms = rows[-1]
    per_card = full_ms * 1000 / size
    peer_full_ms = PEER_US_PER_CARD * size / 1000
    print(f"full render per card at {size}: {per_card:.1f} µs, {PEER_US_PER_CARD / per_card:.1f}x cheaper than peer")
    print(f"paged board at {size}: {paged_ms:.1f} ms = {paged_ms / peer_full_ms:.3f} of the peer's full board")

    assert len({r[1] for r in rows}) == 1, "paged board queries must not grow with cards"
    assert len({r[3] for r in rows}) == 1, "full board queries must not grow with cards"
    assert per_card * 5 <= PEER_US_PER_CARD, f"full render {per_card:.1f} µs per card misses the 5x budget"
    assert paged_ms < peer_full_ms / 10, "paged board misses a tenth of the peer's full board"
