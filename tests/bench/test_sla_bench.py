"""SLA sweep and bulk recompute at scale (``make bench``; PostgreSQL).

SLA_BENCH_TICKETS (default 1,000,000) open tickets are inserted with one
INSERT … SELECT generate_series; 1 % of them are newly due.
"""

from __future__ import annotations

import os
import statistics
import time
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from tests.bench.conftest import machine
from tests.factories import TeamFactory
from tickets.choices import Priority
from tickets.models import SLAPolicy, SLATarget, Ticket
from tickets.services import board_ensure_for_team
from tickets.sla import engine, recompute, sweep

pytestmark = [
    pytest.mark.bench,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="measured on PostgreSQL"),
]

TICKETS = int(os.environ.get("SLA_BENCH_TICKETS", "1000000"))


def _insert(team_id: int, policy_id: int, count: int, now, due_share: float, first: int = 1) -> None:
    """Open tickets with running clocks; ``due_share`` of them already past their first-response due time."""
    table = Ticket._meta.db_table
    every = max(1, round(1 / due_share)) if due_share else count + first + 1
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {table} (team_id, number, kind, title, description, description_html, requester_name,
                requester_email, channel, priority, status, position, created_at, updated_at, version,
                sla_policy_id, sla_started_at, sla_pauses, sla_cycle, frt_due_at, frt_warn_at, res_due_at, res_warn_at)
            SELECT %s, n, 'inquiry', 'Ticket ' || n, '', '', '', '', 'email', 1 + n %% 4, 'todo', n * 1024,
                %s, %s, 1, %s, %s, '[]', 1,
                CASE WHEN n %% %s = 0 THEN %s::timestamptz - interval '1 minute'
                     ELSE %s::timestamptz + interval '1 day' END,
                %s::timestamptz + interval '12 hours', %s::timestamptz + interval '3 days',
                %s::timestamptz + interval '2 days'
            FROM generate_series(%s, %s) AS n
            """,  # noqa: S608 - table name from the model
            [team_id, now, now, policy_id, now, every, now, now, now, now, now, first, first + count - 1],
        )
        cursor.execute(f"ANALYZE {table}")


def _claim_ms(now, runs: int = 3) -> tuple[float, int]:
    """Time of the breach claim statement alone, each run in a transaction that is rolled back.

    The window is the one a sweep every 30 seconds reads (from the previous sweep's mark).
    The median of ``runs``: the first run also reads the pages into the cache, as the sweep
    every 30 seconds keeps them there.
    """
    since = now - timedelta(seconds=30) - engine.SWEEP_OVERLAP
    times, claimed = [], 0
    with connection.cursor() as cursor:
        for _ in range(runs):
            cursor.execute("BEGIN")
            t0 = time.perf_counter()
            claimed = len(sweep._claim("frt_breached_at", "frt_due_at", "", now, since))
            times.append((time.perf_counter() - t0) * 1000)
            cursor.execute("ROLLBACK")
    return statistics.median(times), claimed


def test_sla_sweep_and_recompute_at_scale():
    # Ten minutes ago, so the sweeps that follow the burst can run minutes later without
    # running ahead of the clock (a sweep never starts its next window after the real time).
    now = timezone.now() - timedelta(minutes=10)
    team = TeamFactory(slug="slabench", time_zone="UTC")
    board_ensure_for_team(team=team)
    # Breach actions on (move to Escalated, raise priority); nobody to notify in this team.
    policy = SLAPolicy.objects.create(team=team, name="Bench", business_hours=False, escalate_to_column=True,
                                      raise_priority=True, notify=True)  # fmt: skip
    for priority in Priority:
        SLATarget.objects.create(policy=policy, priority=priority, first_response_minutes=24 * 60,
                                 resolution_minutes=3 * 24 * 60)  # fmt: skip
    # The same 1,000 newly due tickets among a tenth of the open tickets, then among all of them:
    # the claim must cost the same.
    small = TICKETS // 10
    start = time.perf_counter()
    _insert(team.pk, policy.pk, small, now, 1000 / small)
    claim_small_ms, small_claimed = _claim_ms(now)
    _insert(team.pk, policy.pk, TICKETS - small, now, 0, first=small + 1)
    insert_s = time.perf_counter() - start
    claim_same_ms, same_claimed = _claim_ms(now)
    assert small_claimed == same_claimed == 1000

    # 1 % of all open tickets newly due: the claim, then the whole sweep (alerts included).
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {Ticket._meta.db_table} SET frt_due_at = %s WHERE team_id = %s AND number %% 100 = 0",  # noqa: S608
            [now - timedelta(minutes=1), team.pk],
        )
        cursor.execute(f"ANALYZE {Ticket._meta.db_table}")
    claim_ms, claimed_n = _claim_ms(now)
    claimed = [None] * claimed_n
    t0 = time.perf_counter()
    result = sweep.sla_sweep(now=now)
    sweep_ms = (time.perf_counter() - t0) * 1000
    # The next sweeps claim nothing: 30 s and 60 s later (their windows still reach back to the burst's
    # due time) and 3.5 minutes later (past the overlap).
    idle = []
    for later in (timedelta(seconds=30), timedelta(seconds=60), timedelta(minutes=3, seconds=30)):
        t0 = time.perf_counter()
        assert sweep.sla_sweep(now=now + later).breached == []
        idle.append((time.perf_counter() - t0) * 1000)
    assert len(claimed) == len(result.breached) == len(result.escalated) >= TICKETS // 100

    # Full recompute of every open ticket versus a plain UPDATE of the same rows and columns.
    table = Ticket._meta.db_table
    t0 = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET res_due_at = res_due_at + interval '1 second', "  # noqa: S608
            f"res_warn_at = res_warn_at + interval '1 second', frt_due_at = frt_due_at + interval '1 second', "
            f"frt_warn_at = frt_warn_at + interval '1 second', sla_policy_id = sla_policy_id WHERE team_id = %s",
            [team.pk],
        )
    plain_s = time.perf_counter() - t0
    SLATarget.objects.filter(policy=policy).update(resolution_minutes=4 * 24 * 60)
    t0 = time.perf_counter()
    changed = recompute.team_clocks_recompute(team=team, now=now)
    recompute_s = time.perf_counter() - t0

    print(f"\nSLA at scale ({machine()}), {TICKETS:,} open tickets, 1 % newly due")
    print(f"insert {insert_s:.1f} s")
    print(f"claim of the same 1,000 due tickets: {claim_small_ms:.1f} ms among {small:,} open, "
          f"{claim_same_ms:.1f} ms among {TICKETS:,} open")  # fmt: skip
    print(f"claim statement {claim_ms:.1f} ms for {len(claimed):,} breaches; whole sweep (escalating them) "
          f"{sweep_ms:.1f} ms")  # fmt: skip
    print(f"sweeps with nothing due: 30 s after the burst {idle[0]:.1f} ms, 60 s after {idle[1]:.1f} ms, "
          f"3.5 min after {idle[2]:.1f} ms")  # fmt: skip
    print(f"recompute {recompute_s:.1f} s for {changed:,} tickets; plain UPDATE {plain_s:.1f} s; "
          f"ratio {recompute_s / plain_s:.2f}")  # fmt: skip
    assert changed == TICKETS
