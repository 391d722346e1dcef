"""The public CSAT survey page: the customer follows the mailed link, never signs in.

A GET (or HEAD) only shows the form, with the score of the clicked link
preselected: mail scanners fetch links, so a fetch must never record an
answer. The POST records it once (see :func:`voice.surveys.csat_answer`) and
redirects to the thank-you page. An answered, expired or unknown link gets a
page that says so (410 or 404), never an error. CSRF protection stays on:
the form's GET sets the token cookie, as for any form.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from voice import answers
from voice import surveys as csat
from voice.models import CsatSurvey
from voice.survey_forms import SurveyForm

PAGE = "voice/csat/survey.html"
CLOSED = "voice/csat/closed.html"
THANKS = "voice/csat/thanks.html"


def _closed(request: HttpRequest, state: csat.SurveyState, survey: CsatSurvey | None) -> HttpResponse:
    """Why the link no longer takes an answer: 404 for an unknown link, 410 for one that is used up."""
    status = 404 if state == csat.SurveyState.UNKNOWN else 410
    context = {"state": state.value, "survey": survey, "team": survey.ticket.team if survey else None}
    return render(request, CLOSED, context, status=status)


def _page(request: HttpRequest, survey: CsatSurvey, token: str, form: SurveyForm, *, status: int = 200) -> HttpResponse:
    context: dict[str, Any] = {
        "survey": survey,
        "ticket": survey.ticket,
        "team": survey.ticket.team,
        "token": token,
        "form": form,
    }
    return render(request, PAGE, context, status=status)


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def survey_answer(request: HttpRequest, token: str) -> HttpResponse:
    now = timezone.now()
    survey = answers.survey_by_token(token)
    state = answers.survey_state(survey, now=now)
    if survey is None or state != csat.SurveyState.OPEN:
        return _closed(request, state, survey)
    if request.method != "POST":
        score = SurveyForm.preselected(request.GET.get("score"), scale=survey.scale)
        return _page(request, survey, token, SurveyForm(initial={"score": score}, scale=survey.scale))
    form = SurveyForm(request.POST, scale=survey.scale)
    if not form.is_valid():
        return _page(request, survey, token, form, status=422)
    try:
        answers.csat_answer(
            token=token, score=form.cleaned_data["score"], comment=form.cleaned_data["comment"], now=now
        )
    except answers.SurveyClosed as closed:  # answered or expired since the page was read: a second click
        return _closed(request, closed.state, closed.survey)
    return redirect("survey:thanks", token=token)


@never_cache
@require_safe
def survey_thanks(request: HttpRequest, token: str) -> HttpResponse:
    """After the answer: what was recorded. Before it, the link leads back to the form."""
    survey = answers.survey_by_token(token)
    if survey is None or survey.answered_at is None:
        state = answers.survey_state(survey, now=timezone.now())
        if state == csat.SurveyState.OPEN:
            return redirect("survey:answer", token=token)
        return _closed(request, state, survey)
    context = {"survey": survey, "team": survey.ticket.team, "low": (survey.score or 0) <= csat.LOW_SCORE}
    return render(request, THANKS, context)
