"""The backlog and dashboard pages say what is true until sprints and dashboards arrive."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from teams.models import Role
from tests.factories import make_ticket
from tickets.models import Ticket

pytestmark = pytest.mark.django_db


def test_backlog_lists_the_open_planned_work_most_important_first(team, other_team, make_member, login):
    agent = make_member(team, Role.AGENT)
    make_ticket(team, title="Customer question", kind="inquiry")
    low = make_ticket(team, title="Tidy the macros", kind="task", priority=1)
    high = make_ticket(team, title="Fix the export bug", kind="bug", priority=4)
    idea = make_ticket(team, title="Self-service password reset", kind="improvement", priority=2, story_points=5)
    done = make_ticket(team, title="Old improvement", kind="improvement")
    Ticket.objects.filter(pk=done.pk).update(status="resolved")
    make_ticket(other_team, title="Someone else's task", kind="task")
    html = login(agent).get(reverse("planning:backlog", args=[team.slug])).content.decode()
    titles = [t.strip() for t in re.findall(r"</a> ([^<]+)\s*<span class=\"small", html)]
    assert titles == [high.title, idea.title, low.title]
    assert "3 open improvement, task and bug tickets in no sprint" in html
    assert "backlog is empty" not in html.lower()
    assert re.search(r'title="Not estimated yet">\?', html), "an unestimated ticket shows no points, not 0"


def test_an_empty_backlog_says_so_plainly(team, make_member, login):
    html = login(make_member(team, Role.VIEWER)).get(reverse("planning:backlog", args=[team.slug])).content.decode()
    assert "The backlog is empty" in html


def test_the_dashboard_shows_a_new_teams_figures_without_waiting_for_beat_history(team, make_member, login):
    make_ticket(team, title="A ticket")
    html = login(make_member(team, Role.MANAGER)).get(reverse("dashboard", args=[team.slug])).content.decode()
    assert "not built yet" not in html
    assert 'id="tile-backlog_size"' in html and "Open work now: 1 ticket" in html
