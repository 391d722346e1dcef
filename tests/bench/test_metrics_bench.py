"""The dashboard at a million tickets (``make bench``; PostgreSQL).

METRICS_BENCH_TICKETS (default 1,000,000) tickets over a year, spread over 20
teams with office hours (Monday to Friday 09:00-17:00, Europe/Berlin), are
inserted with INSERT … SELECT: 90 % resolved within 2-73 hours after a first
reply, each resolved ticket with its two status changes, a stored
first-response outcome per customer ticket (one in seven breached), a survey
for every fifth resolved ticket, half of them answered. Then:

1. ``metrics_rebuild`` of the whole year (every team, every day);
2. the dashboard of the last 90 days as a manager gets it, for one team and
   for all 20, against the hand-written SQL that reads the same figures from
   the daily rows (same run), and the tiles' figures from the rows against
   the same figures computed straight from the tickets.
"""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.bulk import analyze
from metrics.models import DailyFigure, TicketDuration
from metrics.read import Scope, period_values
from metrics.reference import direct_values
from teams.models import Membership, Role, Team, User, WorkingHours
from tests.bench.conftest import machine
from tickets.models import SLAOutcome, Ticket, TicketEvent
from voice.models import CsatSurvey

pytestmark = [
    pytest.mark.bench,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="measured on PostgreSQL"),
]

TICKETS = int(os.environ.get("METRICS_BENCH_TICKETS", "1000000"))
TEAMS = 20
REBUILD_TARGET_S = 120.0


def _median_ms(fn: Callable[[], object], repeat: int = 5) -> float:
    fn()
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def _seed(teams: list[Team], per_team: int, now) -> None:
    ids = [t.pk for t in teams]
    step = 365 * 86400 / per_team
    ticket, event = Ticket._meta.db_table, TicketEvent._meta.db_table
    outcome, survey = SLAOutcome._meta.db_table, CsatSurvey._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {ticket} (team_id, number, kind, title, description, description_html, requester_name,
                requester_email, channel, priority, status, position, created_at, updated_at, version, sla_pauses,
                sla_cycle, first_response_at, resolved_at)
            SELECT t.id, n,
                (ARRAY['inquiry','inquiry','inquiry','inquiry','inquiry','inquiry','inquiry','incident','task','bug'])[1 + n %% 10],
                'Ticket ' || n, '', '', '', '',
                (ARRAY['email','chat','phone','social','web','mobile_app'])[1 + n %% 6],
                1 + n %% 4,
                CASE WHEN n %% 10 = 9 OR c.created > %s::timestamptz - interval '3 days' THEN 'todo' ELSE 'resolved' END,
                n * 1024, c.created, c.created, 1, '[]', 1,
                CASE WHEN n %% 10 <> 8 THEN LEAST(%s::timestamptz, c.created + (10 + n %% 240) * interval '1 minute') END,
                CASE WHEN n %% 10 = 9 OR c.created > %s::timestamptz - interval '3 days' THEN NULL
                     ELSE c.created + (2 + n %% 72) * interval '1 hour' END
            FROM unnest(%s::int[]) AS t(id)
            CROSS JOIN generate_series(1, %s) AS n
            CROSS JOIN LATERAL (SELECT %s::timestamptz - (%s - n) * %s * interval '1 second' AS created) AS c
            """,  # noqa: S608, E501
            [now, now, now, ids, per_team, now, per_team, step],
        )
        cursor.execute(
            f"""
            INSERT INTO {event} (ticket_id, field, from_value, to_value, from_label, to_label, created_at)
            SELECT id, 'status', 'todo', 'in_progress', 'To Do', 'In Progress', created_at + interval '5 minutes'
            FROM {ticket} WHERE team_id = ANY(%s) AND status = 'resolved'
            UNION ALL
            SELECT id, 'status', 'in_progress', 'resolved', 'In Progress', 'Resolved', resolved_at
            FROM {ticket} WHERE team_id = ANY(%s) AND status = 'resolved'
            """,  # noqa: S608
            [ids, ids],
        )
        cursor.execute(
            f"""
            INSERT INTO {outcome} (ticket_id, target, cycle, outcome, decided_at, first_due_at, due_at,
                target_seconds, elapsed_seconds, policy_name, priority)
            SELECT id, 'first_response', 1, CASE WHEN number %% 7 = 0 THEN 'breached' ELSE 'met' END,
                first_response_at, first_response_at, first_response_at, 14400, 3600, 'Standard', priority
            FROM {ticket} WHERE team_id = ANY(%s) AND first_response_at IS NOT NULL AND kind <> 'task'
            """,  # noqa: S608
            [ids],
        )
        cursor.execute(
            f"""
            INSERT INTO {survey} (team_id, ticket_id, cycle, email, status, attempts, created_at, sent_at,
                answered_at, score, scale, comment)
            SELECT team_id, id, 1, 'customer@example.com', 'sent', 1, resolved_at, resolved_at + interval '1 day',
                CASE WHEN number %% 10 = 0 THEN resolved_at + interval '2 days' END,
                CASE WHEN number %% 10 = 0 THEN 1 + number %% 5 END, 5, ''
            FROM {ticket} WHERE team_id = ANY(%s) AND status = 'resolved' AND number %% 5 = 0
              AND resolved_at < %s::timestamptz - interval '2 days'
            """,  # noqa: S608
            [ids, now],
        )


def _hand_sql(team_ids: list[int], first, last, prev_first) -> None:
    """The dashboard's figures read straight from the daily rows with hand-written SQL: the same statements
    a person would write for the tiles (both periods), the weekly charts, SLA by priority, the cumulative
    flow, the cycle times and the open work now."""
    daily, durations, ticket = DailyFigure._meta.db_table, TicketDuration._meta.db_table, Ticket._meta.db_table
    sums = ", ".join(f"SUM({c})" for c in ("created", "resolved", "reopened", "frt_met", "frt_breached", "res_met",
                                            "res_breached", "first_resolved", "first_resolved_reopened",
                                            "first_resolved_one_touch", "first_resolved_breached", "surveys_sent",
                                            "surveys_sent_answered", "answers", "answers_positive"))  # fmt: skip
    flows = ", ".join(f"SUM(in_{s}), SUM(out_{s})" for s in ("todo", "in_progress", "waiting", "escalated"))
    with connection.cursor() as c:
        for a, b in ((first, last), (prev_first, first - timedelta(days=1))):
            c.execute(f"SELECT {sums} FROM {daily} WHERE team_id = ANY(%s) AND day BETWEEN %s AND %s",  # noqa: S608
                      [team_ids, a, b])  # fmt: skip
            c.fetchall()
            c.execute(
                f"SELECT kind, COUNT(*), percentile_cont(0.5) WITHIN GROUP (ORDER BY seconds), "  # noqa: S608
                f"percentile_cont(0.9) WITHIN GROUP (ORDER BY seconds) FROM {durations} "
                "WHERE team_id = ANY(%s) AND day BETWEEN %s AND %s GROUP BY kind",
                [team_ids, a, b],
            )
            c.fetchall()
        c.execute(f"SELECT day, {sums} FROM {daily} WHERE team_id = ANY(%s) AND day BETWEEN %s AND %s GROUP BY day",  # noqa: S608
                  [team_ids, first, last])  # fmt: skip
        c.fetchall()
        c.execute(
            f"SELECT date_trunc('week', day), kind, percentile_cont(0.5) WITHIN GROUP (ORDER BY seconds) "  # noqa: S608
            f"FROM {durations} WHERE team_id = ANY(%s) AND day BETWEEN %s AND %s "
            "AND kind IN ('frt', 'resolution') GROUP BY 1, 2",
            [team_ids, first, last],
        )
        c.fetchall()
        c.execute(f"SELECT priority, {sums} FROM {daily} WHERE team_id = ANY(%s) AND day BETWEEN %s AND %s "  # noqa: S608
                  "GROUP BY priority", [team_ids, first, last])  # fmt: skip
        c.fetchall()
        c.execute(f"SELECT day, SUM(resolved), {flows} FROM {daily} WHERE team_id = ANY(%s) AND day >= %s "  # noqa: S608
                  "GROUP BY day", [team_ids, first])  # fmt: skip
        c.fetchall()
        c.execute(f"SELECT day, seconds FROM {durations} WHERE team_id = ANY(%s) AND kind = 'cycle' "  # noqa: S608
                  "AND day BETWEEN %s AND %s", [team_ids, first, last])  # fmt: skip
        c.fetchall()
        c.execute(f"SELECT created_at, status FROM {ticket} WHERE team_id = ANY(%s) AND status <> 'resolved'",  # noqa: S608
                  [team_ids])  # fmt: skip
        c.fetchall()


def test_dashboard_at_a_million_tickets(production_templates):
    now = timezone.now()
    teams = Team.objects.bulk_create(
        [Team(name=f"Desk {n}", slug=f"desk-{n}", time_zone="Europe/Berlin", created_at=now) for n in range(TEAMS)]
    )
    WorkingHours.objects.bulk_create(
        WorkingHours(team=t, weekday=d, start_minute=540, end_minute=1020) for t in teams for d in range(5)
    )
    manager = User.objects.create_user("bench-manager", password="x")
    Membership.objects.bulk_create(Membership(user=manager, team=t, role=Role.MANAGER) for t in teams)
    t0 = time.perf_counter()
    _seed(teams, TICKETS // TEAMS, now)
    analyze(Ticket, TicketEvent, SLAOutcome, CsatSurvey)
    seed_s = time.perf_counter() - t0
    events = TicketEvent.objects.count()

    t0 = time.perf_counter()
    call_command("metrics_rebuild", "--jobs", "2", stdout=StringIO())
    rebuild_s = time.perf_counter() - t0
    rows, durations = DailyFigure.objects.count(), TicketDuration.objects.count()

    client = Client()
    client.force_login(manager)
    one = f"/t/{teams[0].slug}/dashboard/?range=90"
    every = one + "".join(f"&teams={t.slug}" for t in teams)
    client.get(one)  # the first visit writes the session
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(one).status_code == 200
    queries_one = len(ctx.captured_queries)
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(every).status_code == 200
    queries_all = len(ctx.captured_queries)
    page_one = _median_ms(lambda: client.get(one))
    page_all = _median_ms(lambda: client.get(every))
    # The application's sessions run without JIT compilation (core.db): the same pages with the server's JIT
    # on, alternately, on the same data and connection.
    jit: dict[str, list[tuple[float, float]]] = {"off": [], "on": []}
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('jit')")
        session_jit = cursor.fetchone()[0]
    for _ in range(3):
        for mode in jit:
            with connection.cursor() as cursor:
                cursor.execute("SELECT set_config('jit', %s, false)", [mode])
            jit[mode].append((_median_ms(lambda: client.get(one)), _median_ms(lambda: client.get(every))))
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('jit', %s, false)", [session_jit])
    today = now.date()
    first = today - timedelta(days=89)
    prev_first = first - timedelta(days=90)
    sql_one = _median_ms(lambda: _hand_sql([teams[0].pk], first, today, prev_first))
    sql_all = _median_ms(lambda: _hand_sql([t.pk for t in teams], first, today, prev_first))

    scope = Scope(team_ids=(teams[0].pk,), first=today - timedelta(days=29), last=today)
    rows_ms = _median_ms(lambda: period_values(scope, now), repeat=3)
    t0 = time.perf_counter()
    direct = direct_values(scope, now)
    raw_ms = (time.perf_counter() - t0) * 1000
    from_rows = period_values(scope, now)
    assert {k: from_rows[k] for k in direct} == direct

    print(f"\nDashboard at scale ({machine()}): {Ticket.objects.count():,} tickets in {TEAMS} teams over a year, "
          f"{events:,} status events (seeded in {seed_s:.0f} s)")  # fmt: skip
    print(f"metrics_rebuild of the year: {rebuild_s:.1f} s ({rows:,} daily rows, {durations:,} durations)")
    print(f"dashboard, last 90 days, one team: {page_one:.0f} ms, {queries_one} queries; hand-written SQL of the "
          f"same figures {sql_one:.0f} ms: ratio {page_one / sql_one:.2f}")  # fmt: skip
    print(f"dashboard, last 90 days, all {TEAMS} teams: {page_all:.0f} ms, {queries_all} queries; hand-written SQL "
          f"{sql_all:.0f} ms: ratio {page_all / sql_all:.2f}")  # fmt: skip
    for mode, runs in jit.items():
        print(f"  JIT {mode}, three alternate rounds: one team " + " / ".join(f"{a:.0f}" for a, _ in runs)
              + f" ms, all {TEAMS} teams " + " / ".join(f"{b:.0f}" for _, b in runs) + " ms")  # fmt: skip
    print(f"tiles of one team's last 30 days: from the daily rows {rows_ms:.1f} ms, straight from the tickets "
          f"{raw_ms:.0f} ms: {raw_ms / rows_ms:.0f}x faster")  # fmt: skip
    assert queries_one == queries_all
    assert raw_ms / rows_ms >= 20
