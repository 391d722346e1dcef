"""The Django admin: survey and feedback pages open for staff with data in them; tickets are read-only there."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.factories import make_ticket
from tickets.models import Ticket
from voice import feedback, options
from voice.models import CsatSurvey, FeedbackItem, FeedbackSettings

pytestmark = pytest.mark.django_db


def test_survey_and_feedback_admin_pages_open(admin_client, team):
    ticket = make_ticket(team, title="Printer on fire")
    survey = CsatSurvey.objects.create(team=team, ticket=ticket, cycle=1, email="jane@customer.example")
    item = feedback.feedback_submit(team=team, text="Please add dark mode", channel="email", source="agent")
    settings = options.feedback_settings_ensure(team=team)
    for model, obj in ((CsatSurvey, survey), (FeedbackItem, item), (FeedbackSettings, settings)):
        opts = model._meta
        listing = admin_client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))
        assert listing.status_code == 200
        change = admin_client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk]))
        assert change.status_code == 200
    assert "Please add dark mode" in admin_client.get(reverse("admin:voice_feedbackitem_changelist")).content.decode()


def test_tickets_are_read_only_in_the_admin(admin_client, team):
    """Edits belong to the app (WIP limits, SLA clocks, history, versions); staff can look and delete."""
    ticket = make_ticket(team, title="Printer on fire")
    change_url = reverse("admin:tickets_ticket_change", args=[ticket.pk])
    page = admin_client.get(change_url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "Printer on fire" in html and 'name="title"' not in html and 'name="_save"' not in html
    admin_client.post(change_url, {"title": "Renamed", "priority": 4, "status": "resolved"})
    assert Ticket.objects.get(pk=ticket.pk).title == "Printer on fire"
    assert admin_client.get(reverse("admin:tickets_ticket_add")).status_code == 403
    assert "Printer on fire" in admin_client.get(reverse("admin:tickets_ticket_changelist")).content.decode()
    admin_client.post(reverse("admin:tickets_ticket_delete", args=[ticket.pk]), {"post": "yes"})
    assert not Ticket.objects.filter(pk=ticket.pk).exists()
