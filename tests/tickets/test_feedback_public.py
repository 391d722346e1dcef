"""The public feedback form: anonymous, honeypot, rate limit, switched off, bad input."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import AccountFactory
from voice import options
from voice.models import FeedbackItem, FeedbackSettings
from voice.views.public import RATE_LIMIT

pytestmark = pytest.mark.django_db


@pytest.fixture
def settings_of(team) -> FeedbackSettings:
    return options.feedback_settings_ensure(team=team)


def form_url(key: str) -> str:
    return reverse("public-feedback", args=[key])


def thanks_url(key: str) -> str:
    return reverse("public-feedback-thanks", args=[key])


GOOD = {"name": "Jane Roe", "email": "jane@acme.example", "company": "ACME corp", "message": "Please add dark mode."}


def test_form_works_without_signing_in_and_stores_web_form_feedback(client, team, settings_of):
    acme = AccountFactory(team=team, name="Acme Corp", tier="premium")
    page = client.get(form_url(settings_of.public_form_key))
    assert page.status_code == 200
    html = page.content.decode()
    assert f"Tell {team.name} what you think" in html
    assert 'name="csrfmiddlewaretoken"' in html
    assert "Team sections" not in html and "sidebar" not in html, "no app navigation"
    assert "<script" not in html and " style=" not in html and "<style" not in html
    assert "script-src 'self'" in page["Content-Security-Policy"]
    response = client.post(form_url(settings_of.public_form_key), GOOD)
    assert response.status_code == 302 and response["Location"] == thanks_url(settings_of.public_form_key)
    item = FeedbackItem.objects.get()
    assert (item.team, item.channel, item.source, item.created_by) == (team, "web_form", "public", None)
    assert (item.text, item.customer_name, item.customer_email) == ("Please add dark mode.", "Jane Roe", GOOD["email"])
    assert item.account == acme, "the company name matched an account of the team"
    assert item.impact_score == 3 + 2 * 2 + 1
    thanks = client.get(response["Location"])
    assert thanks.status_code == 200 and "Thank you!" in thanks.content.decode()


def test_the_honeypot_looks_like_a_success_and_stores_nothing(client, settings_of):
    key = settings_of.public_form_key
    html = client.get(form_url(key)).content.decode()
    # Hidden by a class (the CSP allows no inline style), labelled for screen readers, out of the tab order.
    assert re.search(
        r'<div class="hp-field">\s*<label for="feedback-website">Leave this field empty</label>\s*'
        r'<input type="text" name="website"[^>]*tabindex="-1"',
        html,
    )
    human = client.post(form_url(key), GOOD)
    bot = client.post(form_url(key), {**GOOD, "website": "https://spam.example"})
    assert (bot.status_code, bot["Location"]) == (human.status_code, human["Location"])
    assert FeedbackItem.objects.count() == 1
    # Even with nothing else filled in.
    assert client.post(form_url(key), {"website": "x"})["Location"] == thanks_url(key)
    assert FeedbackItem.objects.count() == 1


def test_rate_limit_per_form_and_address_answers_429(client, team, other_team, settings_of):
    key = settings_of.public_form_key
    for i in range(RATE_LIMIT):
        assert client.post(form_url(key), {**GOOD, "message": f"Message {i}"}).status_code == 302
    limited = client.post(form_url(key), {**GOOD, "message": "Sixth <b>message</b>"})
    assert limited.status_code == 429
    html = limited.content.decode()
    assert "try again in about 10 minutes" in html
    assert "readonly>Sixth &lt;b&gt;message&lt;/b&gt;</textarea>" in html, "what was typed is not lost"
    assert 0 < int(limited["Retry-After"]) <= 600
    assert FeedbackItem.objects.count() == RATE_LIMIT
    # Another address, or another team's form, has its own count.
    other = Client(REMOTE_ADDR="10.0.0.9")
    assert other.post(form_url(key), GOOD).status_code == 302
    their_key = options.feedback_settings_ensure(team=other_team).public_form_key
    assert client.post(form_url(their_key), GOOD).status_code == 302
    # Reading the form is not limited.
    assert client.get(form_url(key)).status_code == 200


def test_rejected_and_bot_submissions_count_towards_the_limit(client, settings_of):
    key = settings_of.public_form_key
    for _ in range(RATE_LIMIT):
        client.post(form_url(key), {"message": "", "website": ""})
    assert client.post(form_url(key), GOOD).status_code == 429
    assert not FeedbackItem.objects.exists()


def test_switched_off_or_unknown_form_is_a_friendly_404(client, team, settings_of):
    settings_of.public_form_enabled = False
    settings_of.save()
    for target in (form_url(settings_of.public_form_key), form_url("no-such-key"), thanks_url("no-such-key")):
        response = client.get(target)
        assert response.status_code == 404
        html = response.content.decode()
        assert "This feedback form is not available" in html and team.name not in html
    assert client.post(form_url(settings_of.public_form_key), GOOD).status_code == 404
    assert not FeedbackItem.objects.exists()


def test_an_old_address_stops_working_when_a_new_one_is_made(client, team, settings_of):
    old = settings_of.public_form_key
    new = options.feedback_public_key_regenerate(team=team, by=None).public_form_key
    assert client.get(form_url(old)).status_code == 404
    assert client.get(form_url(new)).status_code == 200


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"message": "   "}, "Tell us what you think: the message is the one field we need."),
        ({"email": "jane@"}, "Enter an email address like name@example.com."),
        ({"message": "x" * 5001}, "Please keep it to 5000 characters (this is 5001)."),
    ],
)
def test_bad_input_says_what_is_wrong_and_keeps_what_was_typed(client, settings_of, change, message):
    response = client.post(form_url(settings_of.public_form_key), {**GOOD, **change})
    assert response.status_code == 422
    html = response.content.decode()
    assert message in html
    assert 'value="Jane Roe"' in html and 'value="ACME corp"' in html
    if "message" not in change:
        assert "Please add dark mode.</textarea>" in html
    assert not FeedbackItem.objects.exists()


def test_csrf_stays_on(settings_of):
    client = Client(enforce_csrf_checks=True)
    assert client.post(form_url(settings_of.public_form_key), GOOD).status_code == 403
    assert not FeedbackItem.objects.exists()
