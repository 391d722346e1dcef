"""The sprint review (frozen at the close) and the retrospective."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.views.decorators.http import require_POST

from core.errors import RuleBroken, StaleEdit
from core.htmx import fragment_or_page, region_or_redirect
from core.stale import refuse_stale
from planning import retros
from planning.choices import RetroColumn
from planning.forms import ActionForm, NoteForm, RetroSettingsForm
from planning.models import RetroAction, RetroNote, Retrospective, Sprint
from planning.review import sprint_review
from teams.http import TeamRequest
from teams.models import Team
from teams.permissions import Action, can
from teams.views import team_view


def _sprint(team: Team, number: int) -> Sprint:
    return get_object_or_404(Sprint.objects.select_related("team"), team=team, number=number)


def _hours(seconds: int | None) -> str:
    if seconds is None:
        return "—"
    hours, rest = divmod(int(seconds), 3600)
    return f"{hours} h {rest // 60:02d} min"


@team_view()
def review(request: TeamRequest, team: Team, number: int) -> HttpResponse:
    """The review: frozen when the sprint closed; live (and marked so) while it runs."""
    sprint = _sprint(team, number)
    data = sprint.review if sprint.review is not None else sprint_review(sprint)
    if data is not None:
        for key in ("added", "removed", "estimates", "carried"):
            for row in data[key]:
                row["when"] = parse_datetime(row["at"])
        data["as_of_time"] = parse_datetime(data["as_of"])
        service = data["service"]
        service["frt"] = _hours(service["frt_median_seconds"])
        service["resolution"] = _hours(service["resolution_median_seconds"])
    context = {"team": team, "sprint": sprint, "review": data, "key_prefix": team.slug.upper()}
    return fragment_or_page(request, "planning/review.html", "review-body", context)


# --- Retrospective ------------------------------------------------------------------------------


def _retro_context(request: TeamRequest, team: Team, retro: Retrospective, **extra: Any) -> dict[str, Any]:
    used = retros.votes_used(retro, request.user)  # type: ignore[arg-type]
    may_write = can(request.membership, Action.WORK_TICKETS)  # type: ignore[attr-defined]
    return {
        "team": team, "sprint": retro.sprint, "retro": retro, "key_prefix": team.slug.upper(),
        "columns": retros.notes_of(retro, request.user), "earlier": retros.earlier_actions(retro),  # type: ignore[arg-type]
        "actions": list(retro.actions.select_related("ticket").order_by("id")),
        "votes_left": retro.votes_each - used, "may_write": may_write,
        "may_lead": can(request.membership, Action.MANAGE_WORK),  # type: ignore[attr-defined]
        "note_form": NoteForm(), "action_form": ActionForm(),
        "settings_form": RetroSettingsForm(initial={"anonymous": retro.anonymous, "votes_each": retro.votes_each,
                                                    "version": retro.version}),
        "column_names": dict(RetroColumn.choices), **extra,
    }  # fmt: skip


def _retro(team: Team, number: int) -> Retrospective:
    sprint = _sprint(team, number)
    return retros.retro_open(sprint=sprint)


def _board(request: TeamRequest, team: Team, number: int, status: int = 200, **extra: Any) -> HttpResponse:
    retro = Retrospective.objects.select_related("sprint__team").get(sprint__team=team, sprint__number=number)
    return region_or_redirect(
        request, "planning/retro.html#retro-board", _retro_context(request, team, retro, **extra), status=status,
        page_url=reverse("planning:retro", args=[team.slug, number]),
    )  # fmt: skip


@team_view()
def retro(request: TeamRequest, team: Team, number: int) -> HttpResponse:
    """The retrospective: last time's actions first, then notes, votes and this time's actions."""
    sprint = _sprint(team, number)
    if sprint.started_at is None:
        messages.info(request, f"{sprint.name} has not started: its retrospective opens once it runs.")
        return redirect("planning:sprint", team.slug, number)
    the_retro = retros.retro_open(sprint=sprint)
    return fragment_or_page(request, "planning/retro.html", "retro-board", _retro_context(request, team, the_retro))


@require_POST
@team_view(Action.WORK_TICKETS)
def retro_note(request: TeamRequest, team: Team, number: int) -> HttpResponse:
    the_retro = _retro(team, number)
    form = NoteForm(request.POST)
    status = 422
    if form.is_valid():
        try:
            retros.note_add(retro=the_retro, by=request.user, column=form.cleaned_data["column"],
                            text=form.cleaned_data["text"])  # fmt: skip
            status = 200
        except RuleBroken as refused:
            form.add_refusal(refused)
    if form.errors:
        messages.error(request, " ".join(str(e) for errs in form.errors.values() for e in errs))
    return _board(request, team, number, status=status)


@require_POST
@team_view(Action.WORK_TICKETS)
def retro_vote(request: TeamRequest, team: Team, number: int, note_id: int) -> HttpResponse:
    the_retro = _retro(team, number)
    note = get_object_or_404(RetroNote, retro=the_retro, pk=note_id)
    status = 200
    try:
        result = retros.note_vote(note=note, voter=request.user)
    except RuleBroken as refused:
        messages.error(request, str(refused))
        status = 409
    else:
        messages.success(request, f"{'Voted' if result.voted else 'Vote taken back'}: {result.left} vote(s) left.")
    return _board(request, team, number, status=status)


@require_POST
@team_view(Action.WORK_TICKETS)
def retro_action(request: TeamRequest, team: Team, number: int) -> HttpResponse:
    """Agree an action: it becomes a backlog task at once."""
    the_retro = _retro(team, number)
    form = ActionForm(request.POST)
    status = 422
    if form.is_valid():
        try:
            action = retros.action_add(retro=the_retro, by=request.user, text=form.cleaned_data["text"])
            status = 200
            messages.success(request, f"Action added to the backlog as {team.slug.upper()}-{action.ticket.number}.")  # type: ignore[union-attr]
        except RuleBroken as refused:
            form.add_refusal(refused)
    if form.errors:
        messages.error(request, " ".join(str(e) for errs in form.errors.values() for e in errs))
    return _board(request, team, number, status=status)


@require_POST
@team_view(Action.MANAGE_WORK)
def retro_decide(request: TeamRequest, team: Team, number: int, action_id: int) -> HttpResponse:
    """Keep or drop an action that keeps coming back (leads)."""
    _retro(team, number)
    action = get_object_or_404(RetroAction, retro__sprint__team=team, pk=action_id)
    status = 200
    try:
        retros.action_decide(action=action, decision=request.POST.get("decision", ""), at=timezone.now())
    except RuleBroken as refused:
        messages.error(request, str(refused))
        status = 422
    return _board(request, team, number, status=status)


@require_POST
@team_view(Action.MANAGE_WORK)
def retro_settings(request: TeamRequest, team: Team, number: int) -> HttpResponse:
    the_retro = _retro(team, number)
    form = RetroSettingsForm(request.POST)
    status = 422
    if form.is_valid():
        try:
            retros.retro_configure(retro=the_retro, expected_version=form.cleaned_data["version"],
                                   anonymous=form.cleaned_data["anonymous"],
                                   votes_each=form.cleaned_data["votes_each"])  # fmt: skip
            status = 200
            messages.success(request, "Retrospective settings saved.")
        except StaleEdit as stale:
            refuse_stale(form, stale, what="the retrospective's settings")
            status = 409
        except RuleBroken as refused:
            form.add_refusal(refused)
    if form.errors:
        messages.error(request, " ".join(str(e) for errs in form.errors.values() for e in errs))
    return _board(request, team, number, status=status)
