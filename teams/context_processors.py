from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from teams.models import Role, Team
from teams.permissions import Action, can


def current_team(request: HttpRequest) -> dict[str, Any]:
    """The team in view and the user's teams, for the navigation and switcher.

    Lazy: pages that never render the navigation (the survey, the login page)
    make no query for it.
    """
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    membership = getattr(request, "membership", None)
    match = getattr(request, "resolver_match", None)
    section = match.view_name if match and match.kwargs.keys() == {"team_slug"} else "tickets:board"
    return {
        "current_team": getattr(request, "team", None),
        "current_membership": membership,
        "current_section": section,
        "my_teams": lambda: _teams_with_roles(user),
        "may": {action.value: can(membership, action) for action in Action},
    }


def _teams_with_roles(user: Any) -> list[Team]:
    teams = list(Team.objects.with_role_of(user))
    for team in teams:
        team.role_label = Role(team.my_role).label  # type: ignore[attr-defined]
    return teams
