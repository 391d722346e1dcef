"""Every standup, review, retrospective, grooming and matrix route: allowed or 403 by role, 404 for other teams."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from planning import retros, services
from teams.models import Membership, Role
from teams.permissions import Action, can
from tests.planning.conftest import at

pytestmark = pytest.mark.django_db
MONDAY = date(2027, 1, 4)

# (url name, extra args builder key, method, action required)
ROUTES = [
    ("planning:standup", "sprint", "get", Action.VIEW),
    ("planning:standup-day", "day", "get", Action.VIEW),
    ("planning:blocker-raise", "day", "post", Action.WORK_TICKETS),
    ("planning:sprint-board", "sprint", "get", Action.VIEW),
    ("planning:review", "sprint", "get", Action.VIEW),
    ("planning:retro", "sprint", "get", Action.VIEW),
    ("planning:retro-note", "sprint", "post", Action.WORK_TICKETS),
    ("planning:retro-action", "sprint", "post", Action.WORK_TICKETS),
    ("planning:retro-vote", "note", "post", Action.WORK_TICKETS),
    ("planning:retro-settings", "sprint", "post", Action.MANAGE_WORK),
    ("planning:retro-decide", "action", "post", Action.MANAGE_WORK),
    ("planning:groom", "ticket", "get", Action.MANAGE_WORK),
    ("planning:groom-cancel", "ticket", "get", Action.MANAGE_WORK),
    ("planning:matrix-move", "", "post", Action.MANAGE_WORK),
    ("planning:quick-wins", "", "post", Action.MANAGE_WORK),
]


@pytest.fixture
def world(office_team, make_member, task):
    lead = make_member(office_team, Role.LEAD)
    ticket = task(office_team, 2, "Groomable")
    with at(MONDAY, 8):
        sprint = services.sprint_create(team=office_team, by=lead, start_date=MONDAY)
    with at(MONDAY, 9):
        services.sprint_start(sprint=sprint, by=lead)
    sprint.refresh_from_db()
    retro = retros.retro_open(sprint=sprint)
    note = retros.note_add(retro=retro, by=lead, column="well", text="Good")
    action = retros.action_add(retro=retro, by=lead, text="Do it")
    return {"team": office_team, "sprint": sprint, "note": note, "action": action, "ticket": ticket}


def _url(name: str, kind: str, world: dict, slug: str) -> str:
    sprint = world["sprint"].number
    args: list = [slug]
    if kind == "sprint":
        args += [sprint]
    elif kind == "day":
        args += [sprint, MONDAY.isoformat()]
    elif kind == "note":
        args += [sprint, world["note"].pk]
    elif kind == "action":
        args += [sprint, world["action"].pk]
    elif kind == "ticket":
        args += [world["ticket"].pk]
    return reverse(name, args=args)


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize(("name", "kind", "method", "action"), ROUTES)
def test_each_route_answers_by_role(world, make_member, login, role, name, kind, method, action):
    client = login(make_member(world["team"], role))
    url = _url(name, kind, world, world["team"].slug)
    response = client.post(url, {}) if method == "post" else client.get(url)
    allowed = can(Membership(role=role), action)
    if allowed:
        assert response.status_code in (200, 302, 422), (url, response.status_code)
    else:
        assert response.status_code == 403, (url, response.status_code)


@pytest.mark.parametrize(("name", "kind", "method", "action"), ROUTES)
def test_each_route_is_404_from_another_team(world, other_team, make_member, login, name, kind, method, action):
    """Another team's manager, using their own slug with this team's ids, or this team's slug: 404 both ways."""
    client = login(make_member(other_team, Role.MANAGER))
    for slug in (world["team"].slug, other_team.slug):
        url = _url(name, kind, world, slug)
        if not kind and slug == other_team.slug:
            continue  # a team-only route under the outsider's own slug is theirs to use
        response = client.post(url, {}) if method == "post" else client.get(url)
        assert response.status_code == 404, (url, response.status_code)
