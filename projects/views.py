from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from teams.models import Team
from teams.views import team_view


@team_view()
def project_list(request: HttpRequest, team: Team) -> HttpResponse:
    return render(request, "projects/project_list.html", {"team": team})


@team_view()
def sprint_list(request: HttpRequest, team: Team) -> HttpResponse:
    return render(request, "projects/sprint_list.html", {"team": team})
