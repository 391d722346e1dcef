"""The refusal form base: a form whose service's refusals land beside the field they are about."""

from __future__ import annotations

from typing import Any

from django import forms

from core.errors import Invalid, RuleBroken


class RefusalForm(forms.Form):
    """``service_fields`` maps a service's argument names to this form's field names where they differ."""

    service_fields: dict[str, str] = {}

    def add_refusal(self, refusal: RuleBroken) -> None:
        """Show a service's refusal: each problem of an :class:`Invalid` where it belongs, anything else on top."""
        if not isinstance(refusal, Invalid):
            self.add_error(None, str(refusal))
            return
        for key, message in refusal.problems:
            self.place_refusal(key, message)

    def place_refusal(self, key: Any, message: str) -> None:
        """Put one message beside the field ``key`` names (through ``service_fields``), or above the form."""
        name = self.service_fields.get(key, key) if isinstance(key, str) else None
        self.add_error(name if name in self.fields else None, message)


class MoveForm(forms.Form):
    """One place up or down in an ordered list."""

    direction = forms.ChoiceField(choices=[("up", "up"), ("down", "down")])


class ActiveForm(forms.Form):
    """Switch a row on (``is_active=1``) or off (``is_active=0``)."""

    is_active = forms.TypedChoiceField(choices=[("1", "on"), ("0", "off")], coerce=lambda v: v == "1")
