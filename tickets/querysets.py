from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import F, Q, Window
from django.db.models.functions import RowNumber

from tickets.choices import Status

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

    def first_cards(self, *, lane: str | None = None, per_column: int = CARDS_PER_COLUMN) -> TicketQuerySet:
        """The first ``per_column`` cards of every status (and lane): one query for the whole board."""
        partition = [F("status")] + ([F(lane)] if lane else [])
        numbered = self.annotate(
            board_rank=Window(RowNumber(), partition_by=partition, order_by=[F("position").asc(), F("id").asc()])
        )
        return numbered.filter(board_rank__lte=per_column).order_by("position", "id")

    def after_card(self, *, position: int, ticket_id: int) -> TicketQuerySet:
        """Cards below a given card in board order (keyset paging of a column)."""
        return self.filter(Q(position__gt=position) | Q(position=position, id__gt=ticket_id)).order_by("position", "id")
