"""Sign-in throttling beyond one person at one address (README, "Sign-in limits").

django-axes locks a (username, address) pair after ``AXES_FAILURE_LIMIT``
wrong passwords. Two more limits catch guessing spread out:

* **One account, many addresses**: after ``LOGIN_ACCOUNT_FAILURES`` wrong
  passwords for one username within an hour, from anywhere, that account
  cannot be signed in to for ``LOGIN_ACCOUNT_LOCK_MINUTES`` after the latest
  one, except from an address it signed in from (successfully) in the last
  30 days: a stranger can slow the account down, not lock its owner out.
* **One address, many accounts**: after ``LOGIN_ADDRESS_FAILURES`` wrong
  passwords from one address within an hour, over any usernames, sign-ins
  from that address are refused until the hour's count falls below it.

Failures are read from axes' failure log; a refused attempt is not counted
(it never reaches a password check), so a lock ends on its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from axes.helpers import get_client_ip_address
from axes.models import AccessFailureLog, AccessLog
from django.conf import settings
from django.contrib.auth.views import LoginView
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

WINDOW = timedelta(hours=1)
KNOWN_ADDRESS_DAYS = 30


@dataclass(frozen=True)
class Refusal:
    reason: str
    minutes: int


def sign_in_refusal(*, username: str, address: str | None, now: datetime | None = None) -> Refusal | None:
    """Why a sign-in must be refused before its password is even checked; None when it may go ahead."""
    now = now or timezone.now()
    since = now - WINDOW
    if address:
        from_address = AccessFailureLog.objects.filter(ip_address=address, attempt_time__gte=since)
        if from_address.count() >= settings.LOGIN_ADDRESS_FAILURES:
            oldest = from_address.order_by("attempt_time").values_list("attempt_time", flat=True).first()
            wait = (oldest + WINDOW - now) if oldest else WINDOW
            return Refusal("Too many wrong passwords have come from your network for several accounts.", _minutes(wait))
    if username:
        failures = AccessFailureLog.objects.filter(username=username, attempt_time__gte=since)
        if failures.count() >= settings.LOGIN_ACCOUNT_FAILURES:
            latest = failures.order_by("-attempt_time").values_list("attempt_time", flat=True).first()
            lock = timedelta(minutes=settings.LOGIN_ACCOUNT_LOCK_MINUTES)
            known = (
                address is not None
                and AccessLog.objects.filter(
                    username=username, ip_address=address, attempt_time__gte=now - timedelta(days=KNOWN_ADDRESS_DAYS)
                ).exists()
            )
            if latest is not None and latest + lock > now and not known:
                return Refusal(
                    "This account has had many wrong passwords from different places, so new places must wait. "
                    "Where you have signed in before, you still can.",
                    _minutes(latest + lock - now),
                )
    return None


def _minutes(wait: timedelta) -> int:
    return max(1, -(-int(wait.total_seconds()) // 60))


class ThrottledLoginView(LoginView):
    """Django's sign-in page, refusing what the limits above refuse (429), before any password check."""

    redirect_authenticated_user = True

    def post(self, request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        refusal = sign_in_refusal(
            username=str(request.POST.get("username", ""))[:150], address=get_client_ip_address(request)
        )
        if refusal is not None:
            context = {"reason": refusal.reason, "minutes": refusal.minutes}
            return render(request, "registration/locked_out.html", context, status=429)
        return super().post(request, *args, **kwargs)
