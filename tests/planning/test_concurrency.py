"""Two leads start, or close, the same sprint at the same moment: one wins, the other is told (PostgreSQL)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import date

import pytest
from django.db import connection

from core.errors import RuleBroken
from planning import services
from planning.models import Sprint, SprintChange, SprintItem
from teams.models import Role

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks are PostgreSQL's; CI runs this there"),
]


def _race(action, times: int = 2) -> list[str]:
    gate = threading.Barrier(times)

    def run(_: int) -> str:
        try:
            gate.wait(timeout=30)
            action()
            return "won"
        except RuleBroken as refused:
            return str(refused)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=times) as pool:
        return list(pool.map(run, range(times)))


def test_two_leads_start_the_same_sprint_once(team, make_member, task):
    lead, other = make_member(team, Role.LEAD), make_member(team, Role.LEAD)
    sprint = services.sprint_create(team=team, by=lead, start_date=date(2027, 1, 4))
    services.sprint_add(sprint=sprint, by=lead, tickets=[task(team, 3), task(team, 5)])
    leads = iter([lead, other])
    results = _race(lambda: services.sprint_start(sprint=Sprint.objects.get(pk=sprint.pk), by=next(leads)))
    assert sorted(results)[-1] == "won" and results.count("won") == 1, results
    assert any("changed meanwhile" in r or "already" in r or "started" in r for r in results if r != "won"), results
    sprint.refresh_from_db()
    assert sprint.committed_points == 8
    assert SprintChange.objects.filter(sprint=sprint, kind="committed").count() == 2


def test_two_leads_close_the_same_sprint_once(team, make_member, task):
    lead = make_member(team, Role.LEAD)
    sprint = services.sprint_create(team=team, by=lead, start_date=date(2027, 1, 4))
    services.sprint_add(sprint=sprint, by=lead, tickets=[task(team, 3)])
    services.sprint_start(sprint=sprint, by=lead)
    results = _race(lambda: services.sprint_close(sprint=Sprint.objects.get(pk=sprint.pk), by=lead))
    assert results.count("won") == 1, results
    assert Sprint.objects.filter(team=team).count() == 2  # one next sprint, not two
    assert SprintItem.objects.filter(sprint__number=2).count() == 1
    assert SprintChange.objects.filter(sprint=sprint, reason="carried_out").count() == 1
