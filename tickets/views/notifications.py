"""A person's notifications, outside any team: the page, the bell's count and marking them read.

Each person sees only their own (and none about teams they have left: see
:func:`tickets.notifications.notifications_of`). Marking read answers HTMX
with the region that changed and fires ``notifications-changed``, which the
bell in the top bar listens to and re-fetches its count.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST, require_safe
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import trigger_client_event

from core.htmx import HtmxRequest
from teams.models import User
from tickets import notifications

PAGE = "tickets/notifications.html"
CHANGED = "notifications-changed"


class UserRequest(HtmxRequest):
    user: User  # type: ignore[assignment]


def _list_context(request: UserRequest, page_number: Any) -> dict[str, Any]:
    paginator = Paginator(notifications.notifications_of(request.user), notifications.NOTIFICATIONS_PER_PAGE)
    page = paginator.get_page(page_number)
    return {"page": page, "items": list(page.object_list)}


@require_safe
@vary_on_headers("HX-Request")
@login_required
def notifications_page(request: UserRequest) -> HttpResponse:
    """The signed-in person's notifications, newest first, 50 a page; unread ones stand out."""
    context = _list_context(request, request.GET.get("page"))
    if request.htmx and not request.htmx.history_restore_request:
        return render(request, f"{PAGE}#notification-list", context)
    return render(request, PAGE, context)


@require_safe
@login_required
def notification_bell(request: UserRequest) -> HttpResponse:
    """The bell with its unread count (re-fetched on ``notifications-changed``)."""
    return render(request, "tickets/notification_bell.html")


@require_POST
@login_required
def notification_read(request: UserRequest, pk: int) -> HttpResponse:
    """Mark one notification read; HTMX gets the item back, no longer highlighted."""
    item = get_object_or_404(notifications.notifications_of(request.user), pk=pk)
    item = notifications.notification_mark_read(user=request.user, notification=item)
    if not request.htmx:
        return redirect("notifications:list")
    return trigger_client_event(render(request, f"{PAGE}#notification-item", {"n": item}), CHANGED)


@require_POST
@login_required
def notifications_read_all(request: UserRequest) -> HttpResponse:
    """Mark every notification read; HTMX gets the list (the page it was on) back."""
    count = notifications.notifications_mark_all_read(user=request.user)
    messages.success(request, f"Marked {count} notification{'' if count == 1 else 's'} as read.")
    if not request.htmx:
        return redirect("notifications:list")
    context = _list_context(request, request.POST.get("page"))
    return trigger_client_event(render(request, f"{PAGE}#notification-list", context), CHANGED)
