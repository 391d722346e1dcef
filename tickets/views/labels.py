"""A team's labels: every member reads them, leads and managers change them (``MANAGE_TEAM``).

An inline-edit list (:mod:`core.inline`). Labels carry no version column: an
edit carries a fingerprint of the values its form showed.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from core import inline
from teams.http import TeamRequest
from teams.models import Team
from teams.permissions import Action, can
from teams.views import team_view
from tickets import labels as services
from tickets.forms.labels import LabelForm
from tickets.models import Label

LABELS = inline.InlineList(
    template="tickets/settings/labels.html", noun="label", page="tickets:labels", event="labels-changed",
    item="lbl", what="this label",
)  # fmt: skip


def _context(request: TeamRequest, team: Team, **extra: Any) -> dict[str, Any]:
    return {"team": team, "can_manage": can(request.membership, Action.MANAGE_TEAM), **extra}


def _list_context(request: TeamRequest, team: Team, **extra: Any) -> dict[str, Any]:
    return _context(request, team, labels=list(Label.objects.for_settings(team)), **extra)


def _new_form(team: Team, labels: list[Label] | None = None) -> LabelForm:
    """The new-label form, offering a colour no label of the team has yet."""
    if labels is None:
        used = set(Label.objects.filter(team=team).values_list("colour", flat=True))
    else:
        used = {label.colour for label in labels}
    return LabelForm(auto_id="new-label-%s", used_colours=used)


def _label(team: Team, pk: int) -> Label:
    return get_object_or_404(Label.objects.for_settings(team), pk=pk)


@require_safe
@team_view()
def labels_page(request: TeamRequest, team: Team) -> HttpResponse:
    """The team's labels with how many tickets carry each; the new-label form for leads."""
    context = _list_context(request, team)
    return inline.list_page(
        request, LABELS, context, full=lambda c: {"form": _new_form(team, c["labels"])} if c["can_manage"] else {}
    )


@require_POST
@team_view(Action.MANAGE_TEAM)
def label_create(request: TeamRequest, team: Team) -> HttpResponse:
    form = LabelForm(request.POST, auto_id="new-label-%s")
    return inline.create(
        request, LABELS, form=form,
        save=lambda: services.label_create(team=team, **_values(form)),
        success=lambda label: f"Added the label “{label.name}”.",
        context=lambda **extra: _context(request, team, **extra),
        fresh_form=lambda: _new_form(team),
        page_context=lambda **extra: _list_context(request, team, **extra),
    )  # fmt: skip


def _values(form: LabelForm) -> dict[str, str]:
    return {"name": form.cleaned_data["name"], "colour": form.cleaned_data["colour"]}


@require_safe
@team_view()
def label_row(request: TeamRequest, team: Team, pk: int) -> HttpResponse:
    """One label, read-only (the Cancel of an edit or a delete)."""
    return inline.row(request, LABELS, _context(request, team), _label(team, pk))


@require_http_methods(["GET", "POST"])
@team_view(Action.MANAGE_TEAM)
def label_edit(request: TeamRequest, team: Team, pk: int) -> HttpResponse:
    """Inline rename and recolour; a label changed meanwhile is refused (409) with its current values."""
    label = _label(team, pk)
    form = LabelForm(request.POST if request.method == "POST" else None, label=label, auto_id=f"label-{label.pk}-%s")
    return inline.edit(
        request, LABELS, obj=label, form=form,
        save=lambda: services.label_update(label=label, seen=form.cleaned_data["seen"], **_values(form)),
        success=lambda saved: f"Saved the label “{saved.name}”.",
        context=lambda **extra: _context(request, team, **extra),
        stale_field="seen", stale_seen=services.label_fingerprint,
    )  # fmt: skip


@require_http_methods(["GET", "POST"])
@team_view(Action.MANAGE_TEAM)
def label_delete(request: TeamRequest, team: Team, pk: int) -> HttpResponse:
    """GET: the confirmation, saying how many tickets and rules carry the label. POST: delete it."""
    label = _label(team, pk)
    if request.method == "GET":
        context = _context(request, team, lbl=label, usage=services.label_usage(label))
        return inline.answer(request, LABELS, "confirm", context)
    deleted = services.label_delete(label=label)
    note = f"Deleted the label “{deleted.name}” from {deleted.tickets} ticket{'s' if deleted.tickets != 1 else ''}."
    if deleted.rules_switched_off:
        names = ", ".join(f"“{n}”" for n in deleted.rules_switched_off)
        note += f" Switched off routing rules left with nothing to do: {names}."
    messages.success(request, note)
    return inline.answer(request, LABELS, "list", _list_context(request, team))
