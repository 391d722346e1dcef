from __future__ import annotations

import itertools

import pytest

from core.errors import StaleEdit
from teams.models import Role
from tests.factories import LabelFactory, make_ticket
from tickets.choices import EventField, Priority, Status
from tickets.models import Comment, Ticket, TicketEvent
from tickets.positions import POSITION_GAP, positions_renumber
from tickets.services import WipLimitReached, comment_add, ticket_bulk_update, ticket_move, ticket_update

pytestmark = pytest.mark.django_db


def _order(team, status):
    return list(
        Ticket.objects.filter(team=team, status=status).order_by("position", "id").values_list("title", flat=True)
    )


def test_create_numbers_per_team_positions_at_bottom_and_records_history(team, other_team, make_member):
    agent = make_member(team, Role.AGENT)
    a = make_ticket(team, by=agent, title="A")
    b = make_ticket(team, by=agent, title="B", assignee=agent)
    c = make_ticket(other_team, title="C")
    assert (a.number, b.number, c.number) == (1, 2, 1)
    assert a.key == "CARE-1"
    assert b.position > a.position
    fields = list(TicketEvent.objects.filter(ticket=b).values_list("field", "to_label"))
    assert (EventField.STATUS, "To Do") in fields
    assert (EventField.ASSIGNEE, agent.display_name) in fields


def test_description_markdown_is_sanitised(team):
    t = make_ticket(
        team, description="**Hi** <script>alert(1)</script> [x](javascript:alert(1)) [ok](https://a.example)"
    )
    assert "<strong>Hi</strong>" in t.description_html
    assert "<script" not in t.description_html and "javascript:" not in t.description_html
    assert 'href="https://a.example"' in t.description_html


def test_move_between_neighbours_writes_only_the_moved_card(
    team, board, column, make_member, django_assert_num_queries
):
    agent = make_member(team)
    a, b, c = (make_ticket(team, title=t) for t in "ABC")
    before = dict(Ticket.objects.values_list("pk", "position"))
    result = ticket_move(ticket=c, by=agent, column=column(Status.TODO), above_id=a.pk, below_id=b.pk)
    assert _order(team, Status.TODO) == ["A", "C", "B"]
    after = dict(Ticket.objects.values_list("pk", "position"))
    assert {pk for pk in before if before[pk] != after[pk]} == {c.pk}
    assert result.changed_statuses == (Status.TODO,)


def test_move_to_other_column_records_status_event_and_resolution(team, board, column, make_member):
    agent = make_member(team)
    t = make_ticket(team)
    result = ticket_move(ticket=t, by=agent, column=column(Status.RESOLVED))
    t.refresh_from_db()
    assert t.status == Status.RESOLVED and t.resolved_at is not None
    assert result.changed_statuses == (Status.TODO, Status.RESOLVED)
    ev = TicketEvent.objects.filter(ticket=t, field=EventField.STATUS).latest("id")
    assert (ev.from_value, ev.to_value, ev.actor) == ("todo", "resolved", agent)
    ticket_move(ticket=t, by=agent, column=column(Status.IN_PROGRESS))
    t.refresh_from_db()
    assert t.resolved_at is None, "reopening clears the resolution"


def test_full_column_refuses_move_and_changes_nothing(team, board, in_progress, column):
    in_progress.wip_limit = 2
    in_progress.save()
    for _ in range(2):
        ticket_move(ticket=make_ticket(team), by=None, column=in_progress)
    waiting = make_ticket(team, title="Waits")
    with pytest.raises(WipLimitReached, match="WIP limit"):
        ticket_move(ticket=waiting, by=None, column=in_progress)
    waiting.refresh_from_db()
    assert waiting.status == Status.TODO
    assert not TicketEvent.objects.filter(ticket=waiting, field=EventField.STATUS, to_value="in_progress").exists()
    # Reordering inside a full column is fine.
    first = Ticket.objects.filter(status=Status.IN_PROGRESS).first()
    ticket_move(ticket=first, by=None, column=in_progress)


def test_exhausted_gap_renumbers_and_keeps_order(team, board, column):
    a, b, c = (make_ticket(team, title=t) for t in "ABC")
    Ticket.objects.filter(pk=a.pk).update(position=10)
    Ticket.objects.filter(pk=b.pk).update(position=11)
    ticket_move(ticket=c, by=None, column=column(Status.TODO), above_id=a.pk, below_id=b.pk)
    assert _order(team, Status.TODO) == ["A", "C", "B"]
    positions = list(Ticket.objects.order_by("position").values_list("position", flat=True))
    assert all(q - p >= 2 for p, q in itertools.pairwise(positions))


def test_renumber_spreads_positions(team):
    for t in "ABCD":
        make_ticket(team, title=t)
    Ticket.objects.update(position=5)
    positions_renumber(team_id=team.pk, status=Status.TODO)
    assert list(Ticket.objects.order_by("position").values_list("position", flat=True)) == [
        POSITION_GAP * i for i in range(1, 5)
    ]


def test_update_records_history_and_refuses_stale_version(team, make_member):
    lead = make_member(team, Role.LEAD)
    t = make_ticket(team)
    opened = t.version
    ticket_update(ticket=t, by=lead, expected_version=opened, changes={"priority": Priority.URGENT, "title": "New"})
    with pytest.raises(StaleEdit) as stale:
        ticket_update(ticket=t, by=lead, expected_version=opened, changes={"title": "Lost?"})
    assert stale.value.current.title == "New"
    ev = TicketEvent.objects.get(ticket=t, field=EventField.PRIORITY)
    assert (ev.from_label, ev.to_label) == ("Normal", "Urgent")


def test_bulk_update_respects_wip_and_reports_refusals(team, board, in_progress, make_member):
    in_progress.wip_limit = 1
    in_progress.save()
    agent = make_member(team)
    label = LabelFactory(team=team, name="vip")
    tickets = [make_ticket(team, title=t) for t in "ABC"]
    result = ticket_bulk_update(
        team=team, by=agent, ticket_ids=[t.pk for t in tickets],
        changes={"status": Status.IN_PROGRESS, "assignee": agent}, add_labels=[label],
    )  # fmt: skip
    assert len(result.updated) == 1 and len(result.refused) == 2
    assert Ticket.objects.filter(status=Status.IN_PROGRESS).count() == 1
    assert set(Ticket.objects.filter(labels=label).values_list("pk", flat=True)) == set(result.updated)
    assert Ticket.objects.filter(assignee=agent).count() == 1


def test_first_public_reply_by_agent_sets_first_response_once(team, make_member):
    viewer = make_member(team, Role.VIEWER)
    agent = make_member(team, Role.AGENT)
    t = make_ticket(team)
    comment_add(ticket=t, by=agent, body="internal", is_public=False)
    comment_add(ticket=t, by=viewer, body="viewer reply", is_public=True)
    t.refresh_from_db()
    assert t.first_response_at is None
    first = comment_add(ticket=t, by=agent, body="Hello!", is_public=True)
    comment_add(ticket=t, by=agent, body="Again", is_public=True)
    t.refresh_from_db()
    assert t.first_response_at == first.created_at
    assert Comment.objects.filter(ticket=t).count() == 4
