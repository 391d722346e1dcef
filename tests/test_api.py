from __future__ import annotations

import pytest

from teams.models import Membership, Role


@pytest.mark.django_db
def test_api_lists_only_my_teams(team, other_team, make_member, login):
    user = make_member(team, Role.LEAD)
    make_member(other_team)
    response = login(user).get("/api/teams")
    assert response.status_code == 200
    assert response.json() == [{"slug": "care", "name": "Customer Care", "time_zone": "Europe/Berlin", "role": "lead"}]


@pytest.mark.django_db
def test_api_members_of_another_team_is_404_with_json_error(team, other_team, make_member, login):
    user = make_member(team)
    make_member(other_team)
    client = login(user)
    assert len(client.get("/api/teams/care/members").json()) == 1
    response = client.get("/api/teams/other/members")
    assert response.status_code == 404
    assert response.json() == {"detail": "No such team."}


@pytest.mark.django_db
def test_api_requires_sign_in(client):
    response = client.get("/api/teams")
    assert response.status_code == 401
    assert "detail" in response.json()


@pytest.mark.django_db
def test_openapi_document_describes_the_endpoints(client):
    doc = client.get("/api/openapi.json").json()
    assert doc["openapi"].startswith("3.1")
    assert "/api/teams" in doc["paths"] and "/api/teams/{slug}/members" in doc["paths"]
    assert "404" in doc["paths"]["/api/teams/{slug}/members"]["get"]["responses"]


@pytest.mark.django_db
def test_member_list_carries_capacity_and_skills(team, make_member, login):
    user = make_member(team, Role.MANAGER, username="maya")
    Membership.objects.filter(user=user).update(capacity=13, skills=["SSO"])
    [row] = login(user).get("/api/teams/care/members").json()
    assert row == {"username": "maya", "name": user.display_name, "role": "manager", "capacity": 13, "skills": ["SSO"]}


@pytest.mark.django_db
@pytest.mark.parametrize("slug", ["%00", "care%00", "a%20b", "x" * 61, "%C3%A9t%C3%A9"])
def test_a_malformed_slug_is_a_422_with_a_json_error_never_a_500(team, make_member, login, slug):
    response = login(make_member(team)).get(f"/api/teams/{slug}/members")
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["path", "slug"]
