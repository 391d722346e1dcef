from __future__ import annotations

from typing import Any

from django.db import models


class ProjectQuerySet(models.QuerySet[Any]):
    def visible_to(self, user: Any) -> ProjectQuerySet:
        if not getattr(user, "is_authenticated", False):
            return self.none()
        return self.filter(team__memberships__user=user)

    def of_team(self, team: Any) -> ProjectQuerySet:
        return self.filter(team=team)
