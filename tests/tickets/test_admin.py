"""The Django admin pages of surveys and feedback open for staff, with data in them."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.factories import make_ticket
from tickets import feedback
from tickets.models import CsatSurvey, FeedbackItem, FeedbackSettings

pytestmark = pytest.mark.django_db


def test_survey_and_feedback_admin_pages_open(admin_client, team):
    ticket = make_ticket(team, title="Printer on fire")
    survey = CsatSurvey.objects.create(team=team, ticket=ticket, cycle=1, email="jane@customer.example")
    item = feedback.feedback_submit(team=team, text="Please add dark mode", channel="email", source="agent")
    settings = feedback.feedback_settings_of(team=team)
    for model, obj in ((CsatSurvey, survey), (FeedbackItem, item), (FeedbackSettings, settings)):
        opts = model._meta
        listing = admin_client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))
        assert listing.status_code == 200
        change = admin_client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk]))
        assert change.status_code == 200
    assert "Please add dark mode" in admin_client.get(reverse("admin:tickets_feedbackitem_changelist")).content.decode()
