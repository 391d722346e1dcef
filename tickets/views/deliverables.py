"""Linking a project deliverable to the ticket that does its work (the plan page posts here)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from core.errors import RuleBroken
from core.forms import RefusalForm
from projects.models import Deliverable
from teams.http import TeamRequest
from teams.models import Team
from teams.permissions import Action
from teams.views import team_view
from tickets import services


class LinkForm(RefusalForm):
    number = forms.IntegerField(min_value=1, required=False, error_messages={"invalid": "A ticket number is a "
                                                                             "whole number, like 42."})  # fmt: skip


@require_POST
@team_view(Action.MANAGE_WORK)
def deliverable_link(request: TeamRequest, team: Team, deliverable_id: int) -> HttpResponse:
    """Link (or, with no number, unlink) a deliverable of one of the team's projects to a ticket of the team."""
    deliverable = get_object_or_404(
        Deliverable.objects.select_related("phase__project"), phase__project__team=team, pk=deliverable_id
    )
    form = LinkForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for errs in form.errors.values() for e in errs))
    else:
        try:
            link = services.deliverable_link(deliverable=deliverable, number=form.cleaned_data["number"])
        except RuleBroken as refused:
            form.add_refusal(refused)
            messages.error(request, " ".join(str(e) for errs in form.errors.values() for e in errs))
        else:
            if link is None:
                messages.success(request, f"“{deliverable.title}” has no ticket now.")
            else:
                key = f"{team.slug.upper()}-{link.ticket.number}"
                messages.success(request, f"“{deliverable.title}” is done through {key}.")
    project = deliverable.phase.project
    return redirect(reverse("projects:plan", args=[team.slug, project.pk]) + f"#deliverable-{deliverable.pk}")
