"""A team's customer accounts: every member reads them, everyone who works tickets edits them.

An inline-edit list (:mod:`core.inline`), searched and paged; accounts carry
no version column, so an edit carries a fingerprint of the values it showed.
"""

from __future__ import annotations

from typing import Any

from django.core.paginator import Paginator
from django.http import HttpResponse, QueryDict
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from core import inline
from teams.http import TeamRequest
from teams.models import Team
from teams.permissions import Action, can
from teams.views import team_view
from tickets import accounts as services
from tickets.forms.accounts import AccountForm, AccountSearchForm
from tickets.models import Account

ACCOUNTS = inline.InlineList(
    template="tickets/settings/accounts.html", noun="account", page="tickets:accounts", event="accounts-changed",
    item="a", what="this account",
)  # fmt: skip


def _context(request: TeamRequest, team: Team, **extra: Any) -> dict[str, Any]:
    return {"team": team, "can_edit": can(request.membership, Action.WORK_TICKETS), **extra}


def _list_context(request: TeamRequest, team: Team, **extra: Any) -> dict[str, Any]:
    """The searched, paged list; the search and page come from the query string."""
    search = AccountSearchForm(request.GET)
    text, tier = search.values()
    accounts = Account.objects.for_settings(team, text=text, tier=tier)
    page = Paginator(accounts, services.ACCOUNTS_PER_PAGE).get_page(request.GET.get("page"))
    query = urlencode({k: v for k, v in (("q", text), ("tier", tier)) if v})
    accounts_url = reverse("tickets:accounts", args=[team.slug])
    return _context(
        request, team, search=search, page=page, query=query, params=QueryDict(query), searching=bool(text or tier),
        accounts_url=accounts_url,
        # What the list reloads when an account is added: the same search and page.
        list_url=f"{accounts_url}?{query}&page={page.number}" if query else f"{accounts_url}?page={page.number}",
        **extra,
    )  # fmt: skip


def _account(team: Team, pk: int) -> Account:
    return get_object_or_404(Account.objects.for_settings(team), pk=pk)


def _values(form: AccountForm) -> dict[str, str]:
    return {k: form.cleaned_data[k] for k in ("name", "tier", "notes")}


@require_safe
@team_view()
def accounts_page(request: TeamRequest, team: Team) -> HttpResponse:
    """Customer accounts with their open tickets; searched by name or notes, 50 a page."""
    context = _list_context(request, team)
    return inline.list_page(
        request, ACCOUNTS, context,
        full=lambda c: {"form": AccountForm(auto_id="new-account-%s")} if c["can_edit"] else {},
    )  # fmt: skip


@require_POST
@team_view(Action.WORK_TICKETS)
def account_create(request: TeamRequest, team: Team) -> HttpResponse:
    form = AccountForm(request.POST, auto_id="new-account-%s")
    return inline.create(
        request, ACCOUNTS, form=form,
        save=lambda: services.account_create(team=team, **_values(form)),
        success=lambda account: f"Added the account “{account.name}”.",
        context=lambda **extra: _context(request, team, **extra),
        fresh_form=lambda: AccountForm(auto_id="new-account-%s"),
        page_context=lambda **extra: _list_context(request, team, **extra),
    )  # fmt: skip


@require_safe
@team_view()
def account_row(request: TeamRequest, team: Team, pk: int) -> HttpResponse:
    """One account, read-only (the Cancel of an inline edit)."""
    return inline.row(request, ACCOUNTS, _context(request, team), _account(team, pk))


@require_http_methods(["GET", "POST"])
@team_view(Action.WORK_TICKETS)
def account_edit(request: TeamRequest, team: Team, pk: int) -> HttpResponse:
    """Inline edit of an account; one changed meanwhile is refused (409) with its current values."""
    account = _account(team, pk)
    data = request.POST if request.method == "POST" else None
    form = AccountForm(data, account=account, auto_id=f"account-{account.pk}-%s")
    return inline.edit(
        request, ACCOUNTS, obj=account, form=form,
        save=lambda: services.account_update(account=account, seen=form.cleaned_data["seen"], **_values(form)),
        success=lambda saved: f"Saved the account “{saved.name}”.",
        context=lambda **extra: _context(request, team, **extra),
        stale_field="seen", stale_seen=services.account_fingerprint,
    )  # fmt: skip
