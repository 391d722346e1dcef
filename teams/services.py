"""Writes to teams and memberships."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import F

from teams.models import Membership, Role, User
from teams.permissions import Action, can


class StaleEdit(Exception):
    """The object changed since the form was opened; nothing was written."""

    def __init__(self, current: Any) -> None:
        super().__init__("This record was changed by someone else meanwhile.")
        self.current = current


class RuleBroken(Exception):
    """A domain rule refused the change; the message says which, for the user."""


@dataclass(frozen=True)
class MembershipChange:
    role: str
    capacity: int
    skills: list[str]


@transaction.atomic
def membership_update(
    *, membership: Membership, by: Membership, expected_version: int, change: MembershipChange
) -> Membership:
    """Change a member's role, capacity and skills.

    Only managers change roles; a team always keeps at least one manager.
    A write based on an old version is refused with :class:`StaleEdit`.
    """
    if change.role != membership.role and not can(by, Action.MANAGE_MEMBERS):
        raise RuleBroken("Only a manager can change someone's role.")
    if membership.role == Role.MANAGER and change.role != Role.MANAGER:
        # Lock the team's managers so two demotions at once cannot both pass.
        managers = list(Membership.objects.select_for_update().filter(team_id=membership.team_id, role=Role.MANAGER))
        if len(managers) <= 1:
            raise RuleBroken("A team needs at least one manager: make someone else manager first.")
    updated = Membership.objects.filter(pk=membership.pk, version=expected_version).update(
        role=change.role, capacity=change.capacity, skills=change.skills, version=F("version") + 1
    )
    if not updated:
        raise StaleEdit(current=Membership.objects.select_related("user").get(pk=membership.pk))
    return Membership.objects.select_related("user", "team").get(pk=membership.pk)


def user_create(*, username: str, password: str, first_name: str = "", last_name: str = "", email: str = "") -> User:
    user = User(username=username, first_name=first_name, last_name=last_name, email=email)
    user.set_password(password)
    user.save()
    return user
