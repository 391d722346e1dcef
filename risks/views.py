"""The register with its heat map, one risk's page and its forms, and the regions other pages compose."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, F, OuterRef, QuerySet, Subquery
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from core.errors import RuleBroken, StaleEdit
from core.htmx import fragment_or_page
from core.stale import refuse_stale
from projects.models import Project
from risks import register, services, triggers
from risks.forms import (
    CadenceForm,
    LinkForm,
    MitigationForm,
    RegisterFilters,
    ReviewForm,
    RiskEditForm,
    RiskForm,
    TriggerForm,
)
from risks.models import Assessment, Mitigation, Occurrence, ReviewCadence, Risk, Trigger
from risks.scoring import REVIEW_DAYS, Level
from teams.calendar import team_today
from teams.models import Role, Team
from teams.permissions import Action, can
from teams.views import team_view
from tickets.choices import Status

SECTION = {"current_section": "risks:list"}
PAGE = 50
# The risk page holds several forms: each its own ids.
EDIT_ID, REVIEW_ID, MITIGATION_ID, LINK_ID, TRIGGER_ID = (
    "risk_%s",
    "review_%s",
    "mitigation_%s",
    "link_%s",
    "trigger_%s",
)


def _may(request: HttpRequest, risk: Risk | None = None) -> dict[str, bool]:
    membership = request.membership  # type: ignore[attr-defined]
    manage = can(membership, Action.MANAGE_WORK)
    owner = risk is not None and risk.owner_id == request.user.pk
    return {
        "manage": manage,
        "add": can(membership, Action.WORK_TICKETS),
        "mitigate": manage or (owner and can(membership, Action.WORK_TICKETS)),
        "everywhere": membership.role == Role.MANAGER,
    }


# --- The register -------------------------------------------------------------------------------------------


def _previous_score() -> Subquery:
    """The current score as the assessment before the latest one had it: the register's small trend."""
    return Subquery(
        Assessment.objects.filter(risk=OuterRef("pk"))
        .order_by("-at", "-id")
        .annotate(s=F("current_probability") * F("current_impact"))
        .values("s")[1:2]
    )


def _mitigations(*, done: bool = False) -> Subquery:
    """How many tickets mitigate the risk (``done``: of them, resolved)."""
    links = Mitigation.objects.filter(risk=OuterRef("pk"))
    if done:
        links = links.filter(ticket__status=Status.RESOLVED)
    return Subquery(links.order_by().values("risk").annotate(n=Count("id")).values("n"))


def _register_context(request: HttpRequest, team: Team) -> tuple[dict[str, Any], int]:
    form = RegisterFilters(request.GET or None, team=team)
    valid = not form.is_bound or form.is_valid()
    d = form.cleaned_data if form.is_bound and valid else {}
    may = _may(request)
    everywhere = d.get("teams") == "mine" and may["everywhere"]
    team_ids = register.team_ids_for(request.user, team, everywhere)
    today = team_today(team)
    project = d.get("project")
    filters = register.Filters(
        kind=d.get("kind") or "current", probability=d.get("p"), impact=d.get("i"), level=d.get("level") or "",
        status=d.get("status") or "", project_id=project.pk if project else None, overdue=bool(d.get("overdue")),
    )  # fmt: skip
    base = Risk.objects.filter(team_id__in=team_ids)
    if filters.project_id:
        base = base.filter(project_id=filters.project_id)
    # The heat map counts the risks still alive (closed ones rest), whatever cell is chosen.
    mapped = base.filter(status__in=register.REVIEWED)
    heat = register.heat_map(mapped, filters.kind, (filters.probability, filters.impact))
    listed = (
        filters.apply(base, today)
        .select_related("owner", "project", "team")
        .annotate(previous=_previous_score(), mitigations_all=_mitigations(), mitigations_done=_mitigations(done=True))
    )
    listed = listed.annotate(ranked=F(f"{filters.kind}_probability") * F(f"{filters.kind}_impact")).order_by(
        "-ranked", "next_review", "id"
    )
    page = Paginator(listed, PAGE).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    context = {
        "team": team, "form": form, "filters": filters, "heat": heat, "page": page, "today": today, "may": may,
        "everywhere": everywhere, "params": params, "query": params.urlencode(),
        "arrows": register.arrows(mapped) if d.get("view") == "arrows" else None, "grid": register.arrow_grid(),
        "overdue_count": base.filter(next_review__lt=today, status__in=register.REVIEWED).count(),
        **SECTION,
    }  # fmt: skip
    return context, 200 if valid else 400


@team_view()
def risk_list(request: HttpRequest, team: Team) -> HttpResponse:
    context, status = _register_context(request, team)
    if can(request.membership, Action.MANAGE_WORK):  # type: ignore[attr-defined]
        cadence = ReviewCadence.objects.filter(team=team).first()
        initial = cadence.as_dict() if cadence else dict(REVIEW_DAYS)
        context["cadence_form"] = CadenceForm(
            initial={**{f"{k}_days": v for k, v in initial.items()}, "version": cadence.version if cadence else ""},
            auto_id="cadence_%s",
        )  # fmt: skip
    return fragment_or_page(request, "risks/risk_list.html", "risk-register", context, status=status)


@require_POST
@team_view(Action.MANAGE_WORK)
def cadence(request: HttpRequest, team: Team) -> HttpResponse:
    form = CadenceForm(request.POST, auto_id="cadence_%s")
    if form.is_valid():
        d = form.cleaned_data
        try:
            services.cadence_update(team=team, seen_version=d["version"],
                                    days={k: d[f"{k}_days"] for k in Level.values})  # fmt: skip
        except StaleEdit as stale:
            refuse_stale(form, stale, what="the review cadence")
        except RuleBroken as refused:
            form.add_refusal(refused)
        else:
            messages.success(request, "Review cadence saved: risks take it at their next review.")
            return redirect("risks:list", team.slug)
    context, _ = _register_context(request, team)
    context["cadence_form"] = form
    return render(request, "risks/risk_list.html", context, status=409 if form.non_field_errors() else 422)


@require_http_methods(["GET", "POST"])
@team_view(Action.WORK_TICKETS)
def risk_new(request: HttpRequest, team: Team) -> HttpResponse:
    status = 200
    if request.method == "POST":
        form = RiskForm(request.POST, team=team)
        if form.is_valid():
            try:
                risk = services.risk_create(team=team, by=request.user, draft=form.draft())  # type: ignore[arg-type]
            except RuleBroken as refused:
                form.add_refusal(refused)
            else:
                messages.success(request, f"Risk recorded: {risk.title} ({risk.current.text}); first review due "
                                          f"{risk.next_review:%-d %b %Y}.")  # fmt: skip
                return redirect("risks:detail", team.slug, risk.pk)
        status = 422
    else:
        project = Project.objects.filter(team=team, pk=request.GET.get("project") or 0).first()
        three = {f"{k}_{p}": 3 for k in ("inherent", "current") for p in ("probability", "impact")}
        form = RiskForm(initial={"owner": request.user.pk, "project": project, **three, "target_probability": 2,
                                 "target_impact": 2}, team=team)  # fmt: skip
    return render(request, "risks/risk_form.html", {"team": team, "form": form, **SECTION}, status=status)


# --- One risk -----------------------------------------------------------------------------------------------


def _risk(team: Team, pk: int) -> Risk:
    return get_object_or_404(
        Risk.objects.select_related("owner", "project", "approver", "contingency_owner", "created_by"),
        team=team, pk=pk,
    )  # fmt: skip


def _edit_initial(risk: Risk) -> dict[str, Any]:
    values = {n: getattr(risk, n) for n in RiskEditForm.base_fields if hasattr(risk, n)}
    for n in ("owner", "approver", "contingency_owner", "project"):
        values[n] = getattr(risk, f"{n}_id")
    return values


def _detail_context(request: HttpRequest, team: Team, risk: Risk, **forms: Any) -> dict[str, Any]:
    today = team_today(team)
    mitigations = list(
        Mitigation.objects.filter(risk=risk).select_related("ticket__assignee").order_by("ticket__number")
    )
    done = sum(1 for m in mitigations if m.ticket.status == Status.RESOLVED)
    assessments = list(Assessment.objects.filter(risk=risk).select_related("by").order_by("-at", "-id")[:20])
    occurrences = list(Occurrence.objects.filter(risk=risk).select_related("ticket", "by", "trigger")[:10])
    watched = [(t, triggers.describe(t)) for t in Trigger.objects.filter(risk=risk)]
    return {
        "team": team, "risk": risk, "today": today, "may": _may(request, risk),
        "mitigations": mitigations, "done": done, "assessments": assessments, "occurrences": occurrences,
        "triggers": watched, "trend": [a.current.value for a in reversed(assessments)][-8:],
        "overdue": risk.status in register.REVIEWED and risk.next_review < today,
        "edit_form": forms.get("edit_form") or RiskEditForm(initial=_edit_initial(risk), team=team, auto_id=EDIT_ID),
        "review_form": forms.get("review_form") or ReviewForm(
            initial={"probability": risk.current_probability, "impact": risk.current_impact,
                     "version": risk.version}, auto_id=REVIEW_ID),
        "mitigation_form": forms.get("mitigation_form") or MitigationForm(team=team, auto_id=MITIGATION_ID),
        "link_form": forms.get("link_form") or LinkForm(auto_id=LINK_ID),
        "trigger_form": forms.get("trigger_form") or TriggerForm(auto_id=TRIGGER_ID),
        "open_form": forms.get("open_form"), **SECTION,
    }  # fmt: skip


@team_view()
def risk_detail(request: HttpRequest, team: Team, pk: int) -> HttpResponse:
    return render(request, "risks/risk_detail.html", _detail_context(request, team, _risk(team, pk)))


def _again(request: HttpRequest, team: Team, risk: Risk, status: int, **forms: Any) -> HttpResponse:
    return render(request, "risks/risk_detail.html", _detail_context(request, team, risk, **forms), status=status)


@require_POST
@team_view(Action.MANAGE_WORK)
def risk_edit(request: HttpRequest, team: Team, pk: int) -> HttpResponse:
    risk = _risk(team, pk)
    form = RiskEditForm(request.POST, team=team, auto_id=EDIT_ID)
    status = 422
    if form.is_valid():
        try:
            risk = services.risk_update(risk_id=risk.pk, seen_version=form.cleaned_data["version"],
                                        by=request.user, draft=form.draft(form.cleaned_data["status"]))  # type: ignore[arg-type]  # fmt: skip
        except StaleEdit as stale:
            risk = refuse_stale(form, stale, what="this risk")
            status = 409
        except RuleBroken as refused:
            form.add_refusal(refused)
        else:
            messages.success(request, f"Risk saved: {risk.title} ({risk.current.text}).")
            return redirect("risks:detail", team.slug, risk.pk)
    return _again(request, team, risk, status, edit_form=form)


@require_POST
@team_view(Action.MANAGE_WORK)
def risk_review(request: HttpRequest, team: Team, pk: int) -> HttpResponse:
    risk = _risk(team, pk)
    form = ReviewForm(request.POST, auto_id=REVIEW_ID)
    status = 422
    if form.is_valid():
        d = form.cleaned_data
        try:
            risk = services.risk_review(risk_id=risk.pk, seen_version=d["version"], by=request.user,  # type: ignore[arg-type]
                                        probability=d["probability"], impact=d["impact"], note=d["note"])  # fmt: skip
        except StaleEdit as stale:
            risk = refuse_stale(form, stale, what="this risk")
            status = 409
        except RuleBroken as refused:
            form.add_refusal(refused)
        else:
            messages.success(request, f"Reviewed: {risk.current.text}. Next review {risk.next_review:%-d %b %Y}.")
            return redirect("risks:detail", team.slug, risk.pk)
    return _again(request, team, risk, status, review_form=form)


@require_POST
@team_view(Action.MANAGE_WORK)
def risk_occurred(request: HttpRequest, team: Team, pk: int) -> HttpResponse:
    risk = _risk(team, pk)
    note = request.POST.get("note", "").strip()[:500]
    try:
        occurrence = services.occurrence_record(risk_id=risk.pk, by=request.user,  # type: ignore[arg-type]
                                            evidence={"summary": note or "Marked by hand."})  # fmt: skip
    except RuleBroken as refused:
        messages.error(request, str(refused))
        return _again(request, team, risk, 409)
    assert occurrence.ticket is not None
    messages.warning(request, f"Marked as occurred: incident {team.slug.upper()}-{occurrence.ticket.number} follows "
                              "the contingency plan; the owner and Accountable people are told.")  # fmt: skip
    return redirect("risks:detail", team.slug, risk.pk)


def _may_mitigate(request: HttpRequest, risk: Risk) -> None:
    if not _may(request, risk)["mitigate"]:
        raise PermissionDenied("Only leads, managers and the risk's owner change its mitigations.")


@require_POST
@team_view(Action.WORK_TICKETS)
def mitigation_new(request: HttpRequest, team: Team, pk: int) -> HttpResponse:
    risk = _risk(team, pk)
    _may_mitigate(request, risk)
    form = MitigationForm(request.POST, team=team, auto_id=MITIGATION_ID)
    if form.is_valid():
        try:
            link = services.mitigation_add(risk=risk, by=request.user, title=form.cleaned_data["title"],  # type: ignore[arg-type]
                                           assignee=form.cleaned_data["assignee"])  # fmt: skip
        except RuleBroken as refused:
            form.add_refusal(refused)
        else:
            messages.success(request, f"Mitigation {team.slug.upper()}-{link.ticket.number} is on the backlog.")
            return redirect("risks:detail", team.slug, risk.pk)
    return _again(request, team, risk, 422, mitigation_form=form)


@require_POST
@team_view(Action.WORK_TICKETS)
def mitigation_link(request: HttpRequest, team: Team, pk: int) -> HttpResponse:
    risk = _risk(team, pk)
    _may_mitigate(request, risk)
    form = LinkForm(request.POST, auto_id=LINK_ID)
    if form.is_valid():
        try:
            link = services.mitigation_link(risk=risk, by=request.user, number=form.cleaned_data["number"])  # type: ignore[arg-type]
        except RuleBroken as refused:
            form.add_refusal(refused)
        else:
            messages.success(request, f"{team.slug.upper()}-{link.ticket.number} now mitigates this risk.")
            return redirect("risks:detail", team.slug, risk.pk)
    return _again(request, team, risk, 422, link_form=form)


@require_POST
@team_view(Action.WORK_TICKETS)
def mitigation_unlink(request: HttpRequest, team: Team, pk: int, ticket: int) -> HttpResponse:
    risk = _risk(team, pk)
    _may_mitigate(request, risk)
    services.mitigation_unlink(risk=risk, ticket_id=ticket)
    messages.success(request, "The ticket no longer counts as a mitigation of this risk (the ticket stays).")
    return redirect("risks:detail", team.slug, risk.pk)


@require_POST
@team_view(Action.MANAGE_WORK)
def trigger_new(request: HttpRequest, team: Team, pk: int) -> HttpResponse:
    risk = _risk(team, pk)
    form = TriggerForm(request.POST, auto_id=TRIGGER_ID)
    if form.is_valid():
        try:
            trigger = triggers.trigger_add(risk=risk, by=request.user, **form.cleaned_data)  # type: ignore[arg-type]
        except RuleBroken as refused:
            form.add_refusal(refused)
        else:
            messages.success(request, f"Trigger added: {triggers.describe(trigger)}. It is checked every 15 minutes.")
            return redirect("risks:detail", team.slug, risk.pk)
    return _again(request, team, risk, 422, trigger_form=form)


@require_POST
@team_view(Action.MANAGE_WORK)
def trigger_delete(request: HttpRequest, team: Team, pk: int, trigger: int) -> HttpResponse:
    risk = _risk(team, pk)
    if not triggers.trigger_remove(risk=risk, trigger_id=trigger):
        raise Http404("No such trigger.")
    messages.success(request, "Trigger removed.")
    return redirect("risks:detail", team.slug, risk.pk)


# --- Regions other pages compose ----------------------------------------------------------------------------


def _top(risks: QuerySet[Risk], n: int = 5) -> list[Risk]:
    return list(
        risks.annotate(ranked=F("current_probability") * F("current_impact"))
        .select_related("owner")
        .order_by("-ranked", "next_review", "id")[:n]
    )


@team_view()
def project_risks(request: HttpRequest, team: Team, pk: int) -> HttpResponse:
    """The project page's region: its heat map (current scores), its top risks and overdue reviews."""
    project = get_object_or_404(Project, team=team, pk=pk)
    today = team_today(team)
    live = Risk.objects.filter(project=project, status__in=register.REVIEWED)
    context = {
        "team": team, "project": project, "heat": register.heat_map(live, "current"), "top": _top(live),
        "overdue": list(live.filter(next_review__lt=today).select_related("owner").order_by("next_review")[:5]),
        "today": today, "list_url": reverse("risks:list", args=[team.slug]) + f"?project={project.pk}",
        "may": _may(request), "current_section": "projects:list",
    }  # fmt: skip
    return fragment_or_page(request, "risks/project_risks.html", "project-risks", context)


@team_view()
def overdue_reviews(request: HttpRequest, team: Team) -> HttpResponse:
    """The manager dashboard's region: overdue risk reviews of the team (a manager: of every team managed)."""
    may = _may(request)
    team_ids = register.team_ids_for(request.user, team, may["everywhere"])
    today = team_today(team)
    risks = list(
        register.overdue(team_ids, today).select_related("owner", "team", "project").order_by("next_review", "id")[:10]
    )
    context = {"team": team, "risks": risks, "today": today, "count": register.overdue(team_ids, today).count(),
               "everywhere": may["everywhere"], "current_section": "dashboard"}  # fmt: skip
    return fragment_or_page(request, "risks/overdue_reviews.html", "overdue-reviews", context)
