"""Query counts of the register, the heat map, the risk page and the regions: pinned, and the same at 10 and
at 300 risks (with their assessments, mitigations and triggers)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from risks.models import Assessment, Mitigation, Risk, Trigger
from tests.factories import make_ticket

pytestmark = pytest.mark.django_db

PINNED = {"list": 11, "arrows": 12, "cell": 10, "detail": 15, "project": 9, "overdue": 8}


def grow(desk, n: int) -> Risk:
    """``n`` more risks of every score, half overdue, each with assessments, a mitigation and a trigger."""
    today = date(2026, 3, 10)
    ticket = make_ticket(desk.team, title="Shared mitigation")
    risks = Risk.objects.bulk_create(
        Risk(team=desk.team, project=desk.project if k % 2 else None, title=f"Risk {k}", owner=desk.agent,
             next_review=today + timedelta(days=(k % 20) - 10),
             **{f"{s}_{a}": 1 + (k + j) % 5 for j, s in enumerate(("inherent", "current", "target"))
                for a in ("probability", "impact")})
        for k in range(n)
    )  # fmt: skip
    Assessment.objects.bulk_create(
        Assessment(risk=r, at=desk.team.created_at, reason="review", **{f"{s}_{a}": 3 for s in ("inherent", "current",
                   "target") for a in ("probability", "impact")})
        for r in risks for _ in range(3)
    )  # fmt: skip
    Mitigation.objects.bulk_create(Mitigation(risk=r, ticket=ticket) for r in risks)
    Trigger.objects.bulk_create(Trigger(risk=r, metric="csat", comparison="below", threshold=80) for r in risks)
    return risks[0]


def test_register_risk_page_and_regions_read_the_same_queries_at_10_and_300_risks(desk, login):
    client = login(desk.manager)
    first = grow(desk, 10)
    urls = {
        "list": reverse("risks:list", args=[desk.team.slug]),
        "arrows": reverse("risks:list", args=[desk.team.slug]) + "?view=arrows",
        "cell": reverse("risks:list", args=[desk.team.slug]) + "?p=3&i=4&kind=current",
        "detail": reverse("risks:detail", args=[desk.team.slug, first.pk]),
        "project": reverse("risks:project-risks", args=[desk.team.slug, desk.project.pk]),
        "overdue": reverse("risks:overdue-reviews", args=[desk.team.slug]),
    }

    def counts() -> dict[str, int]:
        out = {}
        for name, url in urls.items():
            with CaptureQueriesContext(connection) as ctx:
                assert client.get(url).status_code == 200
            out[name] = len(ctx.captured_queries)
        return out

    counts()  # the first visit writes the session
    small = counts()
    grow(desk, 290)
    assert counts() == small == PINNED
