"""The board page, its quick filters, swimlanes, paging and card moves, over HTTP."""

from __future__ import annotations

import re
from html import unescape

import pytest
from django.urls import reverse

from teams.models import Role
from teams.permissions import Action
from tests.factories import AccountFactory, LabelFactory, ProjectFactory, make_ticket
from tests.teams.test_permissions import EXPECTED
from tickets.choices import Priority, Status
from tickets.models import Column, Ticket, TicketEvent
from tickets.services import board_ensure_for_project, ticket_move

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


def board_url(team, **params):
    url = reverse("tickets:board", args=[team.slug])
    if params:
        url += "?" + "&".join(f"{k}={v}" for k, v in params.items())
    return url


def move_url(team):
    return reverse("tickets:board-move", args=[team.slug])


def cards_in(html: str, dom_id: str) -> list[str]:
    """Ticket keys inside the cell with ``dom_id``, in order (up to the next cell or column head)."""
    segment = html[html.index(f'id="{dom_id}"') + len(dom_id) :]
    nxt = re.search(r'id="(cell|head)-', segment)
    return re.findall(r'data-key="([A-Z]+-\d+)"', segment[: nxt.start()] if nxt else segment)


@pytest.fixture
def agent(team, make_member):
    return make_member(team, Role.AGENT, first_name="Ana", last_name="Costa")


def test_board_shows_columns_counts_wip_and_cards(team, board, agent, login):
    label = LabelFactory(team=team, name="billing", colour="#dc2626")
    acme = AccountFactory(team=team, name="Acme GmbH")
    t = make_ticket(team, title="Refund not received", assignee=agent, story_points=3, account=acme,
                    labels=[label], priority=Priority.URGENT)  # fmt: skip
    make_ticket(team, title="Password reset loop")
    html = login(agent).get(board_url(team)).content.decode()
    for name in ("To Do", "In Progress", "Waiting on customer", "Escalated", "Resolved"):
        assert f'<h2 class="col-name" title="{name}">{name}</h2>' in html
    assert "2 / " not in html and re.search(r'class="col-count"[^>]*>2</span>', html)  # To Do: no limit
    assert re.search(r'class="col-count"[^>]*>0 / 5</span>', html)  # In Progress: WIP 5
    assert f'data-key="CARE-{t.number}"' in html
    assert "Refund not received" in html and "AC" in html and "billing" in html and 'fill="#dc2626"' in html
    assert "Acme GmbH" in html and "Urgent" in html
    assert cards_in(html, f"cell-{Column.objects.get(status=Status.TODO).pk}") == ["CARE-1", "CARE-2"]


def test_board_query_count_is_constant_in_cards(team, board, agent, login, django_assert_num_queries):
    client = login(agent)
    labels = [LabelFactory(team=team) for _ in range(3)]
    acc = AccountFactory(team=team)

    def add(n):
        for i in range(n):
            make_ticket(team, title=f"T{i}", assignee=agent if i % 2 else None, labels=labels[: i % 3], account=acc)

    add(4)
    client.get(board_url(team))
    # session, user, membership, board, columns, totals, (filtered counts,) first-page ids, cards, labels of cards,
    # person, label and account choices, saved views, the team switcher, the notification bell's count
    for params, expected in (({}, 15), ({"lanes": "assignee"}, 16), ({"lanes": "priority", "q": "T"}, 16)):
        with django_assert_num_queries(expected):
            client.get(board_url(team, **params))
        add(60)
        with django_assert_num_queries(expected):
            response = client.get(board_url(team, **params))
        assert response.status_code == 200


def test_each_column_shows_fifty_cards_and_loads_more(team, board, agent, login):
    for i in range(57):
        make_ticket(team, title=f"Ticket {i}")
    client = login(agent)
    html = client.get(board_url(team)).content.decode()
    todo = Column.objects.get(board=board, status=Status.TODO)
    assert len(cards_in(html, f"cell-{todo.pk}")) == 50
    assert "Show more (57 in all)" in html
    last = Ticket.objects.order_by("position", "id")[49]
    more = client.get(f"{board_url(team)}columns/{todo.pk}/more/?after={last.pk}", **HTMX)
    assert more.status_code == 200
    keys = re.findall(r'data-key="(CARE-\d+)"', more.content.decode())
    assert keys == [f"CARE-{n}" for n in range(51, 58)]
    assert "Show more" not in more.content.decode()


def test_load_more_with_a_bad_cursor_is_a_clear_400(team, board, other_team, agent, login):
    todo = Column.objects.get(board=board, status=Status.TODO)
    foreign = make_ticket(other_team)
    client = login(agent)
    for after in ("abc", "999999", str(foreign.pk)):
        response = client.get(f"{board_url(team)}columns/{todo.pk}/more/?after={after}")
        assert response.status_code == 400
        assert b"no longer on the board" in response.content


def test_htmx_filter_request_returns_only_the_board_region(team, board, agent, login):
    make_ticket(team, title="Refund please", assignee=agent)
    make_ticket(team, title="Broken export")
    response = login(agent).get(board_url(team, mine="on"), **HTMX)
    html = response.content.decode()
    assert html.startswith('<div id="board-columns"')
    assert "<html" not in html and "board-filters" not in html
    assert "Refund please" in html and "Broken export" not in html
    assert "HX-Request" in response["Vary"]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"mine": "on"}, {"Mine"}),
        ({"unassigned": "on"}, {"Nobody's", "Labelled", "From Acme"}),
        ({"priority": Priority.URGENT.value}, {"Urgent one"}),
        ({"q": "acme"}, {"From Acme"}),
        ({"q": "CARE-2"}, {"Nobody's"}),
    ],
)
def test_quick_filters(team, board, agent, login, params, expected):
    label = LabelFactory(team=team, name="vip")
    acme = AccountFactory(team=team, name="Acme")
    make_ticket(team, title="Mine", assignee=agent, priority=Priority.URGENT)
    make_ticket(team, title="Nobody's")
    make_ticket(team, title="Labelled", labels=[label])
    make_ticket(team, title="From Acme", account=acme, requester_name="Acme buyer")
    if params.get("priority"):
        make_ticket(team, title="Urgent one", priority=Priority.URGENT, assignee=agent)
        expected = {"Urgent one", "Mine"}
    html = login(agent).get(board_url(team, **params), **HTMX).content.decode()
    titles = {unescape(t) for t in re.findall(r'class="tcard-title"[^>]*>([^<]+)<', html)}
    assert titles == expected


def test_label_and_account_filters_and_foreign_ids_are_ignored_with_a_message(team, other_team, board, agent, login):
    label = LabelFactory(team=team, name="vip")
    acme = AccountFactory(team=team, name="Acme")
    foreign_label = LabelFactory(team=other_team)
    make_ticket(team, title="Labelled", labels=[label])
    make_ticket(team, title="From Acme", account=acme)
    client = login(agent)
    html = client.get(board_url(team, label=label.pk)).content.decode()
    assert "Labelled" in html and "From Acme" not in html
    html = client.get(board_url(team, account=acme.pk)).content.decode()
    assert "Labelled" not in html and "From Acme" in html
    response = client.get(board_url(team, label=foreign_label.pk, priority="banana"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "That label is not in this team." in html and "These filters were ignored." in html
    assert "Labelled" in html and "From Acme" in html


def test_move_answers_with_the_moved_card_and_the_two_column_heads_only(team, board, agent, login):
    a = make_ticket(team, title="A")
    make_ticket(team, title="B")
    todo = Column.objects.get(board=board, status=Status.TODO)
    doing = Column.objects.get(board=board, status=Status.IN_PROGRESS)
    response = login(agent).post(move_url(team), {"ticket": a.pk, "column": doing.pk, "above": "", "below": ""}, **HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    # No column is redrawn: the card stands where it was dropped; it and both counts are swapped in place.
    assert set(re.findall(r'id="(head-\d+|cell-[\w-]+|card-\d+)"', html)) == {
        f"head-{todo.pk}", f"head-{doing.pk}", f"card-{a.pk}",
    }  # fmt: skip
    assert html.count('hx-swap-oob="true"') == 3
    assert re.search(rf'id="head-{todo.pk}".*?class="col-count"[^>]*>1</span>', html, re.S)
    assert re.search(rf'id="head-{doing.pk}".*?class="col-count"[^>]*>1 / 5</span>', html, re.S)
    assert f'data-key="CARE-{a.number}"' in html and "CARE-2" not in html
    assert "tickets-changed" in response["HX-Trigger"]
    a.refresh_from_db()
    assert a.status == Status.IN_PROGRESS
    assert TicketEvent.objects.filter(ticket=a, field="status", to_value="in_progress", actor=agent).exists()


def test_move_reorders_within_a_column(team, board, agent, login):
    a, b, c = (make_ticket(team, title=t) for t in "ABC")
    todo = Column.objects.get(board=board, status=Status.TODO)
    client = login(agent)
    response = client.post(move_url(team), {"ticket": c.pk, "column": todo.pk, "above": a.pk, "below": b.pk}, **HTMX)
    assert response.status_code == 200
    assert set(re.findall(r'id="(head-\d+|card-\d+)"', response.content.decode())) == {
        f"head-{todo.pk}",
        f"card-{c.pk}",
    }
    assert cards_in(client.get(board_url(team)).content.decode(), f"cell-{todo.pk}") == ["CARE-1", "CARE-3", "CARE-2"]


def test_move_into_full_column_is_refused_and_the_card_goes_back(team, board, agent, login):
    doing = Column.objects.get(board=board, status=Status.IN_PROGRESS)
    doing.wip_limit = 1
    doing.save()
    ticket_move(ticket=make_ticket(team, title="Busy"), by=None, column=doing)
    waiting = make_ticket(team, title="Waiting")
    todo = Column.objects.get(board=board, status=Status.TODO)
    response = login(agent).post(move_url(team), {"ticket": waiting.pk, "column": doing.pk}, **HTMX)
    assert response.status_code == 409
    html = response.content.decode()
    assert "“In Progress” is at its WIP limit (1 / 1)" in html
    assert 'id="messages"' in html
    assert cards_in(html, f"cell-{todo.pk}") == [f"CARE-{waiting.number}"]
    waiting.refresh_from_db()
    assert waiting.status == Status.TODO


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"ticket": "999999", "column": "TODO"}, "That ticket is not on this board."),
        ({"ticket": "abc", "column": "1"}, "That ticket is not on this board."),
        ({"ticket": "OWN", "column": "FOREIGN"}, "That column is not on this board."),
        ({"ticket": "FOREIGN_TICKET", "column": "TODO"}, "That ticket is not on this board."),
        ({"ticket": "OWN", "column": "TODO", "above": "lots"}, "Enter a whole number."),
        ({}, "This field is required."),
    ],
)
def test_bad_move_input_is_a_clear_422(team, other_team, board, agent, login, data, message):
    own = make_ticket(team)
    foreign_ticket = make_ticket(other_team)
    from tickets.services import board_ensure_for_team

    foreign_board = board_ensure_for_team(team=other_team)
    values = {
        "OWN": own.pk,
        "FOREIGN_TICKET": foreign_ticket.pk,
        "TODO": Column.objects.get(board=board, status=Status.TODO).pk,
        "FOREIGN": foreign_board.columns.first().pk,
    }
    payload = {k: values.get(v, v) for k, v in data.items()}
    response = login(agent).post(move_url(team), payload, **HTMX)
    assert response.status_code == 422
    html = response.content.decode()
    assert message in html
    assert 'id="board-columns"' in html  # the whole board is redrawn so nothing stays misplaced
    foreign_ticket.refresh_from_db()
    assert foreign_ticket.status == Status.TODO


def test_swimlanes_by_assignee_and_a_move_within_a_lane_redraws_only_the_card(team, board, agent, make_member, login):
    ben = make_member(team, Role.AGENT, first_name="Ben", last_name="Berg")
    a = make_ticket(team, title="Ana's", assignee=agent)
    make_ticket(team, title="Ben's", assignee=ben)
    make_ticket(team, title="Nobody's")
    client = login(agent)
    html = client.get(board_url(team, lanes="assignee")).content.decode()
    lanes = re.findall(r'<section class="lane" aria-label="([^"]+)"', html)
    assert lanes == ["Ana Costa", "Ben Berg", "Unassigned"]
    doing = Column.objects.get(board=board, status=Status.IN_PROGRESS)
    response = client.post(f"{move_url(team)}?lanes=assignee", {"ticket": a.pk, "column": doing.pk}, **HTMX)
    todo = Column.objects.get(board=board, status=Status.TODO)
    swapped = set(re.findall(r'id="((?:cell|head|card)-[\w-]+)"', response.content.decode()))
    assert swapped == {f"head-{todo.pk}", f"head-{doing.pk}", f"card-{a.pk}"}
    html = client.get(board_url(team, lanes="assignee")).content.decode()
    assert cards_in(html, f"cell-{doing.pk}-{agent.pk}") == [f"CARE-{a.number}"]


def test_swimlanes_by_priority(team, board, agent, login):
    make_ticket(team, title="Low", priority=Priority.LOW)
    make_ticket(team, title="Urgent", priority=Priority.URGENT)
    html = login(agent).get(board_url(team, lanes="priority")).content.decode()
    assert re.findall(r'<section class="lane" aria-label="([^"]+)"', html) == ["Urgent", "Low"]


def test_project_board_shows_only_its_tickets_and_moves_there(team, agent, login):
    project = ProjectFactory(team=team, name="Live chat launch")
    pboard = board_ensure_for_project(project=project)
    inside = make_ticket(team, title="Chat widget", project=project)
    make_ticket(team, title="Elsewhere")
    client = login(agent)
    html = client.get(reverse("tickets:project-board", args=[team.slug, project.pk])).content.decode()
    assert "Chat widget" in html and "Elsewhere" not in html and "Live chat launch" in html
    doing = pboard.columns.get(status=Status.IN_PROGRESS)
    response = client.post(
        reverse("tickets:project-board-move", args=[team.slug, project.pk]),
        {"ticket": inside.pk, "column": doing.pk},
        **HTMX,
    )
    assert response.status_code == 200
    inside.refresh_from_db()
    assert inside.status == Status.IN_PROGRESS


def test_project_of_another_team_is_404(team, other_team, agent, login):
    project = ProjectFactory(team=other_team)
    assert login(agent).get(reverse("tickets:project-board", args=[team.slug, project.pk])).status_code == 404


@pytest.mark.parametrize("role", list(Role))
def test_board_routes_by_role(team, board, make_member, login, role):
    user = make_member(team, role)
    t = make_ticket(team)
    for _ in range(50):
        make_ticket(team)
    todo = Column.objects.get(board=board, status=Status.TODO)
    doing = Column.objects.get(board=board, status=Status.IN_PROGRESS)
    client = login(user)
    assert client.get(board_url(team)).status_code == 200
    assert client.get(f"{board_url(team)}columns/{todo.pk}/more/?after={t.pk}").status_code == 200
    allowed = Action.WORK_TICKETS in EXPECTED[role]
    response = client.post(move_url(team), {"ticket": t.pk, "column": doing.pk}, **HTMX)
    assert response.status_code == (200 if allowed else 403)
    t.refresh_from_db()
    assert (t.status == Status.IN_PROGRESS) is allowed
    html = client.get(board_url(team)).content.decode()
    assert ("data-move-ticket" in html) is allowed, "viewers get no move controls"


def test_board_routes_of_another_team_are_404(team, other_team, make_member, login):
    from tickets.services import board_ensure_for_team

    other_board = board_ensure_for_team(team=other_team)
    t = make_ticket(other_team)
    client = login(make_member(team, Role.MANAGER))
    col = other_board.columns.first()
    assert client.get(board_url(other_team)).status_code == 404
    assert client.get(f"{board_url(other_team)}columns/{col.pk}/more/?after={t.pk}").status_code == 404
    assert client.post(move_url(other_team), {"ticket": t.pk, "column": col.pk}).status_code == 404


def _settings_payload(board, **overrides):
    data = {"version": board.version, "wip_per_agent": ""}
    for c in board.columns.all():
        data[f"name_{c.pk}"] = c.name
        data[f"order_{c.pk}"] = c.order + 1
        data[f"wip_{c.pk}"] = c.wip_limit or ""
    data.update(overrides)
    return data


def test_lead_sets_wip_limits_names_and_order(team, board, make_member, login):
    lead = make_member(team, Role.LEAD)
    todo = board.columns.get(status=Status.TODO)
    doing = board.columns.get(status=Status.IN_PROGRESS)
    url = reverse("tickets:board-settings", args=[team.slug])
    client = login(lead)
    assert client.get(url).status_code == 200
    changes = {f"wip_{doing.pk}": "2", f"name_{todo.pk}": "Inbox", f"order_{todo.pk}": "2", f"order_{doing.pk}": "1"}
    payload = _settings_payload(board, **changes, wip_per_agent="3")
    response = client.post(url, payload)
    assert response.status_code == 302
    doing.refresh_from_db()
    todo.refresh_from_db()
    board.refresh_from_db()
    assert (doing.wip_limit, doing.order, todo.name, todo.order, board.wip_per_agent) == (2, 0, "Inbox", 1, 3)
    html = client.get(board_url(team)).content.decode()
    assert html.index("In Progress</h2>") < html.index("Inbox</h2>")
    assert re.search(r'class="col-count"[^>]*>0 / 2</span>', html)


def test_board_settings_refuse_bad_input_and_stale_saves(team, board, make_member, login):
    lead = make_member(team, Role.LEAD)
    todo = board.columns.get(status=Status.TODO)
    doing = board.columns.get(status=Status.IN_PROGRESS)
    url = reverse("tickets:board-settings", args=[team.slug])
    client = login(lead)
    bad = client.post(url, _settings_payload(board, **{f"wip_{doing.pk}": "-1", f"order_{todo.pk}": "2"}))
    assert bad.status_code == 422
    html = bad.content.decode()
    assert "Ensure this value is greater than or equal to 1." in html
    assert "Each column needs its own position" in html
    opened = _settings_payload(board)
    client.post(url, _settings_payload(board, **{f"wip_{doing.pk}": "4"}))
    stale = client.post(url, {**opened, f"wip_{doing.pk}": "9"})
    assert stale.status_code == 409
    assert "Someone else changed this board" in stale.content.decode()
    assert "In Progress (WIP 4)" in stale.content.decode()
    doing.refresh_from_db()
    assert doing.wip_limit == 4


@pytest.mark.parametrize("role", list(Role))
def test_board_settings_by_role(team, board, make_member, login, role):
    user = make_member(team, role)
    url = reverse("tickets:board-settings", args=[team.slug])
    allowed = Action.MANAGE_TEAM in EXPECTED[role]
    client = login(user)
    assert client.get(url).status_code == (200 if allowed else 403)
    doing = board.columns.get(status=Status.IN_PROGRESS)
    client.post(url, _settings_payload(board, **{f"wip_{doing.pk}": "1"}))
    doing.refresh_from_db()
    assert (doing.wip_limit == 1) is allowed
    assert ("Board settings" in client.get(board_url(team)).content.decode()) is allowed


def test_board_settings_of_another_team_are_404(team, other_team, make_member, login):
    from tickets.services import board_ensure_for_team

    board_ensure_for_team(team=other_team)
    client = login(make_member(team, Role.MANAGER))
    assert client.get(reverse("tickets:board-settings", args=[other_team.slug])).status_code == 404


def test_low_gap_schedules_a_background_renumber(team, board, django_capture_on_commit_callbacks, settings):
    from supportpm.celery import app

    a, b, c = (make_ticket(team, title=t) for t in "ABC")
    Ticket.objects.filter(pk=a.pk).update(position=1000)
    Ticket.objects.filter(pk=b.pk).update(position=1010)
    todo = board.columns.get(status=Status.TODO)
    app.conf.task_always_eager = True
    try:
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            ticket_move(ticket=c, by=None, column=todo, above_id=a.pk, below_id=b.pk)
    finally:
        app.conf.task_always_eager = False
    assert len(callbacks) == 1
    positions = list(Ticket.objects.order_by("position").values_list("title", "position"))
    assert [p[0] for p in positions] == ["A", "C", "B"]
    assert positions[1][1] - positions[0][1] > 1000, "the column was spread out again"
