"""The refusal form base: a form whose service's refusals land beside the field they are about."""

from __future__ import annotations

from django import forms

from core.errors import Invalid, RuleBroken


class RefusalForm(forms.Form):
    """``service_fields`` maps a service's argument names to this form's field names where they differ."""

    service_fields: dict[str, str] = {}

    def add_refusal(self, refusal: RuleBroken) -> None:
        """Show a service's refusal: each message of an :class:`Invalid` on its field, anything else above the form."""
        if not isinstance(refusal, Invalid):
            self.add_error(None, str(refusal))
            return
        for key, message in refusal.errors.items():
            name = self.service_fields.get(key, key) if key else None
            self.add_error(name if name in self.fields else None, message)
