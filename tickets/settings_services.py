"""Labels and customer accounts of a team: their read paths and every write to them.

Neither table has a version column, so an edit carries a fingerprint of the
values the form showed (:func:`fingerprint`); the write compares it with the
locked row and refuses a stale edit with :class:`StaleEdit`, as versioned
rows do.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce, Lower

from core.errors import Invalid, StaleEdit
from teams.models import Team
from tickets.choices import OPEN_STATUSES, Tier
from tickets.feedback import feedback_rescore
from tickets.models import Account, Label, RoutingRule, Ticket

ACCOUNTS_PER_PAGE = 50


def fingerprint(*values: object) -> str:
    """A short digest of the values an edit form was opened with."""
    return hashlib.sha256(repr(values).encode()).hexdigest()[:16]


# --- Labels ----------------------------------------------------------------------------------


def labels_of(team: Team) -> QuerySet[Label]:
    """The team's labels by name (any case) with how many tickets carry each (``ticket_count``, ``open_count``)."""
    return (
        Label.objects.filter(team=team)
        .annotate(
            ticket_count=Count("tickets"),
            open_count=Count("tickets", filter=Q(tickets__status__in=OPEN_STATUSES)),
        )
        .order_by(Lower("name"), "id")
    )


def label_fingerprint(label: Label) -> str:
    return fingerprint(label.name, label.colour)


def _label_name_free(team: Team, name: str, exclude_pk: int | None = None) -> None:
    others = Label.objects.filter(team=team, name__iexact=name)
    if exclude_pk is not None:
        others = others.exclude(pk=exclude_pk)
    if others.exists():
        raise Invalid({"name": f"There is already a label called “{name}” in this team."})


def _label_values(name: str, colour: str) -> tuple[str, str]:
    name = name.strip()
    if not name:
        raise Invalid({"name": "Give the label a name."})
    return name, colour.lower()


@transaction.atomic
def label_create(*, team: Team, name: str, colour: str) -> Label:
    """Add a label. A name the team already uses (in any letter case) raises :class:`Invalid`."""
    name, colour = _label_values(name, colour)
    _label_name_free(team, name)
    try:
        with transaction.atomic():
            label = Label.objects.create(team=team, name=name, colour=colour)
    except IntegrityError:
        # Someone created the same name a moment ago.
        raise Invalid({"name": f"There is already a label called “{name}” in this team."}) from None
    return labels_of(team).get(pk=label.pk)


@transaction.atomic
def label_update(*, label: Label, seen: str, name: str, colour: str) -> Label:
    """Rename or recolour a label.

    ``seen`` is :func:`label_fingerprint` of the label as the form showed it;
    when the label changed since, :class:`StaleEdit` carries the current one.
    """
    locked = Label.objects.select_for_update().select_related("team").get(pk=label.pk)
    if label_fingerprint(locked) != seen:
        raise StaleEdit(current=labels_of(locked.team).get(pk=label.pk))
    name, colour = _label_values(name, colour)
    _label_name_free(locked.team, name, exclude_pk=locked.pk)
    locked.name, locked.colour = name, colour
    try:
        with transaction.atomic():
            locked.save(update_fields=["name", "colour"])
    except IntegrityError:
        raise Invalid({"name": f"There is already a label called “{name}” in this team."}) from None
    return labels_of(locked.team).get(pk=label.pk)


@dataclass(frozen=True)
class LabelUsage:
    tickets: int
    open_tickets: int
    rules: list[str]


def label_usage(label: Label) -> LabelUsage:
    """What deleting a label touches: the tickets that carry it and the routing rules that add it."""
    # Aliases unlike the relation's name, which the filter refers to.
    counts = Label.objects.filter(pk=label.pk).aggregate(
        all_n=Count("tickets"), open_n=Count("tickets", filter=Q(tickets__status__in=OPEN_STATUSES))
    )
    rules = list(RoutingRule.objects.filter(add_labels=label).order_by("order", "id").values_list("name", flat=True))
    return LabelUsage(tickets=counts["all_n"], open_tickets=counts["open_n"], rules=rules)


@dataclass(frozen=True)
class LabelDeleted:
    name: str
    tickets: int
    rules_switched_off: list[str]


@transaction.atomic
def label_delete(*, label: Label) -> LabelDeleted:
    """Delete a label: tickets lose it and keep everything else; rules stop adding it.

    An active rule whose only action was adding this label is switched off:
    left active with nothing to do, it would still win and stop every later
    rule from applying.
    """
    usage = label_usage(label)
    # Counted over all of a rule's labels: filtering on the label first would count only that one.
    only_action = (
        RoutingRule.objects.filter(pk__in=RoutingRule.objects.filter(add_labels=label).values("pk"))
        .filter(Q(set_team__isnull=True) | Q(set_team=label.team_id), is_active=True, set_priority__isnull=True)
        .filter(set_assignee__isnull=True, auto_assign=False)
        .annotate(label_count=Count("add_labels"))
        .filter(label_count=1)
        .order_by("order", "id")
    )
    switched_off = dict(only_action.values_list("pk", "name"))
    RoutingRule.objects.filter(pk__in=list(switched_off)).update(is_active=False)
    name = label.name
    label.delete()
    return LabelDeleted(name=name, tickets=usage.tickets, rules_switched_off=list(switched_off.values()))


# --- Accounts --------------------------------------------------------------------------------


def accounts_of(team: Team, *, text: str = "", tier: str = "") -> QuerySet[Account]:
    """The team's customer accounts with their open tickets (``open_count``), found by name or notes."""
    # A correlated count rather than a join: the pager's COUNT(*) then leaves it out.
    open_tickets = (
        Ticket.objects.filter(account=OuterRef("pk"), team=team, status__in=OPEN_STATUSES)
        .order_by()
        .values("account")
        .annotate(n=Count("pk"))
        .values("n")
    )
    accounts = Account.objects.filter(team=team).annotate(open_count=Coalesce(Subquery(open_tickets), 0))
    text = text.strip()
    if text:
        accounts = accounts.filter(Q(name__icontains=text) | Q(notes__icontains=text))
    if tier:
        accounts = accounts.filter(tier=tier)
    return accounts.order_by("name", "id")


def account_fingerprint(account: Account) -> str:
    return fingerprint(account.name, account.tier, account.notes)


def _account_values(name: str, tier: str, notes: str) -> tuple[str, str, str]:
    name = name.strip()
    if not name:
        raise Invalid({"name": "Give the account a name."})
    if tier not in Tier.values:
        raise Invalid({"tier": "Choose one of the tiers."})
    return name, tier, notes.strip()


def _account_name_free(team: Team, name: str, exclude_pk: int | None = None) -> None:
    others = Account.objects.filter(team=team, name__iexact=name)
    if exclude_pk is not None:
        others = others.exclude(pk=exclude_pk)
    if others.exists():
        raise Invalid({"name": f"There is already an account called “{name}” in this team."})


@transaction.atomic
def account_create(*, team: Team, name: str, tier: str, notes: str = "") -> Account:
    """Add a customer account. A name the team already uses (in any letter case) raises :class:`Invalid`."""
    name, tier, notes = _account_values(name, tier, notes)
    _account_name_free(team, name)
    try:
        with transaction.atomic():
            account = Account.objects.create(team=team, name=name, tier=tier, notes=notes)
    except IntegrityError:
        raise Invalid({"name": f"There is already an account called “{name}” in this team."}) from None
    return accounts_of(team).get(pk=account.pk)


@transaction.atomic
def account_update(*, account: Account, seen: str, name: str, tier: str, notes: str) -> Account:
    """Change an account's name, tier or notes.

    ``seen`` is :func:`account_fingerprint` of the account as the form showed
    it; when the account changed since, :class:`StaleEdit` carries the
    current one.
    """
    locked = Account.objects.select_for_update().select_related("team").get(pk=account.pk)
    if account_fingerprint(locked) != seen:
        raise StaleEdit(current=accounts_of(locked.team).get(pk=account.pk))
    name, tier, notes = _account_values(name, tier, notes)
    _account_name_free(locked.team, name, exclude_pk=locked.pk)
    tier_changed = tier != locked.tier
    locked.name, locked.tier, locked.notes = name, tier, notes
    try:
        with transaction.atomic():
            locked.save(update_fields=["name", "tier", "notes"])
    except IntegrityError:
        raise Invalid({"name": f"There is already an account called “{name}” in this team."}) from None
    if tier_changed:
        # The tier counts in the impact score of the account's feedback.
        feedback_rescore(items=list(locked.feedback_items.values_list("pk", flat=True)))
    return accounts_of(locked.team).get(pk=account.pk)
