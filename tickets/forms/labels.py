"""The label form; a refused save lands beside its field."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from django import forms

from core.forms import RefusalForm
from tickets.labels import label_fingerprint
from tickets.models import Label, hex_colour

# Colours offered for new labels, in turn; all readable as dots on white.
PALETTE = ("#4f46e5", "#0891b2", "#16a34a", "#ca8a04", "#ea580c", "#dc2626", "#db2777", "#7c3aed", "#64748b")


class LabelForm(RefusalForm):
    name = forms.CharField(max_length=40, widget=forms.TextInput(attrs={"placeholder": "e.g. billing"}))
    colour = forms.CharField(
        max_length=7,
        validators=[hex_colour],
        widget=forms.TextInput(attrs={"type": "color", "class": "form-control-color"}),
    )
    seen = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(
        self, *args: Any, label: Label | None = None, used_colours: Collection[str] = (), **kwargs: Any
    ) -> None:
        if label is not None:
            kwargs.setdefault("initial", {"name": label.name, "colour": label.colour, "seen": label_fingerprint(label)})
        else:
            fresh = [c for c in PALETTE if c not in used_colours]
            kwargs.setdefault("initial", {"colour": fresh[0] if fresh else PALETTE[0]})
        super().__init__(*args, **kwargs)

    def clean_colour(self) -> str:
        return self.cleaned_data["colour"].lower()
