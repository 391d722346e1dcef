"""Refusals that the ticket settings services raise for the user to read."""

from __future__ import annotations

from teams.services import RuleBroken


class Invalid(RuleBroken):
    """The input breaks one or more rules; ``errors`` says which, by field.

    Keys are the service's argument names (``None`` for the input as a whole),
    so a form can put each message beside the field it is about.
    """

    def __init__(self, errors: dict[str | None, str]) -> None:
        super().__init__(" ".join(errors.values()))
        self.errors = errors
