"""A team's SLA policies: every member reads them, leads and managers change them (``MANAGE_TEAM``).

The editor works like the routing rules': an HTMX request gets the region
that changed (the list, one policy, its inline form, the new-policy panel); a
plain form post goes back to the page. Every successful change recomputes the
team's open tickets in the background (see :mod:`tickets.sla.policies`).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST, require_safe
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import trigger_client_event

from core.errors import Invalid, StaleEdit
from teams.http import TeamRequest
from teams.models import Team
from teams.permissions import Action, can
from teams.views import team_view
from tickets.settings_forms import RuleActiveForm, RuleMoveForm
from tickets.sla import policies as sla_policies
from tickets.sla_forms import SLAPolicyForm
from tickets.views.settings import STALE, _keep_input_after_stale, _region

SLA = "tickets/settings/sla_policies.html"
PAGE = "tickets:sla-policies"
RECOMPUTING = "Open tickets' SLA clocks are being recomputed."


def _context(request: TeamRequest, team: Team, **extra: Any) -> dict[str, Any]:
    return {"team": team, "can_manage": can(request.membership, Action.MANAGE_TEAM), **extra}


def _list_context(request: TeamRequest, team: Team) -> dict[str, Any]:
    return _context(request, team, policies=list(sla_policies.policies_of(team)))


def _form(*args: Any, policy: Any = None, **kwargs: Any) -> SLAPolicyForm:
    auto_id = f"policy-{policy.pk}-%s" if policy is not None else "new-policy-%s"
    return SLAPolicyForm(*args, policy=policy, auto_id=auto_id, **kwargs)


@require_safe
@vary_on_headers("HX-Request")
@team_view()
def sla_policies_page(request: TeamRequest, team: Team) -> HttpResponse:
    """The team's policies in the order they are tried, each as a sentence with its targets."""
    context = _list_context(request, team)
    if request.htmx and not request.htmx.history_restore_request:
        return render(request, f"{SLA}#policy-list", context)
    context["has_hours"] = team.working_hours.exists()
    if context["can_manage"]:
        context["form"] = _form()
    return render(request, SLA, context)


@require_POST
@team_view(Action.MANAGE_TEAM)
def sla_policy_create(request: TeamRequest, team: Team) -> HttpResponse:
    form = _form(request.POST)
    if form.is_valid():
        try:
            policy = sla_policies.sla_policy_create(team=team, change=form.change())
        except Invalid as refusal:
            form.add_refusal(refusal)
        else:
            messages.success(request, f"Added the policy “{policy.name}”: it is tried after the others. {RECOMPUTING}")
            if not request.htmx:
                return redirect(PAGE, team_slug=team.slug)
            response = render(request, f"{SLA}#policy-new", _context(request, team, form=_form()))
            return trigger_client_event(response, "sla-policies-changed")
    if not request.htmx:
        context = _list_context(request, team)
        context.update(form=form, has_hours=team.working_hours.exists())
        return render(request, SLA, context, status=422)
    return render(request, f"{SLA}#policy-new", _context(request, team, form=form), status=422)


@require_safe
@team_view()
def sla_policy_row(request: TeamRequest, team: Team, pk: int) -> HttpResponse:
    """One policy, read-only (the Cancel of an inline edit)."""
    policy = get_object_or_404(sla_policies.policies_of(team), pk=pk)
    return _region(request, team, PAGE, f"{SLA}#policy-row", _context(request, team, p=policy))


@require_http_methods(["GET", "POST"])
@team_view(Action.MANAGE_TEAM)
def sla_policy_edit(request: TeamRequest, team: Team, pk: int) -> HttpResponse:
    """Inline edit of a policy; a save based on an old version is refused (409) with the current values."""
    policy = get_object_or_404(sla_policies.policies_of(team), pk=pk)
    template = f"{SLA}#policy-form"
    if request.method == "GET":
        return _region(request, team, PAGE, template, _context(request, team, p=policy, form=_form(policy=policy)))

    form = _form(request.POST, policy=policy)
    status = 422
    context = _context(request, team, p=policy, form=form)
    if form.is_valid():
        try:
            policy = sla_policies.sla_policy_update(
                policy=policy, expected_version=form.cleaned_data["version"] or 0, change=form.change()
            )
        except StaleEdit as stale:
            form.add_error(None, STALE.format(noun="policy"))
            _keep_input_after_stale(form, "version", stale.current.version)
            context.update(p=stale.current, current=stale.current)
            status = 409
        except Invalid as refusal:
            form.add_refusal(refusal)
        else:
            messages.success(request, f"Saved the policy “{policy.name}”. {RECOMPUTING}")
            return _region(request, team, PAGE, f"{SLA}#policy-row", _context(request, team, p=policy))
    return _region(request, team, PAGE, template, context, status=status, form=form)


@require_POST
@team_view(Action.MANAGE_TEAM)
def sla_policy_active(request: TeamRequest, team: Team, pk: int) -> HttpResponse:
    """Switch a policy on (``is_active=1``) or off (``is_active=0``)."""
    policy = get_object_or_404(sla_policies.policies_of(team), pk=pk)
    form = RuleActiveForm(request.POST)
    if not form.is_valid():
        return HttpResponse("Say is_active=1 or is_active=0.", status=422)
    policy = sla_policies.sla_policy_set_active(policy=policy, is_active=form.cleaned_data["is_active"])
    state = "on" if policy.is_active else "off"
    messages.success(request, f"“{policy.name}” is {state}. {RECOMPUTING}")
    return _region(request, team, PAGE, f"{SLA}#policy-row", _context(request, team, p=policy))


@require_POST
@team_view(Action.MANAGE_TEAM)
def sla_policy_move(request: TeamRequest, team: Team, pk: int) -> HttpResponse:
    """Move a policy one place up or down; answers with the reordered list."""
    policy = get_object_or_404(sla_policies.policies_of(team), pk=pk)
    form = RuleMoveForm(request.POST)
    if not form.is_valid():
        return HttpResponse("Say direction=up or direction=down.", status=422)
    if sla_policies.sla_policy_move(policy=policy, direction=form.cleaned_data["direction"]):
        messages.success(request, f"Moved “{policy.name}” {form.cleaned_data['direction']}. {RECOMPUTING}")
    return _region(request, team, PAGE, f"{SLA}#policy-list", _list_context(request, team))


@require_POST
@team_view(Action.MANAGE_TEAM)
def sla_policy_delete(request: TeamRequest, team: Team, pk: int) -> HttpResponse:
    policy = get_object_or_404(sla_policies.policies_of(team), pk=pk)
    sla_policies.sla_policy_delete(policy=policy)
    messages.success(request, f"Deleted the policy “{policy.name}”. {RECOMPUTING}")
    return _region(request, team, PAGE, f"{SLA}#policy-list", _list_context(request, team))
