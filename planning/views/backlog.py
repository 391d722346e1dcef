"""The ordered backlog: drag or keyboard steps to order it, grooming in place, and the impact-effort matrix."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from core import inline
from core.errors import RuleBroken, StaleEdit
from core.htmx import fragment_or_page, region_or_redirect, wants_fragment
from core.inline import InlineList
from planning import services
from planning.forms import GroomForm, MatrixMoveForm, PlanMoveForm
from planning.grooming import QUADRANTS, backlog_order_quick_wins, quadrant_of, ticket_groom
from planning.models import SprintItem
from planning.querysets import backlog_of
from teams.http import TeamRequest
from teams.models import Team
from teams.permissions import Action, can
from teams.views import team_view
from tickets.models import Ticket

BACKLOG_PAGE = 50
MATRIX_LIMIT = 500  # cards drawn on the matrix; a bigger backlog is groomed page by page


# --- Backlog ------------------------------------------------------------------------------------


@team_view()
def backlog(request: TeamRequest, team: Team) -> HttpResponse:
    """The team's ordered backlog: drag (or move up and down) to order it; leads only."""
    tickets = backlog_of(team).select_related("assignee", "backlog_rank", "project").prefetch_related("labels")
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
        "unestimated_items": list(
            backlog_of(team).filter(story_points__isnull=True).only("pk", "number", "title")[:10]
        ),
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


# --- Grooming in place ----------------------------------------------------------------------------

GROOM = InlineList(
    template="planning/backlog.html", noun="groom", page="planning:backlog", event="backlog-changed",
    item="t", what="this ticket",
)  # fmt: skip


def _groom_context(request: TeamRequest, team: Team, **extra: Any) -> dict[str, Any]:
    return {"team": team, "key_prefix": team.slug.upper(), "carried_twice": set(),
            "may_plan": can(request.membership, Action.MANAGE_WORK), **extra}  # type: ignore[attr-defined]  # fmt: skip


def _backlog_ticket(team: Team, ticket_id: int) -> Ticket:
    return get_object_or_404(
        Ticket.objects.filter(team=team).select_related("project").prefetch_related("labels"), pk=ticket_id
    )


@require_http_methods(["GET", "POST"])
@team_view(Action.MANAGE_WORK)
def groom(request: TeamRequest, team: Team, ticket_id: int) -> HttpResponse:
    """GET: the backlog row as a grooming form. POST: save points, impact, effort, labels and project."""
    ticket = _backlog_ticket(team, ticket_id)
    initial = {"story_points": ticket.story_points, "impact": ticket.impact, "effort": ticket.effort,
               "labels": [label.pk for label in ticket.labels.all()], "project": ticket.project_id,
               "version": ticket.version}  # fmt: skip
    form = GroomForm(request.POST if request.method == "POST" else None, team=team, initial=initial)

    def save() -> Ticket:
        ticket_groom(ticket=ticket, by=request.user, expected_version=form.cleaned_data["version"],
                     changes=form.changes())  # fmt: skip
        return _backlog_ticket(team, ticket_id)

    return inline.edit(
        request, GROOM, obj=ticket, form=form, save=save,
        success=lambda t: f"{team.slug.upper()}-{t.number} groomed.",
        context=lambda **extra: _groom_context(request, team, **extra),
    )  # fmt: skip


@team_view(Action.MANAGE_WORK)
def groom_cancel(request: TeamRequest, team: Team, ticket_id: int) -> HttpResponse:
    return inline.row(request, GROOM, _groom_context(request, team), _backlog_ticket(team, ticket_id))


@require_POST
@team_view(Action.MANAGE_WORK)
def quick_wins_first(request: TeamRequest, team: Team) -> HttpResponse:
    """One click: the whole backlog ordered by quadrant, quick wins on top."""
    ranked = backlog_order_quick_wins(team=team)
    messages.success(request, f"Backlog ordered quick wins first ({ranked} tickets), then major projects, "
                              "fill-ins, thankless tasks and unscored tickets.")  # fmt: skip
    return redirect((request.POST.get("back") == "matrix" and "planning:matrix") or "planning:backlog", team.slug)


# --- Impact-effort matrix --------------------------------------------------------------------------


def _matrix_context(request: TeamRequest, team: Team) -> dict[str, Any]:
    tickets = list(backlog_of(team).only("pk", "number", "title", "impact", "effort", "story_points", "version")[
        :MATRIX_LIMIT])  # fmt: skip
    cells: dict[tuple[int, int], list[Ticket]] = {}
    unscored = []
    for t in tickets:
        if t.impact is None or t.effort is None:
            unscored.append(t)
        else:
            cells.setdefault((t.impact, t.effort), []).append(t)
    rows = [
        {"impact": impact, "cells": [
            {"effort": effort, "tickets": cells.get((impact, effort), []), "quadrant": quadrant_of(impact, effort)}
            for effort in range(1, 6)
        ]}
        for impact in range(5, 0, -1)
    ]  # fmt: skip
    counts = {q: sum(len(v) for (i, e), v in cells.items() if quadrant_of(i, e) == q) for q in QUADRANTS}
    names = {
        "quick win": "Quick wins",
        "major project": "Major projects",
        "fill-in": "Fill-ins",
        "thankless": "Thankless",
    }
    legend = [(q, names[q], counts[q]) for q in QUADRANTS]
    return {
        "team": team, "rows": rows, "unscored": unscored, "legend": legend, "key_prefix": team.slug.upper(),
        "may_plan": can(request.membership, Action.MANAGE_WORK), "shown": len(tickets),  # type: ignore[attr-defined]
        "limited": len(tickets) == MATRIX_LIMIT,
    }  # fmt: skip


@team_view()
def matrix(request: TeamRequest, team: Team) -> HttpResponse:
    """The backlog on a 5 × 5 impact-effort grid; drag a card to re-score it."""
    return fragment_or_page(request, "planning/matrix.html", "matrix-grid", _matrix_context(request, team))


@require_POST
@team_view(Action.MANAGE_WORK)
def matrix_move(request: TeamRequest, team: Team) -> HttpResponse:
    """A card dropped on a cell: the ticket takes that cell's impact and effort (with its version check)."""
    form = MatrixMoveForm(request.POST)
    status = 200
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for errs in form.errors.values() for e in errs))
        status = 422
    else:
        data = form.cleaned_data
        ticket = Ticket.objects.filter(team=team, pk=data["ticket"]).select_related("team").first()
        try:
            if ticket is None:
                raise RuleBroken("That ticket is not in this team's backlog.")
            ticket_groom(ticket=ticket, by=request.user, expected_version=data["version"],
                         changes={"impact": data["impact"], "effort": data["effort"]})  # fmt: skip
        except StaleEdit:
            messages.error(request, "Someone else changed that ticket meanwhile; the matrix shows it as it is now.")
            status = 409
        except RuleBroken as refused:
            messages.error(request, str(refused))
            status = 409
        else:
            messages.success(request, f"{team.slug.upper()}-{ticket.number}: impact {data['impact']}, effort "
                                      f"{data['effort']} ({quadrant_of(data['impact'], data['effort'])}).")  # fmt: skip
    return region_or_redirect(request, "planning/matrix.html#matrix-grid", _matrix_context(request, team),
                              page_url=reverse("planning:matrix", args=[team.slug]), status=status)  # fmt: skip
