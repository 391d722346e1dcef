"""The register's rules: three scores and their history, accept rules, reviews by level, mitigations as
tickets, and an occurrence that opens one incident and tells the right people."""

from __future__ import annotations

from datetime import date, timedelta
from unittest import mock

import pytest
from django.utils import timezone

from core.errors import Invalid, RuleBroken, StaleEdit
from notifications.models import Notification
from projects.models import RaciCell, RaciRole, RaciRow
from risks.models import Assessment, Mitigation, Occurrence, ReviewCadence, Risk, RiskStatus, Strategy
from risks.scoring import Level
from risks.services import (
    AlreadyOccurred,
    cadence_update,
    mitigation_add,
    mitigation_link,
    occurrence_record,
    risk_review,
    risk_update,
)
from tickets.choices import Kind, Status
from tickets.models import Ticket

pytestmark = pytest.mark.django_db


def _today(desk) -> date:
    from teams.calendar import team_today

    return team_today(desk.team)


def test_a_risk_keeps_three_scores_and_its_first_assessment(desk):
    risk = desk.risk()
    assert (risk.inherent.value, risk.current.value, risk.target.value) == (20, 12, 6)
    assert risk.current.level == Level.HIGH and risk.status == RiskStatus.OPEN
    assert risk.next_review == _today(desk) + timedelta(days=14)  # high: every two weeks
    first = Assessment.objects.get(risk=risk)
    assert (first.reason, first.by, first.current.value) == ("created", desk.lead, 12)


LATER, EARLIER = timedelta(days=30), timedelta(days=-1)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        (lambda d, today: {"inherent": (0, 3)}, "inherent_probability"),
        (lambda d, today: {"current": (3, 6)}, "current_impact"),
        (lambda d, today: {"owner": None}, "owner"),
        (lambda d, today: {"title": "  "}, "title"),
        (lambda d, today: {"strategy": Strategy.ACCEPT}, "approver"),
        (lambda d, today: {"strategy": Strategy.ACCEPT, "approver": d.lead}, "accept_until"),
        (
            lambda d, today: {"strategy": Strategy.ACCEPT, "approver": d.agent, "accept_until": today + LATER},
            "approver",
        ),
        (
            lambda d, today: {"strategy": Strategy.ACCEPT, "approver": d.lead, "accept_until": today + EARLIER},
            "accept_until",
        ),
        (
            lambda d, today: {"status": RiskStatus.ACCEPTED, "approver": d.lead, "accept_until": today + LATER},
            "strategy",
        ),
    ],
)
def test_bad_input_is_refused_with_its_field_and_nothing_is_saved(desk, overrides, field):
    with pytest.raises(Invalid) as refused:
        desk.risk(**overrides(desk, _today(desk)))
    assert field in refused.value.errors, refused.value.errors
    assert not Risk.objects.exists() and not Assessment.objects.exists()


def test_an_owner_or_project_of_another_team_is_refused(desk, other_team, make_member):
    from projects.models import Project

    outsider = make_member(other_team)
    elsewhere = Project.objects.create(team=other_team, name="Theirs", framework="kanban")
    with pytest.raises(Invalid) as refused:
        desk.risk(owner=outsider, project=elsewhere)
    assert set(refused.value.errors) >= {"owner", "project"}


def test_an_accepted_risk_has_an_approver_and_an_expiry(desk):
    until = _today(desk) + timedelta(days=60)
    risk = desk.risk(strategy=Strategy.ACCEPT, status=RiskStatus.ACCEPTED, approver=desk.manager, accept_until=until)
    assert (risk.status, risk.approver, risk.accept_until) == (RiskStatus.ACCEPTED, desk.manager, until)
    # Leaving "accept" forgets the approval.
    draft = desk.draft(strategy=Strategy.MITIGATE, approver=desk.manager, accept_until=until)
    risk = risk_update(risk_id=risk.pk, seen_version=risk.version, by=desk.lead, draft=draft)
    assert risk.approver is None and risk.accept_until is None


def test_an_edit_from_a_stale_form_is_refused_and_changed_scores_are_a_new_assessment(desk):
    risk = desk.risk()
    saved = risk_update(risk_id=risk.pk, seen_version=risk.version, by=desk.lead, draft=desk.draft(current=(4, 5)))
    assert saved.current.value == 20 and saved.version == risk.version + 1
    assert list(Assessment.objects.filter(risk=risk).values_list("reason", flat=True)) == ["created", "edit"]
    with pytest.raises(StaleEdit):
        risk_update(risk_id=risk.pk, seen_version=risk.version, by=desk.manager, draft=desk.draft(title="Other"))
    assert Risk.objects.get(pk=risk.pk).title == "Chat platform outage"
    # Same scores: no new assessment.
    risk_update(risk_id=risk.pk, seen_version=saved.version, by=desk.lead, draft=desk.draft(current=(4, 5), title="X"))
    assert Assessment.objects.filter(risk=risk).count() == 2


@pytest.mark.parametrize(("scores", "days"), [((5, 4), 7), ((4, 4), 14), ((3, 3), 30), ((2, 2), 90)])
def test_a_review_sets_the_next_one_by_the_new_level(desk, scores, days):
    risk = desk.risk()
    reviewed = risk_review(risk_id=risk.pk, seen_version=risk.version, by=desk.lead, probability=scores[0],
                           impact=scores[1], note="Vendor signed the SLA")  # fmt: skip
    assert reviewed.next_review == _today(desk) + timedelta(days=days)
    assert reviewed.current.value == scores[0] * scores[1] and reviewed.reviewed_at is not None
    last = Assessment.objects.filter(risk=risk).latest("id")
    assert (last.reason, last.note) == ("review", "Vendor signed the SLA")


def test_the_team_sets_its_own_cadence(desk):
    cadence_update(team=desk.team, seen_version=None, days={"critical": 3, "high": 10, "medium": 20, "low": 60})
    risk = desk.risk()  # high
    assert risk.next_review == _today(desk) + timedelta(days=10)
    row = ReviewCadence.objects.get(team=desk.team)
    with pytest.raises(StaleEdit):
        cadence_update(team=desk.team, seen_version=row.version - 1, days={"high": 5})
    with pytest.raises(Invalid):
        cadence_update(team=desk.team, seen_version=row.version, days={"high": 0})


def test_a_review_out_of_range_changes_nothing(desk):
    risk = desk.risk()
    with pytest.raises(Invalid):
        risk_review(risk_id=risk.pk, seen_version=risk.version, by=desk.lead, probability=6, impact=0)
    assert Risk.objects.get(pk=risk.pk).version == risk.version


def test_a_mitigation_is_a_backlog_task_and_one_ticket_can_serve_two_risks(desk):
    risk, other = desk.risk(), desk.risk(title="Knowledge base migration")
    link = mitigation_add(risk=risk, by=desk.lead, title="Configure the fallback form", assignee=desk.agent)
    ticket = link.ticket
    assert (ticket.kind, ticket.status, ticket.project, ticket.assignee) == (Kind.TASK, Status.TODO, desk.project,
                                                                             desk.agent)  # fmt: skip
    assert Risk.objects.get(pk=risk.pk).status == RiskStatus.MITIGATING
    mitigation_link(risk=other, by=desk.lead, number=ticket.number)
    assert Mitigation.objects.filter(ticket=ticket).count() == 2
    with pytest.raises(Invalid, match="already mitigates"):
        mitigation_link(risk=other, by=desk.lead, number=ticket.number)
    with pytest.raises(Invalid, match="no ticket 999"):
        mitigation_link(risk=other, by=desk.lead, number=999)
    with pytest.raises(Invalid):
        mitigation_add(risk=risk, by=desk.lead, title=" ")


def test_occurred_opens_one_incident_from_the_plan_and_tells_owner_and_accountable(desk, make_member):
    accountable = make_member(desk.team, first_name="Acc")
    row = RaciRow.objects.create(project=desk.project, activity="Launch")
    RaciCell.objects.create(row=row, user=accountable, role=RaciRole.ACCOUNTABLE)
    risk = desk.risk(contingency_owner=desk.lead, contingency_hours=4)
    occurrence = occurrence_record(risk_id=risk.pk, by=desk.manager, evidence={"summary": "Chat down since 09:10"})
    incident = occurrence.ticket
    assert incident.kind == Kind.INCIDENT and incident.assignee == desk.lead
    assert "1. Switch to the form" in incident.description and "2. Post a banner" in incident.description
    assert "Target response time: 4 h" in incident.description and "Chat down since 09:10" in incident.description
    assert Risk.objects.get(pk=risk.pk).status == RiskStatus.OCCURRED
    told = set(Notification.objects.filter(kind="risk_occurred").values_list("user_id", flat=True))
    assert told == {desk.agent.pk, desk.lead.pk, accountable.pk}  # owner, responder, Accountable; not who marked it
    with pytest.raises(AlreadyOccurred):
        occurrence_record(risk_id=risk.pk, by=desk.lead)
    assert Ticket.objects.filter(kind=Kind.INCIDENT).count() == 1 and Occurrence.objects.count() == 1


def test_after_the_risk_is_handled_it_can_occur_again_as_a_second_occurrence(desk):
    risk = desk.risk()
    occurrence_record(risk_id=risk.pk, by=desk.lead)
    risk.refresh_from_db()
    risk_update(risk_id=risk.pk, seen_version=risk.version, by=desk.lead, draft=desk.draft(status=RiskStatus.OPEN))
    second = occurrence_record(risk_id=risk.pk, by=desk.lead)
    assert second.number == 2 and Ticket.objects.filter(kind=Kind.INCIDENT).count() == 2


def test_a_closed_risk_cannot_occur(desk):
    risk = desk.risk(status=RiskStatus.CLOSED)
    with pytest.raises(RuleBroken, match="closed"):
        occurrence_record(risk_id=risk.pk, by=desk.lead)
    assert not Ticket.objects.exists()


def test_the_incident_of_a_risk_without_a_plan_says_so(desk):
    risk = desk.risk(contingency_steps="")
    with mock.patch("django.utils.timezone.now", return_value=timezone.now()):
        incident = occurrence_record(risk_id=risk.pk, by=None).ticket
    assert "(The plan has no steps yet.)" in incident.description and incident.assignee == desk.agent


def test_an_edit_cannot_mark_a_risk_occurred_without_its_incident(desk):
    risk = desk.risk()
    with pytest.raises(Invalid) as refused:
        risk_update(risk_id=risk.pk, seen_version=risk.version, by=desk.lead, draft=desk.draft(status="occurred"))
    assert "Mark as occurred" in refused.value.errors["status"]
    assert Risk.objects.get(pk=risk.pk).status == RiskStatus.OPEN and not Ticket.objects.exists()
    # Once occurred, the edit form (which shows that status) saves other changes.
    occurrence_record(risk_id=risk.pk, by=desk.lead)
    risk.refresh_from_db()
    saved = risk_update(risk_id=risk.pk, seen_version=risk.version, by=desk.lead,
                        draft=desk.draft(status="occurred", title="Chat outage"))  # fmt: skip
    assert (saved.status, saved.title) == (RiskStatus.OCCURRED, "Chat outage")
