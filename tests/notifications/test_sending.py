"""Sending notifications: once per person and event, mailed once, never to the person who made the change."""

from __future__ import annotations

from datetime import date

import pytest
from django.core import mail
from django.urls import reverse

from notifications.models import Notification
from notifications.services import notify
from notifications.tasks import notify_team_leads
from teams.models import Role
from teams.services import NOTIFY_LEADS_TASK, calendar_update, holiday_add

pytestmark = pytest.mark.django_db


def test_the_same_event_notifies_each_person_once_and_mails_once(team, make_member, django_capture_on_commit_callbacks):
    lead = make_member(team, Role.LEAD, email="lead@example.com")
    agent = make_member(team, Role.AGENT, email="agent@example.com")
    event = {"kind": "calendar_changed", "message": "The calendar changed.", "dedupe_key": "calendar-change:1"}
    with django_capture_on_commit_callbacks(execute=True):
        first = notify(users=[lead, agent, lead], team_id=team.pk, link="/somewhere/", **event)
    with django_capture_on_commit_callbacks(execute=True):
        again = notify(users=[lead, agent], team_id=team.pk, **event)
    assert sorted(n.user.username for n in first) == sorted([lead.username, agent.username])
    assert again == [], "a re-run job writes nothing new"
    assert Notification.objects.filter(dedupe_key="calendar-change:1").count() == 2
    assert sorted(m.to[0] for m in mail.outbox) == ["agent@example.com", "lead@example.com"]


def test_the_person_who_made_the_change_is_not_told(team, make_member):
    lead, other_lead = make_member(team, Role.LEAD), make_member(team, Role.LEAD)
    written = notify(users=[lead, other_lead], kind="x", message="m", dedupe_key="k", exclude=lead)
    assert [n.user for n in written] == [other_lead]


def _queued_notice(team, lead, change, django_capture_on_commit_callbacks) -> dict:
    """Make a calendar change and catch the notice it queues for the leads (by task name)."""
    from unittest import mock

    with mock.patch("teams.services.current_app") as app, django_capture_on_commit_callbacks(execute=True):
        change()
    [notice] = [c.kwargs["kwargs"] for c in app.send_task.call_args_list if c.args[0] == NOTIFY_LEADS_TASK]
    return notice


def test_a_calendar_change_tells_the_other_leads_once_even_if_the_task_runs_twice(
    team, make_member, django_capture_on_commit_callbacks
):
    """The team-calendar change moves SLA due times: the team's leads hear of it, through notifications."""
    editor = make_member(team, Role.LEAD, first_name="Leo", last_name="Lead")
    other_lead = make_member(team, Role.LEAD, email="priya@example.com")
    agent = make_member(team, Role.AGENT)
    from teams.models import Membership

    by = Membership.objects.get(team=team, user=editor)
    notice = _queued_notice(
        team, editor,
        lambda: calendar_update(team=team, by=by, expected_version=team.calendar_version, time_zone="Europe/Berlin",
                                intervals=[(0, 480, 960)]),
        django_capture_on_commit_callbacks,
    )  # fmt: skip
    assert notify_team_leads.run(**notice) == 1
    assert notify_team_leads.run(**notice) == 0, "a re-delivered task tells nobody twice"
    [told] = Notification.objects.all()
    assert told.user == other_lead and told.team_id == team.pk and told.kind == "calendar_changed"
    assert told.message.startswith("Leo Lead changed the business calendar of") and "SLA due times" in told.message
    assert told.link == reverse("teams:calendar", args=[team.slug])
    assert not Notification.objects.filter(user__in=[editor, agent]).exists()

    # A holiday is a change too, with its own key: told again.
    notice = _queued_notice(
        team, editor, lambda: holiday_add(team=team, by=by, date=date(2099, 12, 24), name="Christmas Eve"),
        django_capture_on_commit_callbacks,
    )  # fmt: skip
    assert notify_team_leads.run(**notice) == 1
    assert "holiday Thu 24 Dec 2099 added" in Notification.objects.latest("pk").message
