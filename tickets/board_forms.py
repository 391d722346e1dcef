"""Forms of the board: quick filters and card moves."""

from __future__ import annotations

from typing import Any

from django import forms

from teams.models import User
from tickets.models import Account, Board, Column, Label, Priority, Ticket
from tickets.selectors import LANES, BoardFilters, board_scope


class BoardFilterForm(forms.Form):
    mine = forms.BooleanField(required=False, label="Mine")
    unassigned = forms.BooleanField(required=False, label="Unassigned")
    priority = forms.TypedChoiceField(
        required=False, coerce=int, empty_value=None, choices=[("", "Any priority"), *Priority.choices]
    )
    label = forms.ModelChoiceField(queryset=Label.objects.none(), required=False, empty_label="Any label")
    account = forms.ModelChoiceField(queryset=Account.objects.none(), required=False, empty_label="Any account")
    q = forms.CharField(required=False, max_length=200, label="Search")
    lanes = forms.ChoiceField(
        required=False, choices=[("", "No swimlanes"), ("assignee", "By assignee"), ("priority", "By priority")]
    )

    def __init__(self, *args: Any, board: Board, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["label"].queryset = Label.objects.filter(team_id=board.team_id)  # type: ignore[attr-defined]
        self.fields["account"].queryset = Account.objects.filter(team_id=board.team_id)  # type: ignore[attr-defined]
        self.fields["label"].widget.attrs.update({"class": "form-select form-select-sm", "aria-label": "Label"})
        self.fields["account"].widget.attrs.update({"class": "form-select form-select-sm", "aria-label": "Account"})
        self.fields["label"].error_messages["invalid_choice"] = "That label is not in this team."
        self.fields["account"].error_messages["invalid_choice"] = "That account is not in this team."

    def filters(self, user: User) -> BoardFilters:
        """The valid filters; a bad value is dropped (and reported by the form), the rest still apply."""
        data = self.cleaned_data if hasattr(self, "cleaned_data") else {}
        label = data.get("label")
        account = data.get("account")
        return BoardFilters(
            mine_of=user if data.get("mine") else None,
            unassigned=bool(data.get("unassigned")),
            priority=data.get("priority"),
            label_id=label.pk if label else None,
            account_id=account.pk if account else None,
            text=data.get("q") or "",
        )

    @property
    def lane_by(self) -> str:
        value = self.cleaned_data.get("lanes", "") if hasattr(self, "cleaned_data") else ""
        return value if value in LANES else ""


class MoveForm(forms.Form):
    """A card dropped into a column between two neighbours (ids of the cards above and below)."""

    ticket = forms.ModelChoiceField(
        queryset=Ticket.objects.none(), error_messages={"invalid_choice": "That ticket is not on this board."}
    )
    column = forms.ModelChoiceField(
        queryset=Column.objects.none(), error_messages={"invalid_choice": "That column is not on this board."}
    )
    above = forms.IntegerField(required=False, min_value=1)
    below = forms.IntegerField(required=False, min_value=1)

    def __init__(self, *args: Any, board: Board, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["ticket"].queryset = board_scope(board).select_related("team")  # type: ignore[attr-defined]
        self.fields["column"].queryset = board.columns.all()  # type: ignore[attr-defined]
