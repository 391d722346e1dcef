"""The account form and the accounts page's search."""

from __future__ import annotations

from typing import Any

from django import forms

from core.forms import RefusalForm
from tickets.accounts import account_fingerprint
from tickets.choices import Tier
from tickets.models import Account


class AccountForm(RefusalForm):
    name = forms.CharField(max_length=160, widget=forms.TextInput(attrs={"placeholder": "e.g. Northwind Traders"}))
    tier = forms.ChoiceField(choices=Tier.choices, initial=Tier.STANDARD)
    notes = forms.CharField(
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": "Contract, contacts, anything agents should know"}),
    )
    seen = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, account: Account | None = None, **kwargs: Any) -> None:
        if account is not None:
            kwargs.setdefault(
                "initial",
                {
                    "name": account.name,
                    "tier": account.tier,
                    "notes": account.notes,
                    "seen": account_fingerprint(account),
                },
            )
        super().__init__(*args, **kwargs)


class AccountSearchForm(forms.Form):
    q = forms.CharField(
        label="Search",
        max_length=100,
        required=False,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": "Name or notes"}),
    )
    tier = forms.ChoiceField(choices=[("", "All tiers"), *Tier.choices], required=False)

    def values(self) -> tuple[str, str]:
        """The search text and tier; an invalid value searches for nothing in particular."""
        if not self.is_valid():
            return "", ""
        return self.cleaned_data["q"], self.cleaned_data["tier"]
