from __future__ import annotations

import pytest
from django.urls import reverse

from teams.models import Membership, Role
from tests.factories import HolidayFactory, WorkingHoursFactory

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.mark.django_db
def test_home_sends_user_to_first_team_board_then_to_last_team(team, other_team, make_member, login):
    user = make_member(team, Role.AGENT)
    Membership.objects.create(user=user, team=other_team, role=Role.VIEWER)
    client = login(user)
    assert client.get("/")["Location"] == reverse("tickets:board", args=["care"])
    client.get(reverse("risks:list", args=["other"]))
    assert client.get("/")["Location"] == reverse("tickets:board", args=["other"])


@pytest.mark.django_db
def test_home_without_team_explains_what_to_do(db, login):
    from tests.factories import UserFactory

    response = login(UserFactory()).get("/")
    assert response.status_code == 200
    assert b"You are not in a team yet" in response.content


@pytest.mark.django_db
def test_switcher_lists_only_my_teams_with_my_role(team, other_team, make_member, login):
    from tests.factories import TeamFactory

    TeamFactory(name="Secret Team", slug="secret")
    user = make_member(team, Role.LEAD)
    Membership.objects.create(user=user, team=other_team, role=Role.VIEWER)
    html = login(user).get(reverse("projects:list", args=["care"])).content.decode()
    assert "Secret Team" not in html
    # The switcher links to the same section of the other team.
    assert f'href="{reverse("projects:list", args=["other"])}"' in html
    assert "Viewer" in html and "Team lead" in html


@pytest.mark.django_db
def test_team_page_shows_members_and_calendar(team, make_member, login):
    WorkingHoursFactory(team=team, weekday=0, start_minute=8 * 60, end_minute=12 * 60)
    WorkingHoursFactory(team=team, weekday=0, start_minute=13 * 60, end_minute=17 * 60 + 30)
    HolidayFactory(team=team, date="2099-12-25", name="Christmas Day")
    user = make_member(team, Role.AGENT, first_name="Ana", last_name="Costa")
    html = login(user).get(reverse("teams:detail", args=["care"])).content.decode()
    assert "Ana Costa" in html
    assert "08:00–12:00, 13:00–17:30" in html
    assert "Christmas Day" in html
    assert "Europe/Berlin" in html
    # An agent does not get edit buttons.
    assert 'hx-get="/t/care/team/members/' not in html


@pytest.mark.django_db
def test_team_page_query_count_does_not_grow_with_members(team, make_member, login, django_assert_num_queries):
    viewer = make_member(team, Role.LEAD)
    client = login(viewer)
    url = reverse("teams:detail", args=["care"])
    client.get(url)  # warm the session
    with django_assert_num_queries(8) as small:  # with the notification bell's count (CSAT is a region of its own)
        client.get(url)
    for _ in range(25):
        make_member(team, Role.AGENT)
    with django_assert_num_queries(len(small.captured_queries)):
        response = client.get(url)
    assert response.content.decode().count('class="member-row"') == 26


@pytest.mark.django_db
def test_inline_edit_returns_form_fragment_then_saved_row(team, make_member, login, membership_of):
    lead = make_member(team, Role.LEAD)
    agent = membership_of(make_member(team, Role.AGENT), team)
    client = login(lead)
    url = reverse("teams:member-edit", args=["care", agent.pk])

    form = client.get(url, **HTMX)
    assert form.status_code == 200
    html = form.content.decode()
    assert html.lstrip().startswith(f'<tr id="member-{agent.pk}"')
    assert "<html" not in html
    assert 'name="role"' in html and "disabled" in html  # a lead cannot change roles

    saved = client.post(url, {"capacity": "9", "skills": "API, api, billing", "version": agent.version}, **HTMX)
    assert saved.status_code == 200
    body = saved.content.decode()
    assert f'<tr id="member-{agent.pk}" class="member-row">' in body
    assert "9 <span" in body
    # The success message travels out of band with the fragment.
    assert 'id="messages"' in body and 'hx-swap-oob="true"' in body and "Saved" in body
    agent.refresh_from_db()
    assert (agent.capacity, agent.skills) == (9, ["API", "billing"])


@pytest.mark.django_db
def test_bad_input_is_explained_not_saved(team, make_member, login, membership_of):
    lead = make_member(team, Role.LEAD)
    agent = membership_of(make_member(team, Role.AGENT), team)
    response = login(lead).post(
        reverse("teams:member-edit", args=["care", agent.pk]),
        {"capacity": "lots", "skills": "", "version": agent.version},
        **HTMX,
    )
    assert response.status_code == 422
    assert "Enter a whole number." in response.content.decode()
    agent.refresh_from_db()
    assert agent.capacity == 20


@pytest.mark.django_db
def test_stale_edit_shows_current_values_and_keeps_input(team, make_member, login, membership_of):
    manager = make_member(team, Role.MANAGER)
    agent = membership_of(make_member(team, Role.AGENT), team)
    url = reverse("teams:member-edit", args=["care", agent.pk])
    client = login(manager)
    opened = agent.version
    client.post(url, {"role": "agent", "capacity": "30", "skills": "", "version": opened}, **HTMX)

    response = client.post(url, {"role": "lead", "capacity": "11", "skills": "SSO", "version": opened}, **HTMX)
    assert response.status_code == 409
    html = response.content.decode()
    assert "Someone else changed this member" in html
    assert "Saved now: <strong>Agent</strong>, 30 pts" in html
    assert 'value="11"' in html and 'value="SSO"' in html  # the user's input is kept
    assert f'value="{opened + 1}"' in html  # the next save is based on what was shown
    agent.refresh_from_db()
    assert (agent.capacity, agent.role) == (30, Role.AGENT)


@pytest.mark.django_db
def test_manager_changes_role(team, make_member, login, membership_of):
    manager = make_member(team, Role.MANAGER)
    agent = membership_of(make_member(team, Role.AGENT), team)
    response = login(manager).post(
        reverse("teams:member-edit", args=["care", agent.pk]),
        {"role": "lead", "capacity": "20", "skills": "", "version": agent.version},
        **HTMX,
    )
    assert response.status_code == 200
    assert "Team lead" in response.content.decode()
    agent.refresh_from_db()
    assert agent.role == Role.LEAD


@pytest.mark.django_db
def test_demoting_last_manager_is_refused_in_the_form(team, make_member, login, membership_of):
    manager = make_member(team, Role.MANAGER)
    me = membership_of(manager, team)
    response = login(manager).post(
        reverse("teams:member-edit", args=["care", me.pk]),
        {"role": "agent", "capacity": "20", "skills": "", "version": me.version},
        **HTMX,
    )
    assert response.status_code == 422
    assert "A team needs at least one manager" in response.content.decode()


@pytest.mark.django_db
def test_pages_outside_a_team_keep_the_last_teams_navigation(team, make_member, login):
    client = login(make_member(team, Role.AGENT))
    client.get(reverse("tickets:board", args=["care"]))
    html = client.get(reverse("password_change")).content.decode()
    assert f'href="{reverse("risks:list", args=["care"])}"' in html
    assert "Customer Care" in html


@pytest.mark.django_db
def test_the_sidebar_highlights_the_section_of_the_page_and_nothing_elsewhere(team, other_team, make_member, login):
    import re

    from tests.factories import ProjectFactory, make_ticket

    agent = make_member(team, Role.AGENT)
    make_member(other_team, Role.AGENT)
    ticket = make_ticket(team)
    client = login(agent)

    def active(url: str) -> list[str]:
        return re.findall(
            r'class="nav-item active"[^>]*>(?:<i[^>]*></i>)?\s*([^<]+)</a>', client.get(url).content.decode()
        )

    assert [a.strip() for a in active(reverse("tickets:board", args=[team.slug]))] == ["Board"]
    assert [a.strip() for a in active(reverse("tickets:detail", args=[team.slug, ticket.number]))] == ["Tickets"]
    project = ProjectFactory(team=team)
    assert [a.strip() for a in active(reverse("tickets:project-board", args=[team.slug, project.pk]))] == ["Projects"]
    assert active(reverse("notifications:list")) == []
    forbidden = reverse("tickets:board-settings", args=[team.slug])  # leads only: a 403 page
    assert client.get(forbidden).status_code == 403 and active(forbidden) == []
