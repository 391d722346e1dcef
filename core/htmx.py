"""HTMX answers: one test for "is this a fragment request", and the answers built on it.

A view that branches on ``request.htmx`` answers differently for the same
URL, so every such answer varies on ``HX-Request`` (a cache must not hand a
fragment to a plain request). Boosted links and history restores want the
whole page.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.forms import BaseForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.cache import patch_vary_headers
from django_htmx.middleware import HtmxDetails


class HtmxRequest(HttpRequest):
    htmx: HtmxDetails


def wants_fragment(request: HttpRequest) -> bool:
    """An HTMX request for a region (not a boosted link, not a history restore)."""
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and not htmx.boosted and not htmx.history_restore_request  # type: ignore[union-attr]


def vary_on_htmx(response: HttpResponse) -> HttpResponse:
    patch_vary_headers(response, ("HX-Request",))
    return response


def fragment_or_page(
    request: HttpRequest, template: str, partial: str, context: dict[str, Any], *, status: int = 200
) -> HttpResponse:
    """The named partial of ``template`` for a fragment request, the whole page otherwise."""
    name = f"{template}#{partial}" if wants_fragment(request) else template
    return vary_on_htmx(render(request, name, context, status=status))


def region_or_redirect(
    request: HttpRequest,
    template: str,
    context: dict[str, Any],
    *,
    page_url: str,
    status: int = 200,
    form: BaseForm | None = None,
) -> HttpResponse:
    """HTMX: the region that changed (``template`` names the partial). A plain form post: back to the page.

    Without JavaScript a refusal reaches the page it returns to as a message.
    """
    if getattr(request, "htmx", False):
        return vary_on_htmx(render(request, template, context, status=status))
    if form is not None and form.errors:
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
    return vary_on_htmx(redirect(page_url))
