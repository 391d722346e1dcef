"""Team settings for tickets: routing rules, labels and customer accounts.

Every member reads these pages; routing rules and labels are changed by
leads and managers (``MANAGE_TEAM``), accounts by everyone who works tickets
(``WORK_TICKETS``). An HTMX request gets the region that changed; a plain
form post goes back to the page, so adding works without JavaScript too.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.forms import Form
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_http_methods, require_POST, require_safe
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import trigger_client_event

from core.errors import Invalid, StaleEdit
from teams.http import TeamRequest
from teams.models import Team
from teams.permissions import Action, can
from teams.views import team_view
from tickets import routing, settings_services
from tickets.settings_forms import (
    AccountForm,
    AccountSearchForm,
    LabelForm,
    RoutingRuleForm,
    RuleActiveForm,
    RuleMoveForm,
)

ROUTING = "tickets/settings/routing.html"
LABELS = "tickets/settings/labels.html"
ACCOUNTS = "tickets/settings/accounts.html"

STALE = (
    "Someone else changed this {noun} while you were editing. Their values are shown below; "
    "your input is kept in the fields — save again to overwrite."
)


def _region(
    request: TeamRequest, team: Team, page: str, template: str, context: dict[str, Any], *,
    status: int = 200, form: Form | None = None,
) -> HttpResponse:  # fmt: skip
    """HTMX: the region that changed. A plain form post: back to the page, with any refusal as a message."""
    if request.htmx:
        return render(request, template, context, status=status)
    if form is not None and form.errors:
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
    return redirect(page, team_slug=team.slug)


def _keep_input_after_stale(form: Form, field: str, value: object) -> None:
    """After a refused stale edit the next save is based on what the user has now seen."""
    data = form.data.copy()  # type: ignore[attr-defined]
    data[field] = str(value)
    form.data = data


# --- Routing rules ---------------------------------------------------------------------------


def _routing_context(request: TeamRequest, team: Team, **extra: Any) -> dict[str, Any]:
    return {"team": team, "can_manage": can(request.membership, Action.MANAGE_TEAM), **extra}


def _rule_form(request: TeamRequest, team: Team, *args: Any, **kwargs: Any) -> RoutingRuleForm:
    rule = kwargs.get("rule")
    auto_id = f"rule-{rule.pk}-%s" if rule is not None else "new-rule-%s"
    return RoutingRuleForm(*args, team=team, editor=request.user, auto_id=auto_id, **kwargs)


@require_safe
@vary_on_headers("HX-Request")
@team_view()
def routing_page(request: TeamRequest, team: Team) -> HttpResponse:
    """The team's rules in the order they are tried, each as a sentence; the new-rule form for leads."""
    context = _routing_context(request, team, rules=list(routing.rules_of(team)))
    if request.htmx and not request.htmx.history_restore_request:
        return render(request, f"{ROUTING}#rule-list", context)
    if context["can_manage"]:
        context["form"] = _rule_form(request, team)
    return render(request, ROUTING, context)


@require_POST
@team_view(Action.MANAGE_TEAM)
def routing_create(request: TeamRequest, team: Team) -> HttpResponse:
    form = _rule_form(request, team, request.POST)
    if form.is_valid():
        try:
            rule = routing.routing_rule_create(team=team, by=request.user, change=form.change())
        except Invalid as refusal:
            form.add_refusal(refusal)
        else:
            messages.success(request, f"Added the rule “{rule.name}”: it is tried after the others.")
            if not request.htmx:
                return redirect("tickets:routing", team_slug=team.slug)
            context = _routing_context(request, team, form=_rule_form(request, team))
            return trigger_client_event(render(request, f"{ROUTING}#rule-new", context), "routing-changed")
    if not request.htmx:
        context = _routing_context(request, team, rules=list(routing.rules_of(team)), form=form)
        return render(request, ROUTING, context, status=422)
    return render(request, f"{ROUTING}#rule-new", _routing_context(request, team, form=form), status=422)


@require_safe
@team_view()
def routing_rule(request: TeamRequest, team: Team, pk: int) -> HttpResponse:
    """One rule, read-only (the Cancel of an inline edit)."""
    rule = get_object_or_404(routing.rules_of(team), pk=pk)
    return _region(request, team, "tickets:routing", f"{ROUTING}#rule-row", _routing_context(request, team, r=rule))


@require_http_methods(["GET", "POST"])
@team_view(Action.MANAGE_TEAM)
def routing_edit(request: TeamRequest, team: Team, pk: int) -> HttpResponse:
    """Inline edit of a rule's name, conditions and actions; a stale save is refused (409)."""
    rule = get_object_or_404(routing.rules_of(team), pk=pk)
    template = f"{ROUTING}#rule-form"
    if request.method == "GET":
        form = _rule_form(request, team, rule=rule)
        return _region(request, team, "tickets:routing", template, _routing_context(request, team, r=rule, form=form))

    form = _rule_form(request, team, request.POST, rule=rule)
    status = 422
    context = _routing_context(request, team, r=rule, form=form)
    if form.is_valid():
        try:
            rule = routing.routing_rule_update(
                rule=rule, by=request.user, expected_version=form.cleaned_data["version"] or 0, change=form.change()
            )
        except StaleEdit as stale:
            form.add_error(None, STALE.format(noun="rule"))
            _keep_input_after_stale(form, "version", stale.current.version)
            context.update(r=stale.current, current=stale.current)
            status = 409
        except Invalid as refusal:
            form.add_refusal(refusal)
        else:
            messages.success(request, f"Saved the rule “{rule.name}”.")
            return _region(
                request, team, "tickets:routing", f"{ROUTING}#rule-row", _routing_context(request, team, r=rule)
            )
    return _region(request, team, "tickets:routing", template, context, status=status, form=form)


@require_POST
@team_view(Action.MANAGE_TEAM)
def routing_active(request: TeamRequest, team: Team, pk: int) -> HttpResponse:
    """Switch a rule on (``is_active=1``) or off (``is_active=0``)."""
    rule = get_object_or_404(routing.rules_of(team), pk=pk)
    form = RuleActiveForm(request.POST)
    if not form.is_valid():
        return HttpResponse("Say is_active=1 or is_active=0.", status=422)
    try:
        rule = routing.routing_rule_set_active(rule=rule, is_active=form.cleaned_data["is_active"])
    except Invalid as refusal:
        messages.error(request, str(refusal))
        status = 422
    else:
        messages.success(request, f"“{rule.name}” is {'on' if rule.is_active else 'off'}.")
        status = 200
    return _region(
        request, team, "tickets:routing", f"{ROUTING}#rule-row", _routing_context(request, team, r=rule), status=status
    )


@require_POST
@team_view(Action.MANAGE_TEAM)
def routing_move(request: TeamRequest, team: Team, pk: int) -> HttpResponse:
    """Move a rule one place up or down; answers with the reordered list."""
    rule = get_object_or_404(routing.rules_of(team), pk=pk)
    form = RuleMoveForm(request.POST)
    if not form.is_valid():
        return HttpResponse("Say direction=up or direction=down.", status=422)
    routing.routing_rule_move(rule=rule, direction=form.cleaned_data["direction"])
    context = _routing_context(request, team, rules=list(routing.rules_of(team)))
    return _region(request, team, "tickets:routing", f"{ROUTING}#rule-list", context)


@require_POST
@team_view(Action.MANAGE_TEAM)
def routing_delete(request: TeamRequest, team: Team, pk: int) -> HttpResponse:
    rule = get_object_or_404(routing.rules_of(team), pk=pk)
    routing.routing_rule_delete(rule=rule)
    messages.success(request, f"Deleted the rule “{rule.name}”.")
    context = _routing_context(request, team, rules=list(routing.rules_of(team)))
    return _region(request, team, "tickets:routing", f"{ROUTING}#rule-list", context)


# --- Labels ----------------------------------------------------------------------------------


def _labels_context(request: TeamRequest, team: Team, **extra: Any) -> dict[str, Any]:
    return {"team": team, "can_manage": can(request.membership, Action.MANAGE_TEAM), **extra}


@require_safe
@vary_on_headers("HX-Request")
@team_view()
def labels_page(request: TeamRequest, team: Team) -> HttpResponse:
    """The team's labels with how many tickets carry each; the new-label form for leads."""
    labels = list(settings_services.labels_of(team))
    context = _labels_context(request, team, labels=labels)
    if request.htmx and not request.htmx.history_restore_request:
        return render(request, f"{LABELS}#label-list", context)
    if context["can_manage"]:
        context["form"] = LabelForm(auto_id="new-label-%s", used_colours={lbl.colour for lbl in labels})
    return render(request, LABELS, context)


@require_POST
@team_view(Action.MANAGE_TEAM)
def label_create(request: TeamRequest, team: Team) -> HttpResponse:
    form = LabelForm(request.POST, auto_id="new-label-%s")
    if form.is_valid():
        try:
            label = settings_services.label_create(
                team=team, name=form.cleaned_data["name"], colour=form.cleaned_data["colour"]
            )
        except Invalid as refusal:
            form.add_refusal(refusal)
        else:
            messages.success(request, f"Added the label “{label.name}”.")
            if not request.htmx:
                return redirect("tickets:labels", team_slug=team.slug)
            used = set(settings_services.labels_of(team).values_list("colour", flat=True))
            fresh = LabelForm(auto_id="new-label-%s", used_colours=used)
            response = render(request, f"{LABELS}#label-new", _labels_context(request, team, form=fresh))
            return trigger_client_event(response, "labels-changed")
    if not request.htmx:
        labels = list(settings_services.labels_of(team))
        return render(request, LABELS, _labels_context(request, team, labels=labels, form=form), status=422)
    return render(request, f"{LABELS}#label-new", _labels_context(request, team, form=form), status=422)


@require_safe
@team_view()
def label_row(request: TeamRequest, team: Team, pk: int) -> HttpResponse:
    """One label, read-only (the Cancel of an edit or a delete)."""
    label = get_object_or_404(settings_services.labels_of(team), pk=pk)
    return _region(request, team, "tickets:labels", f"{LABELS}#label-row", _labels_context(request, team, lbl=label))


@require_http_methods(["GET", "POST"])
@team_view(Action.MANAGE_TEAM)
def label_edit(request: TeamRequest, team: Team, pk: int) -> HttpResponse:
    """Inline rename and recolour; a label changed meanwhile is refused (409) with its current values."""
    label = get_object_or_404(settings_services.labels_of(team), pk=pk)
    template = f"{LABELS}#label-form"
    auto_id = f"label-{label.pk}-%s"
    if request.method == "GET":
        form = LabelForm(label=label, auto_id=auto_id)
        return _region(request, team, "tickets:labels", template, _labels_context(request, team, lbl=label, form=form))

    form = LabelForm(request.POST, label=label, auto_id=auto_id)
    status = 422
    context = _labels_context(request, team, lbl=label, form=form)
    if form.is_valid():
        try:
            label = settings_services.label_update(label=label, seen=form.cleaned_data["seen"], **_label_values(form))
        except StaleEdit as stale:
            form.add_error(None, STALE.format(noun="label"))
            _keep_input_after_stale(form, "seen", settings_services.label_fingerprint(stale.current))
            context.update(lbl=stale.current, current=stale.current)
            status = 409
        except Invalid as refusal:
            form.add_refusal(refusal)
        else:
            messages.success(request, f"Saved the label “{label.name}”.")
            return _region(
                request, team, "tickets:labels", f"{LABELS}#label-row", _labels_context(request, team, lbl=label)
            )
    return _region(request, team, "tickets:labels", template, context, status=status, form=form)


def _label_values(form: LabelForm) -> dict[str, str]:
    return {"name": form.cleaned_data["name"], "colour": form.cleaned_data["colour"]}


@require_http_methods(["GET", "POST"])
@team_view(Action.MANAGE_TEAM)
def label_delete(request: TeamRequest, team: Team, pk: int) -> HttpResponse:
    """GET: the confirmation, saying how many tickets and rules carry the label. POST: delete it."""
    label = get_object_or_404(settings_services.labels_of(team), pk=pk)
    if request.method == "GET":
        context = _labels_context(request, team, lbl=label, usage=settings_services.label_usage(label))
        return _region(request, team, "tickets:labels", f"{LABELS}#label-confirm", context)
    deleted = settings_services.label_delete(label=label)
    note = f"Deleted the label “{deleted.name}” from {deleted.tickets} ticket{'s' if deleted.tickets != 1 else ''}."
    if deleted.rules_switched_off:
        names = ", ".join(f"“{n}”" for n in deleted.rules_switched_off)
        note += f" Switched off routing rules left with nothing to do: {names}."
    messages.success(request, note)
    labels = list(settings_services.labels_of(team))
    return _region(
        request, team, "tickets:labels", f"{LABELS}#label-list", _labels_context(request, team, labels=labels)
    )


# --- Accounts --------------------------------------------------------------------------------


def _accounts_context(request: TeamRequest, team: Team, **extra: Any) -> dict[str, Any]:
    return {"team": team, "can_edit": can(request.membership, Action.WORK_TICKETS), **extra}


def _accounts_list_context(request: TeamRequest, team: Team, **extra: Any) -> dict[str, Any]:
    """The searched, paged list; the search and page come from the query string."""
    search = AccountSearchForm(request.GET)
    text, tier = search.values()
    accounts = settings_services.accounts_of(team, text=text, tier=tier)
    page = Paginator(accounts, settings_services.ACCOUNTS_PER_PAGE).get_page(request.GET.get("page"))
    query = urlencode({k: v for k, v in (("q", text), ("tier", tier)) if v})
    accounts_url = reverse("tickets:accounts", args=[team.slug])
    return _accounts_context(
        request, team, search=search, page=page, query=query, searching=bool(text or tier), accounts_url=accounts_url,
        # What the list reloads when an account is added: the same search and page.
        list_url=f"{accounts_url}?{query}&page={page.number}" if query else f"{accounts_url}?page={page.number}",
        **extra,
    )  # fmt: skip


@require_safe
@vary_on_headers("HX-Request")
@team_view()
def accounts_page(request: TeamRequest, team: Team) -> HttpResponse:
    """Customer accounts with their open tickets; searched by name or notes, 50 a page."""
    context = _accounts_list_context(request, team)
    if request.htmx and not request.htmx.history_restore_request:
        return render(request, f"{ACCOUNTS}#account-list", context)
    if context["can_edit"]:
        context["form"] = AccountForm(auto_id="new-account-%s")
    return render(request, ACCOUNTS, context)


def _account_values(form: AccountForm) -> dict[str, str]:
    return {k: form.cleaned_data[k] for k in ("name", "tier", "notes")}


@require_POST
@team_view(Action.WORK_TICKETS)
def account_create(request: TeamRequest, team: Team) -> HttpResponse:
    form = AccountForm(request.POST, auto_id="new-account-%s")
    if form.is_valid():
        try:
            account = settings_services.account_create(team=team, **_account_values(form))
        except Invalid as refusal:
            form.add_refusal(refusal)
        else:
            messages.success(request, f"Added the account “{account.name}”.")
            if not request.htmx:
                return redirect("tickets:accounts", team_slug=team.slug)
            context = _accounts_context(request, team, form=AccountForm(auto_id="new-account-%s"))
            return trigger_client_event(render(request, f"{ACCOUNTS}#account-new", context), "accounts-changed")
    if not request.htmx:
        return render(request, ACCOUNTS, _accounts_list_context(request, team, form=form), status=422)
    return render(request, f"{ACCOUNTS}#account-new", _accounts_context(request, team, form=form), status=422)


@require_safe
@team_view()
def account_row(request: TeamRequest, team: Team, pk: int) -> HttpResponse:
    """One account, read-only (the Cancel of an inline edit)."""
    account = get_object_or_404(settings_services.accounts_of(team), pk=pk)
    context = _accounts_context(request, team, a=account)
    return _region(request, team, "tickets:accounts", f"{ACCOUNTS}#account-row", context)


@require_http_methods(["GET", "POST"])
@team_view(Action.WORK_TICKETS)
def account_edit(request: TeamRequest, team: Team, pk: int) -> HttpResponse:
    """Inline edit of an account; one changed meanwhile is refused (409) with its current values."""
    account = get_object_or_404(settings_services.accounts_of(team), pk=pk)
    template = f"{ACCOUNTS}#account-form"
    auto_id = f"account-{account.pk}-%s"
    if request.method == "GET":
        form = AccountForm(account=account, auto_id=auto_id)
        context = _accounts_context(request, team, a=account, form=form)
        return _region(request, team, "tickets:accounts", template, context)

    form = AccountForm(request.POST, account=account, auto_id=auto_id)
    status = 422
    context = _accounts_context(request, team, a=account, form=form)
    if form.is_valid():
        try:
            account = settings_services.account_update(
                account=account, seen=form.cleaned_data["seen"], **_account_values(form)
            )
        except StaleEdit as stale:
            form.add_error(None, STALE.format(noun="account"))
            _keep_input_after_stale(form, "seen", settings_services.account_fingerprint(stale.current))
            context.update(a=stale.current, current=stale.current)
            status = 409
        except Invalid as refusal:
            form.add_refusal(refusal)
        else:
            messages.success(request, f"Saved the account “{account.name}”.")
            context = _accounts_context(request, team, a=account)
            return _region(request, team, "tickets:accounts", f"{ACCOUNTS}#account-row", context)
    return _region(request, team, "tickets:accounts", template, context, status=status, form=form)
