"""In-app notifications: the page, the bell, marking read, and who sees what."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from notifications.models import Notification
from notifications.services import subject_key
from teams.models import Membership, Role
from tests.factories import TeamFactory, make_ticket, notification_row

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
LIST = "notifications:list"


def notify(user, ticket=None, message: str = "CARE-1 “Printer on fire”: the resolution target breached.", **fields):
    n = notification_row(user, ticket, message, **fields)
    n.save()
    return n


@pytest.fixture
def ticket(team):
    return make_ticket(team, title="Printer on fire")


# --- Every route, every role ------------------------------------------------------------------

ROUTES = [
    ("notifications:list", False, "get"),
    ("notifications:bell", False, "get"),
    ("notifications:read-all", False, "post"),
    ("notifications:read", True, "post"),
]


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize(("name", "needs", "method"), ROUTES, ids=[f"{n.split(':')[1]}-{m}" for n, _, m in ROUTES])
def test_every_route_answers_every_role_with_their_own_notifications(team, ticket, make_member, login, role, name,
                                                                   needs, method):  # fmt: skip
    """Notifications are personal, not a team page: every member, in any role, reads and clears their own."""
    user = make_member(team, role)
    mine = notify(user, ticket)
    url = reverse(name, args=[mine.pk] if needs else [])
    client = login(user)
    response = client.post(url, **HTMX) if method == "post" else client.get(url, **HTMX)
    assert response.status_code == 200
    mine.refresh_from_db()
    assert (mine.read_at is not None) is (method == "post")


@pytest.mark.parametrize(("name", "needs", "method"), ROUTES)
def test_anonymous_is_sent_to_sign_in(client, team, ticket, make_member, name, needs, method):
    n = notify(make_member(team), ticket)
    url = reverse(name, args=[n.pk] if needs else [])
    response = client.post(url) if method == "post" else client.get(url)
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    n.refresh_from_db()
    assert n.read_at is None


# --- Who sees what ----------------------------------------------------------------------------


def test_people_never_see_each_others_notifications(team, ticket, make_member, login):
    me, colleague = make_member(team, Role.AGENT), make_member(team, Role.LEAD)
    notify(me, ticket, "Mine: at risk")
    theirs = notify(colleague, ticket, "Theirs: breached")
    client = login(me)
    html = client.get(reverse(LIST)).content.decode()
    assert "Mine: at risk" in html and "Theirs: breached" not in html
    # Nor can they mark someone else's read.
    assert client.post(reverse("notifications:read", args=[theirs.pk]), **HTMX).status_code == 404
    client.post(reverse("notifications:read-all"), **HTMX)
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_notifications_of_a_team_i_left_are_hidden(team, other_team, ticket, make_member, login):
    me = make_member(team, Role.AGENT)
    Membership.objects.create(user=me, team=other_team, role=Role.AGENT)
    elsewhere = make_ticket(other_team, title="Their secret ticket")
    notify(me, ticket, "Still here")
    gone = notify(me, elsewhere, "OTHER-1 “Their secret ticket”: breached")
    client = login(me)
    assert "Their secret ticket" in client.get(reverse(LIST)).content.decode()

    Membership.objects.filter(user=me, team=other_team).delete()
    html = client.get(reverse(LIST)).content.decode()
    assert "Their secret ticket" not in html and "Still here" in html
    bell = client.get(reverse("notifications:bell")).content.decode()
    assert "Notifications: 1 unread" in bell
    assert client.post(reverse("notifications:read", args=[gone.pk]), **HTMX).status_code == 404


# --- The page ---------------------------------------------------------------------------------


def test_page_lists_newest_first_links_tickets_and_highlights_unread(team, ticket, make_member, login):
    me = make_member(team, Role.LEAD)
    old = notify(me, ticket, "Older and read", read_at=timezone.now())
    new = notify(me, ticket, "Newer and unread")
    Notification.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=2))
    html = login(me).get(reverse(LIST)).content.decode()
    assert html.index("Newer and unread") < html.index("Older and read")
    assert f'<li id="notification-{new.pk}" class="notification is-unread">' in html
    assert f'<li id="notification-{old.pk}" class="notification">' in html
    assert f'href="/t/{team.slug}/tickets/{ticket.number}/"' in html
    assert "Mark all as read" in html and "2\xa0days ago" in html and team.name in html


def test_page_without_notifications_says_so(team, make_member, login):
    html = login(make_member(team)).get(reverse(LIST)).content.decode()
    assert "No notifications" in html and "Mark all as read" not in html


def test_pages_of_fifty(team, ticket, make_member, login):
    me = make_member(team)
    Notification.objects.bulk_create(notification_row(me, ticket, f"Note {i:02d}") for i in range(51))
    client = login(me)
    first = client.get(reverse(LIST)).content.decode()
    assert first.count('class="notification is-unread"') == 50 and "1–50 of 51" in first and "Page 1 of 2" in first
    second = client.get(reverse(LIST), {"page": 2}, **HTMX).content.decode()
    assert second.lstrip().startswith('<section id="notification-list"')
    assert second.count('class="notification is-unread"') == 1 and "<html" not in second


# --- The bell ---------------------------------------------------------------------------------


def test_bell_shows_the_unread_count_and_listens_for_changes(team, ticket, make_member, login):
    me = make_member(team)
    for _ in range(3):
        notify(me, ticket)
    notify(me, ticket, read_at=timezone.now())
    client = login(me)
    page = client.get(reverse("tickets:board", args=[team.slug])).content.decode()
    bell = page.split('<a id="notification-bell"', 1)[1].split("</a>", 1)[0]
    assert 'hx-get="/notifications/bell/"' in bell and 'hx-trigger="notifications-changed from:body"' in bell
    assert '<span class="bell-count tabular" aria-hidden="true">3</span>' in bell and "3 unread" in bell
    # The bell comes before the user menu in the top bar.
    assert page.index('id="notification-bell"') < page.index('id="user-menu"')

    partial = client.get(reverse("notifications:bell")).content.decode()
    assert partial.lstrip().startswith('<a id="notification-bell"') and ">3</span>" in partial


def test_bell_caps_its_number_and_is_quiet_when_all_is_read(team, ticket, make_member, login):
    me = make_member(team)
    Notification.objects.bulk_create(notification_row(me, ticket, "x") for _ in range(120))
    client = login(me)
    assert ">99+</span>" in client.get(reverse("notifications:bell")).content.decode()
    Notification.objects.update(read_at=timezone.now())
    quiet = client.get(reverse("notifications:bell")).content.decode()
    assert "bell-count" not in quiet and "none unread" in quiet


def test_bell_costs_one_query_and_only_where_the_bar_is_drawn(team, ticket, make_member, login):
    me = make_member(team, Role.LEAD)
    notify(me, ticket)
    client = login(me)
    url = reverse("tickets:routing", args=[team.slug])
    client.get(url)  # warm the session
    with CaptureQueriesContext(connection) as page:
        client.get(url)
    with CaptureQueriesContext(connection) as fragment:
        client.get(url, **HTMX)
    on_page = [q["sql"] for q in page.captured_queries if "notifications_notification" in q["sql"]]
    assert len(on_page) == 1 and "COUNT(" in on_page[0]
    assert not [q for q in fragment.captured_queries if "notifications_notification" in q["sql"]]


# --- Marking read -----------------------------------------------------------------------------


def test_mark_one_read_answers_with_the_item_and_tells_the_bell(team, ticket, make_member, login):
    me = make_member(team)
    n = notify(me, ticket)
    other = notify(me, ticket, "Still unread")
    client = login(me)
    response = client.post(reverse("notifications:read", args=[n.pk]), **HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith(f'<li id="notification-{n.pk}" class="notification">') and "Mark read" not in html
    assert json.loads(response["HX-Trigger"]) == {"notifications-changed": {}}
    n.refresh_from_db()
    first_read = n.read_at
    assert first_read is not None
    # Again: harmless, keeps the first time.
    client.post(reverse("notifications:read", args=[n.pk]), **HTMX)
    n.refresh_from_db()
    assert n.read_at == first_read
    other.refresh_from_db()
    assert other.read_at is None
    assert "Notifications: 1 unread" in client.get(reverse("notifications:bell")).content.decode()
    # Without HTMX: back to the page.
    plain = client.post(reverse("notifications:read", args=[other.pk]))
    assert plain.status_code == 302 and plain["Location"] == reverse(LIST)


def test_mark_all_read_answers_with_the_list_and_tells_the_bell(team, ticket, make_member, login):
    me = make_member(team)
    for i in range(3):
        notify(me, ticket, f"Note {i}")
    client = login(me)
    response = client.post(reverse("notifications:read-all"), {"page": "1"}, **HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith('<section id="notification-list"')
    assert "is-unread" not in html.split('id="messages"')[0] and "All read" in html
    assert "Marked 3 notifications as read." in html
    assert json.loads(response["HX-Trigger"]) == {"notifications-changed": {}}
    assert not Notification.objects.filter(read_at__isnull=True).exists()
    assert client.post(reverse("notifications:read-all")).status_code == 302


def test_marking_read_is_post_only(team, ticket, make_member, login):
    me = make_member(team)
    n = notify(me, ticket)
    client = login(me)
    assert client.get(reverse("notifications:read", args=[n.pk])).status_code == 405
    assert client.get(reverse("notifications:read-all")).status_code == 405


# --- Query counts -----------------------------------------------------------------------------


# Session, user, last team's membership, the bell's count, page count, the page of notifications with their
# tickets, teams and alerts, the team switcher. The fragment: the same without the switcher.
def test_notifications_page_query_count_does_not_grow(team, make_member, login, django_assert_num_queries):
    me = make_member(team, Role.LEAD)
    client = login(me)
    client.get(reverse("tickets:board", args=[team.slug]))  # a team was opened: the sidebar shows it
    second = TeamFactory()
    Membership.objects.create(user=me, team=second, role=Role.AGENT)

    def grow(n: int) -> None:
        tickets = [make_ticket(team if i % 2 else second) for i in range(n)]
        Notification.objects.bulk_create(
            notification_row(me, t, f"About {t.number}", read_at=None if i % 3 else timezone.now())
            for i, t in enumerate(tickets)
        )

    grow(3)
    for size in (3, 60):
        if size > 3:
            grow(size - 3)
        with django_assert_num_queries(7):
            html = client.get(reverse(LIST)).content.decode()
        assert html.count('<li id="notification-') == min(size, 50)
        with django_assert_num_queries(6):
            client.get(reverse(LIST), **HTMX)


def test_opening_the_ticket_reads_what_you_were_told_about_it_and_nothing_else(team, ticket, make_member, login):
    """The bell stops counting a breach once its ticket has been opened; other people's and other tickets' stay."""
    lead, agent = make_member(team, Role.LEAD), make_member(team, Role.AGENT)
    other_ticket = make_ticket(team, title="Other")
    about_it = notify(lead, ticket)
    about_other = notify(lead, other_ticket)
    agents_own = notify(agent, ticket)
    client = login(lead)
    assert "Notifications: 2 unread" in client.get(reverse("notifications:bell")).content.decode()

    response = client.get(reverse("tickets:detail", args=[team.slug, ticket.number]))
    assert response.status_code == 200
    about_it.refresh_from_db()
    assert about_it.read_at is None, "a GET writes nothing"
    # The page posts "seen" when it loads, as the browser does.
    html = response.content.decode()
    assert f'hx-post="{reverse("notifications:read-about")}"' in html and subject_key(ticket) in html
    seen = client.post(reverse("notifications:read-about"), {"subject": subject_key(ticket)}, **HTMX)
    assert seen.status_code == 204 and json.loads(seen["HX-Trigger"]) == {"notifications-changed": {}}

    about_it.refresh_from_db(), about_other.refresh_from_db(), agents_own.refresh_from_db()
    assert about_it.read_at is not None
    assert about_other.read_at is None and agents_own.read_at is None
    assert "Notifications: 1 unread" in client.get(reverse("notifications:bell")).content.decode()
