"""The sweep's notifications: who hears about a warning or a breach, in the app and by email, and only once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse

from notifications.models import Notification
from notifications.services import subject_key
from teams.models import Role
from tests.factories import make_ticket
from tickets.choices import Priority
from tickets.models import SLAAlert, SLAPolicy, SLATarget, Ticket
from tickets.services import board_ensure_for_team
from tickets.sla import sweep

# Real commits: notification mail leaves after the sweep commits.
pytestmark = pytest.mark.django_db(transaction=True)


def make_policy(team, *, frt: int = 60, res: int = 240, at_risk: int = 50, **flags) -> SLAPolicy:
    """Calendar time, so that due times are start + target whatever the test's clock says."""
    policy = SLAPolicy.objects.create(team=team, name="Standard", business_hours=False, at_risk_percent=at_risk,
                                      **flags)  # fmt: skip
    SLATarget.objects.bulk_create(
        SLATarget(policy=policy, priority=p, first_response_minutes=frt, resolution_minutes=res) for p in Priority
    )
    return policy


@pytest.fixture
def people(team, make_member):
    board_ensure_for_team(team=team)
    return {
        "agent": make_member(team, Role.AGENT, username="agent", email="agent@example.com"),
        "lead": make_member(team, Role.LEAD, username="lead", email="lead@example.com"),
        "lead2": make_member(team, Role.LEAD, username="lead2", email="lead2@example.com"),
        "other_agent": make_member(team, Role.AGENT, username="other", email="other@example.com"),
        "manager": make_member(team, Role.MANAGER, username="manager", email="manager@example.com"),
        "viewer": make_member(team, Role.VIEWER, username="viewer", email="viewer@example.com"),
    }


def notified(ticket: Ticket, **alert) -> list[str]:
    rows = Notification.objects.filter(subject=subject_key(ticket), kind__startswith="sla_")  # not the assignment
    if "target" in alert:
        rows = rows.filter(kind__startswith=f"sla_{alert['target']}_")
    if "kind" in alert:
        rows = rows.filter(kind__endswith=f"_{alert['kind']}")
    return sorted(rows.values_list("user__username", flat=True))


def mailed(title: str) -> list[str]:
    return sorted(m.to[0] for m in mail.outbox if title in m.subject and "assigned" not in m.subject)


def test_a_breach_notifies_the_assignee_and_the_leads_once_in_the_app_and_by_email(team, people):
    make_policy(team, frt=60, res=240)
    ticket = make_ticket(team, title="Printer on fire", assignee=people["agent"])
    due = ticket.frt_due_at
    assert due == ticket.sla_started_at + timedelta(hours=1)

    result = sweep.sla_sweep(now=due + timedelta(seconds=1))
    assert result.breached == [ticket.pk]
    assert notified(ticket, kind="breached", target="first_response") == ["agent", "lead", "lead2"]
    assert mailed("Printer on fire") == ["agent@example.com", "lead2@example.com", "lead@example.com"]
    message = Notification.objects.filter(subject=subject_key(ticket)).first()
    assert message is not None and message.read_at is None
    assert message.message.startswith(f"{ticket.key} “Printer on fire”") and "first response" in message.message
    email = next(m for m in mail.outbox if m.to == ["agent@example.com"] and "breached" in m.subject)
    assert email.subject == f"[SupportPM] {message.message}" and email.body.startswith(message.message)
    assert email.body.endswith(message.link), "the mail links to the ticket"

    # A second sweep, and a re-delivered one at the same instant, add nothing.
    before = len(mail.outbox)
    assert sweep.sla_sweep(now=due + timedelta(seconds=1)).notified == 0
    assert sweep.sla_sweep(now=due + timedelta(minutes=5)).notified == 0
    assert Notification.objects.filter(subject=subject_key(ticket), kind__startswith="sla_").count() == 3
    assert len(mail.outbox) == before


def test_at_risk_warnings_notify_too_and_the_breach_after_them(team, people):
    make_policy(team, frt=60, res=600, at_risk=50, escalate_to_column=False, raise_priority=False)
    ticket = make_ticket(team, title="Slow export", assignee=people["agent"])
    warn = ticket.frt_warn_at
    assert warn == ticket.sla_started_at + timedelta(minutes=30)

    first = sweep.sla_sweep(now=warn + timedelta(seconds=1))
    assert first.at_risk == [ticket.pk] and first.breached == []
    assert notified(ticket, kind="at_risk") == ["agent", "lead", "lead2"]
    at_risk = Notification.objects.get(subject=subject_key(ticket), user=people["agent"], kind__startswith="sla_")
    assert "is at risk" in at_risk.message
    assert mailed("Slow export") == ["agent@example.com", "lead2@example.com", "lead@example.com"]

    assert sweep.sla_sweep(now=warn + timedelta(minutes=1)).notified == 0
    sweep.sla_sweep(now=ticket.frt_due_at + timedelta(seconds=1))
    assert notified(ticket, kind="breached") == ["agent", "lead", "lead2"]
    assert Notification.objects.filter(subject=subject_key(ticket), kind__startswith="sla_").count() == 6
    assert len(mailed("Slow export")) == 6


def test_a_policy_that_does_not_notify_notifies_no_one(team, people):
    make_policy(team, frt=60, res=120, notify=False)
    ticket = make_ticket(team, title="Quiet one", assignee=people["agent"])
    result = sweep.sla_sweep(now=ticket.res_due_at + timedelta(seconds=1))
    assert sorted(result.breached) == [ticket.pk, ticket.pk]  # both targets
    assert SLAAlert.objects.filter(ticket=ticket, kind="breached").count() == 2, "the breach is still recorded"
    assert not Notification.objects.filter(kind__startswith="sla_").exists()
    assert not [m for m in mail.outbox if "assigned" not in m.subject]


def test_the_assignee_who_is_also_a_lead_hears_once_and_managers_and_viewers_not_at_all(team, people):
    make_policy(team, frt=60, res=240)
    ticket = make_ticket(team, title="Lead's own", assignee=people["lead"])
    sweep.sla_sweep(now=ticket.frt_due_at + timedelta(seconds=1))
    assert notified(ticket) == ["lead", "lead2"]
    assert mailed("Lead's own") == ["lead2@example.com", "lead@example.com"]


def test_an_unassigned_ticket_notifies_the_leads_and_people_without_email_only_in_the_app(team, people):
    people["lead2"].email = ""
    people["lead2"].save()
    make_policy(team, frt=60, res=240)
    ticket = make_ticket(team, title="Nobody's")
    sweep.sla_sweep(now=ticket.frt_due_at + timedelta(seconds=1))
    assert notified(ticket) == ["lead", "lead2"]
    assert mailed("Nobody's") == ["lead@example.com"]


def test_two_targets_breached_in_one_sweep_make_two_notifications_each(team, people):
    make_policy(team, frt=60, res=120, escalate_to_column=False, raise_priority=False)
    ticket = make_ticket(team, title="Forgotten", assignee=people["agent"])
    sweep.sla_sweep(now=ticket.res_due_at + timedelta(seconds=1))
    assert notified(ticket, target="first_response") == ["agent", "lead", "lead2"]
    assert notified(ticket, target="resolution") == ["agent", "lead", "lead2"]
    assert len(mailed("Forgotten")) == 6


def test_the_lead_finds_the_breach_on_the_notifications_page_and_the_bell(team, people, login):
    make_policy(team, frt=60, res=240)
    ticket = make_ticket(team, title="Printer on fire", assignee=people["agent"])
    sweep.sla_sweep(now=ticket.frt_due_at + timedelta(seconds=1))
    client = login(people["lead"])
    html = client.get(reverse("notifications:list")).content.decode()
    assert "Printer on fire" in html and f'href="/t/{team.slug}/tickets/{ticket.number}/"' in html
    assert "bi-exclamation-octagon" in html
    assert "Notifications: 1 unread" in client.get(reverse("notifications:bell")).content.decode()
    # Someone in another role, not notified, sees none of it.
    assert "Printer on fire" not in login(people["manager"]).get(reverse("notifications:list")).content.decode()
