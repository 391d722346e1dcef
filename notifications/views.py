"""A person's notifications, outside any team: the page, the bell's count and marking them read.

Each person sees only their own (and none about teams they have left: see
``Notification.objects.visible_to``). Marking read answers HTMX
with the region that changed and fires ``notifications-changed``, which the
bell in the top bar listens to and re-fetches its count.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST, require_safe
from django_htmx.http import trigger_client_event

from core.htmx import HtmxRequest, fragment_or_page
from notifications import preferences, services
from notifications.models import Notification
from notifications.querysets import NOTIFICATIONS_PER_PAGE
from teams.models import User

PAGE = "notifications/notifications.html"
CHANGED = "notifications-changed"


class UserRequest(HtmxRequest):
    user: User  # type: ignore[assignment]


def _list_context(request: UserRequest, page_number: Any) -> dict[str, Any]:
    paginator = Paginator(Notification.objects.visible_to(request.user), NOTIFICATIONS_PER_PAGE)
    page = paginator.get_page(page_number)
    return {"page": page, "items": list(page.object_list), "params": QueryDict()}


@require_safe
@login_required
def notifications_page(request: UserRequest) -> HttpResponse:
    """The signed-in person's notifications, newest first, 50 a page; unread ones stand out."""
    return fragment_or_page(request, PAGE, "notification-list", _list_context(request, request.GET.get("page")))


@require_safe
@login_required
def notification_bell(request: UserRequest) -> HttpResponse:
    """The bell with its unread count (re-fetched on ``notifications-changed``)."""
    return render(request, "notifications/notification_bell.html")


@require_POST
@login_required
def notification_read(request: UserRequest, pk: int) -> HttpResponse:
    """Mark one notification read; HTMX gets the item back, no longer highlighted."""
    item = get_object_or_404(Notification.objects.visible_to(request.user), pk=pk)
    item = services.notification_mark_read(user=request.user, notification=item)
    if not request.htmx:
        return redirect("notifications:list")
    return trigger_client_event(render(request, f"{PAGE}#notification-item", {"n": item}), CHANGED)


@require_POST
@login_required
def notifications_read_all(request: UserRequest) -> HttpResponse:
    """Mark every notification read; HTMX gets the list (the page it was on) back."""
    count = services.notifications_mark_all_read(user=request.user)
    messages.success(request, f"Marked {count} notification{'' if count == 1 else 's'} as read.")
    if not request.htmx:
        return redirect("notifications:list")
    context = _list_context(request, request.POST.get("page"))
    return trigger_client_event(render(request, f"{PAGE}#notification-list", context), CHANGED)


@require_POST
@login_required
def notifications_read_about(request: UserRequest) -> HttpResponse:
    """The person opened what ``subject`` names (a ticket page posts this when it loads): mark those read.

    Answers 204 and fires ``notifications-changed`` when something was unread,
    so the bell refreshes; a subject of nobody's notification changes nothing.
    """
    subject = request.POST.get("subject", "")[:80]
    count = services.notifications_mark_subject_read(user=request.user, subject=subject) if subject else 0
    response = HttpResponse(status=204)
    return trigger_client_event(response, CHANGED) if count else response


@require_http_methods(["GET", "POST"])
@login_required
def notification_settings(request: UserRequest) -> HttpResponse:
    """A person's choices: per kind of news, shown in the app or not, and mailed at once, daily or never."""
    error = ""
    if request.method == "POST":
        choices = {}
        for group in preferences.GROUPS:
            email = request.POST.get(f"email_{group.key}", group.email)
            if email not in preferences.EmailWhen.values:
                error = "Choose when to email from the list."
                break
            choices[group.key] = (bool(request.POST.get(f"in_app_{group.key}")), email)
        if not error:
            services.preferences_save(user=request.user, choices=choices)
            messages.success(request, "Saved: you hear about what you chose.")
            return redirect("notifications:settings")
    saved = preferences.choices_of([request.user.pk])
    rows = [{"group": g, "choice": preferences.choice_for(saved, request.user.pk, g.key)} for g in preferences.GROUPS]
    context = {"rows": rows, "email_choices": preferences.EmailWhen.choices, "error": error}
    return render(request, "notifications/settings.html", context, status=422 if error else 200)
