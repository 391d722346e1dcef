"""A project's plan (phases, deliverables, gates, milestones and the timeline) and its RACI matrix."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from core.errors import RuleBroken, StaleEdit
from core.htmx import region_or_redirect
from core.stale import refuse_stale
from projects import phases, raci
from projects.forms import (
    BaselineForm,
    DeliverableForm,
    GateForm,
    MilestoneForm,
    PhaseForm,
    RaciCycleForm,
    RaciRowForm,
    RemarkForm,
    ReplanForm,
    TickForm,
    WaiveForm,
)
from projects.models import Deliverable, Phase, Project, RaciCell, RaciRow
from teams.http import TeamRequest
from teams.models import Team
from teams.permissions import Action, can
from teams.views import team_view

SECTION = {"current_section": "projects:list"}


def _project(team: Team, pk: int) -> Project:
    return get_object_or_404(Project.objects.select_related("owner", "team"), team=team, pk=pk)


def timeline(
    plan: list[dict[str, Any]], milestones: list[Any], today: date, width: int = 900,
    baseline: dict[int, tuple[date, date]] | None = None,
) -> dict[str, Any] | None:  # fmt: skip
    """Gantt geometry, server-side: a bar per phase (planned, and actual over it), the baseline's bar as a
    ghost, deliverable due marks, milestones, today's line and month ticks. Readable without JavaScript and
    printable."""
    if not plan:
        return None
    baseline = baseline or {}
    starts = [p["phase"].planned_start for p in plan] + [m.date for m in milestones]
    starts += [b[0] for b in baseline.values()]
    ends = [max(p["phase"].planned_end, p["phase"].actual_end or p["phase"].planned_end) for p in plan]
    ends += [b[1] for b in baseline.values()]
    ends += [m.date for m in milestones] + [d.due for p in plan for d in p["deliverables"] if d.due]
    first, last = min(starts) - timedelta(days=3), max([*ends, today]) + timedelta(days=3)
    days = max(1, (last - first).days)
    label_w, row_h = 170, 34

    def x(day: date) -> float:
        return round(label_w + (day - first).days / days * (width - label_w - 10), 1)

    rows = []
    for n, item in enumerate(plan):
        p = item["phase"]
        top = 30 + n * row_h
        actual_end = p.actual_end or (today if p.actual_start and not p.closed else None)
        slip = ((p.actual_end or today) - p.planned_end).days if (p.closed or today > p.planned_end) else 0
        marks = [
            {"x": x(d.due), "late": not d.settled and d.due < today, "title": d.title, "due": d.due}
            for d in item["deliverables"] if d.due
        ]  # fmt: skip
        ghost = baseline.get(p.pk)
        rows.append({
            "ghost_x": x(ghost[0]) if ghost else None,
            "ghost_w": max(2.0, x(ghost[1]) - x(ghost[0])) if ghost else None,
            "moved": (p.planned_end - ghost[1]).days if ghost else None,
            "phase": p, "y": top, "bar_x": x(p.planned_start), "bar_w": max(2.0, x(p.planned_end) - x(p.planned_start)),
            "actual_x": x(p.actual_start) if p.actual_start else None,
            "actual_w": max(2.0, x(actual_end) - x(p.actual_start)) if p.actual_start and actual_end else None,
            "slip": slip, "late": slip > 0, "marks": marks,
        })  # fmt: skip
    ticks, month = [], date(first.year, first.month, 1)
    while month <= last:
        if month >= first:
            ticks.append({"x": x(month), "label": month.strftime("%b %Y" if month.month == 1 else "%b")})
        month = date(month.year + (month.month // 12), month.month % 12 + 1, 1)
    height = 40 + len(plan) * row_h
    return {
        "width": width, "height": height, "rows": rows, "ticks": ticks, "label_w": label_w,
        "today_x": x(today) if first <= today <= last else None, "today": today,
        "px_per_day": round((width - label_w - 10) / days, 4),
        "milestones": [{"x": x(m.date), "name": m.name, "date": m.date, "reached": m.reached_at} for m in milestones],
    }  # fmt: skip


def _plan_context(request: TeamRequest, team: Team, project: Project, **extra: Any) -> dict[str, Any]:
    manages = can(request.membership, Action.MANAGE_WORK)  # type: ignore[attr-defined]
    plan = phases.plan_of(project)
    milestones = list(project.milestones.all())
    today = timezone.localdate()
    baselines = list(project.baselines.all())
    chosen_id = request.GET.get("baseline", "")
    chosen = next((b for b in baselines if str(b.pk) == chosen_id), baselines[0] if baselines else None)
    for item in plan:
        accountable = item["accountable"]
        item["may_decide"] = project.owner_id == request.user.pk or (
            accountable is not None and accountable.pk == request.user.pk
        )
        item["open"] = [d.title for d in item["deliverables"] if not d.settled]
        for d in item["deliverables"]:
            d.may_tick = phases.may_tick(d, request.membership, manages)  # type: ignore[attr-defined, arg-type]
    return {
        "team": team, "project": project, "plan": plan, "milestones": milestones, "manages": manages,
        "timeline": timeline(plan, milestones, today, baseline=phases.baseline_phases(chosen)), "today": today,
        "baselines": baselines, "baseline": chosen, "baseline_form": extra.pop("baseline_form", None) or BaselineForm(),
        "phase_form": extra.pop("phase_form", None) or PhaseForm(auto_id="phase_%s"),
        "owner_choices": list(DeliverableForm(team=team).fields["owner"].choices),  # type: ignore[attr-defined]
        "milestone_form": extra.pop("milestone_form", None) or MilestoneForm(auto_id="milestone_%s"),
        "gate_form": GateForm(), **SECTION, **extra,
    }  # fmt: skip


@team_view()
def plan(request: TeamRequest, team: Team, pk: int) -> HttpResponse:
    project = _project(team, pk)
    return render(request, "projects/plan.html", _plan_context(request, team, project))


def _back(team: Team, project: Project, anchor: str = "") -> HttpResponse:
    response = redirect("projects:plan", team.slug, project.pk)
    if anchor:
        response["Location"] += f"#{anchor}"
    return response


def _refused(request: TeamRequest, team: Team, project: Project, message: str, status: int = 400) -> HttpResponse:
    messages.error(request, message)
    return render(request, "projects/plan.html", _plan_context(request, team, project), status=status)


def _errors(form: Any) -> str:
    return " ".join(str(e) for errs in form.errors.values() for e in errs)


@require_POST
@team_view(Action.MANAGE_WORK)
def phases_default(request: TeamRequest, team: Team, pk: int) -> HttpResponse:
    project = _project(team, pk)
    created = phases.phases_default(project=project)
    messages.success(request, f"{len(created)} phases planned, two weeks each from the project's start.")
    return _back(team, project)


@require_POST
@team_view(Action.MANAGE_WORK)
def phase_add(request: TeamRequest, team: Team, pk: int) -> HttpResponse:
    project = _project(team, pk)
    form = PhaseForm(request.POST, auto_id="phase_%s")
    if form.is_valid():
        try:
            phases.phase_add(project=project, **form.cleaned_data)
        except RuleBroken as refused:
            form.add_refusal(refused)
        else:
            messages.success(request, f"Phase “{form.cleaned_data['name']}” added.")
            return _back(team, project)
    return _refused(request, team, project, _errors(form))


@require_POST
@team_view(Action.MANAGE_WORK)
def phase_replan(request: TeamRequest, team: Team, pk: int, phase_id: int) -> HttpResponse:
    project = _project(team, pk)
    phase = get_object_or_404(Phase, project=project, pk=phase_id)
    form = ReplanForm(request.POST)
    if not form.is_valid():
        return _refused(request, team, project, _errors(form))
    d = form.cleaned_data
    try:
        phases.phase_replan(phase=phase, expected_version=d["version"], planned_start=d["planned_start"],
                            planned_end=d["planned_end"])  # fmt: skip
    except StaleEdit as stale:
        refuse_stale(form, stale, what="this phase")
        return _refused(request, team, project, _errors(form), status=409)
    except RuleBroken as refused:
        form.add_refusal(refused)
        return _refused(request, team, project, _errors(form))
    messages.success(request, f"“{phase.name}” re-planned: {d['planned_start']:%-d %b} – {d['planned_end']:%-d %b %Y}.")
    return _back(team, project, f"phase-{phase.pk}")


@require_POST
@team_view(Action.MANAGE_WORK)
def deliverable_add(request: TeamRequest, team: Team, pk: int, phase_id: int) -> HttpResponse:
    project = _project(team, pk)
    phase = get_object_or_404(Phase.objects.select_related("project"), project=project, pk=phase_id)
    form = DeliverableForm(request.POST, team=team)
    if form.is_valid():
        try:
            phases.deliverable_add(phase=phase, **form.cleaned_data)
        except RuleBroken as refused:
            form.add_refusal(refused)
        else:
            return _back(team, project, f"phase-{phase.pk}")
    return _refused(request, team, project, _errors(form))


def _deliverable(project: Project, deliverable_id: int) -> Deliverable:
    return get_object_or_404(Deliverable.objects.select_related("phase"), phase__project=project, pk=deliverable_id)


@require_POST
@team_view(Action.WORK_TICKETS)
def deliverable_tick(request: TeamRequest, team: Team, pk: int, deliverable_id: int) -> HttpResponse:
    """Done or not done: leads and managers any deliverable, agents the ones they own."""
    project = _project(team, pk)
    deliverable = _deliverable(project, deliverable_id)
    if not phases.may_tick(deliverable, request.membership, can(request.membership, Action.MANAGE_WORK)):  # type: ignore[attr-defined, arg-type]
        raise PermissionDenied("Agents tick the deliverables they own.")
    form = TickForm(request.POST)
    if not form.is_valid():
        return _refused(request, team, project, "That change could not be read.")
    try:
        phases.deliverable_tick(deliverable=deliverable, by=request.user, expected_version=form.cleaned_data["version"],  # type: ignore[arg-type]
                                done=form.cleaned_data["done"])  # fmt: skip
    except StaleEdit:
        return _refused(request, team, project, f"Someone changed “{deliverable.title}” meanwhile; it shows as it "
                        "is now.", status=409)  # fmt: skip
    except RuleBroken as refused:
        return _refused(request, team, project, str(refused))
    return _back(team, project, f"phase-{deliverable.phase_id}")


@require_POST
@team_view(Action.MANAGE_WORK)
def deliverable_waive(request: TeamRequest, team: Team, pk: int, deliverable_id: int) -> HttpResponse:
    project = _project(team, pk)
    deliverable = _deliverable(project, deliverable_id)
    form = WaiveForm(request.POST)
    if not form.is_valid():
        return _refused(request, team, project, "A waived deliverable needs a reason: the gate review reads it.")
    try:
        phases.deliverable_waive(deliverable=deliverable, expected_version=form.cleaned_data["version"],
                                 reason=form.cleaned_data["reason"])  # fmt: skip
    except StaleEdit:
        return _refused(request, team, project, f"Someone changed “{deliverable.title}” meanwhile.", status=409)
    except RuleBroken as refused:
        return _refused(request, team, project, str(refused))
    return _back(team, project, f"phase-{deliverable.phase_id}")


@require_POST
@team_view()
def gate_decide(request: TeamRequest, team: Team, pk: int, phase_id: int) -> HttpResponse:
    """The phase's Accountable or the project owner decides; anyone else is refused (whatever their role)."""
    project = _project(team, pk)
    phase = get_object_or_404(Phase, project=project, pk=phase_id)
    if not phases.may_decide(phase, request.user):  # type: ignore[arg-type]
        raise PermissionDenied("Only the phase's Accountable or the project owner decides its gate.")
    form = GateForm(request.POST)
    if not form.is_valid():
        return _refused(request, team, project, _errors(form))
    try:
        gate = phases.gate_decide(phase=phase, by=request.user, **form.cleaned_data)  # type: ignore[arg-type]
    except RuleBroken as refused:
        return _refused(request, team, project, str(refused))
    messages.success(request, f"Gate of “{phase.name}”: {gate.get_decision_display().lower()}."
                     + (" The phase is closed." if gate.decision != "rejected" else ""))  # fmt: skip
    return _back(team, project, f"phase-{phase.pk}")


@require_POST
@team_view(Action.WORK_TICKETS)
def gate_request(request: TeamRequest, team: Team, pk: int, phase_id: int) -> HttpResponse:
    project = _project(team, pk)
    phase = get_object_or_404(Phase.objects.select_related("project", "project__team"), project=project, pk=phase_id)
    try:
        told = phases.gate_request(phase=phase, by=request.user)  # type: ignore[arg-type]
    except RuleBroken as refused:
        return _refused(request, team, project, str(refused))
    messages.success(request, f"Gate review of “{phase.name}” requested ({told} told).")
    return _back(team, project, f"phase-{phase.pk}")


@require_POST
@team_view(Action.MANAGE_WORK)
def baseline_save(request: TeamRequest, team: Team, pk: int) -> HttpResponse:
    project = _project(team, pk)
    form = BaselineForm(request.POST)
    if form.is_valid():
        try:
            baseline = phases.baseline_save(project=project, by=request.user, name=form.cleaned_data["name"])  # type: ignore[arg-type]
        except RuleBroken as refused:
            form.add_refusal(refused)
        else:
            messages.success(request, f"Baseline “{baseline.name}” saved: the timeline compares with it.")
            return redirect(reverse("projects:plan", args=[team.slug, project.pk]) + f"?baseline={baseline.pk}")
    return _refused(request, team, project, _errors(form))


@require_POST
@team_view(Action.MANAGE_WORK)
def milestone_add(request: TeamRequest, team: Team, pk: int) -> HttpResponse:
    project = _project(team, pk)
    form = MilestoneForm(request.POST, auto_id="milestone_%s")
    if form.is_valid():
        try:
            phases.milestone_add(project=project, name=form.cleaned_data["name"], day=form.cleaned_data["date"])
        except RuleBroken as refused:
            form.add_refusal(refused)
        else:
            return _back(team, project, "milestones")
    return _refused(request, team, project, _errors(form))


# --- RACI ---------------------------------------------------------------------------------------------------


def _raci_context(request: TeamRequest, team: Team, project: Project, **extra: Any) -> dict[str, Any]:
    people = raci.people_of(project)
    rows = [r.lay_out(people) for r in raci.matrix(project)]
    return {
        "team": team, "project": project, "rows": rows, "people": people,
        "manages": can(request.membership, Action.MANAGE_WORK),  # type: ignore[attr-defined]
        "to_fix": sum(1 for r in rows if r.problem), "row_form": RaciRowForm(), **SECTION, **extra,
    }  # fmt: skip


@team_view()
def raci_matrix(request: TeamRequest, team: Team, pk: int) -> HttpResponse:
    project = _project(team, pk)
    return render(request, "projects/raci.html", _raci_context(request, team, project))


@require_POST
@team_view(Action.MANAGE_WORK)
def raci_cycle(request: TeamRequest, team: Team, pk: int, row_id: int) -> HttpResponse:
    """A click on a cell: the next role; HTMX gets the one row back, a plain post the page."""
    project = _project(team, pk)
    row = get_object_or_404(RaciRow.objects.select_related("project"), project=project, pk=row_id)
    form = RaciCycleForm(request.POST)
    status = 200
    note = ""
    if not form.is_valid():
        note, status = "That click could not be read.", 400
    else:
        try:
            _role, note = raci.cycle(row=row, person=form.cleaned_data["person"])
        except RuleBroken as refused:
            note, status = str(refused), 409
    if note and not request.htmx:  # type: ignore[attr-defined]
        messages.warning(request, note)
    people = raci.people_of(project)
    context = {
        "team": team, "project": project, "people": people, "manages": True, "note": note, "note_row": row.pk,
        "oob": True, "to_fix": len(raci.rows_to_fix(project)),
        "row": raci.matrix(project, RaciRow.objects.filter(pk=row.pk))[0].lay_out(people),
    }  # fmt: skip
    page = reverse("projects:raci", args=[team.slug, project.pk])
    return region_or_redirect(request, "projects/raci.html#raci-row", context, page_url=page, status=status)


@require_POST
@team_view(Action.MANAGE_WORK)
def raci_row_add(request: TeamRequest, team: Team, pk: int) -> HttpResponse:
    project = _project(team, pk)
    form = RaciRowForm(request.POST)
    if form.is_valid():
        try:
            raci.row_add(project=project, activity=form.cleaned_data["activity"])
        except RuleBroken as refused:
            form.add_refusal(refused)
        else:
            return redirect("projects:raci", team.slug, project.pk)
    return render(request, "projects/raci.html", _raci_context(request, team, project, row_form=form), status=400)


@require_POST
@team_view()
def remark_add(request: TeamRequest, team: Team, pk: int, deliverable_id: int) -> HttpResponse:
    """A comment on a deliverable: members who work tickets, and anyone named on its RACI row (a Consulted
    viewer answering the input asked of them)."""
    project = _project(team, pk)
    deliverable = _deliverable(project, deliverable_id)
    named = RaciCell.objects.filter(row__deliverable=deliverable, user=request.user).exists()
    if not (can(request.membership, Action.WORK_TICKETS) or named):  # type: ignore[attr-defined]
        raise PermissionDenied("Only people who work here or are named on this deliverable comment on it.")
    form = RemarkForm(request.POST)
    if form.is_valid():
        try:
            phases.remark_add(deliverable=deliverable, by=request.user, text=form.cleaned_data["text"])  # type: ignore[arg-type]
        except RuleBroken as refused:
            form.add_refusal(refused)
        else:
            return _back(team, project, f"deliverable-{deliverable.pk}")
    return _refused(request, team, project, _errors(form))
