"""The dashboard (tiles with trends, weekly charts, backlog, breaches), the definitions page and CSV exports.

Every member of a team reads its dashboard: agents and viewers see the same
figures as leads and managers (the numbers are the team's, not anyone's
private view); several teams at once for people who belong to each of them.
"""

from __future__ import annotations

import csv
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from core.htmx import fragment_or_page
from metrics import read
from metrics.definitions import BY_KEY, METRICS, UNITS, VERSION
from metrics.display import duration_text, value_text
from metrics.display import trend as trend_of
from metrics.forms import DashboardFilters
from teams.models import Team
from teams.views import team_view
from tickets.choices import Priority

TILES = ("sla_frt", "sla_resolution", "frt_median", "frt_p90", "resolution_median", "resolution_p90", "csat",
         "response_rate", "backlog_size", "backlog_age_median", "throughput", "reopen_rate", "one_touch",
         "ever_breached")  # fmt: skip
SECTION = {"current_section": "dashboard"}


def _filters(request: HttpRequest, team: Team) -> DashboardFilters:
    teams = list(Team.objects.filter(memberships__user_id=request.user.pk or 0).order_by("name"))
    today = timezone.now().astimezone(ZoneInfo(team.time_zone or "UTC")).date()
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


def _pct(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def dashboard_data(scope: read.Scope, now: datetime) -> dict[str, Any]:
    """Everything the dashboard shows for a scope: the page, its regions and the CSV files read this."""
    backlog = read.backlog_now(scope, now)
    values = read.period_values(scope, now, backlog=backlog)
    before = read.period_values(scope.previous(), now, backlog=backlog)
    before["backlog_size"] = read.backlog_before(scope, backlog.size)
    before["backlog_age_median"] = None  # ages are known for now only
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
        "sla_frt": [_pct(w.counts.frt_met, w.counts.frt_met + w.counts.frt_breached) for w in weeks],
        "sla_resolution": [_pct(w.counts.res_met, w.counts.res_met + w.counts.res_breached) for w in weeks],
        "frt_hours": [_hours(w.frt_median) for w in weeks],
        "resolution_hours": [_hours(w.resolution_median) for w in weeks],
        "csat": [_pct(w.counts.answers_positive, w.counts.answers) for w in weeks],
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
        {"label": Priority(p).label, "frt": _pct(c.frt_met, c.frt_met + c.frt_breached),
         "frt_n": c.frt_met + c.frt_breached, "res": _pct(c.res_met, c.res_met + c.res_breached),
         "res_n": c.res_met + c.res_breached}
        for p, c in read.by_priority(scope)
    ]  # fmt: skip
    zone = timezone.get_current_timezone()
    start = datetime.combine(scope.first, time(0), tzinfo=zone) - timedelta(hours=14)
    end = datetime.combine(scope.last + timedelta(days=1), time(0), tzinfo=zone) + timedelta(hours=14)
    return {
        "scope": scope, "tiles": tiles, "weeks": weeks, "week_rows": week_rows, "series": series, "backlog": backlog,
        "priorities": priorities, "breaches": read.recent_breaches(scope, start, end),
    }  # fmt: skip


@team_view()
def dashboard(request: HttpRequest, team: Team) -> HttpResponse:
    form = _filters(request, team)
    scope = form.scope()
    status = 400 if form.is_bound and not form.is_valid() else 200
    teams = {t.pk: t for t in form.team_objects.values()}
    context = {
        "team": team, "form": form, "scope_teams": [teams[pk] for pk in scope.team_ids if pk in teams],
        "query": request.GET.urlencode(), "version": VERSION, **SECTION, **dashboard_data(scope, timezone.now()),
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
    data = dashboard_data(scope, timezone.now())
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
    raise Http404("No such table.")


__all__ = ["dashboard", "dashboard_csv", "definitions", "duration_text"]
