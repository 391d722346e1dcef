"""Hand-written statements (core.rows, core.sessions, teams.backends): the same rows and users as the ORM."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from axes.models import AccessAttempt
from django.contrib.sessions.models import Session
from django.db import connection
from django.db.models import BooleanField, Case, Q, Value, When
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from core.rows import RowReader, prepared, rows_of, statements
from teams.models import Role
from tests.factories import PASSWORD, make_ticket
from tickets.models import Ticket

pytestmark = pytest.mark.django_db


def test_a_row_reads_back_as_the_orm_reads_it_and_the_rest_is_deferred(team, django_assert_num_queries):
    ticket = make_ticket(team, title="Refund", description="Long text")
    stop = [["2026-03-29T00:59:59+00:00", None, "paused"]]
    Ticket.objects.filter(pk=ticket.pk).update(sla_pauses=stop, resolved_at=datetime(2026, 3, 29, 1, tzinfo=UTC))
    reader = RowReader(Ticket, ["title", "id", "sla_pauses", "resolved_at"])  # any order: read in the model's
    with statements() as cursor:
        cursor.execute(f"SELECT {reader.columns('t')}, 42 FROM tickets_ticket t WHERE t.id = %s", [ticket.pk])  # noqa: S608
        row = cursor.fetchone()
    read = reader.instance(row)
    assert row[len(reader)] == 42, "the caller's own columns follow the model's"
    assert (read.pk, read.title, read.sla_pauses) == (ticket.pk, "Refund", stop)
    assert read.resolved_at == datetime(2026, 3, 29, 1, tzinfo=UTC)
    with django_assert_num_queries(1):  # a field not read loads when used, as with .only()
        assert read.description == "Long text"


def test_values_are_prepared_as_save_prepares_them(team):
    ticket = make_ticket(team)
    ticket.sla_pauses = [["2026-01-01T00:00:00+00:00", None, "paused"]]
    ticket.resolved_at = timezone.now()
    params = prepared(ticket, ["sla_pauses", "resolved_at"])
    with statements() as cursor:
        cursor.execute(
            "UPDATE tickets_ticket SET sla_pauses = %s, resolved_at = %s WHERE id = %s", [*params, ticket.pk]
        )
    assert Ticket.objects.values_list("sla_pauses", "resolved_at").get(pk=ticket.pk) == (
        ticket.sla_pauses, ticket.resolved_at,
    )  # fmt: skip


def test_an_unknown_field_is_refused_at_once():
    with pytest.raises(ValueError, match="no fields"):
        RowReader(Ticket, ["titel"])


def test_statements_are_counted_like_any_query(team, django_assert_num_queries):
    with django_assert_num_queries(1), statements() as cursor:
        cursor.execute("SELECT 1")


def test_rows_of_a_queryset_are_the_orms_rows(team, make_member, django_assert_num_queries):
    agent = make_member(team)
    stop = [["2026-03-29T00:59:59+00:00", None, "paused"]]
    make_ticket(team, title="50% off, 'today' only", assignee=agent)
    make_ticket(team, title="No one on it")
    Ticket.objects.filter(team=team).update(sla_pauses=stop, resolved_at=datetime(2026, 3, 29, 1, tzinfo=UTC))
    qs = (
        Ticket.objects.filter(team=team, title__contains="%")  # a % in a value, written into the statement
        .annotate(mine=Case(When(Q(assignee=agent), then=Value(True)), default=None, output_field=BooleanField()))
        .order_by("number")
        .values_list("id", "number", "title", "assignee_id", "assignee__username", "mine", "resolved_at", "priority")
    )
    with django_assert_num_queries(1):
        rows = rows_of(qs)
    assert rows == list(qs) and len(rows) == 1
    assert rows[0][2:6] == ("50% off, 'today' only", agent.pk, agent.username, True)
    everyone = Ticket.objects.filter(team=team).order_by("number").values_list("title", "assignee_id", "sla_pauses")
    assert rows_of(everyone) == list(everyone)  # JSON is read as the ORM reads it
    assert rows_of(everyone)[1] == ("No one on it", None, stop)
    with django_assert_num_queries(0):
        assert rows_of(Ticket.objects.filter(pk__in=[]).values_list("id")) == []


@pytest.mark.skipif(connection.vendor != "postgresql", reason="prepared statements are PostgreSQL's")
def test_rows_of_a_queryset_are_never_prepared(team):
    make_ticket(team, title="Refund")
    qs = Ticket.objects.filter(team=team, title="Refund").values_list("id", "created_at")
    for _ in range(7):
        assert rows_of(qs.all()) == list(qs.all())
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM pg_prepared_statements WHERE statement LIKE %s", ["%'Refund'%"])
        assert cursor.fetchone()[0] == 0


@pytest.mark.skipif(connection.vendor != "postgresql", reason="prepared statements are PostgreSQL's")
def test_postgres_prepares_a_repeated_statement_and_plans_it_once(team, settings):
    assert settings.DATABASES["default"]["OPTIONS"]["prepare_threshold"] == 5
    sql = "SELECT COUNT(*) FROM tickets_ticket WHERE team_id = %s AND status = %s"
    for _ in range(7):
        with statements() as cursor:
            cursor.execute(sql, [team.pk, "todo"])
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT generic_plans, custom_plans FROM pg_prepared_statements WHERE statement LIKE %s",
            ["SELECT COUNT(*) FROM tickets_ticket WHERE team_id = $1%"],
        )
        generic, custom = cursor.fetchone()
        assert generic >= 1 and custom == 0
        # The ORM's queries are bound on the client and never prepared.
        list(Ticket.objects.filter(team=team)[:1])
        list(Ticket.objects.filter(team=team)[:1])
        cursor.execute("SELECT COUNT(*) FROM pg_prepared_statements WHERE statement LIKE %s", ["%LIMIT 1%"])
        assert cursor.fetchone()[0] == 0


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's session settings")
@pytest.mark.django_db(transaction=True)  # new connections: outside the test's transaction
def test_postgres_sessions_plan_prepared_statements_once_and_never_compile_queries(settings):
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('jit'), current_setting('plan_cache_mode')")
        assert cursor.fetchone() == ("off", "force_generic_plan")
    settings.DATABASE_JIT = True  # an operator's choice: the server's own setting stays
    options = connection.settings_dict["OPTIONS"]
    connection.close()
    try:
        options["prepare_threshold"] = None  # nothing prepared: planning is left to the server
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_setting('jit'), current_setting('plan_cache_mode')")
            assert cursor.fetchone() == ("on", "auto")
    finally:
        connection.close()
        options["prepare_threshold"] = 5


def _signed_in(user):
    client = Client()
    assert client.post(reverse("login"), {"username": user.username, "password": PASSWORD}).status_code == 302
    return client


def test_a_session_is_read_back_and_an_expired_one_signs_out(team, make_member):
    user = make_member(team, Role.AGENT)
    client = _signed_in(user)
    assert client.get(reverse("tickets:board", args=[team.slug])).status_code == 200
    assert client.session["_auth_user_backend"] == "teams.backends.UserBackend"
    Session.objects.update(expire_date=timezone.now())
    response = client.get(reverse("tickets:board", args=[team.slug]))
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_sessions_signed_in_by_djangos_backend_stay_signed_in(team, make_member):
    user = make_member(team, Role.AGENT)
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    assert client.get(reverse("tickets:board", args=[team.slug])).status_code == 200


def test_a_deactivated_user_is_signed_out_at_the_next_request(team, make_member):
    user = make_member(team, Role.AGENT)
    client = _signed_in(user)
    type(user).objects.filter(pk=user.pk).update(is_active=False)
    assert client.get(reverse("tickets:board", args=[team.slug])).status_code == 302


def test_a_wrong_password_is_checked_and_counted_once(team, make_member, client, monkeypatch):
    user = make_member(team, Role.AGENT, username="ana")
    checks = []
    check = type(user).check_password
    monkeypatch.setattr(type(user), "check_password", lambda self, raw: checks.append(raw) or check(self, raw))
    client.post(reverse("login"), {"username": "ana", "password": "guess"})
    assert checks == ["guess"], "Django's backend, listed after ours for old sessions, must not check it again"
    assert AccessAttempt.objects.get(username="ana").failures_since_start == 1


def test_a_forged_session_cookie_is_no_session(team, make_member):
    client = Client()
    client.cookies["sessionid"] = "abcdefgh\x00ijklmnop"
    response = client.get(reverse("tickets:board", args=[team.slug]))
    assert response.status_code == 302 and reverse("login") in response["Location"]
