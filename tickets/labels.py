"""A team's labels: every write to them (reads: ``Label.objects.for_settings``).

The table has no version column, so an edit carries a fingerprint of the
values the form showed; the write compares it with the locked row and
refuses a stale edit as versioned rows do (:func:`core.stale.lock_if_current`).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Count, Q

from core.errors import Invalid
from core.stale import fingerprint, lock_if_current
from teams.models import Team
from tickets.choices import OPEN_STATUSES
from tickets.models import Label, RoutingRule


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
    return Label.objects.for_settings(team).get(pk=label.pk)


@transaction.atomic
def label_update(*, label: Label, seen: str, name: str, colour: str) -> Label:
    """Rename or recolour a label.

    ``seen`` is :func:`label_fingerprint` of the label as the form showed it;
    when the label changed since, :class:`StaleEdit` carries the current one.
    """
    locked = lock_if_current(
        Label.objects.select_related("team"), pk=label.pk, seen=seen, stamp=label_fingerprint,
        current=lambda row: Label.objects.for_settings(row.team).get(pk=row.pk),
    )  # fmt: skip
    name, colour = _label_values(name, colour)
    _label_name_free(locked.team, name, exclude_pk=locked.pk)
    locked.name, locked.colour = name, colour
    try:
        with transaction.atomic():
            locked.save(update_fields=["name", "colour"])
    except IntegrityError:
        raise Invalid({"name": f"There is already a label called “{name}” in this team."}) from None
    return Label.objects.for_settings(locked.team).get(pk=label.pk)


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
