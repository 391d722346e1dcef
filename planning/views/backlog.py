"""The ordered backlog: drag or keyboard steps to order it, grooming in place, and the impact-effort matrix."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from core.errors import RuleBroken
from core.htmx import fragment_or_page, wants_fragment
from planning import services
from planning.forms import PlanMoveForm
from planning.models import SprintItem
from planning.querysets import backlog_of
from teams.http import TeamRequest
from teams.models import Team
from teams.permissions import Action, can
from teams.views import team_view

BACKLOG_PAGE = 50


# --- Backlog ------------------------------------------------------------------------------------


@team_view()
def backlog(request: TeamRequest, team: Team) -> HttpResponse:
    """The team's ordered backlog: drag (or move up and down) to order it; leads only."""
    tickets = backlog_of(team).select_related("assignee", "backlog_rank")
    page = Paginator(tickets, BACKLOG_PAGE).get_page(request.GET.get("page"))
    carried = set(
        SprintItem.objects.filter(ticket__in=[t.pk for t in page], times_carried__gte=2).values_list(
            "ticket_id", flat=True
        )
    )
    shown = list(page)
    rows = [
        (t, shown[n - 1].pk if n else None, shown[n + 1].pk if n + 1 < len(shown) else None)
        for n, t in enumerate(shown)
    ]
    context = {
        "team": team, "page": page, "rows": rows, "key_prefix": team.slug.upper(), "carried_twice": carried,
        "may_plan": can(request.membership, Action.MANAGE_WORK),  # type: ignore[attr-defined]
        "backlog_url": reverse("planning:backlog", args=[team.slug]),
        "list_url": reverse("tickets:list", args=[team.slug]),
        "unestimated": backlog_of(team).filter(story_points__isnull=True).count(),
    }  # fmt: skip
    return fragment_or_page(request, "planning/backlog.html", "backlog-list", context)


@require_POST
@team_view(Action.MANAGE_WORK)
def backlog_move(request: TeamRequest, team: Team) -> HttpResponse:
    """Drag or keyboard step in the backlog; answers with the page of the backlog it was on."""
    form = PlanMoveForm({"to": "backlog", **request.POST.dict()})
    status = 200
    if not form.is_valid():
        messages.error(request, "That move could not be read; the backlog is shown as it is.")
        status = 422
    else:
        try:
            services.backlog_move(team=team, ticket_id=form.cleaned_data["ticket"], above_id=form.cleaned_data["above"],
                                  below_id=form.cleaned_data["below"])  # fmt: skip
        except RuleBroken as refused:
            messages.error(request, str(refused))
            status = 409
    if not wants_fragment(request):
        return redirect(reverse("planning:backlog", args=[team.slug]) + f"?page={request.GET.get('page', 1)}")
    response = backlog(request, team.slug)
    response.status_code = status
    return response
