"""The project page: facts edited with a version check, costs against the budget, stakeholders told of
updates, and the goals' return around the launch; who may do what."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from metrics.daily import team_rebuild
from metrics.models import Goal
from notifications.models import Notification, OutgoingMail
from projects.models import CostEntry, Project, Stakeholder
from teams.models import Role, Team
from tests.factories import ProjectFactory
from tests.metrics.conftest import at, berlin, build_week

pytestmark = pytest.mark.django_db


@pytest.fixture
def project(team):
    return ProjectFactory(team=team, name="CRM rollout", framework="waterfall")


@pytest.fixture
def week(team, make_member):
    return build_week(team, make_member)


@pytest.fixture
def lead(team, make_member):
    return make_member(team, Role.LEAD)


def _edit(project: Project, **changes) -> dict:
    values = {"name": project.name, "framework": project.framework, "status": project.status, "owner": "",
              "description": "", "scope_in": "", "scope_out": "", "start": "", "target_date": "", "launch_date": "",
              "budget_planned": "", "version": project.version}  # fmt: skip
    return {**values, **changes}


def test_a_lead_sets_scope_dates_and_budget_and_sees_the_slippage(team, project, lead, login):
    client = login(lead)
    url = reverse("projects:edit", args=[team.slug, project.pk])
    start = timezone.localdate() - timedelta(days=60)
    response = client.post(url, _edit(project, scope_in="Pilot with 5 agents\nData migration", scope_out="Billing",
                                      start=start, target_date=start + timedelta(days=50), budget_planned="12000",
                                      owner=lead.pk))  # fmt: skip
    assert response.status_code == 302
    project.refresh_from_db()
    assert project.scope_in == ["Pilot with 5 agents", "Data migration"] and project.budget_planned == 12000
    page = client.get(reverse("projects:detail", args=[team.slug, project.pk])).content.decode()
    assert "10 days past the target" in page and "Pilot with 5 agents" in page


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"start": "2027-02-01", "target_date": "2027-01-01"}, "The target date is before the start."),
        ({"budget_planned": "-5"}, "A budget cannot be negative."),
        ({"name": "  "}, "This field is required."),
    ],
)
def test_bad_project_facts_are_refused_and_nothing_is_saved(team, project, lead, login, changes, message):
    response = login(lead).post(reverse("projects:edit", args=[team.slug, project.pk]), _edit(project, **changes))
    assert response.status_code == 400 and message in response.content.decode()
    assert Project.objects.get(pk=project.pk).version == project.version


def test_two_leads_editing_at_once_the_later_sees_the_saved_values(team, project, lead, make_member, login):
    other = make_member(team, Role.LEAD)
    url = reverse("projects:edit", args=[team.slug, project.pk])
    assert login(lead).post(url, _edit(project, description="Go live in March")).status_code == 302
    late = login(other).post(url, _edit(project, description="Go live in May"))
    assert late.status_code == 409
    body = late.content.decode()
    assert "changed this project" in body or "Someone" in body
    assert Project.objects.get(pk=project.pk).description == "Go live in March"


def test_costs_add_up_against_the_budget_and_negative_money_is_refused(team, project, lead, login):
    Project.objects.filter(pk=project.pk).update(budget_planned=Decimal("1000"))
    client = login(lead)
    url = reverse("projects:cost-add", args=[team.slug, project.pk])
    refused = client.post(url, {"date": "2026-11-02", "amount": "-10", "category": "tools"})
    assert refused.status_code == 400 and "An amount cannot be negative." in refused.content.decode()
    for day, amount, category in (("2026-11-02", "400", "tools"), ("2026-11-20", "250.50", "training")):
        assert client.post(url, {"date": day, "amount": amount, "category": category}).status_code == 302
    assert CostEntry.objects.filter(project=project).count() == 2
    page = client.get(reverse("projects:detail", args=[team.slug, project.pk])).content.decode()
    assert "650.50 spent of 1,000.00" in page and "349.50 left (65 % used)" in page
    assert 'class="burn-chart"' in page and "Tools: 400.00" in page


def test_an_update_reaches_the_stakeholders_who_asked(team, project, lead, make_member, login):
    sponsor = make_member(team, Role.MANAGER)
    quiet = make_member(team, Role.AGENT)
    client = login(lead)
    add = reverse("projects:stakeholder-add", args=[team.slug, project.pk])
    assert client.post(add, {"user": sponsor.pk, "role": "Sponsor", "wants_updates": "on"}).status_code == 302
    assert client.post(add, {"user": quiet.pk}).status_code == 302  # wants no updates
    assert (
        client.post(add, {"name": "Vera Vendor", "email": "vera@crm.example", "wants_updates": "on"}).status_code == 302
    )
    twice = client.post(add, {"name": "Vera again", "email": "VERA@crm.example"})
    assert twice.status_code == 400 and "already a stakeholder" in twice.content.decode()
    nameless = client.post(add, {"email": "x@example.com"})
    assert nameless.status_code == 400 and "needs a name and an email" in nameless.content.decode()
    assert Stakeholder.objects.filter(project=project).count() == 3
    post = reverse("projects:update-post", args=[team.slug, project.pk])
    assert client.post(post, {"health": "amber", "text": "Data migration slips a week"}).status_code == 302
    assert Notification.objects.filter(user=sponsor, kind="project_update").count() == 1
    assert not Notification.objects.filter(user=quiet, kind="project_update").exists()
    assert not Notification.objects.filter(user=lead, kind="project_update").exists()
    assert OutgoingMail.objects.filter(to="vera@crm.example", body__contains="Data migration slips").count() == 1


def test_who_may_do_what_on_a_project(team, other_team, project, make_member, login):
    agent, viewer = make_member(team, Role.AGENT), make_member(team, Role.VIEWER)
    detail = reverse("projects:detail", args=[team.slug, project.pk])
    for user in (agent, viewer):
        client = login(user)
        assert client.get(detail).status_code == 200
        for name in ("projects:edit", "projects:cost-add", "projects:stakeholder-add", "projects:update-post"):
            assert client.post(reverse(name, args=[team.slug, project.pk]), {}).status_code == 403
    outsider = login(make_member(other_team, Role.MANAGER))
    assert outsider.get(detail).status_code == 404
    assert outsider.get(reverse("projects:detail", args=[other_team.slug, project.pk])).status_code == 404
    assert outsider.get(reverse("metrics:project-goals", args=[other_team.slug, project.pk])).status_code == 404


def test_the_return_of_a_goal_compares_the_windows_around_the_launch(week, login):
    """The hand-computed week: throughput 4 a week in the 7 days from 30 March; nothing in the 7 before."""
    team: Team = week.team
    project = ProjectFactory(team=team, name="Macro clean-up", launch_date=date(2026, 3, 30))
    with at(berlin(6, 12, month=4)):
        team_rebuild(team)
        goal = Goal.objects.create(
            team=team, project=project, name="Close more", metric="throughput", direction="up", window_days=7,
            baseline_first=date(2026, 3, 23), baseline_last=date(2026, 3, 29), baseline=0.0, target_kind="absolute",
            target_input=3.0, target=3.0, start=date(2026, 3, 30), deadline=date(2026, 6, 30), owner=week.lead,
        )  # fmt: skip
        region = login(week.lead).get(reverse("metrics:project-goals", args=[team.slug, project.pk]))
    html = region.content.decode()
    assert region.status_code == 200 and f'href="/t/{team.slug}/goals/{goal.pk}/"' in html
    assert "0.0 a week" in html and "4.0 a week" in html and "+4.0 (better)" in html
    with at(berlin(2, 12, month=4)):  # the 7 days after the launch have not run their course
        early = login(week.lead).get(reverse("metrics:project-goals", args=[team.slug, project.pk])).content.decode()
    assert "end on 5 Apr 2026; 3 to go" in early
    with at(berlin(6, 12, month=4)):
        page = login(week.lead).get(reverse("projects:detail", args=[team.slug, project.pk])).content.decode()
    assert reverse("metrics:project-goals", args=[team.slug, project.pk]) in page  # composed by HTMX


def test_the_sprints_region_lists_the_sprints_carrying_the_projects_tickets(team, other_team, make_member, login):
    from planning import services as sprints
    from tests.factories import make_ticket

    lead = make_member(team, Role.LEAD)
    project = ProjectFactory(team=team, name="Help-centre refresh", framework="scrum")
    mine = [make_ticket(team, title=f"Article {n}", kind="task", story_points=3, project=project) for n in range(2)]
    other = make_ticket(team, title="Unrelated", kind="task", story_points=5)
    sprint = sprints.sprint_create(team=team, by=lead, start_date=date(2027, 1, 4))
    sprints.sprint_add(sprint=sprint, by=lead, tickets=[*mine, other])
    url = reverse("planning:project-sprints", args=[team.slug, project.pk])
    html = login(lead).get(url, HTTP_HX_REQUEST="true").content.decode()
    assert html.startswith('<section class="card panel mb-3" id="project-sprints">')
    assert sprint.name in html and "0 of 2 items done · 6 pts" in html
    page = login(lead).get(reverse("projects:detail", args=[team.slug, project.pk])).content.decode()
    assert url in page  # composed on the project page
    assert login(make_member(other_team, Role.MANAGER)).get(url).status_code == 404
