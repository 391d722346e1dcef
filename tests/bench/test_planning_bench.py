"""Planning at scale (``make bench``; PostgreSQL).

1. Every planning page (backlog, matrix, sprint list, planning view, sprint
   page, standup, review, retrospective) at 50 and at 2,000 backlog items: the
   same pinned number of queries, and its median time as a lead gets it.
2. One beat run of the daily snapshots for 200 active sprints over 1,000,000
   tickets (200 teams of 5,000 tickets over a year, 90 % resolved; 30 items a
   sprint, half of them resolved during it): under 2 s, set-based.
3. ``sprint_snapshots --backfill`` of a year of one team's history: 100,000
   tickets, 26 two-week sprints of 40 items: under 60 s.

Both snapshot figures are printed beside a plain aggregate query over the same
tickets (count and points of the resolved tickets per team, or per day), and
their ratio. Tickets, items and history are written with INSERT … SELECT.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from datetime import date, datetime, timedelta
from datetime import time as clock
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.utils import timezone

from core.bulk import analyze
from planning.choices import SprintState
from planning.models import Sprint, SprintChange, SprintItem, SprintSnapshot
from planning.snapshots import snapshots_due
from teams.models import Team
from tests.bench.conftest import machine
from tests.planning.test_queries import PINNED
from tests.planning.world import planning_world
from tickets.models import Ticket, TicketEvent

pytestmark = [
    pytest.mark.bench,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="measured on PostgreSQL"),
]

UTC = ZoneInfo("UTC")
BEAT_BUDGET_S = 2.0
BACKFILL_BUDGET_S = 60.0


def _median_ms(fn: Callable[[], object], repeat: int = 5) -> float:
    fn()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def test_planning_pages_at_50_and_2000_backlog_items(production_templates):
    from tests.planning.test_queries import page_queries

    worlds = {}
    for size in (50, 2000):
        team = Team.objects.create(name=f"Backlog {size}", slug=f"backlog-{size}", time_zone="UTC")
        worlds[size] = planning_world(team, backlog=size)
    analyze(Ticket, SprintItem, SprintChange, TicketEvent)
    queries = {size: page_queries(world) for size, world in worlds.items()}
    assert queries[50] == queries[2000] == PINNED
    print(f"\nPlanning pages ({machine()}), a lead's GET, median of 5 (ms)")
    print(f"{'page':<16}{'queries':>8}{'50 items':>10}{'2,000 items':>13}")
    for name in PINNED:
        ms = {}
        for size, world in worlds.items():
            client = Client()
            client.force_login(world.lead)
            url = world.pages()[name]
            ms[size] = _median_ms(lambda c=client, u=url: c.get(u))
        print(f"{name:<16}{PINNED[name]:>8}{ms[50]:>10.1f}{ms[2000]:>13.1f}")


def _tickets(team_ids: list[int], per_team: int, now: datetime, days: int = 365) -> None:
    """``per_team`` tickets a team, evenly over ``days`` up to ``now``: every tenth a task, 90 % resolved
    within 1–40 hours (never after ``now``), a third estimated."""
    step = days * 86400 / per_team
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {Ticket._meta.db_table} (team_id, number, kind, title, description, description_html,
                requester_name, requester_email, channel, priority, status, position, created_at, updated_at,
                version, sla_pauses, sla_cycle, story_points, resolved_at)
            SELECT t.id, n, CASE WHEN n %% 10 = 0 THEN 'task' ELSE 'inquiry' END, 'Ticket ' || n, '', '', '', '',
                'email', 1 + n %% 4, CASE WHEN n %% 10 = 9 THEN 'todo' ELSE 'resolved' END, n * 1024,
                c.created, c.created, 1, '[]', 1, CASE WHEN n %% 3 = 0 THEN 1 + n %% 5 END,
                CASE WHEN n %% 10 = 9 THEN NULL
                     ELSE LEAST(%s::timestamptz, c.created + (1 + n %% 40) * interval '1 hour') END
            FROM unnest(%s::int[]) AS t(id)
            CROSS JOIN generate_series(1, %s) AS n
            CROSS JOIN LATERAL (
                SELECT %s::timestamptz - (%s - n) * %s * interval '1 second' AS created
            ) AS c
            """,  # noqa: S608 - the table name is the model's
            [now, team_ids, per_team, now, per_team, step],
        )


def _sprint_items(sprint_ids: list[int], per_sprint: int, done_share_every: int) -> None:
    """Each sprint takes the latest ``per_sprint`` tasks created before its start: planned an hour before,
    committed at the start; all but every ``done_share_every``-th resolved during the sprint (with their
    status event), the rest still open."""
    ticket, event = Ticket._meta.db_table, TicketEvent._meta.db_table
    item, change, sprint = SprintItem._meta.db_table, SprintChange._meta.db_table, Sprint._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            CREATE TEMP TABLE picks AS
            SELECT * FROM (
                SELECT s.id AS sprint_id, t.id AS ticket_id, s.started_at,
                       row_number() OVER (PARTITION BY s.id ORDER BY t.number DESC) AS r
                FROM {sprint} s JOIN {ticket} t
                  ON t.team_id = s.team_id AND t.kind = 'task' AND t.created_at < s.started_at
                WHERE s.id = ANY(%s)
            ) ranked WHERE r <= %s
            """,  # noqa: S608
            [sprint_ids, per_sprint],
        )
        cursor.execute(
            f"""
            UPDATE {ticket} t SET status = 'todo', resolved_at = NULL,
                story_points = COALESCE(t.story_points, 1 + p.r %% 5)
            FROM picks p WHERE t.id = p.ticket_id
            """,  # noqa: S608
            [],
        )
        cursor.execute(
            f"""
            UPDATE {ticket} t SET status = 'resolved', resolved_at = p.started_at + (1 + p.r * 7) * interval '1 hour'
            FROM picks p WHERE t.id = p.ticket_id AND p.r %% %s <> 0
            """,  # noqa: S608
            [done_share_every],
        )
        cursor.execute(
            f"""
            INSERT INTO {event} (ticket_id, field, from_value, to_value, from_label, to_label, created_at)
            SELECT t.id, 'status', 'todo', 'resolved', 'To do', 'Resolved', t.resolved_at
            FROM picks p JOIN {ticket} t ON t.id = p.ticket_id WHERE t.status = 'resolved'
            """  # noqa: S608
        )
        cursor.execute(
            f"""
            INSERT INTO {item} (sprint_id, ticket_id, rank, reason, entered_at, times_carried)
            SELECT p.sprint_id, p.ticket_id, p.r * 1024, 'planned', p.started_at - interval '1 hour', 0 FROM picks p
            """  # noqa: S608
        )
        cursor.execute(
            f"""
            INSERT INTO {change} (sprint_id, ticket_id, kind, reason, at, points)
            SELECT p.sprint_id, p.ticket_id, k.kind, 'planned',
                   CASE WHEN k.kind = 'entered' THEN p.started_at - interval '1 hour' ELSE p.started_at END,
                   t.story_points
            FROM picks p JOIN {ticket} t ON t.id = p.ticket_id
            CROSS JOIN (VALUES ('entered'), ('committed')) AS k(kind)
            """  # noqa: S608
        )
        cursor.execute(
            f"""
            UPDATE {sprint} s SET committed_points = c.points, committed_items = c.items
            FROM (SELECT p.sprint_id, SUM(t.story_points) AS points, COUNT(*) AS items
                  FROM picks p JOIN {ticket} t ON t.id = p.ticket_id GROUP BY p.sprint_id) c
            WHERE s.id = c.sprint_id
            """  # noqa: S608
        )
        cursor.execute("DROP TABLE picks")


def _midnight(day: date) -> datetime:
    return datetime.combine(day, clock(0), tzinfo=UTC)


def test_beat_snapshots_for_200_active_sprints_over_a_million_tickets():
    now = timezone.now()
    today = now.astimezone(UTC).date()
    start = today - timedelta(days=6)
    teams = Team.objects.bulk_create(
        [Team(name=f"Bench {n}", slug=f"bench-{n}", time_zone="UTC", created_at=now) for n in range(200)]
    )
    t0 = time.perf_counter()
    _tickets([t.pk for t in teams], 5000, now)
    sprints = Sprint.objects.bulk_create(
        [
            Sprint(team=t, number=1, name="Sprint 1", start_date=start, end_date=start + timedelta(days=13),
                   state=SprintState.ACTIVE, started_at=_midnight(start))
            for t in teams
        ]
    )  # fmt: skip
    _sprint_items([s.pk for s in sprints], 30, done_share_every=2)
    analyze(Ticket, TicketEvent, Sprint, SprintItem, SprintChange, SprintSnapshot)
    seed_s = time.perf_counter() - t0
    assert Ticket.objects.count() == 1_000_000

    # The sprint's first five days (catch-up after the seed), then the timed run: the sixth day of each.
    snapshots_due(now=_midnight(start + timedelta(days=5)) + timedelta(minutes=1))
    t0 = time.perf_counter()
    written = snapshots_due(now=_midnight(start + timedelta(days=6)) + timedelta(minutes=1))
    beat_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    again = snapshots_due(now=_midnight(start + timedelta(days=6)) + timedelta(minutes=1))
    idle_ms = (time.perf_counter() - t0) * 1000
    assert (written, again) == (200, 0)
    snap = SprintSnapshot.objects.filter(sprint=sprints[0], day=start + timedelta(days=5)).get()
    assert snap.completed_points > 0 and snap.reactive_items > 0

    table = Ticket._meta.db_table

    def plain() -> None:
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT team_id, COUNT(*), SUM(COALESCE(story_points, 1)) FROM {table} "  # noqa: S608
                "WHERE status = 'resolved' AND resolved_at > %s AND created_at > %s GROUP BY team_id",
                [_midnight(start), _midnight(start)],
            )
            cursor.fetchall()

    plain_ms = _median_ms(plain)
    print(f"\nSprint snapshots ({machine()}): 200 active sprints, 1,000,000 tickets (seeded in {seed_s:.0f} s)")
    print(f"beat run writing each sprint's day: {beat_s * 1000:.0f} ms for {written} snapshots; "
          f"run again (nothing due): {idle_ms:.0f} ms")  # fmt: skip
    print(f"plain aggregate of the same tickets (reactive count and points per team): {plain_ms:.0f} ms; "
          f"ratio {beat_s * 1000 / plain_ms:.1f}")  # fmt: skip
    assert beat_s < BEAT_BUDGET_S


def test_backfill_of_a_year_for_a_team_of_100000_tickets():
    now = timezone.now()
    today = now.astimezone(UTC).date()
    team = Team.objects.create(name="Busy desk", slug="busy", time_zone="UTC")
    t0 = time.perf_counter()
    _tickets([team.pk], 100_000, now)
    first = today - timedelta(days=26 * 14 - 7)
    sprints = []
    for n in range(26):
        start = first + timedelta(days=14 * n)
        end = start + timedelta(days=13)
        closed = end < today
        sprints.append(
            Sprint(team=team, number=n + 1, name=f"Sprint {n + 1}", start_date=start, end_date=end,
                   state=SprintState.CLOSED if closed else SprintState.ACTIVE, started_at=_midnight(start),
                   closed_at=_midnight(end + timedelta(days=1)) if closed else None)
        )  # fmt: skip
    sprints = Sprint.objects.bulk_create(sprints)
    _sprint_items([s.pk for s in sprints], 40, done_share_every=4)
    analyze(Ticket, TicketEvent, Sprint, SprintItem, SprintChange, SprintSnapshot)
    seed_s = time.perf_counter() - t0

    t0 = time.perf_counter()
    call_command("sprint_snapshots", "--backfill", "--team", team.slug, stdout=StringIO())
    backfill_s = time.perf_counter() - t0
    rows = SprintSnapshot.objects.filter(sprint__team=team).count()
    assert rows >= 25 * 14

    table = Ticket._meta.db_table

    def plain() -> None:
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT date_trunc('day', resolved_at), COUNT(*), SUM(COALESCE(story_points, 1)) FROM {table} "  # noqa: S608
                "WHERE team_id = %s AND status = 'resolved' GROUP BY 1",
                [team.pk],
            )
            cursor.fetchall()

    plain_ms = _median_ms(plain)
    print(f"\nSnapshot backfill ({machine()}): one team, 100,000 tickets over a year, 26 sprints "
          f"(seeded in {seed_s:.0f} s)")  # fmt: skip
    print(f"sprint_snapshots --backfill: {backfill_s * 1000:.0f} ms for {rows} snapshots")
    print(f"plain aggregate of the same tickets (resolved count and points per day): {plain_ms:.0f} ms; "
          f"ratio {backfill_s * 1000 / plain_ms:.1f}")  # fmt: skip
    assert backfill_s < BACKFILL_BUDGET_S
