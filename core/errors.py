"""Refusals every app's services raise and every app's views turn into a message for the user."""

from __future__ import annotations

from typing import Any


class RuleBroken(Exception):
    """A domain rule refused the change; the message says which, for the user."""


class StaleEdit(Exception):
    """The object changed since the form was opened; nothing was written.

    ``current`` is what is saved now (the row, or a value object the page
    shows), so the view can show it beside the user's input.
    """

    def __init__(self, current: Any) -> None:
        super().__init__("This record was changed by someone else meanwhile.")
        self.current = current


class Invalid(RuleBroken):
    """The input breaks one or more rules; ``errors`` says which, by field.

    Keys are the service's argument names (``None`` for the input as a whole),
    so a form can put each message beside the field it is about.
    """

    def __init__(self, errors: dict[str | None, str]) -> None:
        super().__init__(" ".join(errors.values()))
        self.errors = errors
