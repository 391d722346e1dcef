"""The team settings pages: routing rules, labels and accounts, for every role, over HTMX and not."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.urls import reverse

from teams.models import Membership, Role
from teams.permissions import Action
from tests.factories import AccountFactory, LabelFactory, RoutingRuleFactory, make_ticket
from tests.teams.test_permissions import EXPECTED
from tickets.accounts import account_fingerprint
from tickets.choices import Priority, Status
from tickets.labels import label_fingerprint
from tickets.models import Account, Label, RoutingRule
from tickets.routing import NO_ACTION

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def things(team) -> dict[str, Any]:
    """One rule, label and account of the team, as the routes below act on."""
    label = LabelFactory(team=team, name="billing", colour="#16a34a")
    rule = RoutingRuleFactory(team=team, name="Chat refunds", channel="chat", set_priority=Priority.HIGH)
    # A rule below it, so that moving it down always moves something (alone, whether the move rewrote its
    # order depended on the factory's sequence, which other tests in the same process had advanced).
    RoutingRuleFactory(team=team, name="Email refunds", channel="email", set_priority=Priority.NORMAL)
    return {"rule": rule, "label": label, "account": AccountFactory(team=team, name="Acme", tier="premium")}


def _state() -> tuple[list, list, list]:
    """Everything these pages can write, to show that a refused request wrote nothing."""
    rules = list(
        RoutingRule.objects.order_by("pk").values_list("name", "order", "is_active", "set_priority", "version")
    )
    labels = list(Label.objects.order_by("pk").values_list("name", "colour"))
    accounts = list(Account.objects.order_by("pk").values_list("name", "tier", "notes"))
    return rules, labels, accounts


Data = Callable[[dict[str, Any]], dict[str, Any]]

# (url name, object it needs, method, action the route requires, POST data that would succeed)
ROUTES: list[tuple[str, str | None, str, Action, Data | None]] = [
    ("tickets:routing", None, "get", Action.VIEW, None),
    ("tickets:routing-create", None, "post", Action.MANAGE_TEAM, lambda o: {"name": "VIP", "set_priority": "4"}),
    ("tickets:routing-rule", "rule", "get", Action.VIEW, None),
    ("tickets:routing-edit", "rule", "get", Action.MANAGE_TEAM, None),
    (
        "tickets:routing-edit",
        "rule",
        "post",
        Action.MANAGE_TEAM,
        lambda o: {"name": "Renamed", "set_priority": "4", "version": o["rule"].version},
    ),
    ("tickets:routing-active", "rule", "post", Action.MANAGE_TEAM, lambda o: {"is_active": "0"}),
    ("tickets:routing-move", "rule", "post", Action.MANAGE_TEAM, lambda o: {"direction": "down"}),
    ("tickets:routing-delete", "rule", "post", Action.MANAGE_TEAM, lambda o: {}),
    ("tickets:labels", None, "get", Action.VIEW, None),
    ("tickets:label-create", None, "post", Action.MANAGE_TEAM, lambda o: {"name": "vip", "colour": "#123456"}),
    ("tickets:label-row", "label", "get", Action.VIEW, None),
    ("tickets:label-edit", "label", "get", Action.MANAGE_TEAM, None),
    (
        "tickets:label-edit",
        "label",
        "post",
        Action.MANAGE_TEAM,
        lambda o: {"name": "invoices", "colour": "#654321", "seen": label_fingerprint(o["label"])},
    ),
    ("tickets:label-delete", "label", "get", Action.MANAGE_TEAM, None),
    ("tickets:label-delete", "label", "post", Action.MANAGE_TEAM, lambda o: {}),
    ("tickets:accounts", None, "get", Action.VIEW, None),
    (
        "tickets:account-create",
        None,
        "post",
        Action.WORK_TICKETS,
        lambda o: {"name": "Globex", "tier": "enterprise", "notes": ""},
    ),
    ("tickets:account-row", "account", "get", Action.VIEW, None),
    ("tickets:account-edit", "account", "get", Action.WORK_TICKETS, None),
    (
        "tickets:account-edit",
        "account",
        "post",
        Action.WORK_TICKETS,
        lambda o: {"name": "Acme Corp", "tier": "free", "notes": "x", "seen": account_fingerprint(o["account"])},
    ),
]
ROUTE_IDS = [f"{name.split(':')[1]}-{method}" for name, _, method, _, _ in ROUTES]


def _url(name: str, team_slug: str, obj: Any = None) -> str:
    args: list[Any] = [team_slug] + ([obj.pk] if obj is not None else [])
    return reverse(name, args=args)


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize(("name", "needs", "method", "action", "data"), ROUTES, ids=ROUTE_IDS)
def test_every_route_answers_by_role(team, things, make_member, login, role, name, needs, method, action, data):
    client = login(make_member(team, role))
    url = _url(name, team.slug, things[needs] if needs else None)
    before = _state()
    response = client.post(url, data(things), **HTMX) if method == "post" else client.get(url, **HTMX)
    allowed = action in EXPECTED[role]
    assert response.status_code == (200 if allowed else 403), response.content[:400]
    if method == "post":
        assert (_state() != before) is allowed, "an allowed write changes something; a refused one nothing"


@pytest.mark.parametrize(("name", "needs", "method", "action", "data"), ROUTES, ids=ROUTE_IDS)
def test_another_teams_pages_are_404(team, other_team, make_member, login, name, needs, method, action, data):
    theirs = {
        "rule": RoutingRuleFactory(team=other_team, set_priority=1),
        "label": LabelFactory(team=other_team),
        "account": AccountFactory(team=other_team),
    }
    client = login(make_member(team, Role.MANAGER))
    url = _url(name, other_team.slug, theirs[needs] if needs else None)
    response = client.post(url, {}, **HTMX) if method == "post" else client.get(url, **HTMX)
    assert response.status_code == 404


@pytest.mark.parametrize(
    ("name", "needs", "method"), [(n, needs, m) for n, needs, m, _, _ in ROUTES if needs], ids=lambda v: str(v)
)
def test_another_teams_object_under_my_team_is_404(team, other_team, make_member, login, name, needs, method):
    theirs = {
        "rule": RoutingRuleFactory(team=other_team, set_priority=1),
        "label": LabelFactory(team=other_team),
        "account": AccountFactory(team=other_team),
    }[needs]
    client = login(make_member(team, Role.MANAGER))
    url = _url(name, team.slug, theirs)
    response = client.post(url, {}, **HTMX) if method == "post" else client.get(url, **HTMX)
    assert response.status_code == 404


@pytest.mark.parametrize(("name", "needs", "method", "action", "data"), ROUTES, ids=ROUTE_IDS)
def test_anonymous_is_sent_to_sign_in(client, team, things, name, needs, method, action, data):
    url = _url(name, team.slug, things[needs] if needs else None)
    response = client.post(url) if method == "post" else client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


# --- Routing rules ----------------------------------------------------------------------------


@pytest.fixture
def lead(team, make_member):
    return make_member(team, Role.LEAD)


def test_routing_page_reads_each_rule_as_a_sentence(team, make_member, login):
    billing = LabelFactory(team=team, name="billing")
    RoutingRuleFactory(
        team=team, name="Refunds", channel="chat", keywords="refund", set_priority=Priority.HIGH,
        add_labels=[billing], auto_assign=True,
    )  # fmt: skip
    RoutingRuleFactory(team=team, name="Paused", set_priority=Priority.LOW, is_active=False)
    html = login(make_member(team, Role.VIEWER)).get(reverse("tickets:routing", args=[team.slug])).content.decode()
    assert (
        "When channel is <strong>Chat</strong> and the title or description mentions <strong>“refund”</strong>" in html
    )
    assert 'priority <strong>High</strong>, label <span class="label-chip">' in html
    assert 'fill="#2563eb"' in html  # the label's colour, as an SVG fill (no style attribute)
    assert "billing</span>, auto-assign</p>" in html
    assert "For <strong>every</strong> new ticket" in html and "rule-off" in html
    # A viewer reads but gets no controls.
    assert "routing/new/" not in html and "/edit/" not in html and "Switch off" not in html
    # The sidebar's settings group, with this page marked.
    assert '<div class="nav-label">Settings</div>' in html
    assert f'href="{reverse("tickets:routing", args=[team.slug])}" aria-current="page"' in html


def test_routing_page_without_rules_explains_them(team, make_member, login):
    html = login(make_member(team, Role.AGENT)).get(reverse("tickets:routing", args=[team.slug])).content.decode()
    assert "No routing rules yet" in html


def test_create_rule_over_htmx_resets_the_form_and_refreshes_the_list(team, lead, login):
    billing = LabelFactory(team=team, name="billing")
    response = login(lead).post(
        reverse("tickets:routing-create", args=[team.slug]),
        {"name": "Refunds", "channel": "chat", "keywords": "refund", "set_priority": "3",
         "add_labels": [billing.pk], "assign": "auto"},
        **HTMX,
    )  # fmt: skip
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith('<details id="rule-new"') and "<html" not in html
    assert " open>" not in html.lstrip().split("\n", 1)[0], "a fresh, closed form"
    assert json.loads(response["HX-Trigger"]) == {"routing-changed": {}}
    assert 'id="messages"' in html and "Added the rule “Refunds”" in html
    rule = RoutingRule.objects.get()
    assert (rule.channel, rule.keywords, rule.set_priority, rule.auto_assign, rule.order) == (
        "chat",
        "refund",
        3,
        True,
        1,
    )
    assert list(rule.add_labels.all()) == [billing]


def test_create_rule_without_htmx_redirects_back_to_the_page(team, lead, login):
    client = login(lead)
    response = client.post(reverse("tickets:routing-create", args=[team.slug]), {"name": "Urgent", "set_priority": "4"})
    assert response.status_code == 302 and response["Location"] == reverse("tickets:routing", args=[team.slug])
    refused = client.post(reverse("tickets:routing-create", args=[team.slug]), {"name": "Nothing"})
    assert refused.status_code == 422
    assert "<html" in refused.content.decode() and NO_ACTION in refused.content.decode()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": "Does nothing", "channel": "chat"}, NO_ACTION),
        ({"name": "", "set_priority": "3"}, "This field is required."),
        ({"name": "Foreign label", "add_labels": ["{their_label}"]}, "Select a valid choice."),
        ({"name": "Not my team", "set_team": "{other_team}"}, "Select a valid choice."),
        ({"name": "Viewer", "assign": "{viewer}"}, "Select a valid choice."),
        ({"name": "Route and label", "set_team": "{shared_team}", "add_labels": ["{our_label}"]},
         "does not keep this team&#x27;s labels"),
        ({"name": "Wrong team", "set_team": "{shared_team}", "assign": "{our_agent}"},
         "cannot be assigned tickets in Shared Team"),
    ],
    ids=["no-action", "no-name", "foreign-label", "not-member-team", "viewer", "labels-and-route",
         "assignee-elsewhere"],
)  # fmt: skip
def test_invalid_rule_is_explained_and_nothing_saved(team, other_team, lead, make_member, login, data, message):
    from tests.factories import TeamFactory

    shared = TeamFactory(name="Shared Team", slug="shared")
    Membership.objects.create(user=lead, team=shared, role=Role.AGENT)
    values = {
        "their_label": LabelFactory(team=other_team).pk,
        "our_label": LabelFactory(team=team).pk,
        "other_team": other_team.pk,
        "shared_team": shared.pk,
        "viewer": make_member(team, Role.VIEWER).pk,
        "our_agent": make_member(team, Role.AGENT).pk,
    }

    def fill(v):
        return [fill(x) for x in v] if isinstance(v, list) else v.format(**values)

    response = login(lead).post(
        reverse("tickets:routing-create", args=[team.slug]), {k: fill(v) for k, v in data.items()}, **HTMX
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert message in html
    assert html.lstrip().startswith('<details id="rule-new"') and " open>" in html.lstrip().split("\n", 1)[0]
    assert not RoutingRule.objects.exists()


def test_inline_edit_gives_the_form_then_the_saved_row(team, things, lead, login):
    rule = things["rule"]
    client = login(lead)
    url = reverse("tickets:routing-edit", args=[team.slug, rule.pk])
    form = client.get(url, **HTMX)
    html = form.content.decode()
    assert html.lstrip().startswith(f'<li id="rule-{rule.pk}" class="rule editing">')
    assert 'value="Chat refunds"' in html and f'id="rule-{rule.pk}-name"' in html
    assert '<option value="chat" selected>' in html

    saved = client.post(url, {"name": "Chat refunds", "channel": "chat", "set_priority": "4", "version": 1}, **HTMX)
    assert saved.status_code == 200
    body = saved.content.decode()
    assert body.lstrip().startswith(f'<li id="rule-{rule.pk}" class="rule">')
    assert "priority <strong>Urgent</strong>" in body and "Saved the rule" in body
    rule.refresh_from_db()
    assert (rule.set_priority, rule.version) == (Priority.URGENT, 2)
    # Without HTMX the fragment endpoints lead back to the page.
    assert client.get(url)["Location"] == reverse("tickets:routing", args=[team.slug])


def test_rule_form_offers_only_my_teams_and_their_people(team, other_team, lead, make_member, login):
    from tests.factories import TeamFactory

    mine = TeamFactory(name="Mine Too", slug="mine")
    Membership.objects.create(user=lead, team=mine, role=Role.VIEWER)
    make_member(mine, Role.AGENT, first_name="Mona", last_name="Mine")
    make_member(other_team, Role.AGENT, first_name="Oscar", last_name="Other")
    manager = make_member(team, Role.MANAGER)
    Membership.objects.create(user=manager, team=other_team, role=Role.AGENT)
    rule = RoutingRuleFactory(team=team, name="To other", set_team=other_team)

    page = login(lead).get(reverse("tickets:routing", args=[team.slug])).content.decode()
    assert "Mine Too" in page and "Mona Mine (Mine Too)" in page
    assert "Other Team" not in page.split("<details", 1)[1].split("</details>", 1)[0]
    # Editing a rule that routes to a team the lead is not in keeps that target, without its people.
    form = login(lead).get(reverse("tickets:routing-edit", args=[team.slug, rule.pk]), **HTMX).content.decode()
    assert f'<option value="{other_team.pk}" selected>Other Team</option>' in form
    assert "Oscar" not in form
    saved = login(lead).post(
        reverse("tickets:routing-edit", args=[team.slug, rule.pk]),
        {"name": "To other", "set_team": other_team.pk, "kind": "bug", "version": 1},
        **HTMX,
    )
    assert saved.status_code == 200
    assert (
        "Oscar"
        in login(manager).get(reverse("tickets:routing-edit", args=[team.slug, rule.pk]), **HTMX).content.decode()
    )


def test_stale_rule_edit_shows_current_values_and_keeps_input(team, things, lead, make_member, login):
    rule = things["rule"]
    url = reverse("tickets:routing-edit", args=[team.slug, rule.pk])
    login(make_member(team, Role.MANAGER)).post(url, {"name": "Theirs", "set_priority": "1", "version": 1}, **HTMX)

    response = login(lead).post(url, {"name": "Mine", "keywords": "refund", "set_priority": "4", "version": 1}, **HTMX)
    assert response.status_code == 409
    html = response.content.decode()
    assert "Someone else changed this rule" in html
    assert "Saved now: <strong>Theirs</strong>" in html and "priority <strong>Low</strong>" in html
    assert 'value="Mine"' in html and 'value="refund"' in html  # the user's input is kept
    assert 'name="version" value="2"' in html  # the next save is based on what was shown
    rule.refresh_from_db()
    assert (rule.name, rule.set_priority) == ("Theirs", Priority.LOW)


def test_switch_off_and_on_answers_with_the_row(team, things, lead, login):
    rule = things["rule"]
    client = login(lead)
    url = reverse("tickets:routing-active", args=[team.slug, rule.pk])
    off = client.post(url, {"is_active": "0"}, **HTMX).content.decode()
    assert off.lstrip().startswith(f'<li id="rule-{rule.pk}" class="rule is-off">') and "Switch on" in off
    on = client.post(url, {"is_active": "1"}, **HTMX).content.decode()
    assert "Switch off" in on
    assert client.post(url, {"is_active": "maybe"}, **HTMX).status_code == 422


def test_move_and_delete_answer_with_the_list_in_its_new_order(team, lead, login):
    a, b, c = (RoutingRuleFactory(team=team, name=n, set_priority=1) for n in ("Alpha", "Bravo", "Charlie"))
    client = login(lead)
    moved = client.post(reverse("tickets:routing-move", args=[team.slug, c.pk]), {"direction": "up"}, **HTMX)
    html = moved.content.decode()
    assert html.lstrip().startswith('<section id="rule-list"')
    assert html.index("Alpha") < html.index("Charlie") < html.index("Bravo")
    assert (
        client.post(
            reverse("tickets:routing-move", args=[team.slug, c.pk]), {"direction": "sideways"}, **HTMX
        ).status_code
        == 422
    )

    deleted = client.post(reverse("tickets:routing-delete", args=[team.slug, a.pk]), **HTMX).content.decode()
    assert "Alpha" not in deleted.split('id="messages"')[0] and "Deleted the rule “Alpha”" in deleted
    assert list(RoutingRule.objects.order_by("order").values_list("name", "order")) == [("Charlie", 1), ("Bravo", 2)]

    # Without HTMX, a move is a plain form post that goes back to the page.
    plain = client.post(reverse("tickets:routing-move", args=[team.slug, b.pk]), {"direction": "up"})
    assert plain.status_code == 302


def test_list_pages_answer_htmx_with_their_region_and_vary_on_it(team, things, lead, login):
    client = login(lead)
    for name, region in (("routing", "rule-list"), ("labels", "label-list"), ("accounts", "account-list")):
        url = reverse(f"tickets:{name}", args=[team.slug])
        fragment = client.get(url, **HTMX)
        assert fragment.content.decode().lstrip().startswith(f'<section id="{region}"'), name
        assert "HX-Request" in fragment["Vary"]
        restore = client.get(url, HTTP_HX_HISTORY_RESTORE_REQUEST="true", **HTMX)
        assert "<html" in restore.content.decode(), "a history restore gets the whole page"


# --- Labels -----------------------------------------------------------------------------------


def test_labels_page_lists_colours_and_ticket_counts(team, things, make_member, login):
    label = things["label"]
    make_ticket(team, labels=[label])
    make_ticket(team, labels=[label], status=Status.RESOLVED)
    LabelFactory(team=team, name="unused", colour="#dc2626")
    html = login(make_member(team, Role.AGENT)).get(reverse("tickets:labels", args=[team.slug])).content.decode()
    row = html.split(f'id="label-{label.pk}"', 1)[1].split("</tr>", 1)[0]
    assert 'fill="#16a34a"' in row and "billing" in row
    assert '<td class="text-end tabular">1</td>\n  <td class="text-end tabular">2</td>' in row
    assert "New label" not in html and "label-edit" not in html  # an agent only reads


def test_create_label_and_refuse_a_name_in_use(team, things, lead, login):
    client = login(lead)
    url = reverse("tickets:label-create", args=[team.slug])
    ok = client.post(url, {"name": "  VIP ", "colour": "#AABBCC"}, **HTMX)
    assert ok.status_code == 200 and json.loads(ok["HX-Trigger"]) == {"labels-changed": {}}
    assert Label.objects.filter(team=team, name="VIP", colour="#aabbcc").exists()

    taken = client.post(url, {"name": "Billing", "colour": "#123456"}, **HTMX)
    assert taken.status_code == 422
    assert "There is already a label called “Billing” in this team." in taken.content.decode()
    bad = client.post(url, {"name": "red", "colour": "red"}, **HTMX)
    assert bad.status_code == 422 and "Use a colour like #4f46e5." in bad.content.decode()
    plain = client.post(url, {"name": "red", "colour": "red"})
    assert plain.status_code == 422 and "<html" in plain.content.decode()
    assert client.post(url, {"name": "Plain", "colour": "#000000"}).status_code == 302
    Label.objects.filter(name="Plain").delete()
    assert Label.objects.filter(team=team).count() == 2


def test_rename_recolour_inline_and_refuse_a_stale_edit(team, things, lead, make_member, login):
    label = things["label"]
    url = reverse("tickets:label-edit", args=[team.slug, label.pk])
    client = login(lead)
    form = client.get(url, **HTMX).content.decode()
    assert form.lstrip().startswith(f'<tr id="label-{label.pk}" class="label-row editing">') and 'type="color"' in form
    seen = label_fingerprint(label)

    login(make_member(team, Role.MANAGER)).post(url, {"name": "invoices", "colour": "#000000", "seen": seen}, **HTMX)
    stale = client.post(url, {"name": "payments", "colour": "#ffffff", "seen": seen}, **HTMX)
    assert stale.status_code == 409
    html = stale.content.decode()
    assert "Someone else changed this label" in html and "invoices" in html and 'value="payments"' in html
    label.refresh_from_db()
    assert (label.name, label.colour) == ("invoices", "#000000")

    again = client.post(url, {"name": "payments", "colour": "#ffffff", "seen": label_fingerprint(label)}, **HTMX)
    assert again.status_code == 200
    assert again.content.decode().lstrip().startswith(f'<tr id="label-{label.pk}" class="label-row">')
    label.refresh_from_db()
    assert label.name == "payments"


def test_rename_to_a_name_in_use_is_refused(team, things, lead, login):
    label = things["label"]
    LabelFactory(team=team, name="vip")
    response = login(lead).post(
        reverse("tickets:label-edit", args=[team.slug, label.pk]),
        {"name": "VIP", "colour": "#16a34a", "seen": label_fingerprint(label)},
        **HTMX,
    )
    assert response.status_code == 422 and "There is already a label called “VIP”" in response.content.decode()
    label.refresh_from_db()
    assert label.name == "billing"


def test_delete_label_confirms_with_its_use_then_deletes(team, things, lead, login):
    label = things["label"]
    RoutingRuleFactory(team=team, name="Tag billing", add_labels=[label])
    tickets = [make_ticket(team, labels=[label]) for _ in range(3)]
    make_ticket(team, labels=[label], status=Status.RESOLVED)
    client = login(lead)
    url = reverse("tickets:label-delete", args=[team.slug, label.pk])

    confirm = client.get(url, **HTMX).content.decode()
    assert confirm.lstrip().startswith(f'<tr id="label-{label.pk}" class="label-row confirming">')
    assert "It is on <strong>4 tickets</strong> (3 open)" in confirm and "“Tag billing”" in confirm
    assert Label.objects.filter(pk=label.pk).exists()

    deleted = client.post(url, **HTMX)
    html = deleted.content.decode()
    assert html.lstrip().startswith('<section id="label-list"')
    assert (
        "Deleted the label “billing” from 4 tickets. Switched off routing rules left with nothing to do: “Tag billing”."
        in html
    )
    assert not Label.objects.filter(pk=label.pk).exists()
    assert all(t.labels.count() == 0 for t in tickets)
    assert not RoutingRule.objects.get(name="Tag billing").is_active


# --- Accounts ---------------------------------------------------------------------------------


def test_accounts_page_shows_tier_notes_and_open_tickets(team, things, make_member, login):
    acme = things["account"]
    Account.objects.filter(pk=acme.pk).update(notes="Renewal in March")
    make_ticket(team, account=acme)
    make_ticket(team, account=acme, status=Status.WAITING)
    make_ticket(team, account=acme, status=Status.RESOLVED)
    html = login(make_member(team, Role.VIEWER)).get(reverse("tickets:accounts", args=[team.slug])).content.decode()
    row = html.split(f'id="account-{acme.pk}"', 1)[1].split("</tr>", 1)[0]
    assert "Acme" in row and "Premium" in row and "Renewal in March" in row
    assert '<td class="text-end tabular">2</td>' in row
    assert "New account" not in html and "account-edit" not in html  # a viewer only reads


def test_accounts_search_and_pages_of_fifty(team, make_member, login):
    for i in range(51):
        AccountFactory(team=team, name=f"Customer {i:02d}", tier="premium" if i % 10 == 0 else "standard")
    AccountFactory(team=team, name="Zeta", notes="Big deal with Initech")
    client = login(make_member(team, Role.AGENT))
    url = reverse("tickets:accounts", args=[team.slug])

    first = client.get(url).content.decode()
    assert first.count('class="account-row"') == 50 and "1–50 of 52" in first and "Page 1 of 2" in first
    second = client.get(url, {"page": 2}).content.decode()
    assert second.count('class="account-row"') == 2 and "Zeta" in second

    found = client.get(url, {"q": "initech"}, **HTMX).content.decode()
    assert found.lstrip().startswith('<section id="account-list"')
    assert found.count('class="account-row"') == 1 and "Zeta" in found
    premium = client.get(url, {"tier": "premium"}).content.decode()
    assert premium.count('class="account-row"') == 6
    nothing = client.get(url, {"q": "no such customer"}).content.decode()
    assert "No account matches this search." in nothing
    assert client.get(url, {"page": "x", "tier": "bogus"}).status_code == 200


def test_agent_adds_and_edits_accounts_with_unique_names(team, things, make_member, login):
    client = login(make_member(team, Role.AGENT))
    created = client.post(
        reverse("tickets:account-create", args=[team.slug]), {"name": "Globex", "tier": "enterprise"}, **HTMX
    )
    assert created.status_code == 200 and json.loads(created["HX-Trigger"]) == {"accounts-changed": {}}
    taken = client.post(reverse("tickets:account-create", args=[team.slug]), {"name": "acme", "tier": "free"}, **HTMX)
    assert taken.status_code == 422
    assert "There is already an account called “acme” in this team." in taken.content.decode()
    # A plain form post gets the whole page back, the form open with the input kept.
    plain = client.post(reverse("tickets:account-create", args=[team.slug]), {"name": "acme", "tier": "free"})
    assert plain.status_code == 422
    page = plain.content.decode()
    assert "<html" in page and 'value="acme"' in page and "There is already an account called" in page
    assert Account.objects.filter(team=team).count() == 2

    globex = Account.objects.get(name="Globex")
    url = reverse("tickets:account-edit", args=[team.slug, globex.pk])
    form = client.get(url, **HTMX).content.decode()
    assert form.lstrip().startswith(f'<tr id="account-{globex.pk}" class="account-row editing">')
    renamed = client.post(url, {"name": "ACME", "tier": "free", "seen": account_fingerprint(globex)}, **HTMX)
    assert renamed.status_code == 422 and "already an account called “ACME”" in renamed.content.decode()
    saved = client.post(
        url, {"name": "Globex Corp", "tier": "premium", "notes": "VIP", "seen": account_fingerprint(globex)}, **HTMX
    )
    assert saved.status_code == 200 and "Globex Corp" in saved.content.decode()
    globex.refresh_from_db()
    assert (globex.name, globex.tier, globex.notes) == ("Globex Corp", "premium", "VIP")


def test_stale_account_edit_is_refused_with_current_values(team, things, make_member, login):
    acme = things["account"]
    url = reverse("tickets:account-edit", args=[team.slug, acme.pk])
    seen = account_fingerprint(acme)
    login(make_member(team, Role.AGENT)).post(url, {"name": "Acme", "tier": "enterprise", "seen": seen}, **HTMX)
    response = login(make_member(team, Role.LEAD)).post(
        url, {"name": "Acme Ltd", "tier": "free", "notes": "mine", "seen": seen}, **HTMX
    )
    assert response.status_code == 409
    html = response.content.decode()
    assert "Someone else changed this account" in html and "Saved now: <strong>Acme</strong>, Enterprise" in html
    assert 'value="Acme Ltd"' in html and "mine</textarea>" in html
    acme.refresh_from_db()
    assert (acme.name, acme.tier) == ("Acme", "enterprise")


# --- Query counts -----------------------------------------------------------------------------


def _grow(team, n: int) -> None:
    for i in range(n):
        label = LabelFactory(team=team)
        account = AccountFactory(team=team)
        RoutingRuleFactory(team=team, keywords=f"word{i}", set_priority=Priority.HIGH, add_labels=[label])
        make_ticket(team, labels=[label], account=account)


# Session, user, membership, then the page's own reads; a whole page adds the team switcher, the notification
# bell's count and its forms' choices.
@pytest.mark.parametrize(
    ("name", "page_queries", "region_queries"),
    [
        ("routing", 10, 5),  # rules + their labels; form: teams, assignable people, labels
        ("labels", 6, 4),  # labels with their counts, one aggregate query
        ("accounts", 7, 5),  # count + one page of accounts with their open tickets
    ],
)
def test_list_pages_query_count_does_not_grow(
    team, lead, login, django_assert_num_queries, name, page_queries, region_queries
):
    client = login(lead)
    url = reverse(f"tickets:{name}", args=[team.slug])
    _grow(team, 2)
    client.get(url)  # warm the session
    with django_assert_num_queries(page_queries):
        assert client.get(url).status_code == 200
    with django_assert_num_queries(region_queries):
        assert client.get(url, **HTMX).status_code == 200
    _grow(team, 30)
    with django_assert_num_queries(page_queries):
        client.get(url)
    with django_assert_num_queries(region_queries):
        client.get(url, **HTMX)
