"""Customer feedback pages: the list by impact and one item with its actions.

Every member reads the list and the items; agents and up log feedback and
act on it (``WORK_TICKETS``); leads and managers change the settings
(``MANAGE_TEAM``). HTMX requests get the region that changed; plain requests
get the whole page or a redirect, so everything works without JavaScript.
The public form needs no sign-in: it is found by the team's unguessable key.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import HttpResponseClientRedirect, trigger_client_event

from core.errors import Invalid, StaleEdit
from core.htmx import wants_fragment
from core.stale import refuse_stale
from projects.models import Project
from teams.http import TeamRequest
from teams.models import Team
from teams.permissions import Action, can
from teams.views import team_view
from tickets.forms.fields import MAX_ID
from tickets.models import Account, Label
from voice import conversion, feedback, impact, selectors
from voice.choices import FeedbackSource
from voice.forms import (
    AttachProjectForm,
    FeedbackFilterForm,
    FeedbackForm,
    LinkTicketForm,
    MergeForm,
    StatusForm,
    TagsForm,
)
from voice.models import FeedbackItem, FeedbackSettings

LIST = "voice/feedback/list.html"
DETAIL = "voice/feedback/detail.html"
PER_PAGE = 25
MERGE_CANDIDATES = 30
# The item pages light up "Feedback" in the navigation (and the team switcher opens the list).
SECTION = {"current_section": "voice:feedback"}


def _weights(team: Team) -> tuple[FeedbackSettings, impact.Weights]:
    """The team's settings (the defaults, unsaved, before a lead first saves them) and their weights."""
    settings = FeedbackSettings.objects.filter(team=team).first() or FeedbackSettings(team=team)
    return settings, impact.Weights.of(settings)


# --- List and logging ----------------------------------------------------------------------------


def _list_context(request: TeamRequest, team: Team, labels: list[Label], **extra: Any) -> dict[str, Any]:
    filters = FeedbackFilterForm(request.GET, labels=labels)
    settings, weights = _weights(team)
    page = Paginator(selectors.feedback_list(team, filters.filters()), PER_PAGE).get_page(request.GET.get("page"))
    items = list(page.object_list)
    scores = impact.impact_breakdowns(items, weights)
    params = QueryDict(mutable=True)
    params.update(filters.params)
    list_url = reverse("voice:feedback", args=[team.slug])
    return {
        "team": team,
        "filters": filters,
        "page": page,
        "rows": [(item, scores.get(item.pk)) for item in items],
        "weights": weights,
        "settings": settings,
        "params": params,
        "list_url": list_url,
        # What the list reloads after feedback is logged: the same filters and page.
        "reload_url": f"{list_url}?{params.urlencode() + '&' if params else ''}page={page.number}",
        "can_work": can(request.membership, Action.WORK_TICKETS),
        "can_manage": can(request.membership, Action.MANAGE_TEAM),
        **extra,
    }


def _new_form(team: Team, labels: list[Label], data: Any = None) -> FeedbackForm:
    accounts = list(Account.objects.filter(team=team).order_by("name"))
    return FeedbackForm(data, accounts=accounts, labels=labels)


@vary_on_headers("HX-Request")
@require_GET
@team_view()
def feedback_list(request: TeamRequest, team: Team) -> HttpResponse:
    """Unmerged feedback by impact score, filtered by status, channel and tag; the "Log feedback" form for agents."""
    labels = list(Label.objects.filter(team=team).order_by("name"))
    context = _list_context(request, team, labels)
    if wants_fragment(request):
        return render(request, f"{LIST}#feedback-results", context)
    if context["can_work"]:
        context["form"] = _new_form(team, labels)
    return render(request, LIST, context)


@require_POST
@team_view(Action.WORK_TICKETS)
def feedback_create(request: TeamRequest, team: Team) -> HttpResponse:
    """Log feedback an agent heard. HTMX: a fresh form, and the list reloads itself (``feedback-changed``)."""
    labels = list(Label.objects.filter(team=team).order_by("name"))
    form = _new_form(team, labels, request.POST)
    if form.is_valid():
        try:
            item = feedback.feedback_submit(team=team, by=request.user, source=FeedbackSource.AGENT, **form.values())
        except Invalid as refusal:
            form.add_refusal(refusal)
        else:
            messages.success(request, f"Logged feedback #{item.pk} (impact {item.impact_score:g}).")
            if not request.htmx:
                return redirect("voice:feedback-detail", team_slug=team.slug, pk=item.pk)
            context = {"team": team, "form": _new_form(team, labels)}
            return trigger_client_event(render(request, f"{LIST}#feedback-new", context), "feedback-changed")
    if request.htmx:
        return render(request, f"{LIST}#feedback-new", {"team": team, "form": form}, status=422)
    return render(request, LIST, _list_context(request, team, labels, form=form), status=422)


# --- One item --------------------------------------------------------------------------------------


def _item_or_404(team: Team, pk: int) -> FeedbackItem:
    if pk > MAX_ID:
        raise Http404("No such feedback.")
    return get_object_or_404(
        FeedbackItem.objects.filter(team=team).select_related("account", "created_by", "survey", "merged_into"), pk=pk
    )


def _detail_context(request: TeamRequest, team: Team, item: FeedbackItem, **forms: Any) -> dict[str, Any]:
    can_work = can(request.membership, Action.WORK_TICKETS)
    tickets = list(item.tickets.select_related("team").order_by("number"))
    projects = list(item.projects.order_by("name"))
    context: dict[str, Any] = {
        "team": team,
        "item": item,
        "tags": list(item.tags.order_by("name")),
        "tickets": tickets,
        "projects": projects,
        "backlog_ticket": next((t for t in tickets if t.kind == "improvement"), None),
        "duplicates": list(item.duplicates.select_related("account").order_by("-created_at", "-id")),
        "can_work": can_work and item.merged_into_id is None,
        **SECTION,
    }
    if item.merged_into_id is None:
        _, weights = _weights(team)
        context["score"] = impact.impact_breakdowns([item], weights).get(item.pk)
    if context["can_work"]:
        attached = {p.pk for p in projects}
        free_projects = [p for p in Project.objects.of_team(team).order_by("name") if p.pk not in attached]
        context.update(
            free_projects=free_projects,
            status_form=forms.get("status_form") or StatusForm(item=item),
            tags_form=forms.get("tags_form")
            or TagsForm(item=item, labels=list(Label.objects.filter(team=team).order_by("name")), tags=context["tags"]),
            link_form=forms.get("link_form") or LinkTicketForm(team=team),
            project_form=forms.get("project_form") or AttachProjectForm(projects=free_projects),
            merge_form=forms.get("merge_form") or MergeForm(item=item, candidates=_merge_candidates(team, item)),
            current=forms.get("current"),
        )
    return context


def _answer(request: TeamRequest, team: Team, item: FeedbackItem, *, status: int = 200, **forms: Any) -> HttpResponse:
    """HTMX: the item's region. A plain post: back to the page, or the page with the refused form."""
    if request.htmx:
        item = _item_or_404(team, item.pk)
        return render(
            request, f"{DETAIL}#feedback-detail", _detail_context(request, team, item, **forms), status=status
        )
    if status >= 400:
        item = _item_or_404(team, item.pk)
        return render(request, DETAIL, _detail_context(request, team, item, **forms), status=status)
    return redirect("voice:feedback-detail", team_slug=team.slug, pk=item.pk)


@vary_on_headers("HX-Request")
@require_GET
@team_view()
def feedback_detail(request: TeamRequest, team: Team, pk: int) -> HttpResponse:
    item = _item_or_404(team, pk)
    context = _detail_context(request, team, item)
    return render(request, f"{DETAIL}#feedback-detail" if wants_fragment(request) else DETAIL, context)


@require_POST
@team_view(Action.WORK_TICKETS)
def feedback_status(request: TeamRequest, team: Team, pk: int) -> HttpResponse:
    item = _item_or_404(team, pk)
    form = StatusForm(request.POST, item=item)
    if not form.is_valid():
        return _answer(request, team, item, status=422, status_form=form)
    try:
        updated = feedback.feedback_set_status(
            item=item,
            status=form.cleaned_data["status"],
            by=request.user,
            expected_version=form.cleaned_data["version"],
        )
    except StaleEdit as stale:
        refuse_stale(form, stale, what="this feedback")
        return _answer(request, team, item, status=409, status_form=form, current=stale.current)
    except Invalid as refusal:
        form.add_refusal(refusal)
        return _answer(request, team, item, status=422, status_form=form)
    messages.success(request, f"Feedback #{updated.pk} is now “{updated.get_status_display()}”.")
    return _answer(request, team, updated)


@require_POST
@team_view(Action.WORK_TICKETS)
def feedback_tags(request: TeamRequest, team: Team, pk: int) -> HttpResponse:
    """Replace the item's tags; a stale form (409) shows what is saved now."""
    item = _item_or_404(team, pk)
    labels = list(Label.objects.filter(team=team).order_by("name"))
    form = TagsForm(request.POST, item=item, labels=labels, tags=list(item.tags.all()))
    if not form.is_valid():
        return _answer(request, team, item, status=422, tags_form=form)
    try:
        feedback.feedback_set_tags(
            item=item, tags=form.cleaned_data["tags"], by=request.user, expected_version=form.cleaned_data["version"]
        )
    except StaleEdit as stale:
        refuse_stale(form, stale, what="this feedback")
        return _answer(request, team, item, status=409, tags_form=form)
    except Invalid as refusal:
        form.add_refusal(refusal)
        return _answer(request, team, item, status=422, tags_form=form)
    messages.success(request, f"Saved the tags of feedback #{item.pk}.")
    return _answer(request, team, item)


@require_POST
@team_view(Action.WORK_TICKETS)
def feedback_to_ticket(request: TeamRequest, team: Team, pk: int) -> HttpResponse:
    """One click: a backlog ticket (improvement, To Do) from the feedback; a second click shows the first one."""
    item = _item_or_404(team, pk)
    try:
        result = conversion.feedback_to_ticket(item=item, by=request.user)
    except Invalid as refusal:
        messages.error(request, str(refusal))
        return _answer(request, team, item, status=422)
    if result.created:
        messages.success(request, f"Created {result.ticket.key} in the backlog and linked it.")
    else:
        messages.info(request, f"This feedback is already in the backlog as {result.ticket.key}.")
    return _answer(request, team, item)


@require_POST
@team_view(Action.WORK_TICKETS)
def feedback_link_ticket(request: TeamRequest, team: Team, pk: int) -> HttpResponse:
    item = _item_or_404(team, pk)
    form = LinkTicketForm(request.POST, team=team)
    if form.is_valid():
        ticket = form.cleaned_data["ticket"]
        try:
            feedback.feedback_link_ticket(item=item, ticket=ticket, by=request.user)
        except Invalid as refusal:
            form.add_refusal(refusal)
        else:
            messages.success(request, f"Linked {ticket.key}.")
            return _answer(request, team, item)
    return _answer(request, team, item, status=422, link_form=form)


@require_POST
@team_view(Action.WORK_TICKETS)
def feedback_unlink_ticket(request: TeamRequest, team: Team, pk: int, ticket_pk: int) -> HttpResponse:
    """Undo a link to one of the item's tickets (a ticket of another item or team is a 404)."""
    item = _item_or_404(team, pk)
    ticket = get_object_or_404(item.tickets.select_related("team"), pk=ticket_pk)
    try:
        feedback.feedback_unlink_ticket(item=item, ticket=ticket, by=request.user)
    except Invalid as refusal:
        messages.error(request, str(refusal))
        return _answer(request, team, item, status=422)
    messages.success(request, f"Unlinked {ticket.key}; the ticket itself is unchanged.")
    return _answer(request, team, item)


@require_POST
@team_view(Action.WORK_TICKETS)
def feedback_detach_project(request: TeamRequest, team: Team, pk: int, project_pk: int) -> HttpResponse:
    """Undo an attachment to one of the item's projects."""
    item = _item_or_404(team, pk)
    project = get_object_or_404(item.projects.all(), pk=project_pk)
    try:
        feedback.feedback_detach_project(item=item, project=project, by=request.user)
    except Invalid as refusal:
        messages.error(request, str(refusal))
        return _answer(request, team, item, status=422)
    messages.success(request, f"Removed it from {project.name}; the project itself is unchanged.")
    return _answer(request, team, item)


@require_POST
@team_view(Action.WORK_TICKETS)
def feedback_attach_project(request: TeamRequest, team: Team, pk: int) -> HttpResponse:
    item = _item_or_404(team, pk)
    form = AttachProjectForm(request.POST, projects=list(Project.objects.of_team(team).order_by("name")))
    if form.is_valid():
        project = form.cleaned_data["project"]
        try:
            feedback.feedback_attach_project(item=item, project=project, by=request.user)
        except Invalid as refusal:
            form.add_refusal(refusal)
        else:
            messages.success(request, f"Attached to the project “{project.name}”.")
            return _answer(request, team, item)
    return _answer(request, team, item, status=422, project_form=form)


def _merge_candidates(team: Team, item: FeedbackItem) -> list[FeedbackItem]:
    """The items this one can be merged into, highest impact first (any other can be given by number)."""
    return list(
        FeedbackItem.objects.filter(team=team, merged_into__isnull=True)
        .exclude(pk=item.pk)
        .only("id", "text", "impact_score")
        .order_by("-impact_score", "-created_at", "-id")[:MERGE_CANDIDATES]
    )


@require_POST
@team_view(Action.WORK_TICKETS)
def feedback_merge(request: TeamRequest, team: Team, pk: int) -> HttpResponse:
    """Merge this item into another of the team; then go to that one, which now counts this one's mentions."""
    item = _item_or_404(team, pk)
    form = MergeForm(request.POST, item=item, candidates=_merge_candidates(team, item))
    if not form.is_valid():
        return _answer(request, team, item, status=422, merge_form=form)
    target = FeedbackItem.objects.filter(team=team, pk=form.cleaned_data["target"]).first()
    if target is None:
        # Another team's item answers like one that does not exist.
        form.add_error("into_number", f"There is no feedback #{form.cleaned_data['target']} in this team.")
        return _answer(request, team, item, status=422, merge_form=form)
    try:
        merged = feedback.feedback_merge(
            duplicate=item, into=target, by=request.user, expected_version=form.cleaned_data["version"]
        )
    except StaleEdit as stale:
        refuse_stale(form, stale, what="this feedback")
        return _answer(request, team, item, status=409, merge_form=form, current=stale.current)
    except Invalid as refusal:
        form.add_refusal(refusal)
        return _answer(request, team, item, status=422, merge_form=form)
    messages.success(request, f"Merged #{item.pk} into #{merged.pk}: it now counts {merged.mentions} mentions.")
    url = reverse("voice:feedback-detail", args=[team.slug, merged.pk])
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)
