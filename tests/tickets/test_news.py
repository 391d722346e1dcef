"""Agents are told what concerns them: assignment, customer replies, @mentions, followed tickets; as they chose."""

from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse

from notifications.models import Notification, OutgoingMail
from notifications.services import digests_send, preferences_save
from teams.models import Role
from tests.factories import RoutingRuleFactory, make_ticket
from tickets.choices import Status
from tickets.models import Column, Ticket
from tickets.services import board_ensure_for_team, comment_add, ticket_bulk_update, ticket_move, ticket_update

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(team, make_member):
    board_ensure_for_team(team=team)
    return {
        "ana": make_member(team, Role.AGENT, username="ana", first_name="Ana", last_name="Costa", email="ana@x.test"),
        "ben": make_member(team, Role.AGENT, username="ben", first_name="Ben", last_name="Berg", email="ben@x.test"),
        "lea": make_member(team, Role.LEAD, username="lea", first_name="Lea", last_name="Lund", email="lea@x.test"),
    }


def told(user, kind: str | None = None) -> list[str]:
    rows = Notification.objects.filter(user=user)
    return list((rows.filter(kind=kind) if kind else rows).order_by("id").values_list("message", flat=True))


def test_an_assignment_by_someone_else_tells_the_assignee_in_the_app_and_by_mail(
    team, people, django_capture_on_commit_callbacks
):
    ticket = make_ticket(team, title="Printer on fire", by=people["lea"])
    with django_capture_on_commit_callbacks(execute=True):
        ticket_update(ticket=ticket, by=people["lea"], expected_version=ticket.version,
                      changes={"assignee": people["ana"]})  # fmt: skip
    assert told(people["ana"], "assigned") == [f"Lea Lund assigned you CARE-{ticket.number} “Printer on fire”"]
    assert [m.to for m in mail.outbox] == [["ana@x.test"]]
    assert told(people["lea"]) == [], "never the person who made the change"
    fresh = Ticket.objects.get(pk=ticket.pk)
    ticket_update(ticket=fresh, by=people["ben"], expected_version=fresh.version, changes={"assignee": people["ben"]})
    assert told(people["ben"], "assigned") == [], "taking a ticket yourself tells you nothing"


def test_bulk_edits_and_routing_rules_tell_the_assignee_too(team, people):
    a, b = make_ticket(team, title="A"), make_ticket(team, title="B")
    ticket_bulk_update(team=team, by=people["lea"], ticket_ids=[a.pk, b.pk], changes={"assignee": people["ben"]})
    assert len(told(people["ben"], "assigned")) == 2
    RoutingRuleFactory(team=team, order=1, channel="chat", set_assignee=people["ana"])
    routed = make_ticket(team, title="Chat from ACME", channel="chat", route=True)
    assert told(people["ana"], "assigned") == [f"You were assigned CARE-{routed.number} “Chat from ACME”"]


def test_a_mention_tells_the_member_named_and_no_one_outside_the_team(team, other_team, people, make_member):
    outsider = make_member(other_team, Role.AGENT, username="otto")
    ticket = make_ticket(team, title="Refund", by=people["ana"])
    comment_add(
        ticket=ticket, by=people["ana"], body="@ben can you check? cc @otto and @ana and @nobody", is_public=False
    )
    assert told(people["ben"], "mentioned") == [
        f"Ana Costa mentioned you in a note on CARE-{ticket.number}: @ben can you check? cc @otto and @ana and @nobody"
    ]
    assert told(outsider) == [] and told(people["ana"]) == []


def test_a_logged_customer_reply_tells_the_assignee_and_is_no_first_response(team, people):
    ticket = make_ticket(team, title="Invoice", assignee=people["ben"], by=people["ben"])
    comment_add(ticket=ticket, by=people["ana"], body="Customer: still broken.", is_public=True, from_customer=True)
    assert told(people["ben"], "customer_reply") == [
        f"The customer replied on CARE-{ticket.number} (logged by Ana Costa): Customer: still broken."
    ]
    assert Ticket.objects.get(pk=ticket.pk).first_response_at is None


def test_followers_hear_of_changes_and_comments_but_not_of_their_own(team, people, login):
    ticket = make_ticket(team, title="Slow export", by=people["lea"])  # the creator follows
    client = login(people["ben"])
    client.post(reverse("tickets:follow", args=[team.slug, ticket.number]), {"follow": "1"})
    doing = Column.objects.get(board__team=team, status=Status.IN_PROGRESS)
    ticket_move(ticket=ticket, by=people["ben"], column=doing)
    assert told(people["lea"], "following") == [f"Ben Berg changed CARE-{ticket.number}: status To Do → In Progress"]
    assert told(people["ben"], "following") == []
    comment_add(ticket=ticket, by=people["lea"], body="Looking into it.", is_public=True)
    assert told(people["ben"], "following") == [f"Lea Lund added a reply on CARE-{ticket.number}: Looking into it."]
    client.post(reverse("tickets:follow", args=[team.slug, ticket.number]), {"follow": "0"})
    comment_add(ticket=ticket, by=people["lea"], body="Fixed.", is_public=True)
    assert len(told(people["ben"], "following")) == 1, "no longer following"


def test_choices_turn_news_off_or_into_a_daily_digest(team, people, django_capture_on_commit_callbacks):
    preferences_save(user=people["ana"], choices={"assigned": (False, "off"), "mentioned": (True, "daily")})
    ticket = make_ticket(team, title="Quiet", by=people["lea"])
    with django_capture_on_commit_callbacks(execute=True):
        ticket_update(ticket=ticket, by=people["lea"], expected_version=ticket.version,
                      changes={"assignee": people["ana"]})  # fmt: skip
        comment_add(ticket=ticket, by=people["lea"], body="@ana first", is_public=False)
        comment_add(ticket=ticket, by=people["lea"], body="@ana second", is_public=False)
    assert told(people["ana"], "assigned") == [], "turned off in the app and by email"
    assert len(told(people["ana"], "mentioned")) == 2 and mail.outbox == [], "daily: nothing mailed at once"
    with django_capture_on_commit_callbacks(execute=True):
        assert digests_send() == 1
    [digest] = mail.outbox
    assert digest.to == ["ana@x.test"] and "2 updates" in digest.subject
    assert "@ana first" in digest.body and "@ana second" in digest.body
    with django_capture_on_commit_callbacks(execute=True):
        assert digests_send() == 0, "each notification is in one digest"
    assert OutgoingMail.objects.filter(digest_key__isnull=False).count() == 1


def test_the_settings_page_saves_choices_and_refuses_nonsense(people, login):
    client = login(people["ana"])
    url = reverse("notifications:settings")
    page = client.get(url).content.decode()
    assert "A ticket is assigned to you" in page and "Daily digest" in page
    data = {"in_app_assigned": "on", "email_assigned": "daily", "email_mentioned": "off"}
    assert client.post(url, data).status_code == 302
    page = client.get(url).content.decode()
    assert '<option value="daily" selected>' in page
    bad = client.post(url, {"email_assigned": "hourly"})
    assert bad.status_code == 422 and "Choose when to email" in bad.content.decode()


def test_a_bulk_assignment_tells_everyone_in_a_fixed_number_of_queries(team, people):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def assign(n: int) -> int:
        tickets = [make_ticket(team, title=f"Bulk {n}-{i}") for i in range(n)]
        with CaptureQueriesContext(connection) as ctx:
            ticket_bulk_update(
                team=team, by=people["lea"], ticket_ids=[t.pk for t in tickets], changes={"assignee": people["ben"]}
            )
        return len(ctx.captured_queries)

    few, many = assign(2), assign(12)
    # Each ticket is still locked, saved and checked on its own; telling adds nothing per ticket.
    assert many - few <= (12 - 2) * 3, f"{few} queries for 2 tickets, {many} for 12"
    assert len(told(people["ben"], "assigned")) == 14
