"""Choices of one team, loaded once per request and shared by every form on a page.

A value that is not among them (an id of another team, a made-up number) is
refused with a message that says what was wrong.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import cached_property
from typing import Any

from django import forms

from projects.models import Project
from teams.models import Membership, Team, User
from teams.permissions import Action, can
from tickets.models import Account, Label


class TeamOptions:
    """The team's people, labels, accounts and projects: one query each, on first use."""

    def __init__(self, team: Team) -> None:
        self.team = team

    @cached_property
    def members(self) -> list[Membership]:
        return list(Membership.objects.for_team_page(self.team))

    @cached_property
    def people(self) -> list[User]:
        """Everyone in the team (for filtering by assignee)."""
        return [m.user for m in self.members]

    @cached_property
    def workers(self) -> list[User]:
        """Members who may work tickets: the only people a ticket can be assigned to."""
        return [m.user for m in self.members if can(m, Action.WORK_TICKETS)]

    @cached_property
    def labels(self) -> list[Label]:
        return list(Label.objects.filter(team=self.team).order_by("name"))

    @cached_property
    def accounts(self) -> list[Account]:
        return list(Account.objects.filter(team=self.team).order_by("name"))

    @cached_property
    def projects(self) -> list[Project]:
        return list(Project.objects.of_team(self.team).order_by("name"))

    @cached_property
    def label_colours(self) -> dict[str, str]:
        return {str(label.pk): label.colour for label in self.labels}


def person_label(user: User) -> str:
    return user.display_name


def account_label(account: Account) -> str:
    return f"{account.name} ({account.get_tier_display()})"


class ObjectChoiceField(forms.ChoiceField):
    """A choice among objects loaded beforehand; cleans to the object.

    ``extra`` choices (like "unassigned") clean to their own string value; the
    empty choice cleans to ``None``.
    """

    def __init__(
        self,
        *,
        objects: Iterable[Any] = (),
        label_of: Callable[[Any], str] = str,
        empty_label: str = "—",
        extra: Iterable[tuple[str, str]] = (),
        invalid: str = "That choice is not available in this team.",
        **kwargs: Any,
    ) -> None:
        self.by_key = {str(obj.pk): obj for obj in objects}
        choices = [("", empty_label), *extra, *((key, label_of(obj)) for key, obj in self.by_key.items())]
        kwargs.setdefault("required", False)
        super().__init__(choices=choices, error_messages={"invalid_choice": invalid}, **kwargs)

    def clean(self, value: Any) -> Any:
        value = super().clean(value)
        if value in self.by_key:
            return self.by_key[value]
        return value or None


class ObjectMultipleChoiceField(forms.MultipleChoiceField):
    """Several objects loaded beforehand; cleans to a list of them."""

    widget = forms.CheckboxSelectMultiple

    def __init__(
        self,
        *,
        objects: Iterable[Any] = (),
        label_of: Callable[[Any], str] = str,
        invalid: str = "That choice is not available in this team.",
        **kwargs: Any,
    ) -> None:
        self.by_key = {str(obj.pk): obj for obj in objects}
        kwargs.setdefault("required", False)
        super().__init__(
            choices=[(key, label_of(obj)) for key, obj in self.by_key.items()],
            error_messages={"invalid_choice": invalid},
            **kwargs,
        )

    def clean(self, value: Any) -> list[Any]:
        return [self.by_key[key] for key in super().clean(value)]


# The largest 64-bit id: bigger numbers are refused here, never sent to the database.
MAX_ID = 2**63 - 1
UNASSIGNED = "none"
ME = "me"
IMPACT_EFFORT = [("", "—"), *((str(i), str(i)) for i in range(1, 6))]


def unknown_choice(what: str) -> str:
    return f"%(value)s is not {what} of this team."
