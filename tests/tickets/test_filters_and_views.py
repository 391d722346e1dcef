"""The ticket list filters by SLA state, the board by person, and anyone saves a set of filters as a view."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from teams.models import Role
from tests.factories import make_ticket
from tests.tickets.test_sla_views import make_policy, set_clock
from tickets.models import SavedView

pytestmark = pytest.mark.django_db


def keys(html: str) -> set[str]:
    return set(re.findall(r"CARE-\d+", html))


def test_the_ticket_list_filters_by_sla_state(team, make_member, login):
    agent = make_member(team, Role.AGENT)
    make_policy(team, business_hours=False)
    calm = make_ticket(team, title="Calm")
    risky = set_clock(make_ticket(team, title="Risky"), frt_warn_at=timezone.now() - timedelta(minutes=1))
    late = set_clock(make_ticket(team, title="Late"), frt_due_at=timezone.now() - timedelta(minutes=1))
    client = login(agent)
    url = reverse("tickets:list", args=[team.slug])

    def listed(sla: str) -> set[str]:
        html = client.get(url, {"sla": sla}).content.decode()
        return {k for k in keys(html) if k in {f"CARE-{t.number}" for t in (calm, risky, late)}}

    assert listed("breached") == {f"CARE-{late.number}"}
    assert listed("at_risk") == {f"CARE-{risky.number}"}
    assert listed("risk") == {f"CARE-{risky.number}", f"CARE-{late.number}"}
    assert listed("on_track") == {f"CARE-{calm.number}"}
    bad = client.get(url, {"sla": "purple"}).content.decode()
    assert "Some filters were ignored" in bad and len(listed("")) == 3


def test_the_board_filters_by_a_chosen_person(team, other_team, make_member, login):
    ana = make_member(team, Role.AGENT, first_name="Ana", last_name="Costa")
    ben = make_member(team, Role.AGENT, first_name="Ben", last_name="Berg")
    outsider = make_member(other_team, Role.AGENT)
    mine, his = make_ticket(team, title="Ana's", assignee=ana), make_ticket(team, title="Ben's", assignee=ben)
    client = login(ana)
    url = reverse("tickets:board", args=[team.slug])
    html = client.get(url, {"person": ben.pk}).content.decode()
    assert f'data-key="CARE-{his.number}"' in html and f'data-key="CARE-{mine.number}"' not in html
    assert "Ben Berg" in html
    refused = client.get(url, {"person": outsider.pk}).content.decode()
    assert "That person is not in this team." in refused and f'data-key="CARE-{mine.number}"' in refused


def test_a_saved_view_keeps_the_filters_in_its_link_personal_or_shared(team, other_team, make_member, login):
    ana, ben = make_member(team, Role.AGENT), make_member(team, Role.AGENT)
    lead = make_member(team, Role.LEAD)
    make_member(other_team, Role.AGENT)
    client = login(ana)
    create = reverse("tickets:view-create", args=[team.slug])
    list_url = reverse("tickets:list", args=[team.slug])
    query = "priority=4&status=open&page=3&evil=1&sla=risk"
    response = client.post(create, {"page": "list", "name": "  Urgent   open ", "query": query})
    assert response.status_code == 302 and response["Location"] == f"{list_url}?priority=4&sla=risk&status=open"
    view = SavedView.objects.get()
    assert (view.name, view.shared, view.query) == ("Urgent open", False, "priority=4&sla=risk&status=open")
    assert 'href="/t/care/tickets/?priority=4&amp;sla=risk&amp;status=open"' in client.get(list_url).content.decode()
    assert "Urgent open" not in login(ben).get(list_url).content.decode(), "a personal view is its owner's"

    client.post(create, {"page": "board", "name": "At risk", "query": "sla_risk=on&lanes=sla", "shared": "on"})
    board_url = reverse("tickets:board", args=[team.slug])
    assert "At risk" in login(ben).get(board_url).content.decode(), "shared with the team"
    shared = SavedView.objects.get(name="At risk")
    delete = reverse("tickets:view-delete", args=[team.slug, shared.pk])
    login(ben).post(delete, {"page": "board"})
    assert SavedView.objects.filter(pk=shared.pk).exists(), "only its owner or a lead deletes it"
    login(lead).post(delete, {"page": "board"})
    assert not SavedView.objects.filter(pk=shared.pk).exists()

    refused = client.post(create, {"page": "list", "name": "   ", "query": ""}, follow=True)
    assert "Give the view a name." in refused.content.decode()


def test_views_of_another_team_cannot_be_reached(team, other_team, make_member, login):
    owner = make_member(other_team, Role.LEAD)
    view = SavedView.objects.create(team=other_team, owner=owner, page="list", name="Theirs", shared=True)
    client = login(make_member(team, Role.LEAD))
    assert client.post(reverse("tickets:view-delete", args=[other_team.slug, view.pk])).status_code == 404
    assert (
        client.post(reverse("tickets:view-create", args=[other_team.slug]), {"page": "list", "name": "x"}).status_code
        == 404
    )
    client.post(reverse("tickets:view-delete", args=[team.slug, view.pk]))
    assert SavedView.objects.filter(pk=view.pk).exists()
