from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from notifications.models import Notification


def notifications(request: HttpRequest) -> dict[str, Any]:
    """The bell's unread count, for the top bar.

    Lazy: the one query runs only when a page renders the bar (fragments and
    pages without it cost nothing), and only once per page.
    """
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"unread_notifications": SimpleLazyObject(lambda: Notification.objects.visible_to(user).unread().count())}
