"""What each role may do in its team: the one place that answers "may they?".

Every view asks through :func:`can` (usually via ``teams.views.team_view``),
and the role × action matrix is tested as a whole.
"""

from __future__ import annotations

from enum import StrEnum

from teams.models import Membership, Role


class Action(StrEnum):
    VIEW = "view"  # read every page of the team
    WORK_TICKETS = "work_tickets"  # create, edit, move and answer tickets
    MANAGE_WORK = "manage_work"  # backlog, sprints, projects, RACI, risks
    MANAGE_TEAM = "manage_team"  # calendar, SLA policies, routing, capacity and skills
    MANAGE_MEMBERS = "manage_members"  # change people's roles


ROLE_ACTIONS: dict[str, frozenset[Action]] = {
    Role.VIEWER: frozenset({Action.VIEW}),
    Role.AGENT: frozenset({Action.VIEW, Action.WORK_TICKETS}),
    Role.LEAD: frozenset({Action.VIEW, Action.WORK_TICKETS, Action.MANAGE_WORK, Action.MANAGE_TEAM}),
    Role.MANAGER: frozenset(Action),
}


def can(membership: Membership | None, action: Action) -> bool:
    """Whether the member may perform ``action`` in the membership's team."""
    if membership is None:
        return False
    return action in ROLE_ACTIONS.get(membership.role, frozenset())
