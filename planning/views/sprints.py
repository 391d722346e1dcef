"""Sprints and the backlog in the browser: thin views over planning.services."""

from __future__ import annotations

import csv
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.db.models import Count, Max, Q, Sum
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from core.errors import RuleBroken, StaleEdit
from core.htmx import fragment_or_page, region_or_redirect
from core.stale import refuse_stale
from planning import services
from planning.board import sprint_board_url
from planning.budget import Budget, interrupt_budget
from planning.capacity import sprint_capacity, velocity
from planning.charts import burndown, chart_series
from planning.choices import ChangeKind
from planning.figures import sprint_figures
from planning.forms import CloseForm, PlanMoveForm, SprintForm
from planning.models import Sprint, SprintChange
from planning.querysets import backlog_of, items_of
from planning.snapshots import snapshots_write
from planning.standups import open_blockers
from projects.models import Project
from teams.calendar import BusinessCalendar
from teams.http import TeamRequest
from teams.models import Team
from teams.permissions import Action, can
from teams.views import team_view
from tickets.models import Ticket

PLAN_PAGE = 50
BACKLOG_PAGE = 50


def _sprint(team: Team, number: int) -> Sprint:
    return get_object_or_404(Sprint.objects.select_related("team"), team=team, number=number)


def _next_start(team: Team) -> date:
    """The Monday after the team's last sprint (or this coming Monday)."""
    last = Sprint.objects.filter(team=team).aggregate(m=Max("end_date"))["m"]
    day = (last + timedelta(days=1)) if last else timezone.localdate()
    return day + timedelta(days=(7 - day.weekday()) % 7)


# --- Sprint list ------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@team_view()
def sprint_list(request: TeamRequest, team: Team) -> HttpResponse:
    """The team's sprints, newest first, their velocity, and a form for the next one (leads)."""
    may_plan = can(request.membership, Action.MANAGE_WORK)  # type: ignore[attr-defined]
    form = SprintForm(request.POST or None, initial={"start_date": _next_start(team)})
    if request.method == "POST":
        if not may_plan:
            return HttpResponse("Only the team's leads and managers plan sprints.", status=403)
        if form.is_valid():
            try:
                sprint = services.sprint_create(
                    team=team, by=request.user, start_date=form.cleaned_data["start_date"],
                    end_date=form.cleaned_data["end_date"], name=form.cleaned_data["name"],
                    goal=form.cleaned_data["goal"], focus_factor=form.cleaned_data["focus_factor"],
                    interrupt_share=form.interrupt_share,
                )  # fmt: skip
            except RuleBroken as refused:
                form.add_refusal(refused)
            else:
                messages.success(request, f"{sprint.name} is planned. Drag backlog items into it.")
                return redirect("planning:sprint", team.slug, sprint.number)
    sprints = list(Sprint.objects.filter(team=team).order_by("-start_date"))
    closed = [s for s in sprints if s.closed_at]
    figures = sprint_figures((s, s.closed_at) for s in closed if s.closed_at)
    rows = [(s, figures.get((s.pk, s.closed_at)) if s.closed_at else None) for s in sprints]
    speed = velocity(team.pk)
    chart = {
        "labels": [p.sprint.name for p in reversed(speed.sprints)],
        "completed": [p.completed for p in reversed(speed.sprints)],
        "reactive": [p.reactive for p in reversed(speed.sprints)],
        "forecast": float(speed.forecast) if speed.forecast is not None else None,
    }
    context = {"team": team, "rows": rows, "form": form, "may_plan": may_plan, "velocity": speed, "chart": chart}
    return render(request, "planning/sprint_list.html", context, status=422 if form.errors else 200)


# --- One sprint --------------------------------------------------------------------------------


def _plan_context(request: TeamRequest, team: Team, sprint: Sprint, **extra: Any) -> dict[str, Any]:
    calendar = BusinessCalendar.for_team(team)
    items = list(items_of(sprint))
    backlog = list(backlog_of(team).select_related("assignee")[:PLAN_PAGE]) if not sprint.is_closed else []
    capacity = sprint_capacity(sprint, calendar)
    points = sum(i.ticket.story_points or 0 for i in items)
    unestimated = [i for i in items if i.ticket.story_points is None]
    over = max(Decimal(points) - capacity.plannable, Decimal(0))
    return {
        "team": team, "sprint": sprint, "items": items, "backlog": backlog, "capacity": capacity,
        "planned_points": points, "unestimated": unestimated, "over": over, "calendar": calendar,
        "key_prefix": team.slug.upper(), "may_plan": can(request.membership, Action.MANAGE_WORK),  # type: ignore[attr-defined]
        "fill_percent": min(100, int(points * 100 / capacity.plannable)) if capacity.plannable else 100,
        **extra,
    }  # fmt: skip


def _budget(capacity: Any, items: list[Any], days: list[Any]) -> Budget | None:
    """Interrupt budget reserved vs used by the latest figures, and what the plan can no longer carry."""
    latest = next((d.figures for d in reversed(days) if d.figures), None)
    return interrupt_budget(capacity, items, latest) if latest is not None else None


@team_view()
def sprint_detail(request: TeamRequest, team: Team, number: int) -> HttpResponse:
    """A sprint: its plan against capacity, burndown and burn-up, interrupt budget and history."""
    sprint = _sprint(team, number)
    context = _plan_context(request, team, sprint)
    days = burndown(sprint, context["calendar"])
    context["days"] = days
    context["series"] = chart_series(days)
    context["budget"] = _budget(context["capacity"], context["items"], days)
    context["blockers"] = open_blockers(sprint)
    context["changes"] = list(
        SprintChange.objects.filter(sprint=sprint)
        .exclude(kind=ChangeKind.COMMITTED)
        .select_related("ticket", "by", "other_sprint")
        .order_by("-at", "-id")[:100]
    )
    return fragment_or_page(request, "planning/sprint_detail.html", "sprint-plan", context)


@require_POST
@team_view(Action.MANAGE_WORK)
def sprint_plan_move(request: TeamRequest, team: Team, number: int) -> HttpResponse:
    """A drag (or button) on the planning page: into the sprint, within it, or back to the backlog."""
    sprint = _sprint(team, number)
    form = PlanMoveForm(request.POST)
    status = 200
    if not form.is_valid():
        messages.error(request, "That move could not be read; the plan is shown as it is.")
        status = 422
    else:
        data = form.cleaned_data
        ticket = Ticket.objects.filter(team=team, pk=data["ticket"]).first()
        try:
            if ticket is None:
                raise RuleBroken("That ticket is not in this team's backlog.")
            in_sprint = sprint.items.filter(ticket=ticket).exists()
            if data["to"] == "sprint":
                if not in_sprint:
                    services.sprint_add(sprint=sprint, by=request.user, tickets=[ticket])
                services.sprint_reorder(sprint=sprint, ticket_id=ticket.pk, above_id=data["above"],
                                        below_id=data["below"])  # fmt: skip
            elif in_sprint:
                services.sprint_remove(sprint=sprint, by=request.user, ticket=ticket)
                services.backlog_move(team=team, ticket_id=ticket.pk, above_id=data["above"], below_id=data["below"])
        except RuleBroken as refused:
            messages.error(request, str(refused))
            status = 409
    sprint.refresh_from_db()
    context = _plan_context(request, team, sprint)
    return region_or_redirect(request, "planning/sprint_detail.html#sprint-plan", context,
                              page_url=reverse("planning:sprint", args=[team.slug, number]), status=status)  # fmt: skip


@require_POST
@team_view(Action.MANAGE_WORK)
def sprint_start(request: TeamRequest, team: Team, number: int) -> HttpResponse:
    sprint = _sprint(team, number)
    try:
        started = services.sprint_start(sprint=sprint, by=request.user)
    except RuleBroken as refused:
        messages.error(request, str(refused))
    else:
        messages.success(request, f"{started.name} started: {started.committed_points} points in "
                                  f"{started.committed_items} items committed.")  # fmt: skip
    return redirect("planning:sprint", team.slug, number)


@require_POST
@team_view(Action.MANAGE_WORK)
def sprint_edit(request: TeamRequest, team: Team, number: int) -> HttpResponse:
    sprint = _sprint(team, number)
    form = SprintForm(request.POST)
    if form.is_valid():
        try:
            services.sprint_update(
                sprint=sprint, by=request.user, expected_version=form.cleaned_data["version"] or 0,
                name=form.cleaned_data["name"], goal=form.cleaned_data["goal"],
                start_date=form.cleaned_data["start_date"],
                end_date=form.cleaned_data["end_date"] or sprint.end_date,
                focus_factor=form.cleaned_data["focus_factor"], interrupt_share=form.interrupt_share,
            )  # fmt: skip
        except StaleEdit as stale:
            refuse_stale(form, stale, what="this sprint")
        except RuleBroken as refused:
            form.add_refusal(refused)
    if form.errors:
        messages.error(request, " ".join(str(e) for errs in form.errors.values() for e in errs))
    else:
        messages.success(request, "Sprint saved.")
    return redirect("planning:sprint", team.slug, number)


@require_http_methods(["GET", "POST"])
@team_view(Action.MANAGE_WORK)
def sprint_close(request: TeamRequest, team: Team, number: int) -> HttpResponse:
    """Close an active sprint: per unfinished item, next sprint or back to the backlog."""
    sprint = _sprint(team, number)
    unfinished = [i for i in items_of(sprint) if i.ticket.status != "resolved"]
    form = CloseForm(request.POST or None, unfinished=unfinished)
    if request.method == "POST" and form.is_valid():
        try:
            result = services.sprint_close(sprint=sprint, by=request.user, fates=form.fates(),  # type: ignore[arg-type]
                                           goal_met=form.cleaned_data["goal_met"])  # fmt: skip
        except RuleBroken as refused:
            messages.error(request, str(refused))
            return redirect("planning:sprint", team.slug, number)
        snapshots_write([result.sprint])
        said = f"{result.sprint.name} closed."
        if result.carried and result.next_sprint:
            said += f" {len(result.carried)} item(s) carried over to {result.next_sprint.name}."
        if result.returned:
            said += f" {len(result.returned)} back in the backlog."
        messages.success(request, said)
        target = result.next_sprint or result.sprint
        return redirect("planning:sprint", team.slug, target.number)
    context = {"team": team, "sprint": sprint, "form": form, "unfinished": unfinished, "key_prefix": team.slug.upper()}
    return render(request, "planning/sprint_close.html", context, status=422 if form.errors else 200)


@team_view()
def sprint_board(request: TeamRequest, team: Team, number: int) -> HttpResponse:
    """The sprint board is the team's board with the sprint's scope and interrupt lane."""
    return redirect(sprint_board_url(_sprint(team, number)))


@team_view()
def sprint_csv(request: TeamRequest, team: Team, number: int) -> HttpResponse:
    """The burndown's numbers, one row per day, as CSV."""
    sprint = _sprint(team, number)
    days = burndown(sprint, BusinessCalendar.for_team(team))
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{team.slug}-sprint-{sprint.number}.csv"'
    out = csv.writer(response)
    out.writerow(["day", "working_day", "ideal", "committed_remaining", "remaining", "scope", "completed",
                  "added_total", "removed_total", "reactive_points", "reactive_items", "live"])  # fmt: skip
    for d in days:
        f = d.figures
        out.writerow([d.day.isoformat(), int(d.working), d.ideal] + (
            [f.committed_remaining, f.remaining_points, f.scope_points, f.completed_points, f.added_points,
             f.removed_points, f.reactive_points, f.reactive_items, int(d.live)] if f else [""] * 9
        ))  # fmt: skip
    return response


@team_view()
def project_sprints(request: TeamRequest, team: Team, pk: int) -> HttpResponse:
    """The project page's region: the team's sprints that carry this project's tickets, with their share."""
    project = get_object_or_404(Project, team=team, pk=pk)
    sprints = list(
        Sprint.objects.filter(team=team, items__ticket__project=project)
        .annotate(
            project_items=Count("items", filter=Q(items__ticket__project=project)),
            project_done=Count("items", filter=Q(items__ticket__project=project, items__ticket__status="resolved")),
            project_points=Sum("items__ticket__story_points", filter=Q(items__ticket__project=project)),
        )
        .order_by("-start_date")[:6]
    )
    context = {"team": team, "project": project, "sprints": sprints, "current_section": "projects:list"}
    return fragment_or_page(request, "planning/project_sprints.html", "project-sprints", context)
