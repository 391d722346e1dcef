"""A team's public feedback form: no sign-in, found by its unguessable key, rate-limited per address."""

from __future__ import annotations

import hashlib
import logging
import math
import time

from axes.helpers import get_client_ip_address
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from core.errors import Invalid
from voice import feedback
from voice.choices import FeedbackChannel, FeedbackSource
from voice.forms import (
    PublicFeedbackForm,
)
from voice.models import FeedbackSettings

PUBLIC_FORM = "voice/feedback/public_form.html"
PUBLIC_THANKS = "voice/feedback/public_thanks.html"
PUBLIC_UNAVAILABLE = "voice/feedback/public_unavailable.html"
PUBLIC_LIMITED = "voice/feedback/public_limited.html"
RATE_LIMIT = 5
RATE_WINDOW_SECONDS = 10 * 60

logger = logging.getLogger(__name__)


def _public_settings(key: str) -> FeedbackSettings | None:
    return FeedbackSettings.objects.select_related("team").filter(public_form_key=key, public_form_enabled=True).first()


def _unavailable(request: HttpRequest) -> HttpResponse:
    return render(request, PUBLIC_UNAVAILABLE, status=404)


def _rate_limit_wait(request: HttpRequest, key: str) -> int:
    """Count this submission; 0 when it is within the limit, else the seconds until the window ends.

    At most ``RATE_LIMIT`` submissions per ``RATE_WINDOW_SECONDS`` per form
    and client address, counted in the shared cache (Redis or the file cache,
    so every web process sees the same count). The window starts at the first
    submission. The count is an atomic ``add`` then ``incr`` (atomic on
    Redis), so a burst of simultaneous posts cannot all slip through.

    When the cache cannot be reached, the post goes through (the honeypot
    still stops simple bots) and the outage is logged: a customer's feedback
    is never lost to a limit that cannot be counted.
    """
    client = get_client_ip_address(request) or "unknown"
    base = "feedback-public:" + hashlib.sha256(f"{key}|{client}".encode()).hexdigest()[:32]
    now = time.time()
    try:
        cache.add(f"{base}:start", now, timeout=RATE_WINDOW_SECONDS)
        cache.add(f"{base}:count", 0, timeout=RATE_WINDOW_SECONDS)
        start = cache.get(f"{base}:start", now)
        try:
            count = cache.incr(f"{base}:count")
        except ValueError:  # the window ended between add and incr: this is the first of a new one
            cache.set(f"{base}:count", 1, timeout=RATE_WINDOW_SECONDS)
            count = 1
    except Exception:  # the cache is down (Redis unreachable, say): let the customer through
        logger.warning(
            "Public feedback form: the rate limit could not be counted; the post is let through.", exc_info=True
        )
        return 0
    if count > RATE_LIMIT:
        return max(1, math.ceil(start + RATE_WINDOW_SECONDS - now))
    return 0


@require_http_methods(["GET", "POST"])
def public_feedback(request: HttpRequest, key: str) -> HttpResponse:
    """A team's feedback form for customers: no sign-in, a honeypot and a rate limit per address."""
    settings = _public_settings(key)
    if settings is None:
        return _unavailable(request)
    team = settings.team
    if request.method == "GET":
        return render(request, PUBLIC_FORM, {"team": team, "form": PublicFeedbackForm(), "key": key})
    wait = _rate_limit_wait(request, key)
    if wait:
        # The message is shown back, so that nothing typed is lost.
        typed = request.POST.get("message", "")[: feedback.MAX_TEXT]
        context = {"team": team, "minutes": math.ceil(wait / 60), "message": typed}
        response = render(request, PUBLIC_LIMITED, context, status=429)
        response["Retry-After"] = str(wait)
        return response
    form = PublicFeedbackForm(request.POST)
    thanks = redirect("public-feedback-thanks", key=key)
    if form.is_bot:
        return thanks  # exactly what a person sees, and nothing stored
    if form.is_valid():
        data = form.cleaned_data
        try:
            feedback.feedback_submit(
                team=team,
                text=data["message"],
                channel=FeedbackChannel.WEB_FORM,
                source=FeedbackSource.PUBLIC,
                customer_name=data["name"],
                customer_email=data["email"],
                account_name=data["company"],
            )
        except Invalid as refusal:
            form.add_refusal(refusal)
        else:
            return thanks
    return render(request, PUBLIC_FORM, {"team": team, "form": form, "key": key}, status=422)


@require_GET
def public_feedback_thanks(request: HttpRequest, key: str) -> HttpResponse:
    settings = _public_settings(key)
    if settings is None:
        return _unavailable(request)
    return render(request, PUBLIC_THANKS, {"team": settings.team, "key": key})
