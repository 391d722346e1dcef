from __future__ import annotations

from typing import Any

from django.db import models


class TeamQuerySet(models.QuerySet[Any]):
    def visible_to(self, user: Any) -> TeamQuerySet:
        """Teams the user belongs to: the only teams anyone may see."""
        if not getattr(user, "is_authenticated", False):
            return self.none()
        return self.filter(memberships__user=user)

    def with_role_of(self, user: Any) -> TeamQuerySet:
        """Visible teams annotated with ``my_role``: the switcher's read path."""
        # The membership model is the reverse side of ``memberships`` (no import of models: they import us).
        membership = self.model._meta.get_field("memberships").related_model
        role = membership.objects.filter(team=models.OuterRef("pk"), user=user).values("role")[:1]  # type: ignore[union-attr]
        return self.visible_to(user).annotate(my_role=models.Subquery(role)).order_by("name")


class MembershipQuerySet(models.QuerySet[Any]):
    def for_team_page(self, team: Any) -> MembershipQuerySet:
        return self.filter(team=team).select_related("user").order_by("user__first_name", "user__username")
