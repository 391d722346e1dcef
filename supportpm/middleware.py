from __future__ import annotations

from collections.abc import Callable

from django.contrib.messages import get_messages
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string

from core.htmx import HtmxRequest


class HtmxMessagesMiddleware:
    """Deliver queued messages with HTMX responses as an out-of-band swap.

    A full page renders messages in the base layout; a fragment would leave
    them queued until the next full page. Redirects keep them for the page
    they lead to.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HtmxRequest) -> HttpResponse:
        response = self.get_response(request)
        if not getattr(request, "htmx", False) or request.htmx.boosted:
            return response
        if 300 <= response.status_code < 400 or "HX-Redirect" in response or "HX-Location" in response:
            return response
        if not response.get("Content-Type", "").startswith("text/html") or response.streaming:
            return response
        storage = get_messages(request)
        if not len(storage):  # type: ignore[arg-type]
            return response
        response.write(
            render_to_string("components/messages.html", {"messages": storage, "oob": True}, request=request)
        )
        return response
