"""The SLA policy editor: every route for every role, validation, stale edits, order, and recomputing clocks."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.urls import reverse

from core.errors import StaleEdit
from teams.models import Role
from teams.permissions import Action
from tests.factories import TeamFactory, make_ticket
from tests.teams.test_permissions import EXPECTED
from tickets.choices import Priority, Tier
from tickets.models import SLAPolicy, SLATarget, Ticket
from tickets.services import board_ensure_for_team
from tickets.sla import policies as sla_policies
from tickets.sla.policies import (
    AT_RISK_RANGE,
    NO_TARGET,
    TOO_LONG,
    SLAPolicyChange,
    describe,
    duration_label,
)

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def make_policy(team, name: str = "Standard", *, order: int = 1, targets: dict | None = None, **fields) -> SLAPolicy:
    """A policy written straight to the tables; targets: {priority: (first response, resolution)} in minutes."""
    policy = SLAPolicy.objects.create(team=team, name=name, order=order, **fields)
    for priority, (frt, res) in (targets or {Priority.NORMAL: (60, 480)}).items():
        SLATarget.objects.create(policy=policy, priority=priority, first_response_minutes=frt, resolution_minutes=res)
    return policy


def form_data(**overrides: Any) -> dict[str, Any]:
    """What the policy form posts: a name, the clock, breach actions, and targets per priority."""
    data: dict[str, Any] = {
        "name": "Enterprise",
        "account_tier": "",
        "kind": "",
        "channel": "",
        "priority": "",
        "business_hours": "on",
        "at_risk_percent": "80",
        "escalate_to_column": "on",
        "raise_priority": "on",
        "notify": "on",
    }
    for p in (1, 2, 3, 4):
        data.update({f"first_response_{p}": "", f"first_response_{p}_unit": "h",
                     f"resolution_{p}": "", f"resolution_{p}_unit": "h"})  # fmt: skip
    data.update({"first_response_4": "30", "first_response_4_unit": "min", "resolution_4": "4"})
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def _state() -> list[tuple]:
    """Every policy and target, to show that a refused request wrote nothing."""
    policies = list(
        SLAPolicy.objects.order_by("pk").values_list("pk", "name", "order", "is_active", "at_risk_percent", "version")
    )
    targets = list(
        SLATarget.objects.order_by("policy", "priority").values_list(
            "policy", "priority", "first_response_minutes", "resolution_minutes"
        )
    )
    return [*policies, *targets]


@pytest.fixture
def things(team) -> dict[str, Any]:
    first = make_policy(team, "Enterprise accounts", order=1, account_tier=Tier.ENTERPRISE)
    make_policy(team, "Standard", order=2)
    return {"policy": first}


@pytest.fixture
def lead(team, make_member):
    return make_member(team, Role.LEAD)


@pytest.fixture
def recorded(monkeypatch) -> list[int]:
    """Team ids the recompute task was sent for (instead of sending it)."""
    sent: list[int] = []
    monkeypatch.setattr(sla_policies.sla_recompute_team, "apply_async", lambda args, **options: sent.append(args[0]))
    return sent


Data = Callable[[dict[str, Any]], dict[str, Any]]

# (url name, object it needs, method, action the route requires, POST data that would succeed)
ROUTES: list[tuple[str, str | None, str, Action, Data | None]] = [
    ("tickets:sla-policies", None, "get", Action.VIEW, None),
    ("tickets:sla-policy-create", None, "post", Action.MANAGE_TEAM, lambda o: form_data(name="VIP")),
    ("tickets:sla-policy", "policy", "get", Action.VIEW, None),
    ("tickets:sla-policy-edit", "policy", "get", Action.MANAGE_TEAM, None),
    (
        "tickets:sla-policy-edit",
        "policy",
        "post",
        Action.MANAGE_TEAM,
        lambda o: form_data(name="Renamed", version=o["policy"].version),
    ),
    ("tickets:sla-policy-active", "policy", "post", Action.MANAGE_TEAM, lambda o: {"is_active": "0"}),
    ("tickets:sla-policy-move", "policy", "post", Action.MANAGE_TEAM, lambda o: {"direction": "down"}),
    ("tickets:sla-policy-delete", "policy", "post", Action.MANAGE_TEAM, lambda o: {}),
]
ROUTE_IDS = [f"{name.split(':')[1]}-{method}" for name, _, method, _, _ in ROUTES]


def _url(name: str, team_slug: str, obj: Any = None) -> str:
    return reverse(name, args=[team_slug] + ([obj.pk] if obj is not None else []))


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize(("name", "needs", "method", "action", "data"), ROUTES, ids=ROUTE_IDS)
def test_every_route_answers_by_role(
    team, things, make_member, login, recorded, django_capture_on_commit_callbacks, role, name, needs, method,
    action, data,
):  # fmt: skip
    client = login(make_member(team, role))
    url = _url(name, team.slug, things[needs] if needs else None)
    before = _state()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(url, data(things), **HTMX) if method == "post" else client.get(url, **HTMX)
    allowed = action in EXPECTED[role]
    assert response.status_code == (200 if allowed else 403), response.content[:400]
    if method == "post":
        assert (_state() != before) is allowed, "an allowed write changes something; a refused one nothing"
        # Every change recomputes the team's open tickets: one task, once, after commit.
        assert recorded == ([team.pk] if allowed else [])
        assert len(callbacks) == (1 if allowed else 0)
    else:
        assert recorded == [] and callbacks == []


@pytest.mark.parametrize(("name", "needs", "method", "action", "data"), ROUTES, ids=ROUTE_IDS)
def test_another_teams_pages_are_404(team, other_team, make_member, login, name, needs, method, action, data):
    theirs = {"policy": make_policy(other_team)}
    client = login(make_member(team, Role.MANAGER))
    url = _url(name, other_team.slug, theirs[needs] if needs else None)
    response = client.post(url, {}, **HTMX) if method == "post" else client.get(url, **HTMX)
    assert response.status_code == 404


@pytest.mark.parametrize(
    ("name", "method"), [(n, m) for n, needs, m, _, _ in ROUTES if needs], ids=lambda v: str(v)
)  # fmt: skip
def test_another_teams_policy_under_my_team_is_404(team, other_team, make_member, login, recorded, name, method):
    theirs = make_policy(other_team, "Theirs")
    before = _state()
    client = login(make_member(team, Role.MANAGER))
    url = _url(name, team.slug, theirs)
    data = form_data(version=theirs.version) if method == "post" else {}
    response = client.post(url, data, **HTMX) if method == "post" else client.get(url, **HTMX)
    assert response.status_code == 404
    assert _state() == before and recorded == []


@pytest.mark.parametrize(("name", "needs", "method", "action", "data"), ROUTES, ids=ROUTE_IDS)
def test_anonymous_is_sent_to_sign_in(client, team, things, name, needs, method, action, data):
    url = _url(name, team.slug, things[needs] if needs else None)
    response = client.post(url) if method == "post" else client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


# --- Reading ----------------------------------------------------------------------------------


def test_page_reads_each_policy_as_a_sentence_with_its_targets(team, make_member, login):
    make_policy(
        team, "Enterprise accounts", order=1, account_tier=Tier.ENTERPRISE,
        targets={Priority.URGENT: (30, 240), Priority.HIGH: (60, 8 * 60), Priority.LOW: (None, 90)},
    )  # fmt: skip
    make_policy(
        team, "Chat, round the clock", order=2, channel="chat", business_hours=False, at_risk_percent=60,
        escalate_to_column=False, raise_priority=False, notify=False, is_active=False,
        targets={Priority.NORMAL: (60, 3 * 24 * 60)},
    )  # fmt: skip
    html = login(make_member(team, Role.VIEWER)).get(reverse("tickets:sla-policies", args=[team.slug])).content.decode()
    assert (
        '<strong>Enterprise</strong> accounts <span class="policy-dash" aria-hidden="true">—</span>'
        '<span class="visually-hidden">:</span> <strong>business hours</strong>; warn at <strong>80%</strong>; '
        "on breach: <strong>move to Escalated</strong>, <strong>raise priority</strong>, <strong>notify</strong>"
        in html
    )
    urgent = html.split('<span class="priority priority-4">Urgent</span>', 1)[1].split("</tr>", 1)[0]
    assert '<td class="tabular">30 min</td><td class="tabular">4 h</td>' in urgent
    low = html.split('<span class="priority priority-1">Low</span>', 1)[1].split("</tr>", 1)[0]
    assert "no target" in low and "1 h 30 min" in low
    # Calendar time shows whole days as days; the sentence says what is counted and that nothing happens.
    assert "<strong>Chat</strong> channel" in html and "<strong>calendar time</strong>" in html
    assert "<em>no action</em>" in html and "3 d" in html and "rule-off" in html
    # A viewer reads but gets no controls; the sidebar marks the page.
    assert "sla/new/" not in html and "/edit/" not in html and "Switch off" not in html
    assert f'href="{reverse("tickets:sla-policies", args=[team.slug])}" aria-current="page"' in html
    assert "This team has no working hours yet" in html


def test_page_without_policies_explains_them(team, make_member, login):
    html = login(make_member(team, Role.AGENT)).get(reverse("tickets:sla-policies", args=[team.slug])).content.decode()
    assert "No SLA policies yet" in html


def test_sentence_and_durations(team):
    assert [duration_label(m) for m in (None, 0, 30, 60, 90, 480, 4320)] == [
        "—", "—", "30 min", "1 h", "1 h 30 min", "8 h", "72 h",
    ]  # fmt: skip
    assert duration_label(4320, business_hours=False) == "3 d"
    assert duration_label(1500, business_hours=False) == "25 h"
    policy = make_policy(team, kind="incident", priority=Priority.URGENT, at_risk_percent=75,
                         escalate_to_column=True, raise_priority=False, notify=True)  # fmt: skip
    assert str(describe(policy)) == (
        "Incident tickets, Urgent priority — business hours; warn at 75%; on breach: move to Escalated, notify"
    )


# --- Writing ----------------------------------------------------------------------------------


def test_create_over_htmx_resets_the_form_and_refreshes_the_list(team, lead, login, recorded,
                                                                django_capture_on_commit_callbacks):  # fmt: skip
    data = form_data(name="Enterprise", account_tier="enterprise", at_risk_percent="75", first_response_3="2",
                     resolution_3="900", resolution_3_unit="min", raise_priority=None)  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        response = login(lead).post(reverse("tickets:sla-policy-create", args=[team.slug]), data, **HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith('<details id="policy-new"') and "<html" not in html
    assert " open>" not in html.lstrip().split("\n", 1)[0], "a fresh, closed form"
    assert json.loads(response["HX-Trigger"]) == {"sla-policies-changed": {}}
    assert "Added the policy “Enterprise”" in html and "being recomputed" in html
    policy = SLAPolicy.objects.get()
    assert (policy.account_tier, policy.at_risk_percent, policy.order, policy.is_active) == ("enterprise", 75, 1, True)
    assert (policy.business_hours, policy.escalate_to_column, policy.raise_priority, policy.notify) == (
        True, True, False, True,
    )  # fmt: skip
    targets = list(policy.targets.order_by("priority").values_list("priority", "first_response_minutes",
                                                                    "resolution_minutes"))  # fmt: skip
    assert targets == [(3, 120, 900), (4, 30, 240)]
    assert recorded == [team.pk]


def test_a_resolution_only_target_is_allowed(team, lead, login):
    data = form_data(first_response_4="", resolution_4="", resolution_1="8")
    assert login(lead).post(reverse("tickets:sla-policy-create", args=[team.slug]), data, **HTMX).status_code == 200
    assert list(SLATarget.objects.values_list("priority", "first_response_minutes", "resolution_minutes")) == [
        (1, None, 480)
    ]


def test_create_without_htmx_redirects_back_or_shows_the_page_with_errors(team, lead, login):
    client = login(lead)
    url = reverse("tickets:sla-policy-create", args=[team.slug])
    response = client.post(url, form_data())
    assert response.status_code == 302 and response["Location"] == reverse("tickets:sla-policies", args=[team.slug])
    refused = client.post(url, form_data(first_response_4="", resolution_4=""))
    assert refused.status_code == 422
    assert "<html" in refused.content.decode() and NO_TARGET in refused.content.decode()
    assert SLAPolicy.objects.count() == 1


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"first_response_4": "", "resolution_4": ""}, NO_TARGET),
        ({"first_response_2": "2", "resolution_2": "90", "resolution_2_unit": "min"},
         "Normal: the resolution target (1 h 30 min) cannot be shorter than the first-response target (2 h)."),
        ({"at_risk_percent": "0"}, AT_RISK_RANGE),
        ({"at_risk_percent": "100"}, AT_RISK_RANGE),
        ({"at_risk_percent": ""}, AT_RISK_RANGE),
        ({"name": "  "}, "This field is required."),
        ({"first_response_3": "0"}, "Use a whole number of 1 or more."),
        ({"first_response_3": "-5"}, "Use a whole number of 1 or more."),
        ({"first_response_3": "1.5"}, "Enter a whole number."),
        ({"resolution_1": "8761"}, TOO_LONG),
        ({"resolution_1_unit": "d", "resolution_1": "2"}, "Select a valid choice."),
        ({"channel": "fax"}, "Select a valid choice."),
    ],
    ids=["no-target", "resolution-shorter", "at-risk-0", "at-risk-100", "at-risk-empty", "no-name", "zero",
         "negative", "fraction", "too-long", "days", "bad-channel"],
)  # fmt: skip
def test_invalid_policy_is_explained_and_nothing_saved(
    team, lead, login, recorded, django_capture_on_commit_callbacks, overrides, message
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = login(lead).post(reverse("tickets:sla-policy-create", args=[team.slug]), form_data(**overrides),
                                    **HTMX)  # fmt: skip
    assert response.status_code == 422
    html = response.content.decode()
    assert message.replace("'", "&#x27;") in html
    assert html.lstrip().startswith('<details id="policy-new"') and " open>" in html.lstrip().split("\n", 1)[0]
    assert not SLAPolicy.objects.exists() and not SLATarget.objects.exists()
    assert recorded == [] and callbacks == []


def test_invalid_edit_is_explained_and_nothing_saved(team, things, lead, login, recorded):
    policy = things["policy"]
    before = _state()
    response = login(lead).post(
        reverse("tickets:sla-policy-edit", args=[team.slug, policy.pk]),
        form_data(name="Changed", version=policy.version, first_response_4="5", resolution_4="4",
                  first_response_4_unit="h", resolution_4_unit="h"),
        **HTMX,
    )  # fmt: skip
    assert response.status_code == 422
    html = response.content.decode()
    assert html.lstrip().startswith(f'<li id="policy-{policy.pk}" class="rule policy editing">')
    assert "Urgent: the resolution target (4 h) cannot be shorter than the first-response target (5 h)." in html
    assert 'value="Changed"' in html and "is-invalid" in html
    assert _state() == before and recorded == []


def test_inline_edit_gives_the_form_in_units_then_the_saved_row(team, lead, login, recorded,
                                                               django_capture_on_commit_callbacks):  # fmt: skip
    policy = make_policy(team, "Standard", targets={Priority.URGENT: (45, 240), Priority.LOW: (None, 90)})
    client = login(lead)
    url = reverse("tickets:sla-policy-edit", args=[team.slug, policy.pk])
    html = client.get(url, **HTMX).content.decode()
    assert html.lstrip().startswith(f'<li id="policy-{policy.pk}" class="rule policy editing">')
    assert f'id="policy-{policy.pk}-first_response_4"' in html and 'name="first_response_4" value="45"' in html
    unit = html.split(f'id="policy-{policy.pk}-first_response_4_unit"', 1)[1].split("</select>", 1)[0]
    assert '<option value="min" selected>' in unit
    assert 'name="resolution_4" value="4"' in html and 'name="resolution_1" value="90"' in html

    with django_capture_on_commit_callbacks(execute=True):
        saved = client.post(url, form_data(name="Standard", version=1, resolution_4="6"), **HTMX)
    assert saved.status_code == 200
    body = saved.content.decode()
    assert body.lstrip().startswith(f'<li id="policy-{policy.pk}" class="rule policy">')
    assert "Saved the policy “Standard”" in body and '<td class="tabular">6 h</td>' in body
    policy.refresh_from_db()
    assert policy.version == 2
    assert list(policy.targets.values_list("priority", "first_response_minutes", "resolution_minutes")) == [
        (4, 30, 360)
    ]
    assert recorded == [team.pk]
    # Without HTMX the fragment endpoints lead back to the page.
    assert client.get(url)["Location"] == reverse("tickets:sla-policies", args=[team.slug])


def test_stale_edit_is_refused_with_current_values_and_input_kept(team, things, lead, make_member, login, recorded,
                                                                 django_capture_on_commit_callbacks):  # fmt: skip
    policy = things["policy"]
    url = reverse("tickets:sla-policy-edit", args=[team.slug, policy.pk])
    login(make_member(team, Role.MANAGER)).post(url, form_data(name="Theirs", version=1, at_risk_percent="60"), **HTMX)
    recorded.clear()

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = login(lead).post(url, form_data(name="Mine", version=1, resolution_4="7"), **HTMX)
    assert response.status_code == 409
    html = response.content.decode()
    assert "Someone else changed this policy" in html
    assert "Saved now: <strong>Theirs</strong>" in html and "warn at <strong>60%</strong>" in html
    assert 'value="Mine"' in html and 'name="resolution_4" value="7"' in html  # the user's input is kept
    assert 'name="version" value="2"' in html  # the next save is based on what was shown
    policy.refresh_from_db()
    assert (policy.name, policy.at_risk_percent, policy.version) == ("Theirs", 60, 2)
    assert recorded == [] and callbacks == []
    # Saving again, now based on what was shown, goes through.
    again = login(lead).post(url, form_data(name="Mine", version=2, resolution_4="7"), **HTMX)
    assert again.status_code == 200
    policy.refresh_from_db()
    assert (policy.name, policy.version) == ("Mine", 3)


def test_service_refuses_a_stale_write(team, things):
    with pytest.raises(StaleEdit) as stale:
        sla_policies.sla_policy_update(
            policy=things["policy"], expected_version=7, change=SLAPolicyChange(name="x", targets={4: (1, 2)})
        )
    assert stale.value.current.pk == things["policy"].pk


def test_switch_off_and_on_answers_with_the_row(team, things, lead, login, recorded,
                                               django_capture_on_commit_callbacks):  # fmt: skip
    policy = things["policy"]
    client = login(lead)
    url = reverse("tickets:sla-policy-active", args=[team.slug, policy.pk])
    with django_capture_on_commit_callbacks(execute=True):
        off = client.post(url, {"is_active": "0"}, **HTMX).content.decode()
        again = client.post(url, {"is_active": "0"}, **HTMX)
    assert off.lstrip().startswith(f'<li id="policy-{policy.pk}" class="rule policy is-off">') and "Switch on" in off
    assert again.status_code == 200
    assert recorded == [team.pk], "switching off twice recomputes once: the second click changes nothing"
    policy.refresh_from_db()
    assert not policy.is_active and policy.version == 1, "not a content edit: an open form stays valid"
    on = client.post(url, {"is_active": "1"}, **HTMX).content.decode()
    assert "Switch off" in on
    assert client.post(url, {"is_active": "maybe"}, **HTMX).status_code == 422


def test_move_and_delete_answer_with_the_list_in_its_new_order(team, lead, login, recorded,
                                                              django_capture_on_commit_callbacks):  # fmt: skip
    a, b, c = (make_policy(team, n, order=i) for i, n in enumerate(("Alpha", "Bravo", "Charlie"), start=1))
    client = login(lead)
    with django_capture_on_commit_callbacks(execute=True):
        moved = client.post(reverse("tickets:sla-policy-move", args=[team.slug, c.pk]), {"direction": "up"}, **HTMX)
    html = moved.content.decode()
    assert html.lstrip().startswith('<section id="policy-list"')
    assert html.index("Alpha") < html.index("Charlie") < html.index("Bravo")
    assert recorded == [team.pk]

    # The first cannot move up: nothing changes, nothing is recomputed.
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        client.post(reverse("tickets:sla-policy-move", args=[team.slug, a.pk]), {"direction": "up"}, **HTMX)
    assert callbacks == [] and recorded == [team.pk]
    bad = client.post(reverse("tickets:sla-policy-move", args=[team.slug, c.pk]), {"direction": "sideways"}, **HTMX)
    assert bad.status_code == 422

    with django_capture_on_commit_callbacks(execute=True):
        deleted = client.post(reverse("tickets:sla-policy-delete", args=[team.slug, a.pk]), **HTMX).content.decode()
    assert "Alpha" not in deleted.split('id="messages"')[0] and "Deleted the policy “Alpha”" in deleted
    assert list(SLAPolicy.objects.order_by("order").values_list("name", "order")) == [("Charlie", 1), ("Bravo", 2)]
    assert not SLATarget.objects.filter(policy_id=a.pk).exists()
    assert recorded == [team.pk, team.pk]
    # Without HTMX, a move is a plain form post that goes back to the page.
    assert (
        client.post(reverse("tickets:sla-policy-move", args=[team.slug, b.pk]), {"direction": "up"}).status_code == 302
    )


def test_list_page_answers_htmx_with_its_region_and_varies_on_it(team, things, lead, login):
    client = login(lead)
    url = reverse("tickets:sla-policies", args=[team.slug])
    fragment = client.get(url, **HTMX)
    assert fragment.content.decode().lstrip().startswith('<section id="policy-list"')
    assert "HX-Request" in fragment["Vary"]
    assert 'hx-trigger="sla-policies-changed from:body"' in fragment.content.decode()
    restore = client.get(url, HTTP_HX_HISTORY_RESTORE_REQUEST="true", **HTMX)
    assert "<html" in restore.content.decode(), "a history restore gets the whole page"


# --- Recomputing the team's tickets -----------------------------------------------------------


@pytest.fixture
def eager():
    """Run Celery tasks in-process, as a worker would after commit."""
    from supportpm.celery import app

    app.conf.task_always_eager = True
    try:
        yield
    finally:
        app.conf.task_always_eager = False


def test_each_change_recomputes_open_tickets_after_commit(team, other_team, lead, login, eager,
                                                         django_capture_on_commit_callbacks):  # fmt: skip
    board_ensure_for_team(team=team)
    board_ensure_for_team(team=other_team)
    tickets = [make_ticket(team, priority=Priority.URGENT) for _ in range(3)]
    theirs = make_ticket(other_team, priority=Priority.URGENT)
    assert all(t.res_due_at is None for t in tickets), "no policy yet: no clock"
    client = login(lead)

    def due() -> list:
        return list(Ticket.objects.filter(team=team).order_by("pk").values_list("frt_due_at", "res_due_at"))

    # Calendar time (the test team has no working hours anyway): due = start + target.
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("tickets:sla-policy-create", args=[team.slug]),
                    form_data(business_hours=None, first_response_4="30", resolution_4="4"), **HTMX)  # fmt: skip
    policy = SLAPolicy.objects.get()
    for t in Ticket.objects.filter(team=team):
        assert t.sla_policy_id == policy.pk
        assert (t.frt_due_at, t.res_due_at) == (t.sla_started_at + timedelta(minutes=30),
                                                t.sla_started_at + timedelta(hours=4))  # fmt: skip
    assert Ticket.objects.get(pk=theirs.pk).res_due_at is None, "another team's tickets are left alone"

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("tickets:sla-policy-edit", args=[team.slug, policy.pk]),
                    form_data(business_hours=None, version=1, first_response_4="1", first_response_4_unit="h",
                              resolution_4="9"), **HTMX)  # fmt: skip
    assert {r - f for f, r in due()} == {timedelta(hours=8)}

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("tickets:sla-policy-active", args=[team.slug, policy.pk]), {"is_active": "0"}, **HTMX)
    assert set(due()) == {(None, None)}
    assert set(Ticket.objects.filter(team=team).values_list("sla_policy", flat=True)) == {None}


def test_deleting_a_policy_hands_its_tickets_to_the_next_one(team, lead, login, eager,
                                                            django_capture_on_commit_callbacks):  # fmt: skip
    board_ensure_for_team(team=team)
    first = make_policy(team, "Tight", order=1, business_hours=False, targets={Priority.NORMAL: (10, 60)})
    second = make_policy(team, "Loose", order=2, business_hours=False, targets={Priority.NORMAL: (60, 600)})
    ticket = make_ticket(team)
    assert ticket.sla_policy_id == first.pk
    with django_capture_on_commit_callbacks(execute=True):
        login(lead).post(reverse("tickets:sla-policy-delete", args=[team.slug, first.pk]), **HTMX)
    ticket.refresh_from_db()
    assert ticket.sla_policy_id == second.pk
    assert ticket.res_due_at == ticket.sla_started_at + timedelta(minutes=600)


# --- Query counts -----------------------------------------------------------------------------


def _grow(team, n: int) -> None:
    start = SLAPolicy.objects.filter(team=team).count()
    for i in range(n):
        make_policy(team, f"Policy {start + i}", order=start + i + 1,
                    targets={p: (30 * p, 300 * p) for p in (1, 2, 3, 4)})  # fmt: skip


# Session, user, membership, policies, their targets; the whole page adds working hours, the team switcher
# and the notification bell's count.
def test_policy_list_query_count_does_not_grow(team, lead, login, django_assert_num_queries):
    client = login(lead)
    url = reverse("tickets:sla-policies", args=[team.slug])
    _grow(team, 2)
    client.get(url)  # warm the session
    for size in (2, 25):
        if size > 2:
            _grow(team, size - 2)
        with django_assert_num_queries(8):
            html = client.get(url).content.decode()
        assert html.count('class="rule policy"') == size
        with django_assert_num_queries(5):
            assert client.get(url, **HTMX).content.decode().count('class="rule policy"') == size


def test_other_team_policies_are_not_listed(team, make_member, login):
    elsewhere = TeamFactory()
    make_policy(elsewhere, "Secret policy")
    html = login(make_member(team, Role.MANAGER)).get(reverse("tickets:sla-policies", args=[team.slug])).content
    assert b"Secret policy" not in html


def test_every_problem_shows_at_once(team, lead, login):
    data = form_data(name="", at_risk_percent="120", first_response_3="5", resolution_3="2", first_response_3_unit="h")
    response = login(lead).post(reverse("tickets:sla-policy-create", args=[team.slug]), data, **HTMX)
    assert response.status_code == 422
    html = response.content.decode()
    assert "This field is required." in html and "Give the policy a name." not in html
    assert AT_RISK_RANGE in html
    assert "High: the resolution target (2 h) cannot be shorter than the first-response target (5 h)." in html
    assert not SLAPolicy.objects.exists()
