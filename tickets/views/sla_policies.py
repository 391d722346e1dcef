"""A team's SLA policies: every member reads them, leads and managers change them (``MANAGE_TEAM``).

An inline-edit list (:mod:`core.inline`), like the routing rules. Every
successful change recomputes the team's open tickets in the background (see
:mod:`tickets.sla.policies`).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from core import inline
from core.forms import ActiveForm, MoveForm
from core.htmx import vary_on_htmx
from teams.http import TeamRequest
from teams.models import Team
from teams.permissions import Action, can
from teams.views import team_view
from tickets.forms.sla import SLAPolicyForm
from tickets.models import SLAPolicy
from tickets.sla import policies as services

POLICIES = inline.InlineList(
    template="tickets/settings/sla_policies.html", noun="policy", page="tickets:sla-policies",
    event="sla-policies-changed", item="p", what="this policy",
)  # fmt: skip
RECOMPUTING = "Open tickets' SLA clocks are being recomputed."


def _context(request: TeamRequest, team: Team, **extra: Any) -> dict[str, Any]:
    return {"team": team, "can_manage": can(request.membership, Action.MANAGE_TEAM), **extra}


def _list_context(request: TeamRequest, team: Team, **extra: Any) -> dict[str, Any]:
    return _context(request, team, policies=list(SLAPolicy.objects.in_order(team)), **extra)


def _page_context(request: TeamRequest, team: Team, **extra: Any) -> dict[str, Any]:
    return _list_context(request, team, has_hours=team.working_hours.exists(), **extra)


def _form(*args: Any, policy: SLAPolicy | None = None) -> SLAPolicyForm:
    auto_id = f"policy-{policy.pk}-%s" if policy is not None else "new-policy-%s"
    return SLAPolicyForm(*args, policy=policy, auto_id=auto_id)


def _policy(team: Team, pk: int) -> SLAPolicy:
    return get_object_or_404(SLAPolicy.objects.in_order(team), pk=pk)


@require_safe
@team_view()
def sla_policies_page(request: TeamRequest, team: Team) -> HttpResponse:
    """The team's policies in the order they are tried, each as a sentence with its targets."""
    context = _list_context(request, team)

    def full(c: dict[str, Any]) -> dict[str, Any]:
        return {"has_hours": team.working_hours.exists(), **({"form": _form()} if c["can_manage"] else {})}

    return inline.list_page(request, POLICIES, context, full=full)


@require_POST
@team_view(Action.MANAGE_TEAM)
def sla_policy_create(request: TeamRequest, team: Team) -> HttpResponse:
    form = _form(request.POST)
    return inline.create(
        request, POLICIES, form=form,
        save=lambda: services.sla_policy_create(team=team, change=form.change()),
        success=lambda policy: f"Added the policy “{policy.name}”: it is tried after the others. {RECOMPUTING}",
        context=lambda **extra: _context(request, team, **extra),
        fresh_form=_form,
        page_context=lambda **extra: _page_context(request, team, **extra),
    )  # fmt: skip


@require_safe
@team_view()
def sla_policy_row(request: TeamRequest, team: Team, pk: int) -> HttpResponse:
    """One policy, read-only (the Cancel of an inline edit)."""
    return inline.row(request, POLICIES, _context(request, team), _policy(team, pk))


@require_http_methods(["GET", "POST"])
@team_view(Action.MANAGE_TEAM)
def sla_policy_edit(request: TeamRequest, team: Team, pk: int) -> HttpResponse:
    """Inline edit of a policy; a save based on an old version is refused (409) with the current values."""
    policy = _policy(team, pk)
    form = _form(*([request.POST] if request.method == "POST" else []), policy=policy)
    return inline.edit(
        request, POLICIES, obj=policy, form=form,
        save=lambda: services.sla_policy_update(
            policy=policy, expected_version=form.cleaned_data["version"] or 0, change=form.change()
        ),
        success=lambda saved: f"Saved the policy “{saved.name}”. {RECOMPUTING}",
        context=lambda **extra: _context(request, team, **extra),
    )  # fmt: skip


@require_POST
@team_view(Action.MANAGE_TEAM)
def sla_policy_active(request: TeamRequest, team: Team, pk: int) -> HttpResponse:
    """Switch a policy on (``is_active=1``) or off (``is_active=0``)."""
    policy = _policy(team, pk)
    form = ActiveForm(request.POST)
    if not form.is_valid():
        return vary_on_htmx(HttpResponse("Say is_active=1 or is_active=0.", status=422))
    policy = services.sla_policy_set_active(policy=policy, is_active=form.cleaned_data["is_active"])
    messages.success(request, f"“{policy.name}” is {'on' if policy.is_active else 'off'}. {RECOMPUTING}")
    return inline.answer(request, POLICIES, "row", _context(request, team, p=policy))


@require_POST
@team_view(Action.MANAGE_TEAM)
def sla_policy_move(request: TeamRequest, team: Team, pk: int) -> HttpResponse:
    """Move a policy one place up or down; answers with the reordered list."""
    policy = _policy(team, pk)
    form = MoveForm(request.POST)
    if not form.is_valid():
        return vary_on_htmx(HttpResponse("Say direction=up or direction=down.", status=422))
    if services.sla_policy_move(policy=policy, direction=form.cleaned_data["direction"]):
        messages.success(request, f"Moved “{policy.name}” {form.cleaned_data['direction']}. {RECOMPUTING}")
    return inline.answer(request, POLICIES, "list", _list_context(request, team))


@require_POST
@team_view(Action.MANAGE_TEAM)
def sla_policy_delete(request: TeamRequest, team: Team, pk: int) -> HttpResponse:
    policy = _policy(team, pk)
    services.sla_policy_delete(policy=policy)
    messages.success(request, f"Deleted the policy “{policy.name}”. {RECOMPUTING}")
    return inline.answer(request, POLICIES, "list", _list_context(request, team))
