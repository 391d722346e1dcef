from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from teams.models import Team
from teams.views import team_view


@team_view()
def risk_list(request: HttpRequest, team: Team) -> HttpResponse:
    return render(request, "risks/risk_list.html", {"team": team})
