"""The card move's hand-written statements (tickets.moves): what the answer shows equals a fresh board."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from teams.models import Role
from tests.factories import LabelFactory, ProjectFactory, make_ticket
from tickets.choices import Status
from tickets.models import Column, Ticket
from tickets.services import WipLimitReached, board_ensure_for_project, ticket_move

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}
HEAD = re.compile(r'id="head-(\d+)".*?class="col-count"[^>]*>([^<]+)</span>(.*?)</header>', re.S)


def heads(html: str) -> dict[int, tuple[str, str]]:
    """Column id -> (count as shown, "n shown" when filtered) of every column head in ``html``."""
    return {
        int(pk): (count.strip(), " ".join(re.findall(r'class="col-shown">([^<]+)<', rest)))
        for pk, count, rest in HEAD.findall(html)
    }


@pytest.fixture
def agent(team, make_member):
    return make_member(team, Role.AGENT, first_name="Ana", last_name="Costa")


@pytest.fixture
def columns(board):
    return {c.status: c for c in board.columns.all()}


def _resolved(team, title, days_ago):
    ticket = make_ticket(team, title=title)
    at = timezone.now() - timedelta(days=days_ago)
    Ticket.objects.filter(pk=ticket.pk).update(status=Status.RESOLVED, resolved_at=at)
    return ticket


def test_every_answer_counts_its_two_columns_as_a_fresh_board_does(team, board, columns, agent, login):
    board.resolved_days = 14
    board.save()
    todo = [make_ticket(team, title=f"Open {i}", assignee=agent if i % 2 else None) for i in range(5)]
    for i in range(3):
        _resolved(team, f"Long ago {i}", days_ago=40)  # beyond the Resolved column's window
    recent = _resolved(team, "Last week", days_ago=7)
    client = login(agent)
    url = reverse("tickets:board-move", args=[team.slug])
    steps = [
        (todo[0], Status.IN_PROGRESS, {}),
        (todo[1], Status.RESOLVED, {}),
        (recent, Status.TODO, {"above": todo[2].pk}),  # reopened, between two cards
        (todo[0], Status.IN_PROGRESS, {"below": todo[1].pk}),  # reordered where its neighbour no longer is
        (todo[3], Status.WAITING, {}),  # the clock stops
        (todo[4], Status.TODO, {"above": todo[2].pk, "below": todo[3].pk}),  # within the column
        (todo[3], Status.RESOLVED, {}),
    ]
    for ticket, status, around in steps:
        for query in ("", "?mine=on"):
            response = client.post(url + query, {"ticket": ticket.pk, "column": columns[status].pk, **around}, **HTMX)
            assert response.status_code == 200, response.content[:300]
            answered = heads(response.content.decode())
            drawn = heads(client.get(reverse("tickets:board", args=[team.slug]) + query).content.decode())
            assert answered and all(answered[pk] == drawn[pk] for pk in answered), (status, query, answered, drawn)
    resolved_head = heads(client.get(reverse("tickets:board", args=[team.slug])).content.decode())
    assert resolved_head[columns[Status.RESOLVED].pk][0] == "2", "two resolved this week; the old three not shown"


def test_the_moved_card_shows_its_labels_in_name_order(team, board, columns, agent, login):
    ticket = make_ticket(team, title="Labelled")
    ticket.labels.set([LabelFactory(team=team, name=name) for name in ("vip", "billing", "refund")])
    doing = columns[Status.IN_PROGRESS]
    url = reverse("tickets:board-move", args=[team.slug])
    response = login(agent).post(url, {"ticket": ticket.pk, "column": doing.pk}, **HTMX)
    assert re.findall(r'class="tlabel">.*?</svg>([^<]+)</span>', response.content.decode()) == [
        "billing", "refund", "vip",
    ]  # fmt: skip


def _move_queries(client, team, ticket, column, captured) -> int:
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        response = client.post(
            reverse("tickets:board-move", args=[team.slug]), {"ticket": ticket.pk, "column": column.pk}, **HTMX
        )
    assert response.status_code == 200
    captured.append([q["sql"] for q in ctx.captured_queries])
    return len(ctx.captured_queries)


# Session, user, membership, board with its columns, BEGIN (a savepoint in a test), the ticket locked with its
# card, the limited column locked, counts and neighbours, the update with its history row (two statements on
# SQLite), COMMIT.
INTO_LIMITED = {"postgresql": 10, "sqlite": 11}


@pytest.mark.parametrize("history", [10, 120])
def test_a_move_costs_the_same_statements_whatever_the_board_holds(team, board, columns, agent, login, history):
    for i in range(history):
        _resolved(team, f"Old {i}", days_ago=1 + i % 60)
    busy = [make_ticket(team, title=f"Open {i}", labels=[]) for i in range(history // 10)]
    client = login(agent)
    client.get(reverse("tickets:board", args=[team.slug]))  # the session now names the team: no session write
    captured: list[list[str]] = []
    into_limited = _move_queries(client, team, busy[0], columns[Status.IN_PROGRESS], captured)
    unlimited = _move_queries(client, team, busy[0], columns[Status.TODO], captured)  # no column to lock
    assert into_limited == INTO_LIMITED[connection.vendor], captured[0]
    assert unlimited == into_limited - 1, captured[1]


def test_project_tickets_meet_both_boards_limits(team, board, columns, agent):
    project = ProjectFactory(team=team)
    pboard = board_ensure_for_project(project=project)
    pdoing = pboard.columns.get(status=Status.IN_PROGRESS)
    pdoing.wip_limit = 1
    pdoing.save()
    first, second = (make_ticket(team, title=t, project=project) for t in ("First", "Second"))
    ticket_move(ticket=first, by=agent, column=pdoing, board=pboard)
    with pytest.raises(WipLimitReached, match="WIP limit"):
        ticket_move(ticket=second, by=agent, column=pdoing, board=pboard)
    with pytest.raises(WipLimitReached):  # the team board's column is another way into the same status
        ticket_move(ticket=second, by=agent, column=columns[Status.IN_PROGRESS], board=board)
    assert Ticket.objects.get(pk=second.pk).status == Status.TODO
    columns[Status.IN_PROGRESS].wip_limit = 1
    columns[Status.IN_PROGRESS].save()
    outside = make_ticket(team, title="No project")
    with pytest.raises(WipLimitReached):  # the team board's limit counts the project's ticket too
        ticket_move(ticket=outside, by=agent, column=columns[Status.IN_PROGRESS], board=board)


def test_a_ticket_of_another_board_is_not_moved(team, other_team, board, columns, agent, login):
    stranger = make_ticket(other_team, title="Elsewhere")
    response = login(agent).post(
        reverse("tickets:board-move", args=[team.slug]), {"ticket": stranger.pk, "column": columns[Status.TODO].pk},
        **HTMX,
    )  # fmt: skip
    assert response.status_code == 422 and "not on this board" in response.content.decode()
    assert Ticket.objects.get(pk=stranger.pk).version == stranger.version


def test_columns_of_a_board_not_created_yet_are_made_on_the_first_move(team, agent, login):
    ticket = make_ticket(team)  # creating a ticket makes the team board: remove it to start without one
    Column.objects.filter(board__team=team).delete()
    team.boards.all().delete()
    response = login(agent).post(reverse("tickets:board-move", args=[team.slug]), {"ticket": ticket.pk, "column": 1})
    assert response.status_code == 422, "no such column on the board the move made"
    assert team.boards.get().columns.count() == 5


GAP = 1 << 20


@pytest.mark.parametrize(
    ("read", "named", "expected"),
    [
        ({"top": 5 * GAP, "bottom": 9 * GAP}, False, (4 * GAP, False)),  # dropped on top of the column
        ({}, False, (GAP, False)),  # into an empty column
        ({"above": 9 * GAP}, True, (10 * GAP, False)),  # under the last card
        ({"above": 2 * GAP, "after_above": 3 * GAP}, True, (2 * GAP + GAP // 2, False)),  # under a card, not last
        ({"below": 2 * GAP}, True, (GAP, False)),  # over the first card
        ({"above": 10, "below": 60}, True, (35, True)),  # a narrow gap: fits, and asks for a renumber
        ({"above": 10, "below": 11}, True, (None, False)),  # no room: renumber first
        ({"above": 8 * GAP, "below": 3 * GAP, "after_above": 9 * GAP}, True, (8 * GAP + GAP // 2, False)),  # stale
        ({"bottom": 7 * GAP}, True, (8 * GAP, False)),  # both neighbours left the column: to the bottom
    ],
)
def test_where_a_dropped_card_lands(read, named, expected):
    from tickets.positions import position_between

    values = {"above": None, "below": None, "after_above": None, "top": None, "bottom": None, **read}
    assert position_between(**values, had_neighbours=named) == expected


def test_a_move_on_a_project_board_reads_no_project(team, board, columns, agent, login):
    from django.test.utils import CaptureQueriesContext

    project = ProjectFactory(team=team)
    pboard = board_ensure_for_project(project=project)
    waiting = pboard.columns.get(status=Status.WAITING)
    ticket = make_ticket(team, title="In the project", project=project)
    client = login(agent)
    client.get(reverse("tickets:board", args=[team.slug]))  # the session names the team
    url = reverse("tickets:project-board-move", args=[team.slug, project.pk])
    with CaptureQueriesContext(connection) as ctx:
        response = client.post(url, {"ticket": ticket.pk, "column": waiting.pk}, **HTMX)
    assert response.status_code == 200
    statements = [q["sql"] for q in ctx.captured_queries]
    assert not any("projects_project" in sql for sql in statements), "the answer's links need the project's id only"
    # As on the team board, plus one: the columns of that status are locked on both boards (both limits
    # apply to a project's ticket), and the clock stops in a column the team board says pauses it, which a
    # project board's move reads from the team board.
    assert len(statements) == INTO_LIMITED[connection.vendor] + 1, [sql[:80] for sql in statements]
