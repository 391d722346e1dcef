"""The role × action matrix, and every team route checked for every role."""

from __future__ import annotations

import pytest
from django.urls import reverse

from teams.models import Membership, Role
from teams.permissions import Action, can

# Written out by hand on purpose: this is the product rule, not a copy of the code.
EXPECTED = {
    Role.VIEWER: {Action.VIEW},
    Role.AGENT: {Action.VIEW, Action.WORK_TICKETS},
    Role.LEAD: {Action.VIEW, Action.WORK_TICKETS, Action.MANAGE_WORK, Action.MANAGE_TEAM},
    Role.MANAGER: {Action.VIEW, Action.WORK_TICKETS, Action.MANAGE_WORK, Action.MANAGE_TEAM, Action.MANAGE_MEMBERS},
}


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("action", list(Action))
def test_role_action_matrix(role: Role, action: Action) -> None:
    assert can(Membership(role=role), action) is (action in EXPECTED[role])


def test_no_membership_may_do_nothing() -> None:
    assert not any(can(None, action) for action in Action)


# (url name, needs a member pk, method, action the route requires)
ROUTES = [
    ("tickets:board", False, "get", Action.VIEW),
    ("planning:backlog", False, "get", Action.VIEW),
    ("planning:sprints", False, "get", Action.VIEW),
    ("planning:matrix", False, "get", Action.VIEW),
    ("projects:list", False, "get", Action.VIEW),
    ("risks:list", False, "get", Action.VIEW),
    ("dashboard", False, "get", Action.VIEW),
    ("metrics:definitions", False, "get", Action.VIEW),
    ("teams:detail", False, "get", Action.VIEW),
    ("teams:member-row", True, "get", Action.VIEW),
    ("teams:member-edit", True, "get", Action.MANAGE_TEAM),
    ("teams:member-edit", True, "post", Action.MANAGE_TEAM),
    ("teams:calendar", False, "get", Action.MANAGE_TEAM),
]


def _url(name: str, team_slug: str, member_pk: int | None) -> str:
    kwargs: dict[str, object] = {"team_slug": team_slug}
    if member_pk is not None:
        kwargs["pk"] = member_pk
    return reverse(name, kwargs=kwargs)


@pytest.mark.django_db
@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize(("name", "needs_pk", "method", "action"), ROUTES)
def test_every_route_answers_by_role(team, make_member, login, role, name, needs_pk, method, action) -> None:
    user = make_member(team, role)
    target = Membership.objects.get(user=user, team=team)
    url = _url(name, team.slug, target.pk if needs_pk else None)
    client = login(user)
    data = {"role": target.role, "capacity": 12, "skills": "", "version": target.version}
    # The member rows are inline-edit regions: the page asks for them over HTMX (a plain request goes to the page).
    headers = {"HTTP_HX_REQUEST": "true"} if name.startswith("teams:member") else {}
    response = client.post(url, data, **headers) if method == "post" else client.get(url, **headers)
    allowed = action in EXPECTED[role]
    assert response.status_code == (200 if allowed else 403), response.content[:300]
    if not allowed:
        target.refresh_from_db()
        assert target.capacity != 12, "a refused write must change nothing"


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "needs_pk", "method", "action"), ROUTES)
def test_every_route_is_404_for_another_team(team, other_team, make_member, login, name, needs_pk, method, action):
    """A manager of one team learns nothing about another: not even that it exists."""
    manager = make_member(team, Role.MANAGER)
    outsider_target = make_member(other_team, Role.AGENT)
    target = Membership.objects.get(user=outsider_target, team=other_team)
    client = login(manager)
    url = _url(name, other_team.slug, target.pk if needs_pk else None)
    response = client.post(url, {}) if method == "post" else client.get(url)
    assert response.status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "method"), [(name, method) for name, needs_pk, method, _ in ROUTES if needs_pk])
def test_object_of_other_team_under_own_team_is_404(team, other_team, make_member, login, name, method):
    """A member id from another team, put under one's own team slug, is 404 too."""
    manager = make_member(team, Role.MANAGER)
    outsider = make_member(other_team, Role.AGENT)
    foreign = Membership.objects.get(user=outsider, team=other_team)
    response = getattr(login(manager), method)(_url(name, team.slug, foreign.pk))
    assert response.status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "needs_pk", "method", "action"), ROUTES)
def test_anonymous_is_sent_to_sign_in(client, team, make_member, name, needs_pk, method, action) -> None:
    target = Membership.objects.get(user=make_member(team), team=team)
    url = _url(name, team.slug, target.pk if needs_pk else None)
    response = client.post(url) if method == "post" else client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
