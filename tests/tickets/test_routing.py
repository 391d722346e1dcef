"""Routing of new tickets (through ``ticket_create``), auto-assign, and the services that keep the rules."""

from __future__ import annotations

import pytest

from core.errors import Invalid, StaleEdit
from teams.models import Membership, Role
from tests.factories import AccountFactory, LabelFactory, ProjectFactory, RoutingRuleFactory, make_ticket
from tickets.choices import Priority, Status, Tier
from tickets.drafts import TicketDraft
from tickets.labels import label_delete
from tickets.models import RoutingRule, Ticket
from tickets.routing import (
    NO_ACTION,
    RoutingRuleChange,
    auto_assign_pick,
    describe,
    routing_apply,
    routing_rule_create,
    routing_rule_delete,
    routing_rule_move,
    routing_rule_set_active,
    routing_rule_update,
)

pytestmark = pytest.mark.django_db


# --- Which rule applies ---------------------------------------------------------------------


def test_first_matching_active_rule_wins_and_inactive_rules_are_skipped(team):
    RoutingRuleFactory(team=team, order=1, channel="chat", set_priority=Priority.URGENT, is_active=False)
    chat_high = RoutingRuleFactory(team=team, order=2, channel="chat", set_priority=Priority.HIGH)
    RoutingRuleFactory(team=team, order=3, channel="chat", set_priority=Priority.LOW)
    RoutingRuleFactory(team=team, order=4, set_priority=Priority.LOW)

    assert make_ticket(team, route=True, channel="chat").priority == Priority.HIGH
    assert make_ticket(team, route=True, channel="email").priority == Priority.LOW  # the catch-all
    _, _, applied = routing_apply(team=team, draft=TicketDraft(title="Hi", channel="chat"))
    assert applied == chat_high


def test_rules_of_equal_order_are_tried_in_creation_order(team):
    first = RoutingRuleFactory(team=team, order=0, set_priority=Priority.HIGH)
    RoutingRuleFactory(team=team, order=0, set_priority=Priority.LOW)
    assert routing_apply(team=team, draft=TicketDraft(title="x"))[2] == first


def test_without_rules_or_without_route_the_draft_is_kept(team):
    RoutingRuleFactory(team=team, set_priority=Priority.URGENT)
    assert make_ticket(team, route=False).priority == Priority.NORMAL
    RoutingRule.objects.all().delete()
    assert make_ticket(team, route=True).priority == Priority.NORMAL


CONDITIONS = [
    # (rule condition, draft that matches, draft that does not)
    pytest.param({"channel": "chat"}, {"channel": "chat"}, {"channel": "email"}, id="channel"),
    pytest.param({"kind": "bug"}, {"kind": "bug"}, {"kind": "inquiry"}, id="kind"),
    pytest.param(
        {"priority": Priority.URGENT}, {"priority": Priority.URGENT}, {"priority": Priority.HIGH}, id="priority"
    ),
    pytest.param({"account_tier": Tier.PREMIUM}, {"account": Tier.PREMIUM}, {"account": Tier.STANDARD}, id="tier"),
    pytest.param({"account_tier": Tier.PREMIUM}, {"account": Tier.PREMIUM}, {}, id="tier-without-account"),
    pytest.param({"keywords": "refund, invoice"}, {"title": "Please REFUND my order"}, {"title": "Login"}, id="title"),
    pytest.param(
        {"keywords": " Refund ,Invoice"},
        {"title": "Billing question", "description": "Where is my invoice?"},
        {"title": "Billing question", "description": "Where is my receipt?"},
        id="description-any-case",
    ),
]


@pytest.mark.parametrize(("condition", "matching", "other"), CONDITIONS)
def test_each_condition_type(team, condition, matching, other):
    RoutingRuleFactory(team=team, set_priority=Priority.URGENT, **condition)

    def draft(fields):
        fields = dict(fields)
        if "account" in fields:
            fields["account"] = AccountFactory(team=team, tier=fields["account"])
        return make_ticket(team, route=True, **{"title": "Question", **fields})

    assert draft(matching).priority == Priority.URGENT
    assert draft(other).priority != Priority.URGENT


def test_all_conditions_of_a_rule_must_hold(team):
    RoutingRuleFactory(team=team, channel="chat", keywords="refund", set_priority=Priority.HIGH)
    assert make_ticket(team, route=True, channel="chat", title="Refund please").priority == Priority.HIGH
    assert make_ticket(team, route=True, channel="chat", title="Hello").priority == Priority.NORMAL
    assert make_ticket(team, route=True, channel="email", title="Refund please").priority == Priority.NORMAL


# --- Actions --------------------------------------------------------------------------------


def test_route_to_another_team_numbers_the_ticket_there_and_drops_the_first_teams_things(team, other_team):
    make_ticket(other_team, title="Theirs 1")
    make_ticket(other_team, title="Theirs 2")
    make_ticket(team, title="Ours 1")
    ours = LabelFactory(team=team, name="billing")
    project = ProjectFactory(team=team)
    same_name = AccountFactory(team=other_team, name="Acme")
    RoutingRuleFactory(team=team, keywords="api", set_team=other_team, set_priority=Priority.HIGH)

    ticket = make_ticket(
        team, route=True, title="API returns 500", labels=[ours], project=project,
        account=AccountFactory(team=team, name="Acme"),
    )  # fmt: skip
    assert ticket.team == other_team
    assert ticket.number == 3, "numbered in the team it landed in"
    assert ticket.key == "OTHER-3"
    assert ticket.priority == Priority.HIGH
    assert list(ticket.labels.all()) == [], "the first team's labels are dropped"
    assert ticket.project is None
    assert ticket.account == same_name, "the target team's account of the same name"
    # The first team's sequence is untouched.
    assert make_ticket(team, title="Ours 2").number == 2
    # No account of that name there: none rather than the first team's.
    lost = make_ticket(team, route=True, title="api", account=AccountFactory(team=team, name="Only ours"))
    assert lost.account is None


def test_route_away_drops_an_assignee_who_cannot_work_there(team, other_team, make_member):
    both = make_member(team, Role.AGENT)
    Membership.objects.create(user=both, team=other_team, role=Role.AGENT)
    only_ours = make_member(team, Role.AGENT)
    RoutingRuleFactory(team=team, set_team=other_team)
    assert make_ticket(team, route=True, assignee=both).assignee == both
    assert make_ticket(team, route=True, assignee=only_ours).assignee is None


def test_add_labels_merges_with_the_drafts_labels(team):
    vip, billing = LabelFactory(team=team, name="vip"), LabelFactory(team=team, name="billing")
    RoutingRuleFactory(team=team, add_labels=[billing, vip])
    ticket = make_ticket(team, route=True, labels=[vip])
    assert sorted(ticket.labels.values_list("name", flat=True)) == ["billing", "vip"]


def test_set_assignee_only_while_they_can_work_tickets_in_the_team(team, make_member, membership_of):
    agent = make_member(team, Role.AGENT)
    RoutingRuleFactory(team=team, set_assignee=agent)
    assert make_ticket(team, route=True).assignee == agent

    membership = membership_of(agent, team)
    membership.role = Role.VIEWER
    membership.save()
    assert make_ticket(team, route=True).assignee is None, "a viewer is never given tickets"
    membership.delete()
    assert make_ticket(team, route=True).assignee is None, "nor someone who left"


# --- Auto-assign ----------------------------------------------------------------------------


@pytest.fixture
def auto_rule(team):
    return RoutingRuleFactory(team=team, auto_assign=True)


def _open(team, user, n, **fields):
    for i in range(n):
        make_ticket(team, title=f"Work {i}", assignee=user, **fields)


def test_auto_assign_picks_the_agent_with_fewest_open_tickets(team, other_team, make_member, auto_rule):
    busy, lighter = make_member(team, Role.AGENT), make_member(team, Role.AGENT)
    _open(team, busy, 2)
    _open(team, lighter, 1)
    _open(team, lighter, 3, status=Status.RESOLVED)  # resolved work does not count
    assert make_ticket(team, route=True).assignee == lighter

    fresh = make_member(team, Role.LEAD)  # leads take tickets too
    Membership.objects.create(user=fresh, team=other_team, role=Role.AGENT)
    _open(other_team, fresh, 4)  # another team's tickets do not count here
    assert make_ticket(team, route=True).assignee == fresh


def test_auto_assign_skips_an_agent_whose_capacity_is_used_up(team, make_member, membership_of, auto_rule):
    full, roomy = make_member(team, Role.AGENT), make_member(team, Role.AGENT)
    Membership.objects.filter(user=full, team=team).update(capacity=8)
    _open(team, full, 1, story_points=5)  # 3 points left, one ticket open
    _open(team, roomy, 2)  # two tickets open, plenty of room
    assert make_ticket(team, route=True, story_points=3).assignee == full, "3 points still fit"
    assert make_ticket(team, route=True, story_points=4).assignee == roomy, "4 do not"

    Membership.objects.filter(user=full, team=team).update(capacity=5)
    assert auto_assign_pick(team=team) == roomy, "no capacity left at all"


def test_auto_assign_skips_an_agent_at_the_boards_wip_limit(team, board, make_member, auto_rule):
    board.wip_per_agent = 1
    board.save()
    working, queued = make_member(team, Role.AGENT), make_member(team, Role.AGENT)
    _open(team, working, 1, status=Status.IN_PROGRESS)
    _open(team, queued, 2)
    assert make_ticket(team, route=True).assignee == queued

    board.wip_per_agent = 2
    board.save()
    assert auto_assign_pick(team=team) == working


def test_auto_assign_never_picks_viewers_or_managers(team, make_member, auto_rule):
    make_member(team, Role.VIEWER)
    make_member(team, Role.MANAGER)
    assert make_ticket(team, route=True).assignee is None, "nobody eligible: unassigned"
    agent = make_member(team, Role.AGENT)
    _open(team, agent, 3)
    assert make_ticket(team, route=True).assignee == agent


def test_auto_assign_with_nobody_eligible_leaves_the_ticket_unassigned(team, board, make_member, auto_rule):
    board.wip_per_agent = 1
    board.save()
    agent = make_member(team, Role.AGENT)
    _open(team, agent, 1, status=Status.IN_PROGRESS)
    ticket = make_ticket(team, route=True)
    assert ticket.assignee is None
    assert Ticket.objects.get(pk=ticket.pk).assignee_id is None


def test_route_and_auto_assign_picks_in_the_target_team(team, other_team, make_member):
    make_member(team, Role.AGENT)
    theirs = make_member(other_team, Role.AGENT)
    RoutingRuleFactory(team=team, set_team=other_team, auto_assign=True)
    assert make_ticket(team, route=True).assignee == theirs


# --- Keeping the rules ----------------------------------------------------------------------


@pytest.fixture
def lead(team, make_member):
    return make_member(team, Role.LEAD)


def test_create_appends_normalises_keywords_and_reads_as_a_sentence(team, lead):
    billing = LabelFactory(team=team, name="billing")
    first = routing_rule_create(team=team, by=lead, change=RoutingRuleChange(name="VIP", set_priority=Priority.URGENT))
    rule = routing_rule_create(
        team=team, by=lead,
        change=RoutingRuleChange(
            name=" Refunds ", channel="chat", keywords="refund, , Refund", set_priority=Priority.HIGH,
            add_labels=[billing], auto_assign=True,
        ),
    )  # fmt: skip
    assert (first.order, rule.order) == (1, 2)
    assert (rule.name, rule.keywords, rule.is_active, rule.version) == ("Refunds", "refund", True, 1)
    expected = "When channel is Chat and the title or description mentions “refund” → priority High, label billing, "
    assert str(describe(rule)) == expected + "auto-assign"
    assert str(describe(first)) == "For every new ticket → priority Urgent"


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        (lambda t, o, u: RoutingRuleChange(name="Nothing", channel="chat"), None, NO_ACTION),
        (lambda t, o, u: RoutingRuleChange(name="Same team", set_team=t), None, NO_ACTION),
        (lambda t, o, u: RoutingRuleChange(name="", set_priority=3), "name", "Give the rule a name."),
        (
            lambda t, o, u: RoutingRuleChange(name="x", add_labels=[LabelFactory(team=o, name="theirs")]),
            "add_labels",
            "Only this team's labels",
        ),
        (
            lambda t, o, u: RoutingRuleChange(name="x", set_team=o, add_labels=[LabelFactory(team=t)]),
            "add_labels",
            "does not keep this team's labels",
        ),
        (lambda t, o, u: RoutingRuleChange(name="x", set_team=o), "set_team", "a team you are a member of"),
        (
            lambda t, o, u: RoutingRuleChange(name="x", set_assignee=u["agent"], auto_assign=True),
            "set_assignee",
            "not both",
        ),
        (lambda t, o, u: RoutingRuleChange(name="x", set_assignee=u["viewer"]), "set_assignee", "cannot be assigned"),
        (lambda t, o, u: RoutingRuleChange(name="x", set_assignee=u["outsider"]), "set_assignee", "cannot be assigned"),
    ],
    ids=[
        "no-action",
        "own-team-is-no-action",
        "no-name",
        "foreign-label",
        "labels-and-route",
        "not-a-member",
        "assignee-and-auto",
        "viewer",
        "outsider",
    ],
)
def test_create_refuses_invalid_rules_and_saves_nothing(team, other_team, lead, make_member, change, field, message):
    people = {
        "agent": make_member(team, Role.AGENT),
        "viewer": make_member(team, Role.VIEWER),
        "outsider": make_member(other_team, Role.AGENT),
    }
    with pytest.raises(Invalid) as refused:
        routing_rule_create(team=team, by=lead, change=change(team, other_team, people))
    assert message in refused.value.errors[field]
    assert not RoutingRule.objects.exists()


def test_assignee_must_work_in_the_team_the_ticket_lands_in(team, other_team, lead, make_member):
    Membership.objects.create(user=lead, team=other_team, role=Role.VIEWER)
    ours = make_member(team, Role.AGENT)
    theirs = make_member(other_team, Role.AGENT)
    with pytest.raises(Invalid, match="cannot be assigned tickets in Other Team"):
        routing_rule_create(
            team=team, by=lead, change=RoutingRuleChange(name="x", set_team=other_team, set_assignee=ours)
        )
    rule = routing_rule_create(
        team=team, by=lead, change=RoutingRuleChange(name="x", set_team=other_team, set_assignee=theirs)
    )
    assert (rule.set_team, rule.set_assignee) == (other_team, theirs)
    assert make_ticket(team, route=True).assignee == theirs


def test_update_refuses_a_stale_version_and_keeps_an_unchanged_route(team, other_team, lead, make_member):
    manager = make_member(team, Role.MANAGER)
    Membership.objects.create(user=manager, team=other_team, role=Role.AGENT)
    rule = routing_rule_create(team=team, by=manager, change=RoutingRuleChange(name="API", set_team=other_team))
    # The lead is not in the other team, but may edit the rule while keeping its target.
    updated = routing_rule_update(
        rule=rule, by=lead, expected_version=1,
        change=RoutingRuleChange(name="API bugs", kind="bug", set_team=other_team),
    )  # fmt: skip
    assert (updated.name, updated.kind, updated.version) == ("API bugs", "bug", 2)
    with pytest.raises(StaleEdit) as stale:
        routing_rule_update(
            rule=rule, by=lead, expected_version=1, change=RoutingRuleChange(name="Lost", set_priority=1)
        )
    assert stale.value.current.name == "API bugs"
    assert RoutingRule.objects.get(pk=rule.pk).name == "API bugs"


def test_move_swaps_neighbours_and_numbers_the_rules(team):
    a, b, c = (RoutingRuleFactory(team=team, order=0, name=n, set_priority=1) for n in "ABC")

    def names():
        return list(RoutingRule.objects.filter(team=team).order_by("order", "id").values_list("name", flat=True))

    routing_rule_move(rule=c, direction="up")
    assert names() == ["A", "C", "B"]
    assert list(RoutingRule.objects.order_by("order").values_list("order", flat=True)) == [1, 2, 3]
    routing_rule_move(rule=a, direction="up")  # already first
    routing_rule_move(rule=b, direction="down")  # already last
    assert names() == ["A", "C", "B"]
    routing_rule_move(rule=a, direction="down")
    assert names() == ["C", "A", "B"]
    routing_rule_delete(rule=c)
    assert list(RoutingRule.objects.order_by("order").values_list("name", "order")) == [("A", 1), ("B", 2)]


def test_switching_off_and_on(team):
    rule = RoutingRuleFactory(team=team, set_priority=Priority.HIGH)
    assert routing_rule_set_active(rule=rule, is_active=False).is_active is False
    assert routing_rule_set_active(rule=rule, is_active=False).is_active is False  # repeated: harmless
    assert make_ticket(team, route=True).priority == Priority.NORMAL
    assert routing_rule_set_active(rule=rule, is_active=True).is_active is True
    assert RoutingRule.objects.get(pk=rule.pk).version == 1, "not a content edit"


def test_deleting_a_rules_only_label_switches_the_rule_off(team):
    only, other = LabelFactory(team=team, name="only"), LabelFactory(team=team, name="other")
    lonely = RoutingRuleFactory(team=team, name="Lonely", add_labels=[only])
    shared = RoutingRuleFactory(team=team, name="Shared", add_labels=[only, other])
    busy = RoutingRuleFactory(team=team, name="Busy", add_labels=[only], set_priority=Priority.HIGH)
    ticket = make_ticket(team, labels=[only, other])

    deleted = label_delete(label=only)
    assert (deleted.name, deleted.tickets, deleted.rules_switched_off) == ("only", 1, ["Lonely"])
    assert [r.is_active for r in RoutingRule.objects.filter(pk__in=[lonely.pk, shared.pk, busy.pk]).order_by("pk")] == [
        False,
        True,
        True,
    ]
    assert list(ticket.labels.values_list("name", flat=True)) == ["other"]
    with pytest.raises(Invalid, match="no action left"):
        routing_rule_set_active(rule=lonely, is_active=True)
