"""Standups, blockers, the sprint board, the frozen review, retrospectives and grooming, as users meet them."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from planning import retros, services, standups
from planning.grooming import backlog_order_quick_wins
from planning.models import Blocker, RetroAction, RetroNote, StandupEntry
from planning.querysets import backlog_of
from teams.models import Role
from tests.factories import make_ticket
from tests.planning.conftest import at
from tickets.models import Ticket

pytestmark = pytest.mark.django_db

MONDAY = date(2027, 1, 4)


@pytest.fixture
def lead(team, make_member):
    return make_member(team, Role.LEAD)


@pytest.fixture
def running(office_team, lead, task):
    """Sprint 1 of the office team, started on Monday 4 Jan 2027 with one 3-point item."""
    with at(MONDAY, 8):
        sprint = services.sprint_create(team=office_team, by=lead, start_date=MONDAY)
        services.sprint_add(sprint=sprint, by=lead, tickets=[task(office_team, 3, "Refund macro")])
    with at(MONDAY, 9):
        services.sprint_start(sprint=sprint, by=lead)
    sprint.refresh_from_db()
    return sprint


def _entry_url(team, sprint, day, member):
    return reverse("planning:standup-entry", args=[team.slug, sprint.number, day.isoformat(), member.pk])


def test_an_agent_writes_their_own_entry_and_a_stale_autosave_is_refused(office_team, running, make_member, login):
    agent = make_member(office_team, Role.AGENT)
    client = login(agent)
    url = _entry_url(office_team, running, MONDAY, agent)
    first = client.post(url, {"yesterday": "Refund queue", "today": "Macro", "blockers": "", "version": 0},
                        HTTP_HX_REQUEST="true")  # fmt: skip
    assert first.status_code == 200 and 'name="version" value="1"' in first.content.decode()
    again = client.post(url, {"yesterday": "Old tab", "today": "", "blockers": "", "version": 0},
                        HTTP_HX_REQUEST="true")  # fmt: skip
    assert again.status_code == 409
    assert "Someone else changed" in again.content.decode() and "Refund queue" in again.content.decode()
    assert StandupEntry.objects.get(member=agent).yesterday == "Refund queue"


def test_agents_write_only_their_own_entry_leads_anyones_viewers_none(office_team, running, make_member, login, lead):
    agent, other = make_member(office_team, Role.AGENT), make_member(office_team, Role.AGENT)
    data = {"yesterday": "x", "today": "", "blockers": "", "version": 0}
    assert login(agent).post(_entry_url(office_team, running, MONDAY, other), data).status_code == 403
    viewer = make_member(office_team, Role.VIEWER)
    assert login(viewer).post(_entry_url(office_team, running, MONDAY, viewer), data).status_code == 403
    assert login(lead).post(_entry_url(office_team, running, MONDAY, other), data).status_code == 302
    assert StandupEntry.objects.get().member == other


def test_a_standup_day_outside_the_sprint_or_a_weekend_is_not_found(office_team, running, lead, login):
    client = login(lead)
    for day in ("2027-01-09", "2027-02-01", "not-a-day"):
        url = reverse("planning:standup-day", args=[office_team.slug, running.number, day])
        assert client.get(url).status_code == 404, day


def test_the_standup_shows_what_each_member_moved_since_the_day_before(office_team, running, make_member, login):
    agent = make_member(office_team, Role.AGENT)
    ticket = make_ticket(office_team, title="Printer on fire", assignee=agent)
    from tickets.services import ticket_update

    with at(MONDAY, 11):
        ticket_update(ticket=ticket, by=agent, expected_version=ticket.version, changes={"status": "resolved"})
    with at(date(2027, 1, 5), 9):
        page = login(agent).get(reverse("planning:standup-day", args=[office_team.slug, running.number, "2027-01-05"]))
    assert page.status_code == 200
    assert "Resolved:" in page.content.decode() and "Printer on fire" in page.content.decode()


def test_a_blocker_marks_its_ticket_on_every_board_until_cleared(office_team, running, make_member, login, lead):
    agent = make_member(office_team, Role.AGENT)
    ticket = running.items.get().ticket
    client = login(agent)
    answer = client.post(
        reverse("planning:blocker-raise", args=[office_team.slug, running.number, "2027-01-04"]),
        {"text": "Waiting on billing", "ticket": ticket.number}, HTTP_HX_REQUEST="true",
    )  # fmt: skip
    assert answer.status_code == 200 and "Waiting on billing" in answer.content.decode()
    board = client.get(reverse("tickets:board", args=[office_team.slug])).content.decode()
    assert "tcard-blocked" in board
    sprint_page = login(lead).get(reverse("planning:sprint", args=[office_team.slug, running.number])).content.decode()
    assert "Open blockers (1)" in sprint_page
    blocker = Blocker.objects.get()
    login(lead).post(reverse("planning:blocker-clear", args=[office_team.slug, running.number, blocker.pk]))
    assert Ticket.objects.get(pk=ticket.pk).blocked_since is None
    assert "tcard-blocked" not in client.get(reverse("tickets:board", args=[office_team.slug])).content.decode()


def test_a_blocker_naming_another_teams_ticket_is_refused(office_team, other_team, running, make_member, login):
    agent = make_member(office_team, Role.AGENT)
    foreign = make_ticket(other_team, title="Not ours")
    answer = login(agent).post(
        reverse("planning:blocker-raise", args=[office_team.slug, running.number, "2027-01-04"]),
        {"text": "Stuck", "ticket": foreign.number + 1000}, HTTP_HX_REQUEST="true",
    )  # fmt: skip
    assert answer.status_code == 422 and "is not a ticket of" in answer.content.decode()
    assert not Blocker.objects.exists()


def test_two_blockers_on_one_ticket_keep_it_blocked_until_both_are_cleared(office_team, running, lead):
    ticket = running.items.get().ticket
    with at(MONDAY, 10):
        first = standups.blocker_raise(sprint=running, by=lead, text="One", ticket=ticket)
    with at(MONDAY, 12):
        second = standups.blocker_raise(sprint=running, by=lead, text="Two", ticket=ticket)
    standups.blocker_clear(blocker=first, by=lead)
    assert Ticket.objects.get(pk=ticket.pk).blocked_since == second.raised_at
    standups.blocker_clear(blocker=second, by=lead)
    assert Ticket.objects.get(pk=ticket.pk).blocked_since is None


def test_the_sprint_board_shows_the_plan_and_the_interrupts_in_their_lanes(office_team, running, make_member, login):
    agent = make_member(office_team, Role.AGENT)
    with at(MONDAY, 14):
        make_ticket(office_team, title="Arrived mid-sprint")
    make_ticket(office_team, title="Older and unplanned")
    board = login(agent).get(reverse("planning:sprint-board", args=[office_team.slug, running.number]), follow=True)
    page = board.content.decode()
    assert "Sprint plan" in page and "Interrupts" in page
    assert "Refund macro" in page and "Arrived mid-sprint" in page and "Older and unplanned" not in page
    missing = login(agent).get(reverse("tickets:board", args=[office_team.slug]) + "?sprint=99")
    assert "There is no such sprint" in missing.content.decode()


def test_the_review_is_frozen_at_the_close(office_team, running, lead, login):
    ticket = running.items.get().ticket
    from tickets.services import ticket_update

    with at(MONDAY, 15):
        ticket_update(ticket=ticket, by=lead, expected_version=ticket.version, changes={"status": "resolved"})
    with at(date(2027, 1, 15), 18):
        services.sprint_close(sprint=running, by=lead, goal_met=True)
    running.refresh_from_db()
    assert running.review["planned_done_points"] == 3 and running.review["planned_done_percent"] == 100.0
    ticket.refresh_from_db()
    ticket_update(ticket=ticket, by=lead, expected_version=ticket.version, changes={"status": "todo"})
    page = login(lead).get(reverse("planning:review", args=[office_team.slug, running.number])).content.decode()
    assert "Frozen at the close" in page and "3 of 3 pts (100.0 %)" in page


def test_retrospective_facts_votes_and_actions(office_team, running, make_member, lead):
    agent = make_member(office_team, Role.AGENT)
    retro = retros.retro_open(sprint=running)
    notes = [retros.note_add(retro=retro, by=agent, column="well", text=f"Note {n}") for n in range(4)]
    for note in notes[:3]:
        retros.note_vote(note=note, voter=agent)
    with pytest.raises(retros.RuleBroken, match="used your 3 votes"):
        retros.note_vote(note=notes[3], voter=agent)
    assert retros.note_vote(note=notes[0], voter=agent).voted is False  # taken back
    action = retros.action_add(retro=retro, by=lead, text="Timebox grooming")
    assert action.ticket is not None and action.ticket.kind == "task"
    assert action.ticket in list(backlog_of(office_team))


def test_anonymous_notes_keep_no_author(office_team, running, lead):
    retro = retros.retro_open(sprint=running)
    retro = retros.retro_configure(retro=retro, expected_version=retro.version, anonymous=True, votes_each=3)
    retros.note_add(retro=retro, by=lead, column="idea", text="Say it freely")
    assert RetroNote.objects.get(text="Say it freely").author is None


def test_an_action_carried_over_twice_must_be_kept_or_dropped(office_team, lead):
    sprints = []
    for n in range(3):
        start = date(2027, 1, 4 + 14 * n) if n < 2 else date(2027, 2, 1)
        with at(start, 8):
            s = services.sprint_create(team=office_team, by=lead, start_date=start)
        with at(start, 9):
            services.sprint_start(sprint=s, by=lead)
        with at(s.end_date, 18):
            services.sprint_close(sprint=s, by=lead)
        s.refresh_from_db()
        sprints.append(s)
    first = retros.retro_open(sprint=sprints[0])
    action = retros.action_add(retro=first, by=lead, text="Shield rota")
    second = retros.earlier_actions(retros.retro_open(sprint=sprints[1]))
    assert [e.must_decide for e in second] == [False]
    third = retros.earlier_actions(retros.retro_open(sprint=sprints[2]))
    assert [e.must_decide for e in third] == [True]
    retros.action_decide(action=action, decision="dropped")
    assert RetroAction.objects.get().decision == "dropped"


def test_grooming_refuses_a_stale_form_and_out_of_range_points(office_team, lead, login, task):
    ticket = task(office_team, None, "Groom me")
    client = login(lead)
    url = reverse("planning:groom", args=[office_team.slug, ticket.pk])
    bad = client.post(url, {"story_points": 101, "impact": 3, "effort": 2, "version": ticket.version},
                      HTTP_HX_REQUEST="true")  # fmt: skip
    assert bad.status_code == 422 and "Story points go from 0 to 100." in bad.content.decode()
    ok = client.post(url, {"story_points": 5, "impact": 4, "effort": 1, "version": ticket.version},
                     HTTP_HX_REQUEST="true")  # fmt: skip
    assert ok.status_code == 200 and "quick win" in ok.content.decode()
    stale = client.post(url, {"story_points": 8, "impact": 1, "effort": 5, "version": ticket.version},
                        HTTP_HX_REQUEST="true")  # fmt: skip
    assert stale.status_code == 409
    saved = Ticket.objects.get(pk=ticket.pk)
    assert (saved.story_points, saved.impact, saved.effort) == (5, 4, 1)


def test_agents_may_not_groom_and_other_teams_tickets_are_not_found(office_team, other_team, make_member, login, task):
    ticket = task(office_team, 2)
    agent = login(make_member(office_team, Role.AGENT))
    assert agent.get(reverse("planning:groom", args=[office_team.slug, ticket.pk])).status_code == 403
    outsider = login(make_member(other_team, Role.LEAD))
    assert outsider.get(reverse("planning:groom", args=[other_team.slug, ticket.pk])).status_code == 404


def test_the_matrix_rescores_by_drop_and_quick_wins_go_first(office_team, lead, login, task):
    thankless = task(office_team, 1, "Thankless", impact=1, effort=5)
    win = task(office_team, 1, "Quick win", impact=5, effort=1)
    unscored = task(office_team, 1, "Unscored")
    client = login(lead)
    moved = client.post(reverse("planning:matrix-move", args=[office_team.slug]),
                        {"ticket": thankless.pk, "impact": 4, "effort": 4, "version": thankless.version},
                        HTTP_HX_REQUEST="true")  # fmt: skip
    assert moved.status_code == 200
    assert (Ticket.objects.get(pk=thankless.pk).impact, Ticket.objects.get(pk=thankless.pk).effort) == (4, 4)
    off_grid = client.post(reverse("planning:matrix-move", args=[office_team.slug]),
                           {"ticket": win.pk, "impact": 6, "effort": 1, "version": win.version},
                           HTTP_HX_REQUEST="true")  # fmt: skip
    assert off_grid.status_code == 422 and Ticket.objects.get(pk=win.pk).impact == 5
    backlog_order_quick_wins(team=office_team)
    assert [t.pk for t in backlog_of(office_team)] == [win.pk, thankless.pk, unscored.pk]
