"""What each role may do in its team: the one place that answers "may they?".

Every view asks through :func:`can` (usually via ``teams.views.team_view``),
and the role × action matrix is tested as a whole.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from core.rows import RowReader, statements
from teams.models import Membership, Role, Team


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


_MEMBERSHIP = RowReader(Membership, [f.attname for f in Membership._meta.concrete_fields])
_TEAM = RowReader(Team, [f.attname for f in Team._meta.concrete_fields])


def membership_in(user: Any, team_slug: str) -> Membership | None:
    """The user's membership of the team with this slug, with its team; None when not a member.

    Every team page asks this first, so it is one hand-written statement (see :mod:`core.rows`).
    """
    if not getattr(user, "is_authenticated", False):
        return None
    sql = (
        f"SELECT {_MEMBERSHIP.columns('m')}, {_TEAM.columns('t')} "  # noqa: S608 - names from the models
        f"FROM {Membership._meta.db_table} m JOIN {Team._meta.db_table} t ON t.id = m.team_id "
        "WHERE m.user_id = %s AND t.slug = %s"
    )
    with statements() as cursor:
        cursor.execute(sql, [user.pk, team_slug])
        row = cursor.fetchone()
    if row is None:
        return None
    membership: Membership = _MEMBERSHIP.instance(row)
    membership.team = _TEAM.instance(row, len(_MEMBERSHIP))
    membership.user = user
    return membership
