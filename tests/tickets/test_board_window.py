"""The board reads its open and recent work only: the Resolved column's window, and rows read flat in history."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from teams.models import Role
from tests.factories import make_ticket
from tickets.choices import Status
from tickets.models import Column, Ticket
from tickets.positions import POSITION_GAP
from tickets.selectors.board import BoardFilters, board_data

pytestmark = pytest.mark.django_db


def resolved_history(team, count: int, *, days_ago: float, start: int = 1000) -> list[Ticket]:
    """``count`` tickets resolved ``days_ago`` days ago, inserted in bulk like an import or the demo."""
    when = timezone.now() - timedelta(days=days_ago)
    return Ticket.objects.bulk_create(
        Ticket(team=team, number=start + i, title=f"Old question {i}", status=Status.RESOLVED, resolved_at=when,
               position=(start + i) * POSITION_GAP)
        for i in range(count)
    )  # fmt: skip


def head_count(html: str, column: Column) -> str:
    match = re.search(rf'id="head-{column.pk}".*?class="col-count"[^>]*>([^<]+)</span>', html, re.S)
    assert match, f"no head for {column.name}"
    return match.group(1).strip()


def test_resolved_column_shows_the_last_14_days_and_says_so(team, board, make_member, login):
    agent = make_member(team, Role.AGENT)
    recent = make_ticket(team, title="Fixed yesterday")
    Ticket.objects.filter(pk=recent.pk).update(status=Status.RESOLVED, resolved_at=timezone.now() - timedelta(days=1))
    resolved_history(team, 3, days_ago=15)
    resolved = board.columns.get(status=Status.RESOLVED)
    html = login(agent).get(reverse("tickets:board", args=[team.slug])).content.decode()
    assert head_count(html, resolved) == "1"
    assert "Fixed yesterday" in html and "Old question" not in html
    assert "last 14 days" in html and "?status=resolved" in html  # older work: the ticket list


def test_a_lead_widens_the_window_and_zero_shows_every_resolved_ticket(team, board, make_member, login):
    lead = make_member(team, Role.LEAD)
    resolved_history(team, 2, days_ago=20)
    resolved_history(team, 1, days_ago=400, start=2000)
    resolved = board.columns.get(status=Status.RESOLVED)
    client = login(lead)
    settings_url = reverse("tickets:board-settings", args=[team.slug])
    board_page = reverse("tickets:board", args=[team.slug])
    assert 'aria-label="WIP limit of the In Progress column"' in client.get(settings_url).content.decode()

    def save(days: str) -> int:
        data = {"version": board.__class__.objects.get(pk=board.pk).version, "wip_per_agent": "", "resolved_days": days}
        for c in board.columns.all():
            data |= {f"name_{c.pk}": c.name, f"order_{c.pk}": c.order + 1, f"wip_{c.pk}": c.wip_limit or ""}
        return client.post(settings_url, data).status_code

    assert save("30") == 302
    assert head_count(client.get(board_page).content.decode(), resolved) == "2"
    assert save("0") == 302
    html = client.get(board_page).content.decode()
    assert head_count(html, resolved) == "3" and "last 0 days" not in html
    bad = client.post(settings_url, {"resolved_days": "-3"})
    assert bad.status_code == 422 and "greater than or equal to 0" in bad.content.decode()


def test_show_more_in_the_resolved_column_stays_in_the_window(team, board, make_member, login):
    agent = make_member(team, Role.AGENT)
    resolved_history(team, 53, days_ago=2)
    resolved_history(team, 5, days_ago=40, start=3000)
    newest = make_ticket(team, title="Fixed a minute ago")
    Ticket.objects.filter(pk=newest.pk).update(status=Status.RESOLVED, resolved_at=timezone.now())
    resolved = board.columns.get(status=Status.RESOLVED)
    client = login(agent)
    url = reverse("tickets:board", args=[team.slug])
    html = client.get(url).content.decode()
    assert "Show more (54 in all)" in html
    shown = re.findall(r'data-ticket-id="(\d+)"', html)
    assert shown[0] == str(newest.pk)  # most recently resolved first
    more = client.get(f"{url}columns/{resolved.pk}/more/?after={shown[-1]}").content.decode()
    keys = re.findall(r'data-ticket-id="(\d+)"', more)
    assert len(keys) == 4 and not set(keys) & set(shown)
    assert re.findall(r'data-key="CARE-(\d+)"', more) == ["1003", "1002", "1001", "1000"]  # none from 40 days ago


@pytest.mark.skipif(connection.vendor != "postgresql", reason="reads PostgreSQL's per-table row counters")
def test_rows_the_board_reads_do_not_grow_with_its_history(team, board):
    for i in range(30):
        make_ticket(team, title=f"Open {i}")
    resolved_history(team, 20, days_ago=3, start=500)

    def rows_read() -> int:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE tickets_ticket")
            sql = (
                "SELECT coalesce(seq_tup_read, 0) + coalesce(idx_tup_fetch, 0) FROM pg_stat_xact_user_tables "
                "WHERE relname = 'tickets_ticket'"
            )
            cursor.execute(sql)
            before = cursor.fetchone()[0]
            board_data(board=board, filters=BoardFilters())
            cursor.execute(sql)
            return cursor.fetchone()[0] - before

    small = rows_read()
    resolved_history(team, 3000, days_ago=60, start=10_000)
    large = rows_read()
    assert large <= small + 20, f"the board read {small} rows, then {large} with 3,000 more resolved tickets"


def test_the_resolved_column_takes_no_wip_limit(team, board, make_member, login):
    resolved = board.columns.get(status=Status.RESOLVED)
    client = login(make_member(team, Role.LEAD))
    url = reverse("tickets:board-settings", args=[team.slug])
    data = {"version": board.version, "wip_per_agent": "", "resolved_days": "14"}
    for c in board.columns.all():
        data |= {f"name_{c.pk}": c.name, f"order_{c.pk}": c.order + 1, f"wip_{c.pk}": c.wip_limit or ""}
    response = client.post(url, {**data, f"wip_{resolved.pk}": "10"})
    assert response.status_code == 422 and "Resolved work has no limit" in response.content.decode()
    resolved.refresh_from_db()
    assert resolved.wip_limit is None


def test_a_whole_board_counts_its_columns_as_the_paged_board_does(team, board, make_member):
    agent = make_member(team, Role.AGENT)
    for i in range(3):
        make_ticket(team, title=f"Open {i}", assignee=agent if i else None)
    waiting = make_ticket(team, title="Asked the customer")
    Ticket.objects.filter(pk=waiting.pk).update(status=Status.WAITING)
    resolved_history(team, 2, days_ago=3)
    resolved_history(team, 4, days_ago=30, start=2000)  # outside the 14-day window

    def heads(**kwargs):
        return [(h.column.status, h.count, h.shown) for h in board_data(board=board, **kwargs).heads]

    for filters, lane_by in [(BoardFilters(), ""), (BoardFilters(), "assignee"), (BoardFilters(unassigned=True), "")]:
        paged = heads(filters=filters, lane_by=lane_by)
        assert heads(filters=filters, lane_by=lane_by, per_column=None) == paged
    counts = {status: n for status, n, _ in heads(filters=BoardFilters(), per_column=None)}
    assert counts == {"todo": 3, "in_progress": 0, "waiting": 1, "escalated": 0, "resolved": 2}
    board.resolved_days = 0  # every resolved ticket: the counts follow
    assert heads(filters=BoardFilters(), per_column=None)[-1] == ("resolved", 6, 6)
    assert heads(filters=BoardFilters(), statuses=("todo",), per_column=None) == [("todo", 3, 3)]
