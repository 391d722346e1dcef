"""The SLA policy form: conditions, clock, breach actions and a target per priority.

A target is a whole number with a unit, minutes or hours ("30" minutes,
"4" hours); stored in minutes. Deliberately no "days": a business day's
length depends on the team's calendar, so "2 days" would be ambiguous. The
rules about what may be saved live in :mod:`tickets.sla.policies`, whose
refusals :meth:`SettingsForm.add_refusal` puts beside the right field.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import forms

from core.errors import Invalid
from core.forms import RefusalForm
from tickets.choices import Channel, Kind, Priority, Tier
from tickets.models import SLAPolicy
from tickets.sla.policies import AT_RISK_RANGE, PRIORITIES, SLAPolicyChange, validate

MINUTES, HOURS = "min", "h"
UNITS = [(MINUTES, "min"), (HOURS, "hours")]
FACTOR = {MINUTES: 1, HOURS: 60}
TARGETS = ("first_response", "resolution")


def _amount_field(label: str) -> forms.IntegerField:
    return forms.IntegerField(
        label=label,
        required=False,
        min_value=1,
        error_messages={"min_value": "Use a whole number of 1 or more.", "invalid": "Enter a whole number."},
        widget=forms.NumberInput(attrs={"min": "1", "step": "1", "inputmode": "numeric", "placeholder": "—"}),
    )


def _unit_field(label: str) -> forms.ChoiceField:
    return forms.ChoiceField(label=label, choices=UNITS, initial=HOURS)


def split_minutes(minutes: int | None) -> tuple[int | None, str]:
    """Stored minutes as the form shows them: whole hours in hours, anything else in minutes."""
    if not minutes:
        return None, HOURS
    return (minutes // 60, HOURS) if minutes % 60 == 0 else (minutes, MINUTES)


@dataclass(frozen=True)
class TargetInputs:
    """One row of the targets table: a priority with its two amount-and-unit pairs."""

    label: str
    first_response: forms.BoundField
    first_response_unit: forms.BoundField
    resolution: forms.BoundField
    resolution_unit: forms.BoundField


class SLAPolicyForm(RefusalForm):
    name = forms.CharField(max_length=120, widget=forms.TextInput(attrs={"placeholder": "e.g. Enterprise accounts"}))
    account_tier = forms.ChoiceField(label="Account tier", choices=[("", "Any tier"), *Tier.choices], required=False)
    kind = forms.ChoiceField(choices=[("", "Any kind"), *Kind.choices], required=False)
    channel = forms.ChoiceField(choices=[("", "Any channel"), *Channel.choices], required=False)
    priority = forms.TypedChoiceField(
        choices=[("", "Any priority"), *Priority.choices], coerce=int, empty_value=None, required=False
    )
    business_hours = forms.BooleanField(
        label="Count business hours only",
        required=False,
        help_text="The team's working hours, in its time zone, without holidays. Off: calendar time, round the clock.",
    )
    first_response_customer_only = forms.BooleanField(
        label="First response for customer work only",
        required=False,
        help_text="On: inquiries, incidents and bugs get the first-response target; internal tasks and improvements "
        "(nobody waits for a reply) only the resolution target. Off: every kind the policy matches gets both.",
    )
    at_risk_percent = forms.IntegerField(
        label="Warn when this share of a target has passed",
        min_value=1,
        max_value=99,
        error_messages={
            # These two are %-formatted with the limit.
            "min_value": AT_RISK_RANGE.replace("%", "%%"),
            "max_value": AT_RISK_RANGE.replace("%", "%%"),
            "required": AT_RISK_RANGE,
            "invalid": AT_RISK_RANGE,
        },
        widget=forms.NumberInput(attrs={"min": "1", "max": "99", "step": "1", "inputmode": "numeric"}),
    )
    escalate_to_column = forms.BooleanField(label="Move the ticket to Escalated", required=False)
    raise_priority = forms.BooleanField(label="Raise its priority one step", required=False)
    notify = forms.BooleanField(label="Notify the assignee and the team leads", required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, policy: SLAPolicy | None = None, **kwargs: Any) -> None:
        kwargs.setdefault("initial", self._initial(policy))
        super().__init__(*args, **kwargs)
        for priority in PRIORITIES:
            label = str(priority.label)
            self.fields[f"first_response_{priority}"] = _amount_field(f"{label}: first response")
            self.fields[f"first_response_{priority}_unit"] = _unit_field(f"{label}: first response unit")
            self.fields[f"resolution_{priority}"] = _amount_field(f"{label}: resolution")
            self.fields[f"resolution_{priority}_unit"] = _unit_field(f"{label}: resolution unit")

    @staticmethod
    def _initial(policy: SLAPolicy | None) -> dict[str, Any]:
        if policy is None:
            defaults = {
                "business_hours": True, "first_response_customer_only": True, "escalate_to_column": True,
                "raise_priority": True, "notify": True,
            }  # fmt: skip
            return {"at_risk_percent": 80, **defaults}
        initial: dict[str, Any] = {
            "name": policy.name,
            "account_tier": policy.account_tier,
            "kind": policy.kind,
            "channel": policy.channel,
            "priority": policy.priority,
            "business_hours": policy.business_hours,
            "first_response_customer_only": policy.first_response_customer_only,
            "at_risk_percent": policy.at_risk_percent,
            "escalate_to_column": policy.escalate_to_column,
            "raise_priority": policy.raise_priority,
            "notify": policy.notify,
            "version": policy.version,
        }
        for target in policy.targets.all():
            for name, minutes in (
                ("first_response", target.first_response_minutes),
                ("resolution", target.resolution_minutes),
            ):
                amount, unit = split_minutes(minutes)
                initial[f"{name}_{target.priority}"] = amount
                initial[f"{name}_{target.priority}_unit"] = unit
        return initial

    def target_rows(self) -> list[TargetInputs]:
        return [
            TargetInputs(
                label=str(priority.label),
                first_response=self[f"first_response_{priority}"],
                first_response_unit=self[f"first_response_{priority}_unit"],
                resolution=self[f"resolution_{priority}"],
                resolution_unit=self[f"resolution_{priority}_unit"],
            )
            for priority in PRIORITIES
        ]

    def _minutes(self, name: str) -> int | None:
        amount = self.cleaned_data.get(name)
        if amount is None:
            return None
        return int(amount) * FACTOR[self.cleaned_data.get(f"{name}_unit") or HOURS]

    def clean(self) -> dict[str, Any]:
        """Check the policy's rules too, so that every problem shows at once, not the fields' first."""
        data = super().clean() or {}
        try:
            validate(self.change())
        except Invalid as refusal:
            target_fields = [f"{t}_{p}" for t in TARGETS for p in PRIORITIES]
            for key, message in refusal.errors.items():
                if key in self.errors or (key == "targets" and any(f in self.errors for f in target_fields)):
                    continue  # the field's own error says it already
                self.add_error(key if key in self.fields else None, message)
        return data

    def change(self) -> SLAPolicyChange:
        """What the form asks for; fields that did not parse count as empty."""
        data = self.cleaned_data
        return SLAPolicyChange(
            name=data.get("name") or "",
            kind=data.get("kind") or "",
            channel=data.get("channel") or "",
            account_tier=data.get("account_tier") or "",
            priority=data.get("priority"),
            business_hours=bool(data.get("business_hours")),
            first_response_customer_only=bool(data.get("first_response_customer_only")),
            at_risk_percent=data.get("at_risk_percent") or 0,
            escalate_to_column=bool(data.get("escalate_to_column")),
            raise_priority=bool(data.get("raise_priority")),
            notify=bool(data.get("notify")),
            targets={
                priority.value: (self._minutes(f"first_response_{priority}"), self._minutes(f"resolution_{priority}"))
                for priority in PRIORITIES
            },
        )
