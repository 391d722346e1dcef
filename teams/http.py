"""Request types that say what the middleware and ``team_view`` put on a request."""

from __future__ import annotations

from typing import TYPE_CHECKING

from core.htmx import HtmxRequest

if TYPE_CHECKING:
    from teams.models import Membership, Team, User

# The team the user last opened, for "/" and for pages outside a team.
SESSION_TEAM_KEY = "current_team_slug"


class TeamRequest(HtmxRequest):
    """A request inside a team: set by ``teams.views.team_view``."""

    user: User  # type: ignore[assignment]
    team: Team
    membership: Membership
