"""Forms of the board: quick filters and card moves."""

from __future__ import annotations

from typing import Any

from django import forms

from teams.forms import PersonField
from teams.models import User
from tickets.choices import Priority, Status
from tickets.models import Account, Board, Column, Label
from tickets.selectors.board import LANES, SCOPES, BoardFilters, BoardScope
from tickets.services import ColumnSetting


class BoardFilterForm(forms.Form):
    mine = forms.BooleanField(required=False, label="Mine")
    unassigned = forms.BooleanField(required=False, label="Unassigned")
    sla_risk = forms.BooleanField(required=False, label="At risk or breached")
    priority = forms.TypedChoiceField(
        required=False, coerce=int, empty_value=None, choices=[("", "Any priority"), *Priority.choices]
    )
    label = forms.ModelChoiceField(queryset=Label.objects.none(), required=False, empty_label="Any label")
    account = forms.ModelChoiceField(queryset=Account.objects.none(), required=False, empty_label="Any account")
    person = PersonField(required=False, empty_label="Anyone",
                         error_messages={"invalid_choice": "That person is not in this team."})  # fmt: skip
    q = forms.CharField(required=False, max_length=200, label="Search")
    lanes = forms.ChoiceField(
        required=False,
        choices=[
            ("", "No swimlanes"),
            ("assignee", "By assignee"),
            ("priority", "By priority"),
            ("sla", "Breach risk"),
            ("interrupt", "Plan / interrupts (sprint board)"),
        ],
    )
    # A scope another app registered (tickets.selectors.board.SCOPES): ?sprint=12 is a sprint's board.
    sprint = forms.CharField(required=False, max_length=20, widget=forms.HiddenInput)

    def __init__(self, *args: Any, board: Board, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["label"].queryset = Label.objects.filter(team_id=board.team_id)  # type: ignore[attr-defined]
        self.fields["account"].queryset = Account.objects.filter(team_id=board.team_id)  # type: ignore[attr-defined]
        self.fields["label"].widget.attrs.update({"class": "form-select form-select-sm", "aria-label": "Label"})
        self.fields["account"].widget.attrs.update({"class": "form-select form-select-sm", "aria-label": "Account"})
        people = User.objects.filter(memberships__team_id=board.team_id).order_by("first_name", "last_name", "username")
        self.fields["person"].queryset = people  # type: ignore[attr-defined]
        self.fields["person"].widget.attrs.update({"class": "form-select form-select-sm", "aria-label": "Person"})
        self.fields["label"].error_messages["invalid_choice"] = "That label is not in this team."
        self.fields["account"].error_messages["invalid_choice"] = "That account is not in this team."
        self.team_id = board.team_id
        self.scope: BoardScope | None = None

    def clean_sprint(self) -> str:
        value = self.cleaned_data.get("sprint") or ""
        if value:
            resolver = SCOPES.get("sprint")
            self.scope = resolver(self.team_id, value) if resolver else None
            if self.scope is None:
                raise forms.ValidationError("There is no such sprint in this team.")
        return value

    def filters(self, user: User) -> BoardFilters:
        """The valid filters; a bad value is dropped (and reported by the form), the rest still apply."""
        data = self.cleaned_data if hasattr(self, "cleaned_data") else {}
        label = data.get("label")
        account = data.get("account")
        person = data.get("person")
        return BoardFilters(
            mine_of=user if data.get("mine") else None,
            assignee_id=person.pk if person else None,
            unassigned=bool(data.get("unassigned")),
            priority=data.get("priority"),
            label_id=label.pk if label else None,
            account_id=account.pk if account else None,
            text=data.get("q") or "",
            sla_risk=bool(data.get("sla_risk")),
            scope=self.scope,
        )

    @property
    def lane_by(self) -> str:
        value = self.cleaned_data.get("lanes", "") if hasattr(self, "cleaned_data") else ""
        if value == "interrupt" and self.scope is None:
            return ""
        return value if value in LANES else ""


class MoveForm(forms.Form):
    """A card dropped into a column between two neighbours (ids of the cards above and below).

    The ticket is checked against the board by the move itself, which locks
    it (:class:`tickets.services.NotOnBoard`): no read before the write.
    """

    ticket = forms.CharField(max_length=20, error_messages={"required": "This field is required."})
    column = forms.TypedChoiceField(coerce=int, error_messages={"invalid_choice": "That column is not on this board."})
    above = forms.IntegerField(required=False, min_value=1)
    below = forms.IntegerField(required=False, min_value=1)

    def __init__(self, *args: Any, columns: list[Column], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.columns = columns  # the board's: the move and its answer's column heads reuse them
        self.fields["column"].choices = [(c.pk, c.name) for c in self.columns]  # type: ignore[attr-defined]

    def clean_ticket(self) -> int:
        value = self.cleaned_data["ticket"].strip()
        if not value.isdigit() or not 0 < int(value) < 2**63:
            raise forms.ValidationError("That ticket is not on this board.")
        return int(value)

    def clean_column(self) -> Column:
        chosen = self.cleaned_data["column"]
        return next(c for c in self.columns if c.pk == chosen)


class BoardSettingsForm(forms.Form):
    """Column names, positions, WIP limits and SLA pauses of one board, and its per-agent WIP limit.

    Only the team's board says which columns stop SLA clocks (project boards
    show the same tickets, so they follow the team board).
    """

    PAUSES_HELP = (
        "While a ticket sits in a ticked column, its SLA clocks stand still (e.g. waiting on the customer). "
        "A change applies from the next time a ticket enters or leaves the column: tickets already there keep "
        "their clock as it is until they move. Due times of open tickets are recomputed in the background."
    )

    wip_per_agent = forms.IntegerField(
        required=False, min_value=1, max_value=50, label="Per-agent WIP limit",
        help_text="Most tickets one person may have in progress; auto-assign skips people at the limit. Empty: none.",
    )  # fmt: skip
    resolved_days = forms.IntegerField(
        required=False, min_value=0, max_value=3650, label="Days of resolved work shown",
        help_text="How many days back the Resolved column shows resolved tickets (0: all of them; empty: "
        "unchanged). Older work stays in the ticket list and search.",
    )  # fmt: skip
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, board: Board, columns: list[Column], **kwargs: Any) -> None:
        kwargs.setdefault(
            "initial",
            {
                "wip_per_agent": board.wip_per_agent,
                "resolved_days": board.resolved_days,
                "version": board.version,
                **{f"name_{c.pk}": c.name for c in columns},
                **{f"order_{c.pk}": c.order + 1 for c in columns},
                **{f"wip_{c.pk}": c.wip_limit for c in columns},
                **{f"pauses_{c.pk}": c.pauses_sla for c in columns},
            },
        )
        super().__init__(*args, **kwargs)
        self.columns = columns
        self.shows_pauses = board.project_id is None
        for c in columns:
            status = c.get_status_display()
            self.fields[f"name_{c.pk}"] = forms.CharField(max_length=60, label=f"Name of the {status} column")
            self.fields[f"order_{c.pk}"] = forms.IntegerField(
                min_value=1, max_value=len(columns), label=f"Position of the {status} column"
            )
            self.fields[f"wip_{c.pk}"] = forms.IntegerField(
                required=False, min_value=1, max_value=500, label=f"WIP limit of the {status} column"
            )
            if self.shows_pauses:
                self.fields[f"pauses_{c.pk}"] = forms.BooleanField(
                    required=False, label=f"{status} stops the SLA clock"
                )
        # The table's headings name the columns for sighted users; each input carries its full name.
        for name in self.fields:
            if name.startswith(("name_", "order_", "wip_", "pauses_")):
                self.fields[name].widget.attrs["aria-label"] = str(self.fields[name].label)

    def rows(
        self,
    ) -> list[tuple[Column, forms.BoundField, forms.BoundField, forms.BoundField, forms.BoundField | None]]:
        return [
            (
                c,
                self[f"name_{c.pk}"],
                self[f"order_{c.pk}"],
                self[f"wip_{c.pk}"],
                self[f"pauses_{c.pk}"] if self.shows_pauses else None,
            )
            for c in self.columns
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for c in self.columns:
            if c.status == Status.RESOLVED and data.get(f"wip_{c.pk}") and c.wip_limit is None:
                # It would count every ticket ever resolved: the column would soon refuse all work.
                self.add_error(f"wip_{c.pk}", "Resolved work has no limit: leave this empty.")
        orders = [data.get(f"order_{c.pk}") for c in self.columns]
        if None not in orders and len(set(orders)) != len(orders):
            raise forms.ValidationError("Each column needs its own position (1 to %(n)s).", params={"n": len(orders)})
        return data

    def settings(self) -> list[ColumnSetting]:
        data = self.cleaned_data
        return [
            ColumnSetting(
                column_id=c.pk,
                name=data[f"name_{c.pk}"],
                order=data[f"order_{c.pk}"] - 1,
                wip_limit=data[f"wip_{c.pk}"],
                pauses_sla=data[f"pauses_{c.pk}"] if self.shows_pauses else None,
            )
            for c in self.columns
        ]
