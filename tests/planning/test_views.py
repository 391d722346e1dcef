"""Sprint and backlog pages: who may do what, other teams' sprints, bad input, HTMX answers."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from planning import services
from planning.models import Sprint, SprintItem
from teams.models import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def sprint(team, make_member):
    lead = make_member(team, Role.LEAD)
    return services.sprint_create(team=team, by=lead, start_date=date(2027, 1, 4))


@pytest.mark.parametrize("role", [Role.VIEWER, Role.AGENT, Role.LEAD, Role.MANAGER])
def test_everyone_in_the_team_reads_sprints_and_backlog(team, sprint, make_member, login, role):
    client = login(make_member(team, role))
    for url in (
        reverse("planning:sprints", args=[team.slug]),
        reverse("planning:sprint", args=[team.slug, sprint.number]),
        reverse("planning:backlog", args=[team.slug]),
        reverse("planning:sprint-csv", args=[team.slug, sprint.number]),
    ):
        assert client.get(url).status_code == 200, url


@pytest.mark.parametrize("role", [Role.VIEWER, Role.AGENT])
def test_only_leads_and_managers_plan_start_and_close(team, sprint, make_member, login, task, role):
    client = login(make_member(team, role))
    ticket = task(team, 3)
    args = [team.slug, sprint.number]
    assert (
        client.post(reverse("planning:sprint-plan", args=args), {"ticket": ticket.pk, "to": "sprint"}).status_code
        == 403
    )
    assert client.post(reverse("planning:sprint-start", args=args)).status_code == 403
    assert client.get(reverse("planning:sprint-close", args=args)).status_code == 403
    assert client.post(reverse("planning:sprints", args=[team.slug]), {"start_date": "2027-02-01"}).status_code == 403
    assert not SprintItem.objects.exists() and Sprint.objects.count() == 1


def test_another_teams_sprint_is_not_found(team, other_team, sprint, make_member, login):
    outsider = login(make_member(other_team, Role.MANAGER))
    for name in ("planning:sprint", "planning:sprint-close", "planning:sprint-csv"):
        assert outsider.get(reverse(name, args=[team.slug, sprint.number])).status_code == 404
    manager = login(make_member(other_team, Role.MANAGER))
    assert manager.get(reverse("planning:sprint", args=[other_team.slug, sprint.number])).status_code == 404


def test_a_lead_plans_an_item_and_the_capacity_bar_answers(team, sprint, make_member, login, task):
    lead = login(make_member(team, Role.LEAD))
    ticket = task(team, 5, "Refund macro")
    response = lead.post(
        reverse("planning:sprint-plan", args=[team.slug, sprint.number]),
        {"ticket": ticket.pk, "to": "sprint"},
        HTTP_HX_REQUEST="true",
    )
    html = response.content.decode()
    assert response.status_code == 200 and html.startswith('<div id="sprint-plan"')
    assert "<strong>5</strong> points planned" in html
    assert SprintItem.objects.filter(sprint=sprint, ticket=ticket).exists()


def test_another_teams_ticket_cannot_be_planned(team, other_team, sprint, make_member, login, task):
    lead = login(make_member(team, Role.LEAD))
    foreign = task(other_team, 3)
    response = lead.post(
        reverse("planning:sprint-plan", args=[team.slug, sprint.number]),
        {"ticket": foreign.pk, "to": "sprint"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 409
    assert not SprintItem.objects.exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"start_date": "2027-03-10", "end_date": "2027-03-01"}, "must end on or after"),
        ({"start_date": "2027-01-11"}, "overlap Sprint 1"),
        ({"start_date": "not a date"}, "Enter a valid date"),
        ({"start_date": "2027-05-03", "focus_factor": "7"}, "less than or equal to 1"),
        ({"start_date": "2027-05-03", "interrupt_percent": "95"}, "less than or equal to 90"),
    ],
)
def test_bad_sprint_input_is_refused_in_the_form(team, sprint, make_member, login, data, message):
    lead = login(make_member(team, Role.LEAD))
    response = lead.post(reverse("planning:sprints", args=[team.slug]), {"focus_factor": "0.8", **data})
    assert response.status_code == 422
    assert message in response.content.decode()
    assert Sprint.objects.count() == 1


def test_starting_twice_is_refused_with_the_state_shown(team, sprint, make_member, login):
    lead = login(make_member(team, Role.LEAD))
    url = reverse("planning:sprint-start", args=[team.slug, sprint.number])
    lead.post(url)
    response = lead.post(url, follow=True)
    assert "already active" in response.content.decode()
