"""The register, the risk page and the regions as their users get them: roles, other teams, bad input in the
page, stale edits, heat-map filters kept in the URL."""

from __future__ import annotations

import pytest
from django.urls import reverse

from core.stale import STALE_MESSAGE
from risks.models import Mitigation, Occurrence, Risk, Trigger
from teams.models import Role

pytestmark = pytest.mark.django_db


def _url(name: str, desk, risk=None, **extra) -> str:
    kwargs = {"team_slug": desk.team.slug, **extra}
    if risk is not None:
        kwargs["pk"] = risk.pk
    return reverse(f"risks:{name}", kwargs=kwargs)


def _form(desk, **overrides) -> dict:
    data = {
        "title": "Telephony vendor raises prices", "category": "vendor", "owner": desk.agent.pk, "strategy": "mitigate",
        "inherent_probability": 3, "inherent_impact": 4, "current_probability": 2, "current_impact": 4,
        "target_probability": 1, "target_impact": 3, "project": desk.project.pk,
    }  # fmt: skip
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_the_register_maps_live_risks_and_a_cell_lists_its_own(desk, login):
    a = desk.risk(current=(3, 4))
    desk.risk(title="Second", current=(3, 4))
    desk.risk(title="Low one", current=(1, 2))
    desk.risk(title="Closed", current=(3, 4), status="closed")
    client = login(desk.viewer)
    page = client.get(_url("list", desk)).content.decode()
    assert 'aria-label="Probability Possible (3), impact Major (4): score 12, High; 2 risks"' in page
    assert "4 risks, by current score" in page and "Record a risk" not in page  # a viewer reads
    cell = client.get(_url("list", desk) + "?kind=current&p=3&i=4", HTTP_HX_REQUEST="true")
    body = cell.content.decode()
    assert body.startswith('<div id="risk-register">') and "<form" not in body.split("risk-table")[0][-2000:]
    assert "3 risks" in body and "Low one" not in body and "Closed" in body  # closed: listed, not mapped
    assert 'aria-current="true"' in body and f'href="{_url("detail", desk, a)}"' in body
    inherent = client.get(_url("list", desk) + "?kind=inherent").content.decode()
    assert "score 20, Critical; 4 risks" not in inherent and "score 20, Critical; 3 risks" in inherent


def test_a_bad_filter_says_so_and_shows_every_risk(desk, login):
    desk.risk()
    response = login(desk.viewer).get(_url("list", desk) + "?p=9&level=extreme")
    assert response.status_code == 400
    assert "Probability:" in response.content.decode() and "1 risk, by current score" in response.content.decode()


def test_an_agent_records_a_risk_and_bad_input_is_answered_in_the_page(desk, login):
    client = login(desk.agent)
    assert "Record a risk" in client.get(_url("list", desk)).content.decode()
    for overrides, message in [
        ({"current_probability": 6}, "Probability is 1 to 5; 6 is not on the scale."),
        ({"inherent_impact": 0}, "Impact is 1 to 5; 0 is not on the scale."),
        ({"owner": 99999}, "That person is not a member of this team."),
        ({"project": 99999}, "That project is not one of this team&#x27;s."),
        ({"strategy": "accept"}, "Accepting a risk needs an approver"),
        ({"strategy": "accept", "approver": desk.agent.pk, "accept_until": "2099-01-01"},
         "The approver must be a lead or manager of this team."),
    ]:  # fmt: skip
        response = client.post(_url("new", desk), _form(desk, **overrides))
        assert response.status_code == 422, overrides
        assert message in response.content.decode(), overrides
    assert not Risk.objects.exists()
    response = client.post(_url("new", desk), _form(desk))
    risk = Risk.objects.get()
    assert response.status_code == 302 and response["Location"] == _url("detail", desk, risk)
    assert (risk.current.value, risk.created_by) == (8, desk.agent)


def test_roles_on_the_risk_page(desk, login, make_member):
    risk = desk.risk(owner=desk.agent)
    other_agent = make_member(desk.team, Role.AGENT)
    posts = {
        "edit": _form(desk, status="open", version=risk.version),
        "review": {"probability": 2, "impact": 2, "version": risk.version},
        "mitigation-new": {"title": "Fallback form"},
        "trigger-new": {"metric": "csat", "comparison": "below", "threshold": 80, "days": 3, "window": "each_day"},
    }
    # Viewers read and change nothing; agents change only the mitigations of risks they own.
    for user, allowed in [(desk.viewer, set()), (other_agent, set()), (desk.agent, {"mitigation-new"})]:
        client = login(user)
        assert client.get(_url("detail", desk, risk)).status_code == 200
        for name, data in posts.items():
            status = client.post(_url(name, desk, risk), data).status_code
            assert status == (302 if name in allowed else 403), (user, name, status)
        assert client.post(_url("occurred", desk, risk)).status_code == 403
    assert Mitigation.objects.count() == 1 and not Trigger.objects.exists()
    assert Risk.objects.get(pk=risk.pk).version == risk.version + 1  # only the mitigation moved it to mitigating
    lead = login(desk.lead)
    risk.refresh_from_db()
    assert (
        lead.post(_url("review", desk, risk), {"probability": 2, "impact": 2, "version": risk.version}).status_code
        == 302
    )
    assert lead.post(_url("trigger-new", desk, risk), posts["trigger-new"]).status_code == 302


def test_a_stale_edit_is_refused_with_the_saved_values_and_the_input_kept(desk, login):
    risk = desk.risk()
    client = login(desk.lead)
    seen = risk.version
    assert client.post(_url("review", desk, risk), {"probability": 1, "impact": 1, "version": seen}).status_code == 302
    response = client.post(_url("edit", desk, risk), _form(desk, title="Renamed", status="open", version=seen))
    assert response.status_code == 409
    page = response.content.decode()
    assert STALE_MESSAGE.format(what="this risk").split(";")[0] in page.replace("&#x27;", "'")
    assert 'value="Renamed"' in page and Risk.objects.get(pk=risk.pk).title == "Chat platform outage"


def test_marking_occurred_twice_opens_one_incident(desk, login):
    risk = desk.risk()
    client = login(desk.lead)
    response = client.post(_url("occurred", desk, risk), {"note": "Chat is down"})
    assert response.status_code == 302
    page = client.get(_url("detail", desk, risk)).content.decode()
    assert 'id="contingency-live"' in page and "Chat is down" in page and "Switch to the form" in page
    again = client.post(_url("occurred", desk, risk))
    assert again.status_code == 409 and "already marked as occurred" in again.content.decode()
    assert Occurrence.objects.count() == 1


def test_trigger_and_mitigation_input_errors_are_answered_beside_the_field(desk, login):
    risk = desk.risk()
    client = login(desk.lead)
    bad = client.post(_url("trigger-new", desk, risk), {"metric": "happiness", "comparison": "below", "threshold": 1,
                                                        "days": 3, "window": "each_day"})  # fmt: skip
    assert bad.status_code == 422 and "happiness is not a metric a trigger can watch." in bad.content.decode()
    label = client.post(_url("trigger-new", desk, risk), {"metric": "label_count", "comparison": "above",
                                                          "threshold": 3, "days": 1, "window": "each_day",
                                                          "label": "nope"})  # fmt: skip
    assert label.status_code == 422 and "This team has no label “nope”." in label.content.decode()
    pct = client.post(_url("trigger-new", desk, risk), {"metric": "csat", "comparison": "below", "threshold": 120,
                                                        "days": 3, "window": "each_day"})  # fmt: skip
    assert pct.status_code == 422 and "A percentage threshold is 0 to 100." in pct.content.decode()
    link = client.post(_url("mitigation-link", desk, risk), {"number": 4242})
    assert link.status_code == 422 and "This team has no ticket 4242." in link.content.decode()
    assert not Trigger.objects.exists() and not Mitigation.objects.exists()


def test_other_teams_risks_are_not_found(desk, other_team, make_member, login):
    from tests.risks.conftest import Desk

    theirs_lead = make_member(other_team, Role.LEAD)
    from projects.models import Project

    theirs = Desk(other_team, theirs_lead, theirs_lead, make_member(other_team), theirs_lead,
                  Project.objects.create(team=other_team, name="Theirs", framework="kanban")).risk()  # fmt: skip
    client = login(desk.manager)
    for name in ("detail", "edit", "review", "occurred", "mitigation-new", "mitigation-link", "trigger-new"):
        url = reverse(f"risks:{name}", kwargs={"team_slug": desk.team.slug, "pk": theirs.pk})
        response = client.get(url) if name == "detail" else client.post(url, {})
        assert response.status_code == 404, name
        url = reverse(f"risks:{name}", kwargs={"team_slug": other_team.slug, "pk": theirs.pk})
        assert (client.get(url) if name == "detail" else client.post(url, {})).status_code == 404, name
    for name in ("list", "new", "overdue-reviews"):
        assert client.get(reverse(f"risks:{name}", kwargs={"team_slug": other_team.slug})).status_code == 404
    project = reverse("risks:project-risks", kwargs={"team_slug": desk.team.slug, "pk": theirs.project_id})
    assert client.get(project).status_code == 404
    assert Occurrence.objects.count() == 0


def test_the_regions_of_the_project_page_and_the_dashboard(desk, login):
    from datetime import date

    risk = desk.risk(current=(4, 5))
    Risk.objects.filter(pk=risk.pk).update(next_review=date(2026, 1, 2))
    client = login(desk.manager)
    region = client.get(reverse("risks:project-risks", args=[desk.team.slug, desk.project.pk]),
                        HTTP_HX_REQUEST="true").content.decode()  # fmt: skip
    assert region.startswith('<section class="card panel mb-3" id="project-risks"')
    assert "score 20, Critical; 1 risk" in region and "Chat platform outage" in region and "due 2 Jan" in region
    dash = client.get(reverse("risks:overdue-reviews", args=[desk.team.slug]), HTTP_HX_REQUEST="true").content.decode()
    assert 'id="overdue-reviews"' in dash and "Chat platform outage" in dash and "1 in the register" in dash
    project_page = client.get(reverse("projects:detail", args=[desk.team.slug, desk.project.pk])).content.decode()
    assert reverse("risks:project-risks", args=[desk.team.slug, desk.project.pk]) in project_page
    dashboard = client.get(reverse("dashboard", args=[desk.team.slug])).content.decode()
    assert reverse("risks:overdue-reviews", args=[desk.team.slug]) in dashboard


def test_a_manager_sees_every_team_they_manage_on_one_heat_map(desk, other_team, make_member, login):
    from projects.models import Project
    from tests.risks.conftest import Desk

    other = Desk(other_team, make_member(other_team, Role.LEAD), desk.manager, make_member(other_team),
                 desk.viewer, Project.objects.create(team=other_team, name="Theirs", framework="kanban"))  # fmt: skip
    from teams.models import Membership

    Membership.objects.create(user=desk.manager, team=other_team, role=Role.MANAGER)
    other.risk(title="Their risk", owner=other.agent)
    desk.risk()
    page = login(desk.manager).get(_url("list", desk) + "?teams=mine").content.decode()
    assert "Their risk" in page and "2 risks" in page and "every team you manage" in page
    # The lead of one team asking for "mine" gets their own team only.
    assert "Their risk" not in login(desk.lead).get(_url("list", desk) + "?teams=mine").content.decode()


# Every URL of the app: (name, needs the risk, needs a sub-object, method, who may: "read", "add", "owner", "manage").
ROUTES = [
    ("list", False, None, "get", "read"), ("new", False, None, "get", "add"), ("new", False, None, "post", "add"),
    ("cadence", False, None, "post", "manage"), ("overdue-reviews", False, None, "get", "read"),
    ("detail", True, None, "get", "read"), ("edit", True, None, "post", "manage"),
    ("review", True, None, "post", "manage"), ("occurred", True, None, "post", "manage"),
    ("mitigation-new", True, None, "post", "owner"), ("mitigation-link", True, None, "post", "owner"),
    ("mitigation-unlink", True, "ticket", "post", "owner"), ("trigger-new", True, None, "post", "manage"),
    ("trigger-delete", True, "trigger", "post", "manage"), ("project-risks", False, "project", "get", "read"),
]  # fmt: skip
MAY = {
    "read": {Role.VIEWER, Role.AGENT, Role.LEAD, Role.MANAGER},
    "add": {Role.AGENT, Role.LEAD, Role.MANAGER},
    "owner": {Role.LEAD, Role.MANAGER},  # and an agent who owns the risk (test_roles_on_the_risk_page)
    "manage": {Role.LEAD, Role.MANAGER},
}


def _route_url(desk, risk, name, needs_risk, sub, team_slug=None):
    kwargs = {"team_slug": team_slug or desk.team.slug}
    if needs_risk:
        kwargs["pk"] = risk.pk
    if sub == "ticket":
        kwargs["ticket"] = Mitigation.objects.get(risk=risk).ticket_id
    elif sub == "trigger":
        kwargs["trigger"] = Trigger.objects.get(risk=risk).pk
    elif sub == "project":
        kwargs["pk"] = risk.project_id
    return reverse(f"risks:{name}", kwargs=kwargs)


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize(("name", "needs_risk", "sub", "method", "who"), ROUTES)
def test_every_route_answers_by_role(desk, make_member, login, role, name, needs_risk, sub, method, who):
    from risks.services import mitigation_add

    risk = desk.risk(owner=desk.lead)
    mitigation_add(risk=risk, by=desk.lead, title="Fallback form")
    Trigger.objects.create(risk=risk, metric="csat", comparison="below", threshold=80)
    risk.refresh_from_db()
    client = login(make_member(desk.team, role))
    url = _route_url(desk, risk, name, needs_risk, sub)
    response = client.post(url, {}) if method == "post" else client.get(url)
    allowed = role in MAY[who]
    # Allowed: the page, a redirect after the write, or the form again with its messages (an empty post).
    assert (response.status_code in (200, 302, 409, 422)) if allowed else (response.status_code == 403), (
        name, role, response.status_code)  # fmt: skip
    if not allowed:
        fresh = Risk.objects.get(pk=risk.pk)
        assert (fresh.version, fresh.status) == (risk.version, risk.status), "a refused write changes nothing"
        assert Mitigation.objects.count() == 1 and Trigger.objects.count() == 1


@pytest.mark.parametrize(("name", "needs_risk", "sub", "method", "who"), ROUTES)
def test_every_route_is_404_for_another_team(desk, other_team, make_member, login, name, needs_risk, sub, method, who):
    from risks.services import mitigation_add

    risk = desk.risk(owner=desk.lead)
    mitigation_add(risk=risk, by=desk.lead, title="Fallback form")
    Trigger.objects.create(risk=risk, metric="csat", comparison="below", threshold=80)
    outsider = make_member(other_team, Role.MANAGER)  # a manager, of another team
    client = login(outsider)
    for slug in (desk.team.slug, other_team.slug):
        if not needs_risk and sub is None and slug == other_team.slug:
            continue  # their own team's register: theirs to see
        url = _route_url(desk, risk, name, needs_risk, sub, team_slug=slug)
        response = client.post(url, {}) if method == "post" else client.get(url)
        assert response.status_code == 404, (name, slug, response.status_code)
    assert Risk.objects.get(pk=risk.pk).version == risk.version + 1  # the mitigation's move only


def test_the_register_shows_each_risks_trend_since_the_assessment_before(desk, login):
    from risks.services import risk_review

    falling, rising, single = desk.risk(title="Falling"), desk.risk(title="Rising"), desk.risk(title="Single")
    risk_review(risk_id=falling.pk, seen_version=falling.version, by=desk.lead, probability=2, impact=3)
    risk_review(risk_id=rising.pk, seen_version=rising.version, by=desk.lead, probability=4, impact=4)
    page = login(desk.viewer).get(_url("list", desk)).content.decode()

    def row(risk) -> str:
        return page.split(f'id="risk-row-{risk.pk}"')[1].split("</tr>")[0]

    assert "↓ from 12" in row(falling) and "↑ from 12" in row(rising)
    assert "from" not in row(single) and "none" in row(single)
    # And how many of its mitigations are done.
    from risks.services import mitigation_add
    from tickets.models import Ticket

    first = mitigation_add(risk=falling, by=desk.lead, title="Fallback form")
    mitigation_add(risk=falling, by=desk.lead, title="Status banner")
    Ticket.objects.filter(pk=first.ticket_id).update(status="resolved")
    page = login(desk.viewer).get(_url("list", desk)).content.decode()
    assert "1 of 2 done" in row(falling)
