"""A team's feedback and survey settings: impact weights, survey timing, the public form's address.

Leads and managers only (``MANAGE_TEAM``); a plain form post and redirect.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from core.errors import Invalid, StaleEdit
from core.stale import refuse_stale
from teams.http import TeamRequest
from teams.models import Team
from teams.permissions import Action
from teams.views import team_view
from voice import impact, options
from voice.forms import (
    FeedbackSettingsForm,
)
from voice.models import FeedbackSettings

SETTINGS = "voice/feedback/settings.html"


def _settings_page(
    request: TeamRequest, team: Team, settings: FeedbackSettings, form: FeedbackSettingsForm, *,
    status: int = 200, current: FeedbackSettings | None = None,
) -> HttpResponse:  # fmt: skip
    public_url = request.build_absolute_uri(reverse("public-feedback", args=[settings.public_form_key]))
    context = {
        "team": team,
        "settings": settings,
        "form": form,
        "current": current,
        "public_url": public_url,
        "weights": impact.Weights.of(current or settings),
    }
    return render(request, SETTINGS, context, status=status)


@require_http_methods(["GET", "POST"])
@team_view(Action.MANAGE_TEAM)
def feedback_settings(request: TeamRequest, team: Team) -> HttpResponse:
    """Impact weights, CSAT survey timing and the public form. A plain form post and redirect."""
    settings = options.feedback_settings_ensure(team=team)
    if request.method == "GET":
        return _settings_page(request, team, settings, FeedbackSettingsForm(settings=settings))
    form = FeedbackSettingsForm(request.POST, settings=settings)
    if not form.is_valid():
        return _settings_page(request, team, settings, form, status=422)
    try:
        saved = options.feedback_settings_update(
            team=team, by=request.user, expected_version=form.cleaned_data["version"], change=form.change()
        )
    except StaleEdit as stale:
        current: FeedbackSettings = stale.current
        refuse_stale(form, stale, what="these settings")
        return _settings_page(request, team, current, form, status=409, current=current)
    except Invalid as refusal:
        form.add_refusal(refusal)
        return _settings_page(request, team, settings, form, status=422)
    weights_note = (
        " Impact scores follow the new weights." if impact.Weights.of(saved) != impact.Weights.of(settings) else ""
    )
    messages.success(request, f"Saved the feedback settings.{weights_note}")
    return redirect("voice:feedback-settings", team_slug=team.slug)


@require_POST
@team_view(Action.MANAGE_TEAM)
def feedback_settings_regenerate(request: TeamRequest, team: Team) -> HttpResponse:
    options.feedback_public_key_regenerate(team=team, by=request.user)
    messages.success(request, "The public form has a new address; the old one no longer works.")
    return redirect("voice:feedback-settings", team_slug=team.slug)
