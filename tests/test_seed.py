from __future__ import annotations

import itertools
from collections import Counter, defaultdict
from datetime import UTC, date, datetime, timedelta
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models import Max, Q
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from metrics.models import DailyFigure, Goal
from projects.models import Framework, Project
from risks.models import Mitigation, Occurrence, Risk, RiskStatus
from risks.scoring import Level
from teams.demo import seed_people
from teams.models import Holiday, Membership, Role, Team, User, WorkingHours
from tickets.choices import Channel, EventField, Kind, Priority, Status, Tier
from tickets.demo.seed import seed_tickets
from tickets.markdown import render_markdown
from tickets.models import DEFAULT_COLUMNS, Account, Board, Column, Comment, Label, RoutingRule, Ticket, TicketEvent
from tickets.positions import POSITION_GAP
from tickets.services import board_ensure_for_team


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    # Seeding sets a password for every demo person; the production hasher would dominate these tests.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _snapshot() -> list[tuple]:
    return sorted(
        Membership.objects.values_list("user__username", "team__slug", "role", "capacity", "skills").order_by()
    )


@pytest.mark.django_db
def test_seed_demo_creates_teams_in_three_zones_and_every_role():
    out = StringIO()
    call_command("seed_demo", "--seed", "7", stdout=out)
    assert set(Team.objects.values_list("time_zone", flat=True)) == {
        "Europe/Berlin",
        "America/New_York",
        "Australia/Sydney",
    }
    assert set(Membership.objects.values_list("role", flat=True)) == set(Role)
    assert WorkingHours.objects.filter(team__slug="apac").count() == 7  # round the clock
    assert Holiday.objects.filter(team__slug="emea").exists()
    assert User.objects.get(username="maya").check_password("supportpm-demo")
    assert User.objects.get(username="admin").is_staff
    text = out.getvalue()
    assert "maya" in text and "supportpm-demo" in text
    # The dashboard has figures and, for each team, a goal met, one on track and one at risk.
    assert DailyFigure.objects.filter(team__slug="emea").exists()
    for team in Team.objects.all():
        assert set(Goal.objects.filter(team=team).values_list("suggested", flat=True)) == {
            "met",
            "on_track",
            "at_risk",
        }, team.slug
    # Every demo project has a risk register: every level, an accepted risk with its expiry, mitigations under
    # way, overdue reviews, and in each team one trigger that fired on the team's figures, with its incident.
    assert "fired by a trigger" in text
    for team in Team.objects.all():
        risks = list(Risk.objects.filter(team=team))
        assert {r.current.level for r in risks} == set(Level), team.slug
        assert all(Risk.objects.filter(project=p).exists() for p in Project.objects.filter(team=team))
        accepted = [r for r in risks if r.status == RiskStatus.ACCEPTED]
        assert accepted and all(r.approver_id and r.accept_until for r in accepted)
        assert Mitigation.objects.filter(risk__team=team, ticket__status="in_progress").exists()
        assert any(r.next_review < timezone.localdate() for r in risks)
        [fired] = Occurrence.objects.filter(risk__team=team, trigger__isnull=False)
        assert fired.ticket.kind == "incident" and fired.evidence["values"], team.slug


@pytest.mark.django_db
def test_seed_demo_is_deterministic_and_idempotent():
    call_command("seed_demo", "--seed", "3", stdout=StringIO())
    first = _snapshot()
    call_command("seed_demo", "--seed", "3", stdout=StringIO())
    assert _snapshot() == first
    assert Team.objects.count() == 3

    Membership.objects.all().delete()
    Team.objects.all().delete()
    call_command("seed_demo", "--seed", "3", stdout=StringIO())
    assert _snapshot() == first


@pytest.mark.django_db
def test_seed_demo_if_empty_leaves_an_existing_database_alone(team):
    out = StringIO()
    call_command("seed_demo", "--if-empty", stdout=out)
    assert Team.objects.count() == 1
    assert "nothing loaded" in out.getvalue()


# --- Tickets ----------------------------------------------------------------------------------------

# A fixed day (around the European and US clock changes) keeps these tests independent of the wall clock.
TODAY = date(2025, 4, 2)
ANCHOR = datetime(2025, 4, 2, tzinfo=UTC)


def _seed(count: int, seed: int = 3) -> None:
    teams = seed_people(seed=seed, today=TODAY)
    seed_tickets(teams=teams, seed=seed, today=TODAY, count=count)


def _wipe() -> None:
    Team.objects.all().delete()
    User.objects.all().delete()


def _ticket_snapshot() -> dict[str, list[tuple]]:
    # Ids differ between databases: rows are keyed by team and number, people and projects by name.
    named = (EventField.ASSIGNEE, EventField.PROJECT)
    events = [
        (slug, number, at, actor, fld, *((fl, tl) if fld in named else (fv, tv)), fl, tl)
        for slug, number, at, actor, fld, fv, tv, fl, tl in TicketEvent.objects.order_by(
            "ticket__team__slug", "ticket__number", "created_at", "id"
        ).values_list(
            "ticket__team__slug", "ticket__number", "created_at", "actor__username", "field",
            "from_value", "to_value", "from_label", "to_label",
        )
    ]  # fmt: skip
    return {
        "tickets": list(
            Ticket.objects.order_by("team__slug", "number").values_list(
                "team__slug", "number", "project__name", "kind", "title", "description", "description_html",
                "requester_name", "requester_email", "account__name", "channel", "priority", "status",
                "assignee__username", "story_points", "impact", "effort", "position", "created_at", "updated_at",
                "first_response_at", "resolved_at", "version",
            )
        ),
        "events": events,
        "comments": list(
            Comment.objects.order_by("ticket__team__slug", "ticket__number", "created_at", "id").values_list(
                "ticket__team__slug", "ticket__number", "created_at", "author__username", "body", "body_html",
                "is_public",
            )
        ),
        "labels": sorted(
            Ticket.labels.through.objects.values_list("ticket__team__slug", "ticket__number", "label__name")
        ),
        "reference": sorted(
            [("account", *a) for a in Account.objects.values_list("team__slug", "name", "tier", "notes")]
            + [("label", *lb) for lb in Label.objects.values_list("team__slug", "name", "colour")]
            + [("project", *p) for p in Project.objects.values_list("team__slug", "name", "framework", "status")]
            + [("rule", *r) for r in RoutingRule.objects.values_list("team__slug", "name", "order", "set_priority")]
        ),
    }  # fmt: skip


def _reference_counts() -> tuple[int, ...]:
    return tuple(
        m.objects.count() for m in (Team, User, Membership, Account, Label, Project, Board, Column, RoutingRule)
    )


@pytest.mark.django_db
def test_tickets_are_deterministic_for_a_seed_and_day():
    _seed(300)
    first = _ticket_snapshot()
    assert len(first["tickets"]) == 300 and len(first["events"]) > 300 * 3 and first["comments"] and first["labels"]
    _wipe()
    _seed(300)
    assert _ticket_snapshot() == first
    _wipe()
    _seed(300, seed=4)
    assert _ticket_snapshot()["tickets"] != first["tickets"]


@pytest.mark.django_db
def test_seed_demo_generates_n_tickets_once_and_replaces_them_on_request():
    out = StringIO()
    call_command("seed_demo", "--seed", "5", "--tickets", "120", stdout=out)
    # Retrospective actions, risk mitigations and contingency incidents become tickets too.
    incidents = Occurrence.objects.filter(ticket__isnull=False).values("ticket_id")
    generated = Ticket.objects.filter(retro_action__isnull=True, risk_links__isnull=True).exclude(pk__in=incidents)
    assert generated.count() == 120 and Ticket.objects.filter(retro_action__isnull=False).exists()
    assert "120 tickets" in out.getvalue() and "supportpm-demo" in out.getvalue()
    assert TicketEvent.objects.aggregate(m=Max("created_at"))["m"] < timezone.now()
    reference = _reference_counts()

    out = StringIO()
    call_command("seed_demo", "--seed", "5", "--tickets", "50", stdout=out)
    assert generated.count() == 120, "tickets exist: nothing added"
    assert "none added" in out.getvalue()
    assert _reference_counts() == reference

    call_command("seed_demo", "--seed", "5", "--tickets", "50", "--replace-tickets", stdout=StringIO())
    assert generated.count() == 50
    assert _reference_counts() == reference
    assert not TicketEvent.objects.filter(ticket__number__gt=50).exists()


@pytest.mark.django_db
def test_every_team_gets_accounts_labels_projects_board_and_routing_rules():
    _seed(0)
    for team in Team.objects.all():
        assert set(Account.objects.filter(team=team).values_list("tier", flat=True)) == set(Tier)
        assert all(Account.objects.filter(team=team).values_list("notes", flat=True))
        assert {"billing", "bug", "onboarding", "VIP", "API", "mobile", "refund"} <= set(
            Label.objects.filter(team=team).values_list("name", flat=True)
        )
        assert set(Project.objects.filter(team=team).values_list("framework", flat=True)) == set(Framework)
        board = Board.objects.get(team=team, project__isnull=True)
        limits = dict(board.columns.values_list("status", "wip_limit"))
        assert limits == {s: lim for _name, s, lim in DEFAULT_COLUMNS}
        rules = RoutingRule.objects.filter(team=team).order_by("order")
        enterprise = rules.get(account_tier=Tier.ENTERPRISE)
        assert enterprise.set_priority == Priority.HIGH and enterprise.auto_assign
        refund = rules.get(keywords__icontains="refund")
        assert "billing" in set(refund.add_labels.values_list("name", flat=True))
    assert Ticket.objects.count() == 0


@pytest.mark.django_db
def test_every_kind_channel_priority_and_status_appears():
    _seed(400)
    assert Ticket.objects.count() == 400
    for fld, choices in (("kind", Kind), ("channel", Channel), ("priority", Priority), ("status", Status)):
        assert set(Ticket.objects.values_list(fld, flat=True)) == set(choices), fld
    for team in Team.objects.all():
        # The newest tickets fill every open column of every team.
        assert set(Ticket.objects.filter(team=team).values_list("status", flat=True)) == set(Status), team.slug


@pytest.mark.django_db
def test_wip_limits_of_team_and_project_boards_hold():
    _seed(600)
    limited = Column.objects.filter(wip_limit__isnull=False).select_related("board")
    assert limited.filter(board__project__isnull=True).count() == 6  # In Progress and Escalated, three teams
    for column in limited:
        scope = Ticket.objects.filter(status=column.status)
        if column.board.project_id:
            scope = scope.filter(project_id=column.board.project_id)
        else:
            scope = scope.filter(team_id=column.board.team_id)
        assert scope.count() <= column.wip_limit, column


@pytest.mark.django_db
def test_tighter_wip_limits_on_the_board_are_respected():
    teams = seed_people(seed=2, today=TODAY)
    for team in teams.values():
        board = board_ensure_for_team(team=team)
        board.columns.filter(status=Status.IN_PROGRESS).update(wip_limit=3)
        board.columns.filter(status=Status.ESCALATED).update(wip_limit=0)
        Board.objects.filter(pk=board.pk).update(wip_per_agent=1)
    seed_tickets(teams=teams, seed=2, today=TODAY, count=500)
    assert Ticket.objects.count() == 500
    for team in teams.values():
        assert Ticket.objects.filter(team=team, status=Status.IN_PROGRESS).count() <= 3
        assert not Ticket.objects.filter(team=team, status=Status.ESCALATED).exists()
        per_agent = Counter(
            Ticket.objects.filter(team=team, status__in=[Status.IN_PROGRESS, Status.ESCALATED]).values_list(
                "assignee_id", flat=True
            )
        )
        assert per_agent and max(per_agent.values()) <= 1


@pytest.mark.django_db
def test_history_is_consistent_with_the_tickets():
    _seed(600)
    now = timezone.now()
    events: dict[int, list[TicketEvent]] = defaultdict(list)
    for event in TicketEvent.objects.order_by("ticket_id", "id"):
        events[event.ticket_id].append(event)
    comments: dict[int, list[Comment]] = defaultdict(list)
    for comment in Comment.objects.order_by("ticket_id", "created_at", "id"):
        comments[comment.ticket_id].append(comment)
    staff = set(Membership.objects.exclude(role=Role.VIEWER).values_list("team_id", "user_id"))

    reopened = 0
    for ticket in Ticket.objects.all():
        history = events[ticket.pk]
        assert (history[0].field, history[0].to_value, history[0].created_at) == (
            EventField.CREATED, Status.TODO, ticket.created_at,
        )  # fmt: skip
        times = [e.created_at for e in history]
        assert times == sorted(times), f"time goes backwards in {ticket.key}"
        assert ticket.created_at <= times[0] and times[-1] < ANCHOR <= now

        statuses = [e for e in history if e.field == EventField.STATUS]
        assert statuses[0].from_value == "" and statuses[0].to_value == Status.TODO
        for before, after in itertools.pairwise(statuses):
            assert after.from_value == before.to_value, ticket.key
        assert statuses[-1].to_value == ticket.status
        into_resolved = [e.created_at for e in statuses if e.to_value == Status.RESOLVED]
        if ticket.status == Status.RESOLVED:
            assert ticket.resolved_at == into_resolved[-1]
        else:
            assert ticket.resolved_at is None
        reopened += any(e.from_value == Status.RESOLVED for e in statuses)

        assignees = [e for e in history if e.field == EventField.ASSIGNEE]
        assert (assignees[-1].to_value if assignees else "") == str(ticket.assignee_id or "")
        priorities = [e for e in history if e.field == EventField.PRIORITY]
        if priorities:
            assert priorities[-1].to_value == str(ticket.priority)

        notes = comments[ticket.pk]
        assert 1 <= len(notes) <= 4
        assert all(ticket.created_at < c.created_at < ANCHOR for c in notes)
        assert all((ticket.team_id, c.author_id) in staff for c in notes if c.author_id)
        first_public = next((c.created_at for c in notes if c.is_public and c.author_id), None)
        assert ticket.first_response_at == first_public, ticket.key
        assert ticket.updated_at == max([times[-1], *(c.created_at for c in notes)])
    assert reopened > 0
    # Customers get answers: nearly every resolved inquiry has a first response.
    resolved = Ticket.objects.filter(status=Status.RESOLVED, kind=Kind.INQUIRY)
    assert resolved.filter(first_response_at__isnull=True).count() <= resolved.count() * 0.02


@pytest.mark.django_db
def test_comments_are_rendered_markdown_with_public_replies_and_internal_notes():
    _seed(150)
    assert set(Comment.objects.values_list("is_public", flat=True)) == {True, False}
    for body, body_html in Comment.objects.values_list("body", "body_html"):
        assert body_html == render_markdown(body)
    for description, description_html in Ticket.objects.values_list("description", "description_html"):
        assert description_html == render_markdown(description)


@pytest.mark.django_db
def test_assignees_are_agents_or_leads_of_the_team_never_viewers():
    _seed(400)
    roles = {(m.team_id, m.user_id): m.role for m in Membership.objects.all()}
    assigned = Ticket.objects.filter(assignee__isnull=False).values_list("team_id", "assignee_id")
    assert assigned
    assert {roles[key] for key in assigned} <= {Role.AGENT, Role.LEAD}
    event_users = TicketEvent.objects.filter(field=EventField.ASSIGNEE).values_list("ticket__team_id", "to_value")
    assert {roles[(team_id, int(user_id))] for team_id, user_id in event_users} <= {Role.AGENT, Role.LEAD}
    # Work has an owner: only tickets in To Do may be unassigned.
    assert set(Ticket.objects.filter(assignee__isnull=True).values_list("status", flat=True)) <= {Status.TODO}


@pytest.mark.django_db
def test_fields_numbers_and_positions():
    _seed(400)
    for team in Team.objects.all():
        numbers = sorted(Ticket.objects.filter(team=team).values_list("number", flat=True))
        assert numbers == list(range(1, len(numbers) + 1))
        for status in Status:
            positions = list(
                Ticket.objects.filter(team=team, status=status).order_by("position").values_list("position", flat=True)
            )
            assert positions == [POSITION_GAP * i for i in range(1, len(positions) + 1)]
    assert set(Ticket.objects.values_list("version", flat=True)) == {1}
    assert set(Ticket.objects.exclude(story_points=None).values_list("story_points", flat=True)) <= {1, 2, 3, 5, 8}
    work = Ticket.objects.filter(kind__in=[Kind.IMPROVEMENT, Kind.BUG, Kind.TASK])
    assert not work.filter(Q(impact=None) | Q(effort=None)).exists()
    assert not Ticket.objects.exclude(pk__in=work).filter(Q(impact__isnull=False) | Q(effort__isnull=False)).exists()
    assert Ticket.labels.through.objects.exists() and Ticket.objects.filter(project__isnull=False).exists()
    # The enterprise routing rule: High or above, VIP, assigned on creation.
    enterprise = Ticket.objects.filter(account__tier=Tier.ENTERPRISE)
    assert enterprise.exists()
    assert not enterprise.filter(priority__lt=Priority.HIGH).exists()
    assert enterprise.filter(labels__name="VIP").distinct().count() == enterprise.count()
    assert not enterprise.filter(assignee__isnull=True).exists()
    assert not Ticket.objects.filter(title__icontains="refund").exclude(labels__name="billing").exists()
    # Requesters: customers at their account's domain.
    for name, email in Ticket.objects.filter(account__isnull=False).values_list("requester_name", "requester_email"):
        assert name and email.endswith(".example")


@pytest.mark.django_db
def test_ticket_times_span_four_months_busier_in_office_hours():
    _seed(600)
    created = Ticket.objects.values_list("created_at", flat=True)
    assert min(created) >= ANCHOR - timedelta(days=120) and max(created) <= ANCHOR - timedelta(hours=1)
    assert min(created) < ANCHOR - timedelta(days=100)
    berlin = ZoneInfo("Europe/Berlin")
    local = [
        t.astimezone(berlin) for t in Ticket.objects.filter(team__slug="emea").values_list("created_at", flat=True)
    ]
    assert sum(t.weekday() < 5 for t in local) / len(local) > 0.8
    assert sum(8 <= t.hour < 18 for t in local if t.weekday() < 5) / len(local) > 0.6
    old = Ticket.objects.filter(created_at__lt=ANCHOR - timedelta(days=30))
    assert old.filter(status=Status.RESOLVED).count() / old.count() > 0.9
    recent = Ticket.objects.filter(created_at__gte=ANCHOR - timedelta(days=3))
    assert recent.exclude(status=Status.RESOLVED).count() / recent.count() > 0.4


@pytest.mark.django_db
def test_seeding_queries_do_not_grow_with_the_number_of_tickets():
    def queries(count: int) -> int:
        _wipe()
        teams = seed_people(seed=1, today=TODAY)
        with CaptureQueriesContext(connection) as ctx:
            seed_tickets(teams=teams, seed=1, today=TODAY, count=count)
        return len(ctx.captured_queries)

    small, large = queries(200), queries(800)
    assert Ticket.objects.count() == 800
    # One statement per batch of rows: 800 tickets may need a couple more batches of events.
    assert large - small <= 4, (small, large)
    assert small < 150


@pytest.mark.django_db
def test_seed_demo_gives_open_tickets_sla_clocks_and_policies_once():
    from notifications.models import Notification
    from tickets.models import SLAAlert, SLAPolicy

    out = StringIO()
    call_command("seed_demo", "--seed", "5", "--tickets", "200", stdout=out)
    assert "SLA: 9 policies added" in out.getvalue()
    for team in Team.objects.all():
        assert list(SLAPolicy.objects.filter(team=team).order_by("order").values_list("name", "account_tier")) == [
            ("Enterprise accounts", Tier.ENTERPRISE), ("Premium accounts", Tier.PREMIUM), ("Standard", ""),
        ]  # fmt: skip
        assert SLAPolicy.objects.get(team=team, name="Standard").targets.count() == 4
    assert SLAPolicy.objects.filter(business_hours=True).count() == 9  # APAC's business hours are round the clock
    open_tickets = Ticket.objects.exclude(status=Status.RESOLVED)
    assert open_tickets.exists() and not open_tickets.filter(sla_policy__isnull=True).exists()
    # Running clocks have due times; tickets waiting on the customer are paused, with none.
    running = open_tickets.exclude(status=Status.WAITING)
    assert running.exists() and not running.filter(res_due_at__isnull=True).exists()
    waiting = open_tickets.filter(status=Status.WAITING)
    assert not waiting.filter(sla_paused_since__isnull=True).exists()
    assert not waiting.filter(res_due_at__isnull=False).exists()
    # Internal work (tasks, improvements) has no first-response target: nobody waits for a reply.
    internal = Ticket.objects.filter(kind__in=["task", "improvement"])
    assert internal.exists() and not internal.filter(frt_due_at__isnull=False).exists()
    assert not SLAAlert.objects.filter(ticket__in=internal, target="first_response").exists()
    # Breaches are stamped when they were missed (their due times), not all at the one demo sweep.
    stamps = set(Ticket.objects.filter(res_breached_at__isnull=False).values_list("res_breached_at", flat=True))
    assert len(stamps) > 1
    # Every demo ticket's clock has started, resolved ones stopped at their resolution.
    assert not Ticket.objects.filter(sla_started_at__isnull=True).exists()
    resolved = Ticket.objects.filter(status=Status.RESOLVED).first()
    assert resolved is not None and resolved.sla_pauses[-1][2] == "resolved" and resolved.sla_pauses[-1][1] is None
    # One sweep ran: some targets were breached and the leads heard of it (the demo sends no mail).
    assert SLAAlert.objects.filter(kind="breached").exists()
    assert Notification.objects.filter(user__username="leo").exists()
    state = (
        sorted(SLAPolicy.objects.values_list("team__slug", "name", "order", "version")),
        sorted(Ticket.objects.values_list("team__slug", "number", "status", "priority", "res_due_at", "frt_due_at")),
        SLAAlert.objects.count(),
        Notification.objects.count(),
    )

    again = StringIO()
    call_command("seed_demo", "--seed", "5", "--tickets", "200", stdout=again)
    assert "SLA:" not in again.getvalue()
    assert SLAPolicy.objects.count() == 9, "seeding twice adds no second policy"
    assert (
        sorted(SLAPolicy.objects.values_list("team__slug", "name", "order", "version")),
        sorted(Ticket.objects.values_list("team__slug", "number", "status", "priority", "res_due_at", "frt_due_at")),
        SLAAlert.objects.count(),
        Notification.objects.count(),
    ) == state


@pytest.mark.django_db
def test_seed_demo_sla_state_is_deterministic_for_a_seed_and_day():
    from tickets.demo.sla import seed_sla

    def run() -> list[tuple]:
        teams = seed_people(seed=9, today=TODAY)
        seed_tickets(teams=teams, seed=9, today=TODAY, count=150)
        seed_sla(teams=teams, today=TODAY)
        return sorted(
            Ticket.objects.values_list(
                "team__slug", "number", "status", "priority", "sla_policy__name", "sla_pauses", "frt_due_at",
                "res_due_at", "frt_breached_at", "res_breached_at", "res_warned_at",
            )
        )  # fmt: skip

    first = run()
    assert any(row[-2] for row in first), "some targets are breached at the anchor"
    _wipe()
    assert run() == first


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "postgresql", reason="reads PostgreSQL's planner statistics")
def test_seed_demo_leaves_the_planner_statistics_of_what_it_loaded():
    def estimated(model) -> float:
        with connection.cursor() as cursor:
            cursor.execute("SELECT reltuples FROM pg_class WHERE relname = %s", [model._meta.db_table])
            return cursor.fetchone()[0]

    call_command("seed_demo", "--seed", "5", "--tickets", "140", stdout=StringIO())
    # ANALYZE counts the rows of this very transaction, which autovacuum can never see.
    # Retrospective actions, risk mitigations and contingency incidents are tickets too.
    incidents = Occurrence.objects.filter(ticket__isnull=False).values("ticket_id")
    others = Ticket.objects.filter(
        Q(retro_action__isnull=False) | Q(risk_links__isnull=False) | Q(pk__in=incidents)
    ).distinct()
    assert others.count() > 10  # risks' work included
    assert estimated(Ticket) == Ticket.objects.count() == 140 + others.count()
    assert estimated(TicketEvent) == TicketEvent.objects.count() > 140
