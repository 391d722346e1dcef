"""Forms of the feedback pages: list filters, logging feedback, the item's actions, settings, the public form.

They parse and offer choices; what may be stored is decided by
:mod:`voice.feedback`, whose :class:`tickets.errors.Invalid` messages
``add_refusal`` puts beside the right field.
"""

from __future__ import annotations

import math
import re
from functools import cached_property
from typing import Any, cast
from urllib.parse import urlencode

from django import forms

from core.forms import RefusalForm
from projects.models import Project
from teams.models import Team
from tickets.forms.fields import MAX_ID, ObjectChoiceField, ObjectMultipleChoiceField, account_label
from tickets.forms.sla import FACTOR, HOURS, MINUTES, UNITS, split_minutes
from tickets.models import Account, Label, Ticket
from voice.choices import FeedbackChannel, FeedbackStatus
from voice.feedback import MAX_NAME, MAX_TEXT
from voice.models import FeedbackItem, FeedbackSettings
from voice.options import MAX_CSAT_DELAY_MINUTES, MAX_WEIGHT, FeedbackSettingsChange
from voice.selectors import ANY_STATUS, OPEN, FeedbackFilters

# --- List filters -----------------------------------------------------------------------------


class FeedbackFilterForm(forms.Form):
    """Status, channel and tag, read from the query string; invalid values are ignored and reported."""

    status = forms.ChoiceField(
        required=False, choices=[(OPEN, "Open"), (ANY_STATUS, "Any status"), *FeedbackStatus.choices]
    )
    channel = forms.ChoiceField(required=False, choices=[("", "Any channel"), *FeedbackChannel.choices])

    def __init__(self, data: Any, *, labels: list[Label]) -> None:
        super().__init__(data)
        self.fields["tag"] = ObjectChoiceField(
            objects=labels, empty_label="Any tag", invalid="%(value)s is not a label of this team."
        )
        self.is_valid()  # fills cleaned_data with the valid values

    def filters(self) -> FeedbackFilters:
        data = self.cleaned_data
        return FeedbackFilters(
            status=data.get("status") or OPEN, channel=data.get("channel") or "", tag=data.get("tag")
        )

    @property
    def params(self) -> dict[str, str]:
        """The valid, non-empty values as they appear in the URL."""
        return {
            name: self.data[name]
            for name in self.fields
            if self.cleaned_data.get(name) not in (None, "") and self.data.get(name)
        }

    @property
    def query(self) -> str:
        return urlencode(self.params)

    @property
    def ignored(self) -> list[str]:
        return [f"{self[name].label}: {' '.join(map(str, errors))}" for name, errors in self.errors.items()]


# --- Logging feedback (agents) ------------------------------------------------------------------


class FeedbackForm(RefusalForm):
    """What an agent logs: the text, where it came from, who said it, tags."""

    text = forms.CharField(
        label="What the customer said",
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "In the customer's words, as far as you can"}),
        error_messages={"required": "Write what the customer said."},
    )
    channel = forms.ChoiceField(choices=FeedbackChannel.choices, initial=FeedbackChannel.EMAIL)
    customer_name = forms.CharField(label="Customer name", max_length=MAX_NAME, required=False)
    customer_email = forms.EmailField(
        label="Customer email",
        required=False,
        error_messages={"invalid": "Enter an email address like name@example.com."},
    )

    def __init__(self, *args: Any, accounts: list[Account], labels: list[Label], **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "new-feedback-%s")
        super().__init__(*args, **kwargs)
        self.fields["account"] = ObjectChoiceField(
            objects=accounts, label_of=account_label, empty_label="No account", invalid="Choose one of the accounts."
        )
        self.fields["tags"] = ObjectMultipleChoiceField(
            objects=labels, invalid="Choose tags among the team's labels.", widget=forms.CheckboxSelectMultiple
        )
        self.fields["customer_name"].widget.attrs["autocomplete"] = "off"
        self.fields["customer_email"].widget.attrs["autocomplete"] = "off"

    def values(self) -> dict[str, Any]:
        """The service's arguments."""
        return {
            name: self.cleaned_data[name]
            for name in ("text", "channel", "customer_name", "customer_email", "account", "tags")
        }


# --- Actions on one item --------------------------------------------------------------------------


class StatusForm(RefusalForm):
    status = forms.ChoiceField(choices=FeedbackStatus.choices)
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)

    def __init__(self, *args: Any, item: FeedbackItem, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"status": item.status, "version": item.version})
        kwargs.setdefault("auto_id", "feedback-status-%s")
        super().__init__(*args, **kwargs)


class TagsForm(RefusalForm):
    """The item's tags, among the team's labels."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)

    def __init__(self, *args: Any, item: FeedbackItem, labels: list[Label], tags: list[Label], **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"tags": [str(t.pk) for t in tags], "version": item.version})
        kwargs.setdefault("auto_id", "feedback-tags-%s")
        super().__init__(*args, **kwargs)
        self.fields["tags"] = ObjectMultipleChoiceField(
            objects=labels,
            invalid="Choose tags among the team's labels.",
            widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
        )


TICKET_KEY = re.compile(r"^\s*#?(?:(?P<slug>[A-Za-z0-9_-]+?)-)?(?P<number>\d{1,10})\s*$")


class LinkTicketForm(RefusalForm):
    """A ticket of this team by key (CARE-12) or number (12)."""

    ticket = forms.CharField(label="Ticket key or number", max_length=80)

    def __init__(self, *args: Any, team: Team, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "feedback-link-%s")
        super().__init__(*args, **kwargs)
        self.team = team
        self.fields["ticket"].widget.attrs.update(
            placeholder=f"Key or number, e.g. {team.slug.upper()}-12", autocomplete="off"
        )

    def clean_ticket(self) -> Ticket:
        text = self.cleaned_data["ticket"]
        prefix = self.team.slug.upper()
        match = TICKET_KEY.match(text)
        if match is None:
            raise forms.ValidationError(f"Write a ticket key like {prefix}-12, or its number.")
        slug, number = match["slug"], int(match["number"])
        if slug is not None and slug.lower() != self.team.slug.lower():
            raise forms.ValidationError(f"{text.strip()} is not a ticket of this team: its keys start with {prefix}-.")
        ticket = Ticket.objects.filter(team=self.team, number=number).first() if number < 2**31 else None
        if ticket is None:
            raise forms.ValidationError(f"There is no ticket {prefix}-{number} in this team.")
        return ticket


class AttachProjectForm(RefusalForm):
    def __init__(self, *args: Any, projects: list[Project], **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "feedback-project-%s")
        super().__init__(*args, **kwargs)
        self.fields["project"] = ObjectChoiceField(
            objects=projects,
            label="Project",
            empty_label="Choose a project…",
            required=True,
            invalid="Choose one of the team's projects.",
        )
        self.fields["project"].error_messages["required"] = "Choose a project."


class MergeForm(RefusalForm):
    """The item to merge into: picked from the top items, or typed as a number (any item of the team)."""

    into = forms.IntegerField(
        label="Merge into",
        required=False,
        min_value=1,
        max_value=MAX_ID,
        widget=forms.Select,
        error_messages=dict.fromkeys(("invalid", "min_value", "max_value"), "Choose an item from the list."),
    )
    into_number = forms.IntegerField(
        label="or its number",
        required=False,
        min_value=1,
        max_value=MAX_ID,
        error_messages=dict.fromkeys(("invalid", "min_value", "max_value"), "Write a feedback number, like 42."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)

    def __init__(self, *args: Any, item: FeedbackItem, candidates: list[FeedbackItem], **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"version": item.version})
        kwargs.setdefault("auto_id", "feedback-merge-%s")
        super().__init__(*args, **kwargs)
        self.item = item
        cast(forms.Select, self.fields["into"].widget).choices = [
            ("", "Choose an item…"),
            *((c.pk, f"#{c.pk} · {c.impact_score:g} · {_short(c.text)}") for c in candidates),
        ]
        self.fields["into_number"].widget.attrs.update(placeholder="#", inputmode="numeric")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        target = data.get("into_number") or data.get("into")
        if not self.errors and target is None:
            self.add_error("into", "Choose the item this one repeats, or write its number.")
        data["target"] = target
        return data


def _short(text: str, length: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= length else f"{text[: length - 1]}…"


# --- Settings ---------------------------------------------------------------------------------


def _weight_field(label: str, help_text: str) -> forms.FloatField:
    message = f"Use a number from 0 to {MAX_WEIGHT:g}."
    return forms.FloatField(
        label=label,
        min_value=0,
        max_value=MAX_WEIGHT,
        help_text=help_text,
        error_messages={"required": message, "invalid": message, "min_value": message, "max_value": message},
        widget=forms.NumberInput(attrs={"min": "0", "max": f"{MAX_WEIGHT:g}", "step": "0.1", "inputmode": "decimal"}),
    )


def _plain(number: float) -> float | int:
    """3.0 shows as "3" in the field, 0.5 as "0.5"."""
    return int(number) if float(number).is_integer() else number


class FeedbackSettingsForm(RefusalForm):
    weight_accounts = _weight_field("Accounts affected", "Per distinct customer account.")
    weight_tier = _weight_field("Highest account tier", "Free 0, standard 1, premium 2, enterprise 3.")
    weight_frequency = _weight_field("Mentions", "Per report, merged duplicates included.")
    weight_sentiment = _weight_field("Negative CSAT", "Times 0 (all answers happy) to 1 (all unhappy).")
    csat_delay = forms.IntegerField(
        label="Send the survey",
        min_value=0,
        error_messages={
            "required": "Say how long after resolution (0 sends it right away).",
            "invalid": "Enter a whole number.",
            "min_value": "Use 0 or more.",
        },
        widget=forms.NumberInput(attrs={"min": "0", "step": "1", "inputmode": "numeric"}),
    )
    csat_delay_unit = forms.ChoiceField(label="Unit", choices=UNITS, initial=HOURS)
    csat_expiry_days = forms.IntegerField(
        label="Survey links work for",
        min_value=1,
        max_value=365,
        error_messages={
            "required": "A survey link can work from 1 to 365 days.",
            "invalid": "A survey link can work from 1 to 365 days.",
            "min_value": "A survey link can work from 1 to 365 days.",
            "max_value": "A survey link can work from 1 to 365 days.",
        },
        widget=forms.NumberInput(attrs={"min": "1", "max": "365", "step": "1", "inputmode": "numeric"}),
    )
    public_form_enabled = forms.BooleanField(label="Accept feedback through the public form", required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)

    service_fields = {"csat_delay_minutes": "csat_delay"}

    def __init__(self, *args: Any, settings: FeedbackSettings, **kwargs: Any) -> None:
        kwargs.setdefault("initial", self.initial_of(settings))
        kwargs.setdefault("auto_id", "feedback-settings-%s")
        super().__init__(*args, **kwargs)

    @staticmethod
    def initial_of(settings: FeedbackSettings) -> dict[str, Any]:
        amount, unit = split_minutes(settings.csat_delay_minutes)
        return {
            "weight_accounts": _plain(settings.weight_accounts),
            "weight_tier": _plain(settings.weight_tier),
            "weight_frequency": _plain(settings.weight_frequency),
            "weight_sentiment": _plain(settings.weight_sentiment),
            "csat_delay": amount if amount is not None else 0,
            "csat_delay_unit": unit if amount is not None else HOURS,
            "csat_expiry_days": settings.csat_expiry_days,
            "public_form_enabled": settings.public_form_enabled,
            "version": settings.version,
        }

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for name in ("weight_accounts", "weight_tier", "weight_frequency", "weight_sentiment"):
            value = data.get(name)
            if value is not None and not math.isfinite(value):
                self.add_error(name, f"Use a number from 0 to {MAX_WEIGHT:g}.")
        amount, unit = data.get("csat_delay"), data.get("csat_delay_unit")
        if amount is not None and unit in FACTOR and amount * FACTOR[unit] > MAX_CSAT_DELAY_MINUTES:
            self.add_error("csat_delay", "Send the survey at most 30 days (720 hours) after resolution.")
        return data

    def change(self) -> FeedbackSettingsChange:
        data = self.cleaned_data
        return FeedbackSettingsChange(
            weight_accounts=data["weight_accounts"],
            weight_tier=data["weight_tier"],
            weight_frequency=data["weight_frequency"],
            weight_sentiment=data["weight_sentiment"],
            public_form_enabled=data["public_form_enabled"],
            csat_delay_minutes=data["csat_delay"] * FACTOR.get(data["csat_delay_unit"], FACTOR[MINUTES]),
            csat_expiry_days=data["csat_expiry_days"],
        )


# --- The public form ------------------------------------------------------------------------------

HONEYPOT = "website"


class PublicFeedbackForm(RefusalForm):
    """What a customer sends from the team's public page. ``website`` is the honeypot: people leave it empty."""

    name = forms.CharField(label="Your name", max_length=MAX_NAME, required=False)
    email = forms.EmailField(
        label="Your email",
        required=False,
        help_text="Optional: only if you would like us to get back to you.",
        error_messages={"invalid": "Enter an email address like name@example.com."},
    )
    company = forms.CharField(label="Company", max_length=160, required=False)
    message = forms.CharField(
        label="Your feedback",
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={
            "required": "Tell us what you think: the message is the one field we need.",
            "max_length": f"Please keep it to {MAX_TEXT} characters (this is %(show_value)d).",
        },
    )
    website = forms.CharField(label="Leave this field empty", required=False)

    service_fields = {"customer_name": "name", "customer_email": "email", "text": "message", "account": "company"}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "feedback-%s")
        super().__init__(*args, **kwargs)
        self.fields["name"].widget.attrs["autocomplete"] = "name"
        self.fields["email"].widget.attrs["autocomplete"] = "email"
        self.fields["company"].widget.attrs["autocomplete"] = "organization"
        self.fields[HONEYPOT].widget.attrs.update(autocomplete="off", tabindex="-1")

    @cached_property
    def is_bot(self) -> bool:
        """Whether the hidden field was filled: only software fills what people cannot see."""
        return bool(str(self.data.get(HONEYPOT, "")).strip())
