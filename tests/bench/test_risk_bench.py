"""The register at 5,000 risks and the trigger check of 1,000 watched risks (``make bench``; PostgreSQL).

Pages: query counts as pinned in tests/risks/test_queries.py (the same at 10 and at 300 risks there, checked
again here at 5,000), server time the median of 7 requests as a manager gets them. The trigger check: 1,000
risks in 20 teams, each with a metric trigger (day-based ratios, a window, the backlog now, a label count),
over 90 days of daily figures per team; its queries and median time, none firing, then one check in which
ten hold (each of those opens its incident ticket)."""

from __future__ import annotations

import statistics
import time
from datetime import UTC, date, datetime, timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core.bulk import analyze
from metrics.models import DailyFigure
from projects.models import Project
from risks.models import Assessment, Mitigation, Occurrence, Risk, Trigger, Window
from risks.triggers import check_triggers
from teams.models import Membership, Role, Team, User
from tests.bench.conftest import machine
from tests.factories import make_ticket
from tests.risks.conftest import Desk
from tests.risks.test_queries import PINNED, grow
from tickets.models import Label, Ticket

pytestmark = [
    pytest.mark.bench,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="measured on PostgreSQL"),
]
NOW = datetime(2026, 3, 10, 11, 0, tzinfo=UTC)


def _median_ms(call, repeat: int = 7) -> float:
    call()
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        call()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def _desk(team: Team) -> Desk:
    people = {}
    for role in (Role.LEAD, Role.MANAGER, Role.AGENT, Role.VIEWER):
        user = User.objects.create_user(f"{team.slug}-{role}", password="x", first_name=role.title())
        Membership.objects.create(user=user, team=team, role=role)
        people[role] = user
    project = Project.objects.create(team=team, name=f"{team.name} launch", framework="kanban")
    return Desk(team, people[Role.LEAD], people[Role.MANAGER], people[Role.AGENT], people[Role.VIEWER], project)


def test_register_at_5000_risks_and_the_trigger_check_of_1000(production_templates):
    print(f"\nRisks ({machine()})")
    desk = _desk(Team.objects.create(name="Care", slug="care", time_zone="Europe/Berlin"))
    first = grow(desk, 5000)
    analyze(Risk, Assessment, Mitigation, Trigger)
    client = Client()
    client.force_login(desk.manager)
    base = reverse("risks:list", args=[desk.team.slug])
    pages = {
        "list": base, "arrows": base + "?view=arrows", "cell": base + "?p=3&i=4&kind=current",
        "detail": reverse("risks:detail", args=[desk.team.slug, first.pk]),
        "project": reverse("risks:project-risks", args=[desk.team.slug, desk.project.pk]),
        "overdue": reverse("risks:overdue-reviews", args=[desk.team.slug]),
    }  # fmt: skip
    print(f"{Risk.objects.count():,} risks, {Assessment.objects.count():,} assessments, "
          f"{Mitigation.objects.count():,} mitigations, {Trigger.objects.count():,} triggers")  # fmt: skip
    counted = {}
    for name, url in pages.items():
        client.get(url)
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        counted[name] = len(ctx.captured_queries)
        print(f"  {name:<8} {counted[name]:>3} queries  {_median_ms(lambda u=url: client.get(u)):7.1f} ms")
    assert counted == PINNED

    # The trigger check: 1,000 watched risks in 20 teams, 90 days of daily figures each.
    Trigger.objects.all().delete()
    Risk.objects.all().delete()
    teams = Team.objects.bulk_create(
        Team(name=f"Desk {n}", slug=f"desk-{n}", time_zone="Europe/Berlin", created_at=NOW) for n in range(20)
    )
    days = [date(2026, 3, 9) - timedelta(days=d) for d in range(90)]
    DailyFigure.objects.bulk_create(
        DailyFigure(team=t, day=d, priority=p, channel="email", res_met=9, res_breached=1, answers=10,
                    answers_positive=9, created=12, resolved=11)
        for t in teams for d in days for p in (1, 2, 3)
    )  # fmt: skip
    metrics = [
        {"metric": "sla_resolution", "comparison": "below", "threshold": 80, "days": 3, "window": Window.EACH_DAY},
        {"metric": "csat", "comparison": "below", "threshold": 70, "days": 7, "window": Window.OVER},
        {"metric": "backlog_age_p90", "comparison": "above", "threshold": 1000},
        {"metric": "label_count", "comparison": "above", "threshold": 20, "days": 1, "label": "outage"},
    ]
    desks = [_desk(t) for t in teams]
    for d in desks:
        Label.objects.create(team=d.team, name="outage")
        for k in range(5):
            make_ticket(d.team, title=f"Open {k}")
        grow(d, 50)
    Trigger.objects.all().delete()  # grow's own: one trigger a risk, as below
    for n, risk in enumerate(Risk.objects.order_by("id")):
        Trigger.objects.create(risk=risk, **metrics[n % len(metrics)])
    analyze(Risk, Trigger, DailyFigure, Ticket)
    watched = Trigger.objects.count()

    def check() -> list[Occurrence]:
        return check_triggers(now=NOW)

    with CaptureQueriesContext(connection) as ctx:
        assert check() == []
    queries = len(ctx.captured_queries)
    ms = _median_ms(check)
    print(f"trigger check, {watched:,} watched risks in {len(teams)} teams, none holds: {queries} queries, {ms:.1f} ms")
    assert queries <= 6

    # Ten of them hold: each opens its incident (ticket, occurrence, notification) on top of the same reads.
    for risk in Risk.objects.filter(triggers__metric="sla_resolution").order_by("id")[:10]:
        Trigger.objects.filter(risk=risk).update(threshold=95)
    t0 = time.perf_counter()
    with CaptureQueriesContext(connection) as ctx:
        fired = check()
    ms = (time.perf_counter() - t0) * 1000
    print(f"trigger check in which 10 hold: {len(ctx.captured_queries)} queries, {ms:.1f} ms, {len(fired)} incidents")
    assert len(fired) == 10 and Occurrence.objects.count() == 10
