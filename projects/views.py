from django.contrib import messages
from django.db.models import Count, Q
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from core.errors import RuleBroken
from projects import services
from projects.forms import ProjectForm
from projects.models import Project
from teams.http import TeamRequest
from teams.models import Team
from teams.permissions import Action, can
from teams.views import team_view


def _list_context(request: TeamRequest, team: Team, form: ProjectForm) -> dict[str, object]:
    projects = Project.objects.of_team(team).annotate(
        open_tickets=Count("tickets", filter=~Q(tickets__status="resolved")), all_tickets=Count("tickets")
    )
    return {"team": team, "projects": projects, "form": form, "can_create": can(request.membership, Action.MANAGE_WORK)}


@team_view()
def project_list(request: TeamRequest, team: Team) -> HttpResponse:
    return render(request, "projects/project_list.html", _list_context(request, team, ProjectForm()))


@require_POST
@team_view(Action.MANAGE_WORK)
def project_create(request: TeamRequest, team: Team) -> HttpResponse:
    form = ProjectForm(request.POST)
    if form.is_valid():
        try:
            project = services.project_create(team=team, by=request.user, **form.cleaned_data)
        except RuleBroken as clash:
            form.add_error("name", str(clash))
        else:
            messages.success(request, f"Project “{project.name}” created.")
            return redirect("projects:list", team_slug=team.slug)
    return render(request, "projects/project_list.html", _list_context(request, team, form), status=422)
