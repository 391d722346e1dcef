"""Ticket pages: the list (filters, sort, paging, bulk edit), the detail with its timeline, and the forms.

HTMX requests get the region that changed (``{% partialdef %}`` of the page's
template); plain requests get the whole page or a redirect, so every page
works without JavaScript. History restores (htmx fetching a page it has no
copy of) get the whole page too.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import HttpResponseClientRedirect, trigger_client_event

from core.errors import RuleBroken, StaleEdit
from core.htmx import wants_fragment
from core.stale import refuse_stale
from notifications.services import subject_key
from teams.http import TeamRequest
from teams.models import Team
from teams.permissions import Action
from teams.views import team_view
from tickets import news, saved_views, services
from tickets.forms.fields import TeamOptions
from tickets.forms.ticket import CommentForm, TicketForm
from tickets.forms.ticket_list import BulkEditForm, TicketFilterForm
from tickets.models import SavedView, Ticket, TicketFollower
from tickets.services import BulkResult, WipLimitReached
from tickets.sla.panel import ticket_sla
from tickets.timeline import ticket_timeline

LIST = "tickets/ticket_list.html"
DETAIL = "tickets/ticket_detail.html"
FORM = "tickets/ticket_form.html"
PER_PAGE = 50
# Ticket numbers are a 32-bit column: a bigger number is no ticket, not a database error.
MAX_NUMBER = 2**31 - 1
# Pages that are not the list itself still light up "Tickets" in the navigation
# (and the team switcher leads to the list of the other team).
SECTION = {"current_section": "tickets:list"}


def _ticket_or_404(team: Team, number: int) -> Ticket:
    if number > MAX_NUMBER:
        raise Http404("No such ticket.")
    return get_object_or_404(
        Ticket.objects.of_team(team).for_card().select_related("project", "sla_policy"), number=number
    )


def _redirect(request: TeamRequest, url: str) -> HttpResponse:
    """After a successful write: a redirect (htmx follows it as a full page load)."""
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


# --- List and bulk edit ------------------------------------------------------------------------


def _list_context(
    request: TeamRequest,
    team: Team,
    filters: TicketFilterForm,
    bulk_form: BulkEditForm,
    checked: frozenset[str] = frozenset(),
) -> dict[str, Any]:
    tickets = filters.apply(Ticket.objects.of_team(team).for_card())
    page = Paginator(tickets, PER_PAGE).get_page(request.GET.get("page"))
    params = QueryDict(mutable=True)
    params.update(filters.params)
    return {
        "team": team,
        "filters": filters,
        "page": page,
        "params": params,
        "sorts": filters.header_sorts(),
        "bulk_form": bulk_form,
        "checked": checked,
    }


@vary_on_headers("HX-Request")
@require_GET
@team_view()
def ticket_list(request: TeamRequest, team: Team) -> HttpResponse:
    options = TeamOptions(team)
    filters = TicketFilterForm(request.GET, options=options, user=request.user)
    context = _list_context(request, team, filters, BulkEditForm(options=options))
    if wants_fragment(request):
        return render(request, f"{LIST}#ticket-results", context)
    context["saved_views"] = saved_views.views_for(team=team, user=request.user, page=SavedView.Page.LIST)
    return render(request, LIST, context)


def _report_bulk(request: TeamRequest, team: Team, result: BulkResult) -> None:
    if result.updated:
        n = len(result.updated)
        messages.success(request, f"Updated {n} ticket{'s' if n != 1 else ''}.")
    if not result.refused:
        return
    numbers = dict(Ticket.objects.filter(pk__in=result.refused).values_list("pk", "number"))
    by_reason: dict[str, list[str]] = defaultdict(list)
    for pk, reason in sorted(result.refused.items(), key=lambda item: numbers.get(item[0], 0)):
        by_reason[reason].append(f"{team.slug.upper()}-{numbers.get(pk, '?')}")
    for reason, keys in by_reason.items():
        # An error, not a warning: it stays on screen until read.
        messages.error(request, f"Not changed ({len(keys)}): {', '.join(keys)}. {reason}")


@require_POST
@team_view(Action.WORK_TICKETS)
def ticket_bulk(request: TeamRequest, team: Team) -> HttpResponse:
    """Apply one change to the checked tickets; the list's filters ride along in the query string."""
    options = TeamOptions(team)
    filters = TicketFilterForm(request.GET, options=options, user=request.user)
    form = BulkEditForm(request.POST, options=options)
    if not form.is_valid():
        # The rows stay checked, so the user can fix the change and apply again.
        checked = frozenset(request.POST.getlist("tickets"))
        context = _list_context(request, team, filters, form, checked)
        return render(request, f"{LIST}#ticket-results" if request.htmx else LIST, context, status=422)
    result = services.ticket_bulk_update(
        team=team,
        by=request.user,
        ticket_ids=form.cleaned_data["tickets"],
        changes=form.changes(),
        add_labels=form.labels("add_label"),
        remove_labels=form.labels("remove_label"),
    )
    _report_bulk(request, team, result)
    if not request.htmx:
        return redirect(reverse("tickets:list", args=[team.slug]) + (f"?{filters.query}" if filters.query else ""))
    context = _list_context(request, team, filters, BulkEditForm(options=options))
    return render(request, f"{LIST}#ticket-results", context)


# --- Detail and comments -------------------------------------------------------------------------


def _detail_context(
    team: Team, ticket: Ticket, comment_form: CommentForm, *, sla: bool = True, user: Any = None
) -> dict[str, Any]:
    return {
        "team": team,
        "ticket": ticket,
        "following": user is not None and TicketFollower.objects.filter(ticket=ticket, user=user).exists(),
        "timeline": ticket_timeline(ticket=ticket),
        "sla": ticket_sla(ticket, now=timezone.now()) if sla else None,
        "comment_form": comment_form,
        # Opening the page reads what the person was told about the ticket (posted on load).
        "notification_subject": subject_key(ticket),
        **SECTION,
    }


@vary_on_headers("HX-Request")
@require_GET
@team_view()
def ticket_detail(request: TeamRequest, team: Team, number: int) -> HttpResponse:
    ticket = _ticket_or_404(team, number)
    if wants_fragment(request):
        # The facts and SLA panels refresh themselves when the ticket changed (a first reply, for one).
        if request.htmx.target == "ticket-sla":
            context = {"team": team, "ticket": ticket, "sla": ticket_sla(ticket, now=timezone.now())}
            return render(request, f"{DETAIL}#ticket-sla", context)
        return render(request, f"{DETAIL}#ticket-facts", {"team": team, "ticket": ticket})
    # A GET writes nothing: the page posts "seen" when it loads (notifications:read-about).
    return render(request, DETAIL, _detail_context(team, ticket, CommentForm(), user=request.user))


@require_POST
@team_view()
def ticket_follow(request: TeamRequest, team: Team, number: int) -> HttpResponse:
    """Follow a ticket (be told of its changes and comments), or stop following it."""
    ticket = _ticket_or_404(team, number)
    following = request.POST.get("follow") == "1"
    if following:
        news.follow(ticket, [request.user])
    else:
        news.unfollow(ticket, request.user)
    if not request.htmx:
        messages.success(request, "You follow this ticket." if following else "You no longer follow this ticket.")
        return redirect("tickets:detail", team.slug, ticket.number)
    return render(request, f"{DETAIL}#follow-button", {"team": team, "ticket": ticket, "following": following})


@require_POST
@team_view(Action.WORK_TICKETS)
def ticket_comment(request: TeamRequest, team: Team, number: int) -> HttpResponse:
    """A public reply or an internal note; answers with the refreshed timeline."""
    ticket = _ticket_or_404(team, number)
    form = CommentForm(request.POST)
    if not form.is_valid():
        context = _detail_context(team, ticket, form, sla=not request.htmx)
        return render(request, f"{DETAIL}#ticket-timeline" if request.htmx else DETAIL, context, status=422)
    comment = services.comment_add(
        ticket=ticket, by=request.user, body=form.cleaned_data["body"], is_public=form.is_public,
        from_customer=form.from_customer,
    )  # fmt: skip
    added = "Customer's reply logged." if comment.from_customer else "Public reply added."
    messages.success(request, added if comment.is_public else "Internal note added.")
    if not request.htmx:
        return redirect(reverse("tickets:detail", args=[team.slug, ticket.number]) + f"#comment-{comment.pk}")
    response = render(request, f"{DETAIL}#ticket-timeline", _detail_context(team, ticket, CommentForm(), sla=False))
    return trigger_client_event(response, "ticket-changed")


# --- Create and edit -------------------------------------------------------------------------------


def _form_page(request: TeamRequest, team: Team, form: TicketForm, *, status: int = 200, **extra: Any) -> HttpResponse:
    context = {"team": team, "form": form, "ticket": form.ticket, "options": form.options, **SECTION, **extra}
    return render(request, f"{FORM}#ticket-form" if wants_fragment(request) else FORM, context, status=status)


def _refuse(form: TicketForm, broken: RuleBroken) -> None:
    form.add_error("status" if isinstance(broken, WipLimitReached) else None, str(broken))
    form.add_error(None, "Nothing was saved.")


@require_http_methods(["GET", "POST"])
@team_view(Action.WORK_TICKETS)
def ticket_create(request: TeamRequest, team: Team) -> HttpResponse:
    options = TeamOptions(team)
    if request.method == "GET":
        return _form_page(request, team, TicketForm(options=options))
    form = TicketForm(request.POST, options=options)
    if not form.is_valid():
        return _form_page(request, team, form, status=422)
    try:
        ticket = services.ticket_create(team=team, by=request.user, draft=form.draft())
    except RuleBroken as broken:
        _refuse(form, broken)
        return _form_page(request, team, form, status=422)
    if ticket.team_id == team.pk:
        messages.success(request, f"Created {ticket.key}.")
        return _redirect(request, reverse("tickets:detail", args=[team.slug, ticket.number]))
    # A routing rule sent the ticket to another team.
    if Team.objects.visible_to(request.user).filter(pk=ticket.team_id).exists():
        messages.info(request, f"A routing rule sent this ticket to {ticket.team.name}: it is {ticket.key} there.")
        return _redirect(request, reverse("tickets:detail", args=[ticket.team.slug, ticket.number]))
    messages.warning(
        request,
        f"A routing rule sent this ticket to {ticket.team.name} as {ticket.key}. "
        "You are not a member of that team, so it is not listed here.",
    )
    return _redirect(request, reverse("tickets:list", args=[team.slug]))


@require_http_methods(["GET", "POST"])
@team_view(Action.WORK_TICKETS)
def ticket_edit(request: TeamRequest, team: Team, number: int) -> HttpResponse:
    ticket = _ticket_or_404(team, number)
    options = TeamOptions(team)
    if request.method == "GET":
        return _form_page(request, team, TicketForm(options=options, ticket=ticket))
    form = TicketForm(request.POST, options=options, ticket=ticket)
    if not form.is_valid():
        return _form_page(request, team, form, status=422)
    try:
        updated = services.ticket_update(
            ticket=ticket, by=request.user, expected_version=form.cleaned_data["version"], changes=form.changes()
        )
    except StaleEdit as stale:
        current: Ticket = refuse_stale(form, stale, what="this ticket")
        return _form_page(request, team, form, status=409, saved=form.saved_values(current), current=current)
    except RuleBroken as broken:
        _refuse(form, broken)
        return _form_page(request, team, form, status=422)
    messages.success(request, f"Saved {updated.key}.")
    return _redirect(request, reverse("tickets:detail", args=[team.slug, updated.number]))
