"""Saving and deleting views of the ticket list and the board (their filters, by name)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from core.errors import RuleBroken
from teams.http import TeamRequest
from teams.models import Team
from teams.views import team_view
from tickets import saved_views
from tickets.forms.board import BoardFilterForm
from tickets.forms.ticket_list import TicketFilterForm
from tickets.models import SavedView

PAGE_URLS: dict[str, str] = {SavedView.Page.LIST.value: "tickets:list", SavedView.Page.BOARD.value: "tickets:board"}
# The names a page's query string may carry: its filter form's fields (and the list's sort).
ALLOWED: dict[str, list[str]] = {
    SavedView.Page.LIST.value: [*TicketFilterForm.base_fields, "assignee", "label", "account", "project"],
    SavedView.Page.BOARD.value: list(BoardFilterForm.base_fields),
}


def _back(team: Team, page: str, query: str = "") -> HttpResponse:
    url = reverse(PAGE_URLS.get(page, "tickets:list"), args=[team.slug])
    return redirect(f"{url}?{query}" if query else url)


@require_POST
@team_view()
def view_create(request: TeamRequest, team: Team) -> HttpResponse:
    """Save the page's current filters under a name; back to the page, showing that view."""
    page = request.POST.get("page", "")
    if page not in ALLOWED:
        return _back(team, SavedView.Page.LIST)
    query = saved_views.clean_query(request.POST.get("query", ""), ALLOWED[page])
    try:
        view = saved_views.view_save(
            team=team, by=request.user, page=page, name=request.POST.get("name", ""), query=query,
            shared=bool(request.POST.get("shared")),
        )  # fmt: skip
    except RuleBroken as refusal:
        messages.error(request, f"The view was not saved: {refusal}")
        return _back(team, page, query)
    messages.success(request, f"Saved “{view.name}”{' for the team' if view.shared else ''}.")
    return _back(team, page, view.query)


@require_POST
@team_view()
def view_delete(request: TeamRequest, team: Team, pk: int) -> HttpResponse:
    page = request.POST.get("page", SavedView.Page.LIST)
    try:
        view = saved_views.view_delete(team=team, by=request.user, view_id=pk)
    except RuleBroken as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(request, f"Deleted the view “{view.name}”.")
    return _back(team, page, request.POST.get("query", ""))
