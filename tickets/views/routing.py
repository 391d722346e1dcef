"""A team's routing rules: every member reads them, leads and managers change them (``MANAGE_TEAM``).

An inline-edit list (:mod:`core.inline`): an HTMX request gets the region
that changed, a plain form post goes back to the page.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from core import inline
from core.errors import Invalid
from core.forms import ActiveForm, MoveForm
from core.htmx import vary_on_htmx
from teams.http import TeamRequest
from teams.models import Team
from teams.permissions import Action, can
from teams.views import team_view
from tickets import routing
from tickets.forms.routing import RoutingRuleForm
from tickets.models import RoutingRule

RULES = inline.InlineList(
    template="tickets/settings/routing.html", noun="rule", page="tickets:routing", event="routing-changed",
    item="r", what="this rule",
)  # fmt: skip


def _context(request: TeamRequest, team: Team, **extra: Any) -> dict[str, Any]:
    return {"team": team, "can_manage": can(request.membership, Action.MANAGE_TEAM), **extra}


def _list_context(request: TeamRequest, team: Team, **extra: Any) -> dict[str, Any]:
    return _context(request, team, rules=list(RoutingRule.objects.in_order(team)), **extra)


def _form(request: TeamRequest, team: Team, *args: Any, rule: RoutingRule | None = None) -> RoutingRuleForm:
    auto_id = f"rule-{rule.pk}-%s" if rule is not None else "new-rule-%s"
    return RoutingRuleForm(*args, team=team, editor=request.user, rule=rule, auto_id=auto_id)


def _rule(team: Team, pk: int) -> RoutingRule:
    return get_object_or_404(RoutingRule.objects.in_order(team), pk=pk)


@require_safe
@team_view()
def routing_page(request: TeamRequest, team: Team) -> HttpResponse:
    """The team's rules in the order they are tried, each as a sentence; the new-rule form for leads."""
    context = _list_context(request, team)
    return inline.list_page(
        request, RULES, context, full=lambda c: {"form": _form(request, team)} if c["can_manage"] else {}
    )


@require_POST
@team_view(Action.MANAGE_TEAM)
def routing_create(request: TeamRequest, team: Team) -> HttpResponse:
    form = _form(request, team, request.POST)
    return inline.create(
        request, RULES, form=form,
        save=lambda: routing.routing_rule_create(team=team, by=request.user, change=form.change()),
        success=lambda rule: f"Added the rule “{rule.name}”: it is tried after the others.",
        context=lambda **extra: _context(request, team, **extra),
        fresh_form=lambda: _form(request, team),
        page_context=lambda **extra: _list_context(request, team, **extra),
    )  # fmt: skip


@require_safe
@team_view()
def routing_rule(request: TeamRequest, team: Team, pk: int) -> HttpResponse:
    """One rule, read-only (the Cancel of an inline edit)."""
    return inline.row(request, RULES, _context(request, team), _rule(team, pk))


@require_http_methods(["GET", "POST"])
@team_view(Action.MANAGE_TEAM)
def routing_edit(request: TeamRequest, team: Team, pk: int) -> HttpResponse:
    """Inline edit of a rule's name, conditions and actions; a stale save is refused (409)."""
    rule = _rule(team, pk)
    form = _form(request, team, *([request.POST] if request.method == "POST" else []), rule=rule)
    return inline.edit(
        request, RULES, obj=rule, form=form,
        save=lambda: routing.routing_rule_update(
            rule=rule, by=request.user, expected_version=form.cleaned_data["version"] or 0, change=form.change()
        ),
        success=lambda saved: f"Saved the rule “{saved.name}”.",
        context=lambda **extra: _context(request, team, **extra),
    )  # fmt: skip


@require_POST
@team_view(Action.MANAGE_TEAM)
def routing_active(request: TeamRequest, team: Team, pk: int) -> HttpResponse:
    """Switch a rule on (``is_active=1``) or off (``is_active=0``)."""
    rule = _rule(team, pk)
    form = ActiveForm(request.POST)
    if not form.is_valid():
        return vary_on_htmx(HttpResponse("Say is_active=1 or is_active=0.", status=422))
    try:
        rule = routing.routing_rule_set_active(rule=rule, is_active=form.cleaned_data["is_active"])
    except Invalid as refusal:
        messages.error(request, str(refusal))
        status = 422
    else:
        messages.success(request, f"“{rule.name}” is {'on' if rule.is_active else 'off'}.")
        status = 200
    return inline.answer(request, RULES, "row", _context(request, team, r=rule), status=status)


@require_POST
@team_view(Action.MANAGE_TEAM)
def routing_move(request: TeamRequest, team: Team, pk: int) -> HttpResponse:
    """Move a rule one place up or down; answers with the reordered list."""
    rule = _rule(team, pk)
    form = MoveForm(request.POST)
    if not form.is_valid():
        return vary_on_htmx(HttpResponse("Say direction=up or direction=down.", status=422))
    routing.routing_rule_move(rule=rule, direction=form.cleaned_data["direction"])
    return inline.answer(request, RULES, "list", _list_context(request, team))


@require_POST
@team_view(Action.MANAGE_TEAM)
def routing_delete(request: TeamRequest, team: Team, pk: int) -> HttpResponse:
    rule = _rule(team, pk)
    routing.routing_rule_delete(rule=rule)
    messages.success(request, f"Deleted the rule “{rule.name}”.")
    return inline.answer(request, RULES, "list", _list_context(request, team))
