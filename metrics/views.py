"""The dashboard (tiles with trends, weekly charts, backlog, breaches), the definitions page and CSV exports.

Every member of a team reads its dashboard: agents and viewers see the same
figures as leads and managers (the numbers are the team's, not anyone's
private view); several teams at once for people who belong to each of them.
"""

from __future__ import annotations

import csv
from datetime import date, datetime, time, timedelta
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from core.errors import RuleBroken, StaleEdit
from core.htmx import fragment_or_page
from core.stale import refuse_stale
from metrics import flow, read
from metrics.definitions import BY_KEY, METRICS, UNITS, VERSION
from metrics.display import trend as trend_of
from metrics.display import value_text
from metrics.forms import DashboardFilters, GoalForm, GoalStatusForm
from metrics.goals import GoalDraft, goal_confirm, goal_create, may_confirm, sparkline
from metrics.models import DurationKind, Goal
from metrics.roi import project_returns
from planning.standups import open_blockers_of_teams
from projects.models import Project
from projects.services import budget_of
from teams.calendar import team_today
from teams.models import Team
from teams.permissions import Action, can
from teams.views import team_view
from tickets.choices import Priority, Status

TILES = ("sla_frt", "sla_resolution", "frt_median", "frt_p90", "resolution_median", "resolution_p90", "csat",
         "response_rate", "backlog_size", "backlog_age_median", "throughput", "reopen_rate", "one_touch",
         "ever_breached")  # fmt: skip
SECTION = {"current_section": "dashboard"}


def _filters(request: HttpRequest, team: Team) -> DashboardFilters:
    teams = list(Team.objects.filter(memberships__user_id=request.user.pk or 0).order_by("name"))
    today = team_today(team)
    data = request.GET if request.GET else None
    return DashboardFilters(data, teams=teams, current=team, today=today)


def _detail(key: str, values: dict[str, Any]) -> str:
    """What a tile's value was computed over."""
    c, d = values["_counts"], values["_durations"]
    return {
        "sla_frt": f"{c.frt_met} met, {c.frt_breached} breached",
        "sla_resolution": f"{c.res_met} met, {c.res_breached} breached",
        "frt_median": f"over {d['frt'].count} first replies", "frt_p90": f"over {d['frt'].count} first replies",
        "resolution_median": f"over {d['resolution'].count} resolutions",
        "resolution_p90": f"over {d['resolution'].count} resolutions",
        "csat": f"{c.answers_positive} of {c.answers} answers scored 4–5",
        "response_rate": f"{c.surveys_sent_answered} of {c.surveys_sent} surveys answered",
        "backlog_size": "open now", "backlog_age_median": "open tickets, now",
        "throughput": f"{c.resolved} resolutions", "reopen_rate": f"{c.first_resolved_reopened} of {c.first_resolved}",
        "one_touch": f"{c.first_resolved_one_touch} of {c.first_resolved}",
        "ever_breached": f"{c.first_resolved_breached} of {c.first_resolved}",
    }.get(key, "")  # fmt: skip


def _hours(seconds: float | None) -> float | None:
    return round(seconds / 3600, 2) if seconds is not None else None


def _flow(scope: read.Scope, backlog: read.Backlog, cycle: read.Stats, today: date, now: datetime) -> dict[str, Any]:
    """Cumulative flow, cycle times, ageing work in progress and workload, with their chart series (one query
    each)."""
    days = flow.cumulative_flow(scope, backlog.counts)
    cycles = flow.cycle_times(scope, cycle)
    ageing = flow.ageing_wip(scope, today, now)
    statuses = [Status.IN_PROGRESS.label, Status.WAITING.label, Status.ESCALATED.label]
    series: dict[str, Any] = {
        "labels": [d.day.strftime("%d %b") for d in days],
        "resolved": [d.resolved for d in days],
        **{str(s): [d.open[s] for d in days] for s in flow.FLOW_STATUSES},
        "names": {s: Status(s).label for s in flow.FLOW_STATUSES},
        "cycle": [{"x": (d - scope.first).days, "y": y, "key": k} for d, y, k in cycles.dots],
        "cycle_p50": cycles.p50, "cycle_p85": cycles.p85, "days": len(days),
        "ageing": [{"x": statuses.index(s), "y": y, "key": k} for s, y, k in ageing.dots],
        "ageing_statuses": statuses, "ageing_p85": ageing.threshold_days,
    }  # fmt: skip
    return {"flow_days": days, "cycles": cycles, "ageing": ageing, "workload": flow.workload(scope),
            "flow_series": series}  # fmt: skip


def dashboard_data(scope: read.Scope, now: datetime, today: date | None = None) -> dict[str, Any]:
    """Everything the dashboard shows for a scope: the page, its regions and the CSV files read this."""
    backlog = read.backlog_now(scope, now)
    both = read.tiles(scope, now, backlog)
    values, before = both.values, both.before
    tiles = []
    for key in TILES:
        metric = BY_KEY[key]
        tiles.append({
            "metric": metric, "value": values[key], "text": value_text(metric, values[key]),
            "trend": trend_of(metric, values[key], before[key]), "detail": _detail(key, values),
        })  # fmt: skip
    weeks = read.weekly(scope)
    series: dict[str, list[Any]] = {
        "labels": [w.monday.strftime("%d %b") for w in weeks],
        "sla_frt": [read.ratio(w.counts.frt_met, w.counts.frt_met + w.counts.frt_breached) for w in weeks],
        "sla_resolution": [read.ratio(w.counts.res_met, w.counts.res_met + w.counts.res_breached) for w in weeks],
        "frt_hours": [_hours(w.frt_median) for w in weeks],
        "resolution_hours": [_hours(w.resolution_median) for w in weeks],
        "csat": [read.ratio(w.counts.answers_positive, w.counts.answers) for w in weeks],
        "answers": [w.counts.answers for w in weeks],
        "created": [w.counts.created for w in weeks],
        "resolved": [w.counts.resolved for w in weeks],
    }
    week_rows = [
        {"monday": w.monday, "sla_frt": series["sla_frt"][n], "frt_n": w.counts.frt_met + w.counts.frt_breached,
         "sla_res": series["sla_resolution"][n], "res_n": w.counts.res_met + w.counts.res_breached,
         "frt_hours": series["frt_hours"][n], "res_hours": series["resolution_hours"][n], "csat": series["csat"][n],
         "answers": w.counts.answers, "sent": w.counts.surveys_sent, "created": w.counts.created,
         "resolved": w.counts.resolved, "reopened": w.counts.reopened}
        for n, w in enumerate(weeks)
    ]  # fmt: skip
    priorities = [
        {"label": Priority(p).label, "frt": read.ratio(c.frt_met, c.frt_met + c.frt_breached),
         "frt_n": c.frt_met + c.frt_breached, "res": read.ratio(c.res_met, c.res_met + c.res_breached),
         "res_n": c.res_met + c.res_breached}
        for p, c in read.by_priority(scope)
    ]  # fmt: skip
    zone = timezone.get_current_timezone()
    start = datetime.combine(scope.first, time(0), tzinfo=zone) - timedelta(hours=14)
    end = datetime.combine(scope.last + timedelta(days=1), time(0), tzinfo=zone) + timedelta(hours=14)
    return {
        "scope": scope, "tiles": tiles, "weeks": weeks, "week_rows": week_rows, "series": series, "backlog": backlog,
        "priorities": priorities, "breaches": read.recent_breaches(scope, start, end),
        "goals": goal_rows(scope.team_ids),
        "blockers": open_blockers_of_teams(scope.team_ids),
        **_flow(scope, backlog, values["_durations"][DurationKind.CYCLE], today or scope.last, now),
    }  # fmt: skip


@team_view()
def dashboard(request: HttpRequest, team: Team) -> HttpResponse:
    form = _filters(request, team)
    scope = form.scope()
    status = 400 if form.is_bound and not form.is_valid() else 200
    teams = {t.pk: t for t in form.team_objects.values()}
    context = {
        "team": team, "form": form, "scope_teams": [teams[pk] for pk in scope.team_ids if pk in teams],
        "query": request.GET.urlencode(), "version": VERSION, **SECTION,
        **dashboard_data(scope, timezone.now(), form.today),
    }  # fmt: skip
    return fragment_or_page(request, "metrics/dashboard.html", "dashboard-body", context, status=status)


@team_view()
def definitions(request: HttpRequest, team: Team) -> HttpResponse:
    return render(request, "metrics/definitions.html",
                  {"team": team, "metrics": METRICS, "version": VERSION, "units": UNITS, **SECTION})  # fmt: skip


def _ticket_url(ticket: Any) -> str:
    return reverse("tickets:detail", args=[ticket.team.slug, ticket.number])


def _csv(name: str, header: list[str], rows: list[list[Any]]) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    writer = csv.writer(response)
    writer.writerow(header)
    writer.writerows(rows)
    return response


@team_view()
def dashboard_csv(request: HttpRequest, team: Team, table: str) -> HttpResponse:
    """A table of the dashboard as CSV, for the same filters; the same numbers as the page."""
    form = _filters(request, team)
    if form.is_bound and not form.is_valid():
        return HttpResponse(" ".join(str(e) for errs in form.errors.values() for e in errs), status=400,
                            content_type="text/plain; charset=utf-8")  # fmt: skip
    scope = form.scope()
    data = dashboard_data(scope, timezone.now(), form.today)
    stem = f"{team.slug}-{scope.first}-{scope.last}-{table}"
    if table == "tiles":
        rows = [[t["metric"].key, t["metric"].name, "" if t["value"] is None else t["value"], t["text"],
                 t["trend"]["before"] if t["trend"] else "", t["trend"]["text"] if t["trend"] else "", t["detail"]]
                for t in data["tiles"]]  # fmt: skip
        return _csv(stem, ["metric", "name", "value", "as shown", "previous period", "change", "over"], rows)
    if table == "weekly":
        rows = [[w["monday"].isoformat(), w["sla_frt"], w["frt_n"], w["sla_res"], w["res_n"], w["frt_hours"],
                 w["res_hours"], w["csat"], w["answers"], w["sent"], w["created"], w["resolved"], w["reopened"]]
                for w in data["week_rows"]]  # fmt: skip
        return _csv(stem, ["week from", "first-response SLA %", "first-response targets", "resolution SLA %",
                           "resolution targets", "median first response h", "median resolution h", "CSAT %",
                           "answers", "surveys sent", "created", "resolved", "reopened"], rows)  # fmt: skip
    if table == "priorities":
        rows = [[p["label"], p["frt"], p["frt_n"], p["res"], p["res_n"]] for p in data["priorities"]]
        return _csv(stem, ["priority", "first-response SLA %", "targets", "resolution SLA %", "targets"], rows)
    if table == "backlog":
        b = data["backlog"]
        rows = [["age", label, n] for label, n in b.buckets] + [["status", label, n] for label, n in b.by_status]
        return _csv(stem, ["by", "group", "open tickets"], rows)
    if table == "breaches":
        rows = [[o.decided_at.isoformat(), o.ticket.key, o.ticket.title, o.get_target_display(), o.policy_name,
                 o.get_priority_display(), request.build_absolute_uri(_ticket_url(o.ticket))]
                for o in data["breaches"]]  # fmt: skip
        return _csv(stem, ["breached at", "ticket", "title", "target", "policy", "priority", "link"], rows)
    if table == "flow":
        names = [Status(s).label for s in flow.FLOW_STATUSES]
        rows = [[d.day.isoformat(), d.arrived, *[d.open[s] for s in flow.FLOW_STATUSES], d.resolved]
                for d in data["flow_days"]]  # fmt: skip
        return _csv(stem, ["day", "arrived so far", *names, "resolved so far"], rows)
    if table == "cycle":
        rows = [[d.isoformat(), key, days] for d, days, key in data["cycles"].dots]
        return _csv(stem, ["resolved on", "ticket", "cycle time, days"], rows)
    if table == "ageing":
        a = data["ageing"]
        rows = [[label, n, over, oldest, a.threshold_days] for label, n, over, oldest in a.by_status]
        return _csv(stem, ["status", "started tickets", "older than the 85th percentile", "oldest, days",
                           "85th percentile of recent cycle times, days"], rows)  # fmt: skip
    if table == "workload":
        rows = [[w.name, w.open, w.wip, w.sprint_points] for w in data["workload"]]
        return _csv(stem, ["person", "open tickets", "in progress or escalated", "open points in the sprint"], rows)
    raise Http404("No such table.")


# --- Goals ---------------------------------------------------------------------------------------------------


def _goal(team: Team, pk: int) -> Goal:
    return get_object_or_404(Goal.objects.select_related("owner", "project", "confirmed_by"), team=team, pk=pk)


def goal_rows(team_ids: tuple[int, ...]) -> list[dict[str, Any]]:
    """The goals of these teams with their sparklines (one query)."""
    goals = list(
        Goal.objects.filter(team_id__in=team_ids).select_related("owner", "team", "project").order_by("deadline", "id")
    )
    rows = []
    for g in goals:
        metric = BY_KEY[g.metric]
        rows.append({"goal": g, "metric": metric, "spark": sparkline(g),
                     "baseline": value_text(metric, g.baseline), "current": value_text(metric, g.current),
                     "target": value_text(metric, g.target)})  # fmt: skip
    return rows


SMART = (
    ("S", "Specific", ("metric",), "A metric from the definitions, with its filters."),
    ("M", "Measurable", ("baseline_first", "baseline_last", "window_days"), "A baseline computed from data."),
    ("A", "Achievable", ("target_input", "target_kind"), "A target the metric can reach, in its better direction."),
    ("R", "Relevant", ("project", "owner"), "This team, or one of its projects, with an owner."),
    ("T", "Time-bound", ("start", "deadline"), "A deadline in the future, after the start."),
)


def smart_checks(form: GoalForm) -> list[dict[str, Any]]:
    """Each letter of SMART: holds, fails (with what the form said), or not checked yet."""
    out = []
    for letter, word, names, meaning in SMART:
        errors = [str(e) for n in names for e in form.errors.get(n, [])]
        state = "unchecked" if not form.is_bound else ("fail" if errors else "ok")
        out.append({"letter": letter, "word": word, "meaning": meaning, "state": state, "errors": errors})
    return out


@require_http_methods(["GET", "POST"])
@team_view(Action.MANAGE_WORK)
def goal_new(request: HttpRequest, team: Team) -> HttpResponse:
    today = team_today(team)
    project = request.GET.get("project", "")
    form = GoalForm(request.POST or None, team=team, today=today,
                    initial={"project": int(project)} if project.isdigit() else {})  # fmt: skip
    status = 200
    if request.method == "POST":
        if form.is_valid():
            d = form.cleaned_data
            draft = GoalDraft(
                name=d["name"], metric=d["metric"], target_kind=d["target_kind"], target_input=d["target_input"],
                start=d["start"], deadline=d["deadline"], baseline_first=d["baseline_first"],
                baseline_last=d["baseline_last"], window_days=d["window_days"], owner=d["owner"],
                project=d["project"], priority=d["priority"], channel=d["channel"],
            )  # fmt: skip
            try:
                goal = goal_create(team=team, by=request.user, draft=draft)  # type: ignore[arg-type]
            except RuleBroken as refused:
                form.add_refusal(refused)
            else:
                metric = BY_KEY[goal.metric]
                messages.success(request, f"Goal saved: {metric.name} from a baseline of "
                                          f"{value_text(metric, goal.baseline)} to {value_text(metric, goal.target)} "
                                          f"by {goal.deadline:%-d %b %Y}.")  # fmt: skip
                return redirect("metrics:goal", team.slug, goal.pk)
        status = 400
    return render(request, "metrics/goal_form.html",
                  {"team": team, "form": form, "smart": smart_checks(form), **SECTION}, status=status)  # fmt: skip


@team_view()
def goal_detail(request: HttpRequest, team: Team, pk: int) -> HttpResponse:
    goal = _goal(team, pk)
    return render(request, "metrics/goal.html", _goal_context(request, team, goal))


def _goal_context(request: HttpRequest, team: Team, goal: Goal, form: GoalStatusForm | None = None) -> dict[str, Any]:
    metric = BY_KEY[goal.metric]
    points = list(goal.points.order_by("day"))
    membership = request.membership  # type: ignore[attr-defined]
    return {
        "team": team, "goal": goal, "metric": metric, "points": points,
        "rows": [{"day": p.day, "value": value_text(metric, p.value), "expected": value_text(metric, p.expected)}
                 for p in reversed(points)],
        "spark": sparkline(goal, width=560, height=120),
        "baseline": value_text(metric, goal.baseline), "target": value_text(metric, goal.target),
        "current": value_text(metric, goal.current),
        "may_confirm": may_confirm(goal, membership, can(membership, Action.MANAGE_WORK)),
        "form": form or GoalStatusForm(initial={"status": goal.confirmed, "comment": goal.confirmed_comment,
                                                "version": goal.version}),
        **SECTION,
    }  # fmt: skip


@require_POST
@team_view()
def goal_status(request: HttpRequest, team: Team, pk: int) -> HttpResponse:
    goal = _goal(team, pk)
    membership = request.membership  # type: ignore[attr-defined]
    if not may_confirm(goal, membership, can(membership, Action.MANAGE_WORK)):
        raise PermissionDenied("Only the goal's owner or a lead confirms its status.")
    form = GoalStatusForm(request.POST)
    if form.is_valid():
        try:
            goal = goal_confirm(goal=goal, by=membership, expected_version=form.cleaned_data["version"],
                                status=form.cleaned_data["status"], comment=form.cleaned_data["comment"])  # fmt: skip
        except StaleEdit as stale:
            refuse_stale(form, stale, what="this goal's status")
        except RuleBroken as refused:
            form.add_refusal(refused)
        else:
            messages.success(request, f"Status of “{goal.name}”: {goal.get_status_display()}.")
            return redirect("metrics:goal", team.slug, goal.pk)
    goal.refresh_from_db()
    return render(request, "metrics/goal.html", _goal_context(request, team, goal, form), status=400)


@team_view()
def project_goals(request: HttpRequest, team: Team, pk: int) -> HttpResponse:
    """The project page's region: its goals with their progress, and its return (ROI) around the launch."""
    project = get_object_or_404(Project, team=team, pk=pk)
    context = {
        "team": team, "project": project, "returns": project_returns(project, team_today(team)),
        "budget": budget_of(project), **SECTION, "current_section": "projects:list",
    }  # fmt: skip
    return fragment_or_page(request, "metrics/project_goals.html", "project-goals", context)
