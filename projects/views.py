from datetime import date
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.db.models import Count, F, Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from core.errors import Invalid, RuleBroken, StaleEdit
from core.stale import refuse_stale
from projects import phases, raci, services, template_text
from projects.forms import CostForm, ProjectEditForm, ProjectForm, StakeholderForm, TemplateForm, UpdateForm
from projects.models import Deliverable, Project, ProjectStatus, ProjectTemplate
from teams.http import TeamRequest
from teams.models import Team
from teams.permissions import Action, can
from teams.views import team_view


def _list_context(request: TeamRequest, team: Team, form: ProjectForm) -> dict[str, object]:
    projects = Project.objects.of_team(team).annotate(
        open_tickets=Count("tickets", filter=~Q(tickets__status="resolved")), all_tickets=Count("tickets")
    )
    return {"team": team, "projects": projects, "form": form, "can_create": can(request.membership, Action.MANAGE_WORK)}


@team_view()
def project_list(request: TeamRequest, team: Team) -> HttpResponse:
    return render(request, "projects/project_list.html", _list_context(request, team, ProjectForm()))


@require_POST
@team_view(Action.MANAGE_WORK)
def project_create(request: TeamRequest, team: Team) -> HttpResponse:
    form = ProjectForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        try:
            if d["template"] is not None:
                project = phases.project_from_template(
                    team=team, by=request.user, template=d["template"], name=d["name"],  # type: ignore[arg-type]
                    start=d["start"] or timezone.localdate(), status=d["status"],
                )  # fmt: skip
            else:
                project = services.project_create(team=team, by=request.user, name=d["name"],  # type: ignore[arg-type]
                                                  framework=d["framework"], status=d["status"])  # fmt: skip
        except Invalid as refused:
            form.add_error("name", " ".join(m for _, m in refused.problems))
        except RuleBroken as clash:
            form.add_error("name", str(clash))
        else:
            messages.success(request, f"Project “{project.name}” created.")
            return redirect("projects:detail", team.slug, project.pk)
    return render(request, "projects/project_list.html", _list_context(request, team, form), status=422)


# --- One project --------------------------------------------------------------------------------------------


# The overview holds four forms: each its own ids, so every label names its own field.
EDIT_ID, COST_ID, STAKEHOLDER_ID, UPDATE_ID = "project_%s", "cost_%s", "stakeholder_%s", "update_%s"


def _project(team: Team, pk: int) -> Project:
    return get_object_or_404(Project.objects.select_related("owner", "team"), team=team, pk=pk)


def _slippage(project: Project, today: date) -> int | None:
    """Days late: past the target date and not done (None: not late, or no target)."""
    if project.target_date is None or project.status in (ProjectStatus.DONE, ProjectStatus.CANCELLED):
        return None
    late = (today - project.target_date).days
    return late if late > 0 else None


def burn_chart(budget: services.Budget, width: int = 520, height: int = 140) -> dict[str, Any] | None:
    """A server-drawn burn chart: cumulative spend as a step line against the planned budget."""
    if not budget.burn:
        return None
    top = float(max(budget.planned or 0, budget.spent)) or 1.0
    first, last = budget.burn[0][0], budget.burn[-1][0]
    days = max(1, (last - first).days)

    def x(day: date) -> float:
        return 30 + (day - first).days / days * (width - 40)

    def y(amount: Decimal | float) -> float:
        return height - 20 - float(amount) / top * (height - 30)

    points, previous = [], y(0)
    for day, total in budget.burn:
        points += [f"{x(day):.1f},{previous:.1f}", f"{x(day):.1f},{y(total):.1f}"]
        previous = y(total)
    return {
        "width": width, "height": height, "points": " ".join(points),
        "plan_y": f"{y(budget.planned):.1f}" if budget.planned is not None else None,
        "first": first, "last": last, "top": top,
    }  # fmt: skip


def _detail_context(request: TeamRequest, team: Team, project: Project, **forms_: Any) -> dict[str, Any]:
    may_edit = can(request.membership, Action.MANAGE_WORK)
    budget = services.budget_of(project)
    counts = Project.objects.filter(pk=project.pk).aggregate(
        open_tickets=Count("tickets", filter=~Q(tickets__status="resolved")), all_tickets=Count("tickets")
    )
    edit_initial = {
        **{f: getattr(project, f) for f in services.EDITABLE if f not in ("scope_in", "scope_out", "owner")},
        "owner": project.owner_id, "scope_in": "\n".join(project.scope_in), "scope_out": "\n".join(project.scope_out),
        "version": project.version,
    }  # fmt: skip
    return {
        "team": team, "project": project, "may_edit": may_edit, "budget": budget, "burn": burn_chart(budget),
        "costs": list(project.costs.select_related("entered_by").order_by("-date", "-id")[:20]),
        "stakeholders": list(project.stakeholders.select_related("user")),
        "updates": list(project.updates.select_related("author")[:10]),
        "slippage": _slippage(project, timezone.localdate()), **counts,
        "raci_to_fix": raci.rows_to_fix(project), "today": timezone.localdate(),
        "open_deliverables": list(
            Deliverable.objects.filter(phase__project=project, done_at__isnull=True, waived_reason="")
            .select_related("owner", "phase").order_by(F("due").asc(nulls_last=True), "id")[:8]
        ),
        "edit_form": forms_.get("edit_form") or ProjectEditForm(initial=edit_initial, team=team, auto_id=EDIT_ID),
        "cost_form": forms_.get("cost_form") or CostForm(initial={"date": timezone.localdate()}, auto_id=COST_ID),
        "stakeholder_form": forms_.get("stakeholder_form") or StakeholderForm(team=team, auto_id=STAKEHOLDER_ID),
        "update_form": forms_.get("update_form") or UpdateForm(auto_id=UPDATE_ID),
        "current_section": "projects:list",
    }  # fmt: skip


@team_view()
def project_detail(request: TeamRequest, team: Team, pk: int) -> HttpResponse:
    project = _project(team, pk)
    return render(request, "projects/project_detail.html", _detail_context(request, team, project))


def _refused(request: TeamRequest, team: Team, project: Project, status: int, **forms_: Any) -> HttpResponse:
    messages.error(request, "Nothing was saved: see the message beside the form.")
    return render(request, "projects/project_detail.html", _detail_context(request, team, project, **forms_),
                  status=status)  # fmt: skip


@require_POST
@team_view(Action.MANAGE_WORK)
def project_edit(request: TeamRequest, team: Team, pk: int) -> HttpResponse:
    project = _project(team, pk)
    form = ProjectEditForm(request.POST, team=team, auto_id=EDIT_ID)
    if form.is_valid():
        try:
            services.project_update(project=project, by=request.user, expected_version=form.cleaned_data["version"],
                                    changes=form.changes())  # fmt: skip
        except StaleEdit as stale:
            refuse_stale(form, stale, what="this project")
            project.refresh_from_db()
            return _refused(request, team, project, 409, edit_form=form)
        except RuleBroken as refused:
            form.add_refusal(refused)
        else:
            messages.success(request, "Project saved.")
            return redirect("projects:detail", team.slug, project.pk)
    return _refused(request, team, project, 400, edit_form=form)


@require_POST
@team_view(Action.MANAGE_WORK)
def cost_add(request: TeamRequest, team: Team, pk: int) -> HttpResponse:
    project = _project(team, pk)
    form = CostForm(request.POST, auto_id=COST_ID)
    if form.is_valid():
        d = form.cleaned_data
        try:
            services.cost_add(project=project, by=request.user, day=d["date"], amount=d["amount"],
                              category=d["category"], note=d["note"])  # fmt: skip
        except RuleBroken as refused:
            form.add_refusal(refused)
        else:
            messages.success(request, f"Cost of {d['amount']} entered.")
            return redirect("projects:detail", team.slug, project.pk)
    return _refused(request, team, project, 400, cost_form=form)


@require_POST
@team_view(Action.MANAGE_WORK)
def stakeholder_add(request: TeamRequest, team: Team, pk: int) -> HttpResponse:
    project = _project(team, pk)
    form = StakeholderForm(request.POST, team=team, auto_id=STAKEHOLDER_ID)
    if form.is_valid():
        d = form.cleaned_data
        try:
            services.stakeholder_add(project=project, user=d["user"], name=d["name"], email=d["email"],
                                     role=d["role"], wants_updates=d["wants_updates"])  # fmt: skip
        except RuleBroken as refused:
            form.add_refusal(refused)
        else:
            messages.success(request, "Stakeholder added.")
            return redirect("projects:detail", team.slug, project.pk)
    return _refused(request, team, project, 400, stakeholder_form=form)


@require_POST
@team_view(Action.MANAGE_WORK)
def update_post(request: TeamRequest, team: Team, pk: int) -> HttpResponse:
    project = _project(team, pk)
    form = UpdateForm(request.POST, auto_id=UPDATE_ID)
    if form.is_valid():
        try:
            services.update_post(project=project, by=request.user, text=form.cleaned_data["text"],
                                 health=form.cleaned_data["health"])  # fmt: skip
        except RuleBroken as refused:
            form.add_refusal(refused)
        else:
            messages.success(request, "Update posted; stakeholders who asked are told.")
            return redirect("projects:detail", team.slug, project.pk)
    return _refused(request, team, project, 400, update_form=form)


# --- Templates (managers) ---------------------------------------------------------------------------------------


def _template_initial(template: ProjectTemplate) -> dict[str, Any]:
    return {
        "name": template.name, "framework": template.framework, "description": template.description,
        "scope_in": "\n".join(template.scope_in), "scope_out": "\n".join(template.scope_out),
        "phases": template_text.phases_to_text(template.phases),
        "milestones": template_text.milestones_to_text(template.milestones),
        "raci": template_text.raci_to_text(template.raci),
    }  # fmt: skip


@require_http_methods(["GET", "POST"])
@team_view(Action.MANAGE_MEMBERS)
def template_edit(request: TeamRequest, team: Team, template_id: int | None = None) -> HttpResponse:
    """Managers keep the project templates (shared by every team): edit one, or write a new one."""
    template = get_object_or_404(ProjectTemplate, pk=template_id) if template_id else None
    form = TemplateForm(request.POST or None, initial=_template_initial(template) if template else None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                saved = services.template_save(template=template, **form.cleaned_data)
            except RuleBroken as refused:
                form.add_refusal(refused)
            else:
                messages.success(request, f"Template “{saved.name}” saved.")
                return redirect("projects:templates", team.slug)
    return render(request, "projects/template_edit.html",
                  {"team": team, "form": form, "template": template, "current_section": "projects:list"},
                  status=status)  # fmt: skip


@team_view(Action.MANAGE_MEMBERS)
def template_list(request: TeamRequest, team: Team) -> HttpResponse:
    context = {"team": team, "templates": ProjectTemplate.objects.all(), "current_section": "projects:list"}
    return render(request, "projects/template_list.html", context)
