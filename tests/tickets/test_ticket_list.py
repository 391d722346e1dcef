"""The ticket list over HTTP: search, filters, sort, paging, query counts and bulk edit."""

from __future__ import annotations

import re
from html import unescape

import pytest
from django.urls import reverse

from teams.models import Role
from tests.factories import AccountFactory, LabelFactory, ProjectFactory, make_ticket
from tickets.choices import Channel, Kind, Priority, Status
from tickets.models import Column, Ticket, TicketEvent
from tickets.services import ticket_update

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


def list_url(team, query: str = "") -> str:
    return reverse("tickets:list", args=[team.slug]) + (f"?{query}" if query else "")


def bulk_url(team, query: str = "") -> str:
    return reverse("tickets:bulk", args=[team.slug]) + (f"?{query}" if query else "")


def keys(html: str) -> list[str]:
    """Ticket keys of the rows, in order."""
    return re.findall(r'<td class="cell-key[^"]*">([A-Z]+-\d+)</td>', html)


@pytest.fixture
def agent(team, make_member):
    return make_member(team, Role.AGENT, first_name="Ana", last_name="Costa")


@pytest.fixture
def client(agent, login):
    return login(agent)


# --- Read: fragment, search, filters --------------------------------------------------------------


def test_list_shows_tickets_newest_first_with_their_facts(team, agent, client):
    label = LabelFactory(team=team, name="billing", colour="#dc2626")
    acme = AccountFactory(team=team, name="Acme GmbH", tier="enterprise")
    make_ticket(team, title="Old one")
    make_ticket(team, title="Refund not received", assignee=agent, account=acme, labels=[label],
                priority=Priority.URGENT, status=Status.WAITING)  # fmt: skip
    html = client.get(list_url(team)).content.decode()
    assert keys(html) == ["CARE-2", "CARE-1"]
    for text in ("Refund not received", "Ana Costa", "Acme GmbH", "Enterprise", "Urgent", "Waiting on customer",
                 'fill="#dc2626"', "billing", 'href="/t/care/tickets/2/"', "2</strong> tickets"):  # fmt: skip
        assert text in html, text
    assert 'id="ticket-filters"' in html and 'action="/t/care/tickets/bulk/"' in html


def test_htmx_request_gets_only_the_results_region(team, client):
    make_ticket(team, title="A")
    response = client.get(list_url(team, "status=todo"), **HTMX)
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="ticket-results"')
    assert "<html" not in html and 'id="ticket-filters"' not in html
    assert "HX-Request" in response["Vary"]
    restore = client.get(list_url(team, "status=todo"), HTTP_HX_HISTORY_RESTORE_REQUEST="true", **HTMX)
    assert "<html" in restore.content.decode() and 'id="ticket-filters"' in restore.content.decode()
    boosted = client.get(list_url(team, "status=todo"), HTTP_HX_BOOSTED="true", **HTMX)
    assert "<html" in boosted.content.decode(), "a boosted link navigates to the whole page"


def test_filter_form_swaps_the_results_and_keeps_filters_in_the_url(team, client):
    html = client.get(list_url(team)).content.decode()
    form = re.search(r'<form id="ticket-filters"[^>]*>', html).group(0)
    assert 'method="get"' in form and 'action="/t/care/tickets/"' in form
    assert 'hx-target="#ticket-results"' in form and 'hx-push-url="true"' in form
    # The sort control sits with the results but belongs to the filter form.
    assert re.search(r'<select id="ticket-sort" name="sort" form="ticket-filters"', html)


def test_search_matches_text_and_keys(team, client):
    make_ticket(team, title="Printer on fire")
    make_ticket(team, title="Cannot log in", requester_email="jane@acme.example")
    make_ticket(team, title="Refund please", description="Order 4411 was charged twice")
    assert keys(client.get(list_url(team, "q=printer")).content.decode()) == ["CARE-1"]
    assert keys(client.get(list_url(team, "q=acme.example")).content.decode()) == ["CARE-2"]
    assert keys(client.get(list_url(team, "q=charged+twice")).content.decode()) == ["CARE-3"]
    assert keys(client.get(list_url(team, "q=care-2")).content.decode()) == ["CARE-2"]
    assert keys(client.get(list_url(team, "q=CARE-3")).content.decode()) == ["CARE-3"]


def test_every_filter(team, other_team, agent, make_member, client):
    lead = make_member(team, Role.LEAD)
    label = LabelFactory(team=team, name="vip")
    account = AccountFactory(team=team)
    project = ProjectFactory(team=team)
    make_ticket(team, title="1", kind=Kind.BUG, channel=Channel.CHAT, priority=Priority.HIGH, assignee=agent)
    make_ticket(team, title="2", status=Status.WAITING, labels=[label], account=account, assignee=lead)
    make_ticket(team, title="3", status=Status.RESOLVED, project=project)
    make_ticket(other_team, title="not ours")

    def shown(query: str) -> list[str]:
        response = client.get(list_url(team, query))
        assert response.status_code == 200
        return keys(response.content.decode())

    assert shown("") == ["CARE-3", "CARE-2", "CARE-1"]
    assert shown("status=open") == ["CARE-2", "CARE-1"]
    assert shown("status=resolved") == ["CARE-3"]
    assert shown("priority=3") == ["CARE-1"]
    assert shown("kind=bug") == ["CARE-1"]
    assert shown("channel=chat") == ["CARE-1"]
    assert shown(f"assignee={lead.pk}") == ["CARE-2"]
    assert shown("assignee=me") == ["CARE-1"]
    assert shown("assignee=none") == ["CARE-3"]
    assert shown(f"label={label.pk}") == ["CARE-2"]
    assert shown(f"account={account.pk}") == ["CARE-2"]
    assert shown(f"project={project.pk}") == ["CARE-3"]
    assert shown(f"status=open&assignee={agent.pk}&kind=bug") == ["CARE-1"]


def test_invalid_filter_values_are_ignored_and_explained(team, other_team, make_member, client):
    make_ticket(team, title="A")
    make_ticket(team, title="B", status=Status.WAITING)
    outsider = make_member(other_team, Role.AGENT)
    foreign_label = LabelFactory(team=other_team)
    query = (
        f"status=bogus&priority=9&kind=&assignee={outsider.pk}&label={foreign_label.pk}&account=abc"
        "&project=99999999999999999999999&sort=nonsense&page=zz"
    )
    response = client.get(list_url(team, query))
    assert response.status_code == 200
    html = unescape(response.content.decode())
    assert keys(html) == ["CARE-2", "CARE-1"], "bad filters filter nothing"
    assert "Some filters were ignored" in html
    assert "Status: Select a valid choice. bogus is not one of the available choices." in html
    assert f"Assignee: {outsider.pk} is not a member of this team." in html
    assert f"Label: {foreign_label.pk} is not a label of this team." in html
    assert "Account: abc is not an account of this team." in html
    assert "Project: 99999999999999999999999 is not a project of this team." in html
    # Links on the page carry only the valid filters.
    assert "bogus" not in re.sub(r'<div class="alert.*?</div>', "", html, flags=re.S).split('id="ticket-results"')[1]


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("", ["CARE-3", "CARE-2", "CARE-1"]),
        ("created", ["CARE-1", "CARE-2", "CARE-3"]),
        ("-number", ["CARE-3", "CARE-2", "CARE-1"]),
        ("number", ["CARE-1", "CARE-2", "CARE-3"]),
        ("title", ["CARE-2", "CARE-3", "CARE-1"]),
        ("-title", ["CARE-1", "CARE-3", "CARE-2"]),
        ("-priority", ["CARE-3", "CARE-1", "CARE-2"]),
        ("priority", ["CARE-2", "CARE-1", "CARE-3"]),
        ("status", ["CARE-1", "CARE-3", "CARE-2"]),
        ("-status", ["CARE-2", "CARE-3", "CARE-1"]),
        ("-updated", ["CARE-1", "CARE-3", "CARE-2"]),
        ("updated", ["CARE-2", "CARE-3", "CARE-1"]),
    ],
)
def test_sort(team, agent, client, sort, expected):
    first = make_ticket(team, title="zebra", priority=Priority.NORMAL)
    make_ticket(team, title="Apple", priority=Priority.LOW, status=Status.RESOLVED)
    make_ticket(team, title="mango", priority=Priority.URGENT, status=Status.WAITING)
    ticket_update(ticket=first, by=agent, expected_version=1, changes={"title": "zebra"})  # touches updated_at
    Ticket.objects.filter(number=1).update(title="zebra")
    assert keys(client.get(list_url(team, f"sort={sort}")).content.decode()) == expected


def test_sort_headers_flip_direction_and_keep_filters(team, client):
    make_ticket(team)
    html = client.get(list_url(team, "status=todo&sort=title")).content.decode()
    title = re.search(r'<th scope="col" class="cell-title" aria-sort="ascending">\s*<a[^>]*href="([^"]+)"', html)
    assert title and unescape(title.group(1)) == "/t/care/tickets/?status=todo&sort=-title"
    priority = re.search(r'<th scope="col" class="d-none d-md-table-cell">\s*<a[^>]*href="([^"]*sort=-priority)"', html)
    assert priority and "status=todo" in priority.group(1), "a header's first click sorts the useful way"


def test_paging_fifty_a_page_keeps_filters(team, client):
    for i in range(55):
        make_ticket(team, title=f"T{i}")
    page1 = client.get(list_url(team, "status=todo")).content.decode()
    assert len(keys(page1)) == 50 and keys(page1)[0] == "CARE-55"
    assert "55</strong> tickets" in page1 and "1–50 shown" in page1
    next_link = re.search(r'<a class="page-link" href="([^"]+)"[^>]*rel="next"', page1)
    assert next_link and unescape(next_link.group(1)) == "/t/care/tickets/?status=todo&page=2"
    page2 = client.get(list_url(team, "status=todo&page=2")).content.decode()
    assert keys(page2) == [f"CARE-{n}" for n in range(5, 0, -1)]
    # Garbage and out-of-range pages answer with a page, not an error.
    assert keys(client.get(list_url(team, "page=abc")).content.decode())[0] == "CARE-55"
    assert keys(client.get(list_url(team, "page=999")).content.decode())[0] == "CARE-5"
    assert keys(client.get(list_url(team, "page=-1")).content.decode())[0] == "CARE-5"


def test_empty_states(team, make_member, login, client):
    assert "No tickets yet" in client.get(list_url(team)).content.decode()
    assert 'href="/t/care/tickets/new/"' in client.get(list_url(team)).content.decode()
    make_ticket(team)
    html = client.get(list_url(team, "q=nothing-like-this")).content.decode()
    assert "No tickets match these filters" in html and "Clear filters" in html
    viewer_html = login(make_member(team, Role.VIEWER)).get(list_url(team)).content.decode()
    assert 'name="tickets"' not in viewer_html and "New ticket" not in viewer_html, "viewers get no bulk edit"


def _populate(team, n: int, people, labels, accounts, projects) -> None:
    for i in range(n):
        make_ticket(
            team,
            title=f"Ticket {i}",
            assignee=people[i % len(people)],
            account=accounts[i % len(accounts)],
            project=projects[i % len(projects)],
            labels=labels[: 1 + i % len(labels)],
            priority=1 + i % 4,
        )


def test_list_query_count_does_not_grow_with_tickets(team, agent, make_member, client, django_assert_num_queries):
    people = [agent, make_member(team, Role.LEAD), make_member(team, Role.MANAGER)]
    labels = [LabelFactory(team=team) for _ in range(3)]
    accounts = [AccountFactory(team=team) for _ in range(2)]
    projects = [ProjectFactory(team=team) for _ in range(2)]
    _populate(team, 3, people, labels, accounts, projects)
    url = list_url(team, "status=open&sort=-priority")
    client.get(url)  # warm the session
    with django_assert_num_queries(13) as small:  # the saved views among them
        client.get(url)
    _populate(team, 40, people, labels, accounts, projects)
    with django_assert_num_queries(len(small.captured_queries)):
        response = client.get(url)
    assert len(keys(response.content.decode())) == 43
    # The fragment has no team switcher, bell nor saved views.
    with django_assert_num_queries(len(small.captured_queries) - 3):
        client.get(url, **HTMX)


# --- Bulk edit ------------------------------------------------------------------------------------


def test_bulk_edit_sets_status_assignee_priority_and_labels(team, agent, client):
    old = LabelFactory(team=team, name="old")
    new = LabelFactory(team=team, name="new")
    a, b, c = (make_ticket(team, title=t, labels=[old]) for t in "ABC")
    response = client.post(
        bulk_url(team, "sort=title"),
        {"tickets": [a.pk, b.pk], "status": "waiting", "assignee": agent.pk, "priority": "4",
         "add_label": new.pk, "remove_label": old.pk},
        **HTMX,
    )  # fmt: skip
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="ticket-results"') and "<html" not in html
    assert keys(html) == ["CARE-1", "CARE-2", "CARE-3"], "the results keep the list's sort"
    assert 'id="messages"' in html and 'hx-swap-oob="true"' in html and "Updated 2 tickets." in html
    for t in (a, b):
        t.refresh_from_db()
        assert (t.status, t.assignee, t.priority) == (Status.WAITING, agent, Priority.URGENT)
        assert [label.name for label in t.labels.all()] == ["new"]
        assert TicketEvent.objects.filter(ticket=t, field="status", to_value="waiting", actor=agent).exists()
    c.refresh_from_db()
    assert (c.status, c.version, [label.name for label in c.labels.all()]) == (Status.TODO, 1, ["old"])


def test_bulk_unassign(team, agent, client):
    t = make_ticket(team, assignee=agent)
    client.post(bulk_url(team), {"tickets": [t.pk], "assignee": "none"}, **HTMX)
    t.refresh_from_db()
    assert t.assignee is None


def test_bulk_edit_reports_tickets_refused_by_the_wip_limit(team, board, client):
    Column.objects.filter(board=board, status=Status.IN_PROGRESS).update(wip_limit=1)
    tickets = [make_ticket(team, title=t) for t in "ABC"]
    response = client.post(bulk_url(team), {"tickets": [t.pk for t in tickets], "status": "in_progress"}, **HTMX)
    assert response.status_code == 200
    html = unescape(response.content.decode())
    assert "Updated 1 ticket." in html
    assert "Not changed (2): CARE-2, CARE-3. “In Progress” is at its WIP limit (1 / 1)." in html
    assert "alert-danger" in html, "refusals stay on screen until read"
    assert list(Ticket.objects.filter(status=Status.IN_PROGRESS).values_list("number", flat=True)) == [1]


def test_bulk_edit_results_keep_the_filters(team, client):
    a = make_ticket(team, title="A")
    make_ticket(team, title="B")
    response = client.post(bulk_url(team, "status=todo"), {"tickets": [a.pk], "status": "waiting"}, **HTMX)
    assert keys(response.content.decode()) == ["CARE-2"], "A left the To Do filter"


def test_bulk_edit_without_javascript_redirects_back_to_the_filtered_list(team, client):
    a = make_ticket(team)
    response = client.post(bulk_url(team, "status=todo&sort=title&junk=1"), {"tickets": [a.pk], "priority": "1"})
    assert response.status_code == 302
    assert response["Location"] == "/t/care/tickets/?status=todo&sort=title"
    assert "Updated 1 ticket." in client.get(response["Location"]).content.decode()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"priority": "4"}, "Select at least one ticket."),
        ({"tickets": ["A"], "priority": "4"}, "Pick tickets from the list."),
        ({"tickets": ["99999999999999999999999"], "priority": "4"}, "Pick tickets from the list."),
        ({"tickets": ["TICKET"], "priority": "4"}, "Pick tickets from the list."),
        ({"tickets": ["SELF"]}, "Choose a change to apply"),
        ({"tickets": ["SELF"], "status": "done"}, "Select a valid choice."),
        ({"tickets": ["SELF"], "priority": "x"}, "Select a valid choice."),
        ({"tickets": ["SELF"], "assignee": "12345"}, "12345 is not a member who can work tickets of this team."),
        ({"tickets": ["SELF"], "add_label": "abc"}, "abc is not a label of this team."),
        ({"tickets": ["SELF"], "add_label": "LABEL", "remove_label": "LABEL"}, "Adding and removing the same label"),
    ],
)
def test_bulk_edit_refuses_bad_input(team, client, data, message):
    ticket = make_ticket(team)
    label = LabelFactory(team=team)
    own = {"SELF": str(ticket.pk), "TICKET": "0", "LABEL": str(label.pk)}
    data = {k: [own.get(v, v) for v in vs] if isinstance(vs, list) else own.get(vs, vs) for k, vs in data.items()}
    response = client.post(bulk_url(team), data, **HTMX)
    assert response.status_code == 422
    html = unescape(response.content.decode())
    assert html.lstrip().startswith('<div id="ticket-results"')
    assert message in html
    ticket.refresh_from_db()
    assert ticket.version == 1 and ticket.priority == Priority.NORMAL


def test_bulk_edit_refuses_ids_of_another_team_and_changes_nothing(team, other_team, make_member, client):
    mine = make_ticket(team)
    theirs = make_ticket(other_team)
    outsider = make_member(other_team, Role.AGENT)
    viewer = make_member(team, Role.VIEWER)
    foreign_label = LabelFactory(team=other_team)
    for data, message in (
        ({"tickets": [mine.pk, theirs.pk], "priority": "4"}, "1 of the selected tickets is not in this team"),
        ({"tickets": [mine.pk], "assignee": outsider.pk}, f"{outsider.pk} is not a member who can work tickets"),
        ({"tickets": [mine.pk], "assignee": viewer.pk}, f"{viewer.pk} is not a member who can work tickets"),
        ({"tickets": [mine.pk], "add_label": foreign_label.pk}, f"{foreign_label.pk} is not a label of this team"),
    ):
        response = client.post(bulk_url(team), data, **HTMX)
        assert response.status_code == 422
        assert message in response.content.decode()
        # The user's selection stays checked, to fix and apply again.
        assert re.search(rf'name="tickets" value="{mine.pk}"[^>]*checked', response.content.decode())
    for t in (mine, theirs):
        t.refresh_from_db()
        assert t.version == 1 and t.priority == Priority.NORMAL and t.assignee is None


def test_viewer_cannot_bulk_edit(team, make_member, login):
    t = make_ticket(team)
    response = login(make_member(team, Role.VIEWER)).post(bulk_url(team), {"tickets": [t.pk], "priority": "4"}, **HTMX)
    assert response.status_code == 403
    t.refresh_from_db()
    assert t.priority == Priority.NORMAL
