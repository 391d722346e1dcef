"""What a person sees of their notifications."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import Exists, OuterRef, Q

from teams.models import Membership

NOTIFICATIONS_PER_PAGE = 50


class NotificationQuerySet(models.QuerySet[Any]):
    def visible_to(self, user: Any) -> NotificationQuerySet:
        """The user's notifications newest first, minus those of teams they have left.

        After leaving a team its tickets stay as private as its pages.
        """
        in_team = Membership.objects.filter(user=user, team_id=OuterRef("team_id"))
        return (
            self.filter(user=user)
            .filter(Q(team__isnull=True) | Exists(in_team))
            .select_related("team")
            .order_by("-created_at", "-id")
        )

    def unread(self) -> NotificationQuerySet:
        return self.filter(read_at__isnull=True)
