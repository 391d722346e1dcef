from __future__ import annotations

import pytest
from django.urls import reverse

from projects.models import Project
from teams.models import Role
from teams.permissions import Action
from tests.factories import ProjectFactory, make_ticket
from tests.teams.test_permissions import EXPECTED
from tickets.choices import Status

pytestmark = pytest.mark.django_db


def test_projects_list_shows_the_teams_projects_with_open_tickets_and_a_board_link(
    team, other_team, make_member, login
):
    chat = ProjectFactory(team=team, name="Live chat launch", framework="kanban")
    ProjectFactory(team=other_team, name="Someone else's")
    make_ticket(team, project=chat)
    make_ticket(team, project=chat, status=Status.RESOLVED)
    html = login(make_member(team)).get(reverse("projects:list", args=[team.slug])).content.decode()
    assert "Live chat launch" in html and "Someone else" not in html
    assert "1 <span" in html and "of 2" in html
    assert reverse("tickets:project-board", args=[team.slug, chat.pk]) in html


def test_project_list_queries_do_not_grow(team, make_member, login, django_assert_num_queries):
    client = login(make_member(team, Role.LEAD))
    url = reverse("projects:list", args=[team.slug])
    ProjectFactory(team=team)
    client.get(url)
    with django_assert_num_queries(7):  # with the notification bell's count and the template choices
        client.get(url)
    for _ in range(10):
        make_ticket(team, project=ProjectFactory(team=team))
    with django_assert_num_queries(7):
        client.get(url)


def test_lead_creates_a_project_and_duplicates_are_explained(team, make_member, login):
    client = login(make_member(team, Role.LEAD))
    url = reverse("projects:create", args=[team.slug])
    response = client.post(url, {"name": "Helpdesk migration", "framework": "waterfall", "status": "proposed"})
    assert response.status_code == 302
    assert Project.objects.get(team=team).framework == "waterfall"
    again = client.post(url, {"name": "helpdesk MIGRATION", "framework": "scrum", "status": "active"})
    assert again.status_code == 422
    assert "already has a project called" in again.content.decode()
    bad = client.post(url, {"name": "", "framework": "agile-ish", "status": "active"})
    assert bad.status_code == 422
    assert "Select a valid choice." in bad.content.decode()
    assert Project.objects.count() == 1


@pytest.mark.parametrize("role", list(Role))
def test_project_routes_by_role(team, make_member, login, role):
    client = login(make_member(team, role))
    assert client.get(reverse("projects:list", args=[team.slug])).status_code == 200
    response = client.post(reverse("projects:create", args=[team.slug]), {"name": "X", "framework": "scrum",
                                                                          "status": "active"})  # fmt: skip
    allowed = Action.MANAGE_WORK in EXPECTED[role]
    assert response.status_code == (302 if allowed else 403)
    assert Project.objects.filter(name="X").exists() is allowed


def test_projects_of_another_team_are_404(team, other_team, make_member, login):
    client = login(make_member(team, Role.MANAGER))
    assert client.get(reverse("projects:list", args=[other_team.slug])).status_code == 404
    response = client.post(reverse("projects:create", args=[other_team.slug]), {"name": "X"})
    assert response.status_code == 404
    assert not Project.objects.exists()
