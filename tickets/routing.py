"""Routing rules: how a new ticket is routed, and the writes that keep a team's rules.

On creation the first active rule of the team (by order) whose conditions all
match applies (:func:`routing_apply`). Leads and managers keep the rules with
the ``routing_rule_*`` services; every rule they save is checked first, so a
rule that could do nothing, or something it may not, is refused with a
message per field (:class:`tickets.errors.Invalid`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from django.db import transaction
from django.db.models import Count, Q, Sum
from django.db.models.functions import Coalesce

from core.errors import Invalid
from core.ordered import lock_team_order, next_place, ordered_delete, ordered_move, ordered_set_active
from core.stale import lock_if_current
from teams.models import Membership, Role, Team, User
from teams.permissions import ROLE_ACTIONS, Action
from tickets.choices import ACTIVE_STATUSES, OPEN_STATUSES, Channel, Kind, Priority, Tier
from tickets.drafts import TicketDraft
from tickets.models import Account, Board, Label, RoutingRule

# Who may be given tickets: the roles that may work them.
WORKING_ROLES = tuple(role for role, actions in ROLE_ACTIONS.items() if Action.WORK_TICKETS in actions)
# Who auto-assign picks from: the people who work the queue day to day (not managers).
AUTO_ASSIGN_ROLES = (Role.AGENT, Role.LEAD)


# --- Applying rules to a new ticket ---------------------------------------------------------


def keyword_list(keywords: str) -> list[str]:
    """The keywords of a rule: comma-separated, trimmed, without repeats (case-insensitive)."""
    found: dict[str, str] = {}
    for part in keywords.split(","):
        word = part.strip()
        if word and word.lower() not in found:
            found[word.lower()] = word
    return list(found.values())


def rule_matches(rule: RoutingRule, draft: TicketDraft) -> bool:
    """Whether every condition the rule sets holds for the draft; empty conditions match anything."""
    if rule.channel and rule.channel != draft.channel:
        return False
    if rule.kind and rule.kind != draft.kind:
        return False
    if rule.priority and rule.priority != draft.priority:
        return False
    if rule.account_tier and (draft.account is None or draft.account.tier != rule.account_tier):
        return False
    keywords = [k.lower() for k in keyword_list(rule.keywords)]
    if keywords:
        text = f"{draft.title}\n{draft.description}".lower()
        if not any(k in text for k in keywords):
            return False
    return True


def _may_work_in(team: Team, user_id: int) -> bool:
    return Membership.objects.filter(team=team, user_id=user_id, role__in=WORKING_ROLES).exists()


def routing_apply(*, team: Team, draft: TicketDraft) -> tuple[Team, TicketDraft, RoutingRule | None]:
    """Apply the first matching active rule of ``team``; return the (possibly new) team and draft.

    A rule routing to another team drops what belongs to the first team: its
    labels, project and account (the target team's account of the same name
    is used when there is one), and an assignee who cannot work tickets
    there. A fixed assignee who has since left the landing team (or can no
    longer work tickets in it) is skipped, so the ticket stays unassigned
    rather than going to someone who cannot see it.
    """
    rules = RoutingRule.objects.filter(team=team, is_active=True).select_related("set_team").order_by("order", "id")
    for rule in rules:
        if not rule_matches(rule, draft):
            continue
        target = team
        if rule.set_team is not None and rule.set_team.pk != team.pk:
            target = rule.set_team
            draft.labels = []
            draft.project = None
            if draft.account is not None:
                draft.account = Account.objects.filter(team=target, name=draft.account.name).first()
            if draft.assignee is not None and not _may_work_in(target, draft.assignee.pk):
                draft.assignee = None
        if rule.set_priority:
            draft.priority = rule.set_priority
        if target == team:
            draft.labels = list({lbl.pk: lbl for lbl in [*draft.labels, *rule.add_labels.all()]}.values())
        if rule.set_assignee_id:
            if _may_work_in(target, rule.set_assignee_id):
                draft.assignee = rule.set_assignee
        elif rule.auto_assign:
            draft.assignee = auto_assign_pick(team=target, story_points=draft.story_points)
        return target, draft, rule
    return team, draft, None


def auto_assign_pick(*, team: Team, story_points: int | None = None) -> User | None:
    """The agent or lead with the fewest open tickets who has capacity left and is under the WIP limit.

    Capacity left: sprint capacity minus the story points of their open
    tickets in this team, at least the new ticket's points (or 1). WIP: their
    in-progress tickets stay below the board's per-agent limit, when set.
    Viewers and managers are never picked. Nobody eligible: ``None``.
    """
    board = Board.objects.filter(team=team, project__isnull=True).first()
    in_team_open = Q(user__assigned_tickets__team=team, user__assigned_tickets__status__in=OPEN_STATUSES)
    in_team_active = Q(user__assigned_tickets__team=team, user__assigned_tickets__status__in=ACTIVE_STATUSES)
    candidates = (
        Membership.objects.filter(team=team, role__in=AUTO_ASSIGN_ROLES)
        .annotate(
            open_count=Count("user__assigned_tickets", filter=in_team_open),
            active_count=Count("user__assigned_tickets", filter=in_team_active),
            open_points=Coalesce(Sum("user__assigned_tickets__story_points", filter=in_team_open), 0),
        )
        .select_related("user")
        .order_by("open_count", "open_points", "user_id")
    )
    need = story_points or 1
    for m in candidates:
        if m.capacity - m.open_points < need:
            continue
        if board and board.wip_per_agent is not None and m.active_count >= board.wip_per_agent:
            continue
        return m.user
    return None


# --- Reading rules ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Phrase:
    """One condition or action of a rule: fixed words, then the value the rule sets."""

    words: str
    value: str = ""
    labels: tuple[Label, ...] = ()

    def __str__(self) -> str:
        return f"{self.words} {self.value}".strip()


@dataclass(frozen=True)
class Sentence:
    """A rule as people read it: "When channel is Chat and … → priority High, auto-assign"."""

    conditions: list[Phrase] = field(default_factory=list)
    actions: list[Phrase] = field(default_factory=list)

    def __str__(self) -> str:
        when = "When " + " and ".join(map(str, self.conditions)) if self.conditions else "For every new ticket"
        then = ", ".join(map(str, self.actions)) or "nothing"
        return f"{when} → {then}"


def describe(rule: RoutingRule) -> Sentence:
    """The rule's conditions and actions as phrases (uses the related rows ``RoutingRule.objects.in_order`` loads)."""
    conditions: list[Phrase] = []
    if rule.channel:
        conditions.append(Phrase("channel is", str(Channel(rule.channel).label)))
    if rule.kind:
        conditions.append(Phrase("kind is", str(Kind(rule.kind).label)))
    if rule.priority:
        conditions.append(Phrase("priority is", str(Priority(rule.priority).label)))
    if rule.account_tier:
        conditions.append(Phrase("the account tier is", str(Tier(rule.account_tier).label)))
    keywords = keyword_list(rule.keywords)
    if keywords:
        quoted = " or ".join(f"“{k}”" for k in keywords)
        conditions.append(Phrase("the title or description mentions", quoted))
    actions: list[Phrase] = []
    if rule.set_team is not None and rule.set_team.pk != rule.team_id:
        actions.append(Phrase("route to", rule.set_team.name))
    if rule.set_priority:
        actions.append(Phrase("priority", str(Priority(rule.set_priority).label)))
    labels = tuple(rule.add_labels.all())
    if labels:
        names = ", ".join(lbl.name for lbl in labels)
        actions.append(Phrase("label" if len(labels) == 1 else "labels", names, labels))
    if rule.set_assignee is not None:
        actions.append(Phrase("assign to", rule.set_assignee.display_name))
    elif rule.auto_assign:
        actions.append(Phrase("auto-assign"))
    return Sentence(conditions, actions)


# --- Writing rules ---------------------------------------------------------------------------


@dataclass(frozen=True)
class RoutingRuleChange:
    """What a rule form submits: its name, conditions and actions (empty: any / keep)."""

    name: str
    channel: str = ""
    kind: str = ""
    priority: int | None = None
    account_tier: str = ""
    keywords: str = ""
    set_team: Team | None = None
    set_priority: int | None = None
    add_labels: Sequence[Label] = ()
    set_assignee: User | None = None
    auto_assign: bool = False


NO_ACTION = "A rule needs at least one action: route to another team, set a priority, add labels or assign someone."


def _has_action(*, team_id: int, set_team_id: int | None, set_priority: int | None, has_labels: bool,
                set_assignee_id: int | None, auto_assign: bool) -> bool:  # fmt: skip
    routes = set_team_id is not None and set_team_id != team_id
    return bool(routes or set_priority or has_labels or set_assignee_id or auto_assign)


def _check(*, team: Team, by: User, change: RoutingRuleChange, current: RoutingRule | None) -> None:
    """Refuse a rule that could do nothing, or something the editor or the rule may not."""
    errors: dict[str | None, str] = {}
    target = change.set_team if change.set_team is not None else team
    if not change.name.strip():
        errors["name"] = "Give the rule a name."
    if not _has_action(
        team_id=team.pk,
        set_team_id=change.set_team.pk if change.set_team else None,
        set_priority=change.set_priority,
        has_labels=bool(change.add_labels),
        set_assignee_id=change.set_assignee.pk if change.set_assignee else None,
        auto_assign=change.auto_assign,
    ):
        errors[None] = NO_ACTION
    if change.set_team is not None and change.set_team.pk != team.pk:
        unchanged = current is not None and current.set_team_id == change.set_team.pk
        if not unchanged and not Membership.objects.filter(team=change.set_team, user=by).exists():
            errors["set_team"] = "You can only route tickets to a team you are a member of."
    foreign = [lbl.name for lbl in change.add_labels if lbl.team_id != team.pk]
    if foreign:
        errors["add_labels"] = f"Only this team's labels can be added ({', '.join(foreign)} is not)."
    elif change.add_labels and target.pk != team.pk:
        errors["add_labels"] = (
            "A ticket routed to another team does not keep this team's labels: remove the labels or the routing."
        )
    if change.set_assignee is not None and change.auto_assign:
        errors["set_assignee"] = "Choose a fixed assignee or auto-assign, not both."
    elif change.set_assignee is not None and not _may_work_in(target, change.set_assignee.pk):
        errors["set_assignee"] = (
            f"{change.set_assignee.display_name} cannot be assigned tickets in {target.name}: "
            "only its agents, leads and managers can."
        )
    if errors:
        raise Invalid(errors)


def _write(rule: RoutingRule, change: RoutingRuleChange) -> None:
    rule.name = change.name.strip()
    rule.channel = change.channel
    rule.kind = change.kind
    rule.priority = change.priority
    rule.account_tier = change.account_tier
    rule.keywords = ", ".join(keyword_list(change.keywords))
    rule.set_team = change.set_team if change.set_team is not None and change.set_team.pk != rule.team_id else None
    rule.set_priority = change.set_priority
    rule.set_assignee = change.set_assignee
    rule.auto_assign = change.auto_assign


@transaction.atomic
def routing_rule_create(*, team: Team, by: User, change: RoutingRuleChange) -> RoutingRule:
    """Add an active rule after the team's last one.

    Raises :class:`Invalid` when the rule has no action, names labels of
    another team (or labels and a routing away), routes to a team ``by`` is
    not in, or assigns someone who cannot work tickets where the ticket lands.
    """
    _check(team=team, by=by, change=change, current=None)
    lock_team_order(RoutingRule, team.pk)
    rule = RoutingRule(team=team, order=next_place(RoutingRule, team.pk), is_active=True)
    _write(rule, change)
    rule.save()
    rule.add_labels.set(change.add_labels)
    return RoutingRule.objects.in_order(team).get(pk=rule.pk)


@transaction.atomic
def routing_rule_update(
    *, rule: RoutingRule, by: User, expected_version: int, change: RoutingRuleChange
) -> RoutingRule:
    """Change a rule's name, conditions and actions.

    A write based on an old version raises :class:`StaleEdit` carrying the
    current rule; an invalid rule raises :class:`Invalid` (see create). A
    routing target that is kept unchanged stays allowed even when ``by`` is
    not a member of that team.
    """
    locked = lock_if_current(
        RoutingRule.objects.select_related("team"), pk=rule.pk, seen=expected_version,
        current=lambda row: RoutingRule.objects.in_order(row.team).get(pk=row.pk),
    )  # fmt: skip
    _check(team=locked.team, by=by, change=change, current=locked)
    _write(locked, change)
    locked.version += 1
    locked.save()
    locked.add_labels.set(change.add_labels)
    return RoutingRule.objects.in_order(locked.team).get(pk=rule.pk)


@transaction.atomic
def routing_rule_set_active(*, rule: RoutingRule, is_active: bool) -> RoutingRule:
    """Switch a rule on or off; the caller says which state it wants, so a repeated click is harmless.

    A rule left without any action (its only label deleted, say) cannot be
    switched on until it is edited: active, it would stop every later rule.
    """
    locked = RoutingRule.objects.select_for_update().get(pk=rule.pk)
    if is_active and not locked.is_active:
        has_labels = locked.add_labels.exists()
        if not _has_action(
            team_id=locked.team_id,
            set_team_id=locked.set_team_id,
            set_priority=locked.set_priority,
            has_labels=has_labels,
            set_assignee_id=locked.set_assignee_id,
            auto_assign=locked.auto_assign,
        ):
            raise Invalid({None: "This rule has no action left: edit it before switching it on."})
    # Not a content edit: an open edit form of the rule stays valid.
    ordered_set_active(RoutingRule, pk=rule.pk, is_active=is_active)
    return RoutingRule.objects.in_order(rule.team).get(pk=rule.pk)


@transaction.atomic
def routing_rule_delete(*, rule: RoutingRule) -> None:
    """Delete a rule; the rules after it move up one place."""
    ordered_delete(RoutingRule, team_id=rule.team_id, pk=rule.pk)


@transaction.atomic
def routing_rule_move(*, rule: RoutingRule, direction: Literal["up", "down"]) -> None:
    """Swap a rule with its neighbour above or below; the team's rules are numbered 1..n after.

    Moving the first rule up or the last one down changes nothing.
    """
    ordered_move(RoutingRule, team_id=rule.team_id, pk=rule.pk, direction=direction)
