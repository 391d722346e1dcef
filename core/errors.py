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
    """The input breaks one or more rules; ``problems`` says which, each with what it is about.

    A key is a service's argument name, or anything a form knows how to place
    (a weekday of a calendar); ``None`` is the input as a whole. ``errors`` is
    the same as a dict, one message per key, for the common case.
    """

    def __init__(
        self, errors: dict[str | None, str] | None = None, *, problems: list[tuple[Any, str]] | None = None
    ) -> None:
        self.problems: list[tuple[Any, str]] = list(problems) if problems is not None else list((errors or {}).items())
        self.errors: dict[Any, str] = dict(errors) if errors is not None else dict(self.problems)
        super().__init__(" ".join(message for _, message in self.problems))
