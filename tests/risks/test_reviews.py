"""Overdue reviews: told to the owner once per review period, shown on the register; expired acceptances."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from notifications.models import Notification
from risks.models import Risk, RiskStatus, Strategy
from risks.register import overdue, remind_overdue
from risks.services import risk_review
from tests.metrics.conftest import at

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)


def _remind(now=NOW) -> int:
    with at(now):
        return remind_overdue(now=now)


def test_an_overdue_review_is_told_once_per_period_of_its_level(desk):
    with at(NOW - timedelta(days=30)):
        risk = desk.risk(current=(4, 5))  # critical: weekly
    Risk.objects.filter(pk=risk.pk).update(next_review=date(2026, 3, 8))  # two days late
    assert _remind() == 1 and _remind() == 0  # again the same day: nobody twice
    assert _remind(NOW + timedelta(days=4)) == 0  # still the same week of lateness
    assert _remind(NOW + timedelta(days=5)) == 1  # a week late: the next period
    note = Notification.objects.filter(kind="risk_review_overdue").order_by("id").first()
    assert (
        note.user == desk.agent
        and note.message == "The review of “Chat platform outage” (critical, 20) was due on 8 Mar 2026, 2 days ago."
    )
    assert list(overdue([desk.team.pk], date(2026, 3, 10))) == [risk]
    with at(NOW):
        risk_review(risk_id=risk.pk, seen_version=Risk.objects.get(pk=risk.pk).version, by=desk.lead, probability=4,
                    impact=5, now=NOW)  # fmt: skip
    assert _remind(NOW + timedelta(days=6)) == 0 and not overdue([desk.team.pk], date(2026, 3, 16)).exists()


def test_a_closed_risk_is_not_reviewed(desk):
    risk = desk.risk(status=RiskStatus.CLOSED)
    Risk.objects.filter(pk=risk.pk).update(next_review=date(2026, 1, 1))
    assert _remind() == 0 and not overdue([desk.team.pk], date(2026, 3, 10)).exists()


def test_an_expired_acceptance_is_told_to_owner_and_approver_once(desk):
    with at(NOW - timedelta(days=20)):
        risk = desk.risk(strategy=Strategy.ACCEPT, status=RiskStatus.ACCEPTED, approver=desk.manager,
                         accept_until=date(2026, 3, 9), current=(1, 2))  # fmt: skip
    assert risk.status == RiskStatus.ACCEPTED
    assert _remind(NOW - timedelta(days=1)) == 0  # 9 March: still accepted that day
    assert _remind() == 2 and _remind() == 0
    told = set(Notification.objects.filter(kind="risk_acceptance_expired").values_list("user_id", flat=True))
    assert told == {desk.agent.pk, desk.manager.pk}
