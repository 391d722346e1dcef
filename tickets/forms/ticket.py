"""Creating and editing a ticket, and commenting on it."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.text import Truncator

from tickets.choices import Channel, Kind, Priority, Status
from tickets.drafts import TicketDraft
from tickets.forms.fields import (
    IMPACT_EFFORT,
    MAX_ID,
    ObjectChoiceField,
    ObjectMultipleChoiceField,
    TeamOptions,
    account_label,
    person_label,
    unknown_choice,
)
from tickets.models import Ticket

# --- Create and edit ------------------------------------------------------------------------------


class TicketForm(forms.Form):
    """A ticket's fields, for creating one or editing one (with its ``version``)."""

    title = forms.CharField(max_length=200)
    kind = forms.ChoiceField(choices=Kind.choices, initial=Kind.INQUIRY)
    channel = forms.ChoiceField(choices=Channel.choices, initial=Channel.EMAIL)
    priority = forms.TypedChoiceField(choices=Priority.choices, coerce=int, initial=Priority.NORMAL)
    status = forms.ChoiceField(choices=Status.choices, initial=Status.TODO)
    requester_name = forms.CharField(max_length=120, required=False, label="Requester name")
    requester_email = forms.EmailField(required=False, max_length=254, label="Requester email")
    story_points = forms.IntegerField(required=False, min_value=0, max_value=100, label="Story points")
    impact = forms.TypedChoiceField(choices=IMPACT_EFFORT, coerce=int, empty_value=None, required=False)
    effort = forms.TypedChoiceField(choices=IMPACT_EFFORT, coerce=int, empty_value=None, required=False)
    description = forms.CharField(
        required=False,
        max_length=20_000,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text="Markdown: **bold**, *italic*, lists, links, `code`.",
    )

    def __init__(self, *args: Any, options: TeamOptions, ticket: Ticket | None = None, **kwargs: Any) -> None:
        if ticket is not None:
            kwargs.setdefault("initial", self.initial_of(ticket))
        super().__init__(*args, **kwargs)
        self.ticket = ticket
        self.options = options
        workers = list(options.workers)
        if ticket is not None and ticket.assignee is not None and ticket.assignee not in workers:
            # Keep the current assignee selectable, so saving other fields does not unassign them.
            workers.append(ticket.assignee)
        self.fields["assignee"] = ObjectChoiceField(
            objects=workers,
            label_of=person_label,
            empty_label="Unassigned",
            invalid=unknown_choice("a member who can work tickets"),
        )
        self.fields["account"] = ObjectChoiceField(
            objects=options.accounts,
            label_of=account_label,
            empty_label="No account",
            invalid=unknown_choice("an account"),
        )
        self.fields["project"] = ObjectChoiceField(
            objects=options.projects, empty_label="No project", invalid=unknown_choice("a project")
        )
        self.fields["labels"] = ObjectMultipleChoiceField(
            objects=options.labels,
            invalid=unknown_choice("a label"),
            widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
        )
        if ticket is not None:
            self.fields["version"] = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=MAX_ID)

    @staticmethod
    def initial_of(ticket: Ticket) -> dict[str, Any]:
        return {
            "title": ticket.title,
            "kind": ticket.kind,
            "channel": ticket.channel,
            "priority": ticket.priority,
            "status": ticket.status,
            "assignee": ticket.assignee_id,
            "requester_name": ticket.requester_name,
            "requester_email": ticket.requester_email,
            "account": ticket.account_id,
            "project": ticket.project_id,
            "story_points": ticket.story_points,
            "impact": ticket.impact,
            "effort": ticket.effort,
            "labels": [str(label.pk) for label in ticket.labels.all()],
            "description": ticket.description,
            "version": ticket.version,
        }

    def _values(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data.pop("version", None)
        data["title"] = data["title"].strip()
        return data

    def draft(self) -> TicketDraft:
        return TicketDraft(**self._values())

    def changes(self) -> dict[str, Any]:
        return self._values()

    def saved_values(self, current: Ticket) -> dict[str, str]:
        """After a stale edit: the saved value of each field where it differs from the user's input."""
        saved = self.initial_of(current)
        return {
            name: _human(current, name)
            for name, mine in self.cleaned_data.items()
            if name != "version" and _comparable(mine) != _comparable(saved[name])
        }


def _comparable(value: Any) -> Any:
    """A form value (objects) and a saved value (ids) in one shape: strings."""
    if isinstance(value, list):
        return sorted(_comparable(v) for v in value)
    if hasattr(value, "pk"):
        return str(value.pk)
    return "" if value is None else str(value)


def _human(ticket: Ticket, name: str) -> str:
    """A saved field as a person reads it."""
    if name == "labels":
        return ", ".join(label.name for label in ticket.labels.all()) or "none"
    if name == "assignee":
        return ticket.assignee.display_name if ticket.assignee else "unassigned"
    if name == "description":
        return Truncator(ticket.description).chars(160) or "empty"
    display = getattr(ticket, f"get_{name}_display", None)
    value = display() if display else getattr(ticket, name)
    return "empty" if value in (None, "") else str(value)


# --- Comments -----------------------------------------------------------------------------------


class CommentForm(forms.Form):
    """A public reply or an internal note (blank text is refused: the field strips it)."""

    body = forms.CharField(
        max_length=20_000,
        widget=forms.Textarea(attrs={"rows": 4, "placeholder": "Write a reply or a note… (Markdown)"}),
        error_messages={"required": "Write something before sending."},
        label="Message",
    )
    visibility = forms.ChoiceField(
        choices=[("public", "Public reply"), ("internal", "Internal note"), ("customer", "Customer reply")],
        initial="public",
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": "Choose a public reply, an internal note or a customer reply."},
    )

    @property
    def is_public(self) -> bool:
        return self.cleaned_data["visibility"] == "public"

    @property
    def from_customer(self) -> bool:
        return self.cleaned_data["visibility"] == "customer"
