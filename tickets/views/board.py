from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from teams.models import Team
from teams.views import team_view


@team_view()
def board(request: HttpRequest, team: Team) -> HttpResponse:
    return render(request, "tickets/board.html", {"team": team})


@team_view()
def backlog(request: HttpRequest, team: Team) -> HttpResponse:
    return render(request, "tickets/backlog.html", {"team": team})
