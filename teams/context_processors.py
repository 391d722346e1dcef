from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from teams.http import SESSION_TEAM_KEY
from teams.models import Role, Team
from teams.permissions import Action, can, membership_in

# Pages that belong to another section: the navigation highlights that section,
# and the team switcher opens it (the calendar editor is for leads only, so the
# switcher must not send someone to another team's editor and a 403).
SECTION_OF = {
    "teams:calendar": "teams:detail",
    "tickets:detail": "tickets:list",
    "tickets:edit": "tickets:list",
    "tickets:create": "tickets:list",
    "tickets:board-settings": "tickets:board",
    "tickets:project-board": "projects:list",  # a project's board belongs to its project
    "tickets:project-board-settings": "projects:list",
    "metrics:definitions": "dashboard",
}
# Leads-only pages with a navigation entry of their own: highlighted as
# themselves, but the switcher opens the page everyone may see instead.
SWITCH_TO = {"voice:feedback-settings": "voice:feedback"}


def current_team(request: HttpRequest) -> dict[str, Any]:
    """The team in view and the user's teams, for the navigation and switcher.

    The list of teams is lazy: it is queried only when a page renders the
    switcher.
    """
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    membership = getattr(request, "membership", None)
    served = membership is not None
    if membership is None:
        # Pages outside a team (password change, errors) keep the navigation
        # of the team the user last worked in.
        slug = request.session.get(SESSION_TEAM_KEY) if hasattr(request, "session") else None
        membership = membership_in(user, slug) if slug else None
    # The section a page belongs to; none for pages outside a team's sections (notifications, the
    # password change) and for a team page that was refused (a 403, where the view never ran), which
    # then highlight no entry and switch teams to the board.
    match = getattr(request, "resolver_match", None)
    name = match.view_name if match and served and "team_slug" in match.kwargs else ""
    section = SECTION_OF.get(name, name if match and match.kwargs.keys() == {"team_slug"} else "")
    return {
        "current_team": membership.team if membership else None,
        "current_membership": membership,
        "current_section": section,
        "switch_section": SWITCH_TO.get(section, section) or "tickets:board",
        "my_teams": lambda: _teams_with_roles(user),
        "may": {action.value: can(membership, action) for action in Action},
    }


def _teams_with_roles(user: Any) -> list[Team]:
    teams = list(Team.objects.with_role_of(user))
    for team in teams:
        team.role_label = Role(team.my_role).label  # type: ignore[attr-defined]
    return teams
