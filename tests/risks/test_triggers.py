"""Triggers on fixtures of the daily figures: holds, does not hold, holds twice; windows, backlog now, label
counts by the team's local day; two runs at once make one incident; reads that do not grow with risks."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta

import pytest
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext

from metrics.models import DailyFigure
from risks.models import Occurrence, Risk, RiskStatus, Trigger, Window
from risks.triggers import check_triggers, describe
from tests.factories import make_ticket
from tests.metrics.conftest import at
from tickets.choices import Kind
from tickets.models import Label, Ticket

NOW = datetime(2026, 3, 10, 11, 0, tzinfo=UTC)  # Berlin's 10 March: the last complete day is 9 March


def _day(n: int) -> date:
    return date(2026, 3, 9) - timedelta(days=n)  # 0: 9 March, 1: 8 March, …


def _figures(team, **per_day):
    """per_day: field -> list of values, index 0 = 9 March, 1 = 8 March, …"""
    days = max(len(v) for v in per_day.values())
    DailyFigure.objects.bulk_create(
        DailyFigure(team=team, day=_day(n), priority=2, channel="email",
                    **{f: v[n] for f, v in per_day.items() if n < len(v)})
        for n in range(days)
    )  # fmt: skip


def _trigger(risk, **fields) -> Trigger:
    values = {"metric": "sla_resolution", "comparison": "below", "threshold": 90, "days": 3,
              "window": Window.EACH_DAY}  # fmt: skip
    values.update(fields)
    return Trigger.objects.create(risk=risk, **values)


def _check():
    with at(NOW):
        return check_triggers(now=NOW)


@pytest.mark.django_db
def test_below_90_percent_on_each_of_3_days_fires_once_with_the_evidence(desk):
    risk = desk.risk()
    trigger = _trigger(risk)
    _figures(desk.team, res_met=[17, 5, 8, 10], res_breached=[3, 5, 2, 0])  # 85, 50, 80 %, then 100 % on 6 March
    [occurrence] = _check()
    assert occurrence.trigger == trigger and occurrence.ticket.kind == Kind.INCIDENT
    assert occurrence.evidence["values"] == [["2026-03-07", 80.0], ["2026-03-08", 50.0], ["2026-03-09", 85.0]]
    assert "Resolution SLA attainment: below 90 % on each of the last 3 days" in occurrence.evidence["summary"]
    assert Risk.objects.get(pk=risk.pk).status == RiskStatus.OCCURRED
    # Beat again (and again): the same occurrence, no second incident.
    assert _check() == [] and _check() == []
    assert Occurrence.objects.count() == 1 and Ticket.objects.filter(kind=Kind.INCIDENT).count() == 1
    trigger.refresh_from_db()
    assert (trigger.holds, trigger.last_value, trigger.checked_at) == (True, 85.0, NOW)  # as the firing run saw it


@pytest.mark.django_db
def test_one_good_day_in_the_window_or_a_day_without_outcomes_means_it_does_not_hold(desk):
    good = _trigger(desk.risk())
    silent = _trigger(desk.risk(title="Second"), days=2)
    _figures(desk.team, res_met=[17, 19, 8], res_breached=[3, 1, 2])  # 85 %, 95 %, 80 %
    assert _check() == []
    good.refresh_from_db()
    assert (good.holds, good.last_value, good.checked_at) == (False, 85.0, NOW)
    later = NOW + timedelta(minutes=15)
    with at(later):
        check_triggers(now=later)
    good.refresh_from_db()
    assert good.checked_at == NOW  # the same reading: the row is not written again
    DailyFigure.objects.filter(day=_day(1)).update(res_met=0, res_breached=0)  # 8 March: nothing decided
    assert _check() == []
    silent.refresh_from_db()
    assert silent.holds is False and Occurrence.objects.count() == 0


@pytest.mark.django_db
def test_over_the_window_sums_the_days_before_dividing(desk):
    trigger = _trigger(desk.risk(), metric="csat", threshold=80, days=7, window=Window.OVER)
    # Each day 70-80 %, together 53 of 70 = 75.7 %.
    _figures(desk.team, answers=[10] * 7, answers_positive=[8, 8, 8, 8, 7, 7, 7])
    [occurrence] = _check()
    assert occurrence.evidence["value"] == 75.7
    assert describe(trigger) == "CSAT: below 80 % over the last 7 days"


@pytest.mark.django_db
def test_the_backlog_is_read_as_it_is_now(desk):
    trigger = _trigger(desk.risk(), metric="backlog_age_p90", comparison="above", threshold=48)
    with at(NOW - timedelta(hours=30)):
        make_ticket(desk.team, title="Young")
    assert _check() == []
    trigger.refresh_from_db()
    assert trigger.last_value == 30.0
    with at(NOW - timedelta(days=4)):
        make_ticket(desk.team, title="Old")
    [occurrence] = _check()
    assert occurrence.evidence["values"][0][1] > 48


@pytest.mark.django_db
def test_a_label_counts_tickets_by_the_teams_local_day(desk):
    outage = Label.objects.create(team=desk.team, name="outage")
    _trigger(desk.risk(), metric="label_count", comparison="above", threshold=1, days=2, label="outage")
    # 8 March 23:30 UTC is 9 March 00:30 in Berlin.
    for when in (datetime(2026, 3, 8, 9, tzinfo=UTC), datetime(2026, 3, 8, 10, tzinfo=UTC),
                 datetime(2026, 3, 8, 23, 30, tzinfo=UTC)):  # fmt: skip
        with at(when):
            make_ticket(desk.team, labels=[outage])
    assert _check() == []  # 8 March: 2, 9 March: 1
    with at(datetime(2026, 3, 9, 15, tzinfo=UTC)):
        make_ticket(desk.team, labels=[outage])
    [occurrence] = _check()
    assert occurrence.evidence["values"] == [["2026-03-08", 2.0], ["2026-03-09", 2.0]]


@pytest.mark.django_db
def test_the_check_reads_the_same_number_of_queries_for_5_or_50_watched_risks(desk):
    _figures(desk.team, res_met=[20, 20, 20], res_breached=[0, 0, 0], answers=[5, 5, 5], answers_positive=[5, 5, 5])
    Label.objects.create(team=desk.team, name="outage")

    def watch(n: int) -> None:
        for k in range(n):
            risk = desk.risk(title=f"Risk {k}")
            _trigger(risk)
            _trigger(risk, metric="csat", window=Window.OVER, days=7)
            _trigger(risk, metric="backlog_size", comparison="above", threshold=500)
            _trigger(risk, metric="label_count", comparison="above", threshold=5, label="outage")

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert _check() == []
        return len(ctx.captured_queries)

    watch(5)
    few = count()
    watch(45)
    assert count() == few <= 6


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="two connections racing need PostgreSQL's row locks")
def test_two_runs_at_once_open_one_incident(team, make_member):
    from projects.models import Project
    from teams.models import Role
    from tests.risks.conftest import Desk

    project = Project.objects.create(team=team, name="P", framework="kanban")
    desk = Desk(team, make_member(team, Role.LEAD), make_member(team, Role.MANAGER), make_member(team),
                make_member(team, Role.VIEWER), project)  # fmt: skip
    _trigger(desk.risk())
    _figures(team, res_met=[1, 1, 1], res_breached=[1, 1, 1])
    barrier, results = threading.Barrier(2), []

    def run() -> None:
        try:
            barrier.wait()
            results.append(len(check_triggers(now=NOW)))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [0, 1]
    assert Ticket.objects.filter(kind=Kind.INCIDENT).count() == 1 and Occurrence.objects.count() == 1


@pytest.mark.django_db
def test_a_trigger_on_an_unknown_metric_or_label_is_refused_and_nothing_saved(desk):
    from core.errors import Invalid
    from risks.triggers import trigger_add

    risk = desk.risk()
    with pytest.raises(Invalid) as refused:
        trigger_add(risk=risk, by=desk.lead, metric="happiness", comparison="below", threshold=1, days=0)
    assert set(refused.value.errors) == {"metric", "days"}
    with pytest.raises(Invalid, match="no label “outage”"):
        trigger_add(risk=risk, by=desk.lead, metric="label_count", comparison="above", threshold=3, label="outage")
    assert not Trigger.objects.exists()
    Label.objects.create(team=desk.team, name="outage")
    added = trigger_add(risk=risk, by=desk.lead, metric="label_count", comparison="above", threshold=3, label="outage")
    assert describe(added) == "Tickets labelled “outage”: above 3 per day on each of the last 3 days"
