from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import BigIntegerField, Case, Count, DateTimeField, F, OuterRef, Prefetch, Q, Subquery, When
from django.db.models.functions import Coalesce, Lower

from tickets.choices import OPEN_STATUSES, Status

CARDS_PER_COLUMN = 50


class TicketQuerySet(models.QuerySet[Any]):
    def visible_to(self, user: Any) -> TicketQuerySet:
        """Tickets of the teams the user belongs to."""
        if not getattr(user, "is_authenticated", False):
            return self.none()
        from teams.models import Membership

        return self.filter(team_id__in=Membership.objects.filter(user=user).values("team_id"))

    def of_team(self, team: Any) -> TicketQuerySet:
        return self.filter(team=team)

    def open(self) -> TicketQuerySet:
        return self.exclude(status=Status.RESOLVED)

    def for_card(self) -> TicketQuerySet:
        """A ticket with its assignee, account and labels (labels in one extra query)."""
        return self.select_related("team", "assignee", "account").prefetch_related("labels")

    def search(self, text: str) -> TicketQuerySet:
        text = text.strip()
        if not text:
            return self
        query = Q(title__icontains=text) | Q(description__icontains=text) | Q(requester_name__icontains=text)
        query |= Q(requester_email__icontains=text)
        key_number = text.rsplit("-", 1)[-1]
        if key_number.isdigit():
            query |= Q(number=int(key_number))
        return self.filter(query)

    def after_card(self, *, position: int, ticket_id: int) -> TicketQuerySet:
        """Cards below a given card in board order (keyset paging of an open column)."""
        return self.filter(Q(position__gt=position) | Q(position=position, id__gt=ticket_id)).order_by("position", "id")

    def in_resolved_order(self) -> TicketQuerySet:
        """The Resolved column's order: most recently resolved first (its index range, newest end)."""
        return self.order_by(F("resolved_at").desc(nulls_last=True), "-id")

    def after_resolved_card(self, *, resolved_at: Any, ticket_id: int) -> TicketQuerySet:
        """Cards below a given card of the Resolved column (keyset paging in :meth:`in_resolved_order`)."""
        if resolved_at is None:
            below = Q(resolved_at__isnull=True, id__lt=ticket_id)
        else:
            below = (
                Q(resolved_at__lt=resolved_at)
                | Q(resolved_at=resolved_at, id__lt=ticket_id)
                | Q(resolved_at__isnull=True)
            )
        return self.filter(below).in_resolved_order()

    def in_board_order(self) -> TicketQuerySet:
        """Every column's order at once: open columns by position, Resolved by :meth:`in_resolved_order`."""
        resolved = Q(status=Status.RESOLVED)
        return self.order_by(
            Case(When(resolved, then=F("resolved_at")), default=None, output_field=DateTimeField()).desc(
                nulls_last=True
            ),
            Case(When(resolved, then=-F("id")), default=F("position"), output_field=BigIntegerField()),
            "id",
        )


class LabelQuerySet(models.QuerySet[Any]):
    def for_settings(self, team: Any) -> LabelQuerySet:
        """The team's labels by name (any case) with how many tickets carry each (``ticket_count``, ``open_count``)."""
        return (
            self.filter(team=team)
            .annotate(
                ticket_count=Count("tickets"),
                open_count=Count("tickets", filter=Q(tickets__status__in=OPEN_STATUSES)),
            )
            .order_by(Lower("name"), "id")
        )


class AccountQuerySet(models.QuerySet[Any]):
    def for_settings(self, team: Any, *, text: str = "", tier: str = "") -> AccountQuerySet:
        """The team's customer accounts with their open tickets (``open_count``), found by name or notes."""
        tickets = self.model._meta.get_field("tickets").related_model
        # A correlated count rather than a join: the pager's COUNT(*) then leaves it out.
        open_tickets = (
            tickets.objects.filter(account=OuterRef("pk"), team=team, status__in=OPEN_STATUSES)  # type: ignore[union-attr]
            .order_by()
            .values("account")
            .annotate(n=Count("pk"))
            .values("n")
        )
        accounts = self.filter(team=team).annotate(open_count=Coalesce(Subquery(open_tickets), 0))
        text = text.strip()
        if text:
            accounts = accounts.filter(Q(name__icontains=text) | Q(notes__icontains=text))
        if tier:
            accounts = accounts.filter(tier=tier)
        return accounts.order_by("name", "id")


class RoutingRuleQuerySet(models.QuerySet[Any]):
    def in_order(self, team: Any) -> RoutingRuleQuerySet:
        """A team's routing rules in the order they are tried, with what each sets (two queries)."""
        return (
            self.filter(team=team)
            .select_related("set_team", "set_assignee")
            .prefetch_related("add_labels")
            .order_by("order", "id")
        )


class SLAPolicyQuerySet(models.QuerySet[Any]):
    def in_order(self, team: Any) -> SLAPolicyQuerySet:
        """A team's SLA policies in the order they are tried, with their targets (two queries)."""
        targets = self.model._meta.get_field("targets").related_model
        return (
            self.filter(team=team)
            .prefetch_related(Prefetch("targets", queryset=targets.objects.order_by("-priority")))  # type: ignore[union-attr]
            .order_by("order", "id")
        )
