"""The ticket list's forms: filters, search and sort, and bulk edit."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django import forms
from django.db.models import Case, F, IntegerField, Value, When
from django.db.models.functions import Lower
from django.utils import timezone

from teams.models import User
from tickets.choices import Channel, Kind, Priority, Status
from tickets.forms.fields import (
    MAX_ID,
    ME,
    UNASSIGNED,
    ObjectChoiceField,
    TeamOptions,
    account_label,
    person_label,
    unknown_choice,
)
from tickets.models import Label, Ticket
from tickets.querysets import TicketQuerySet
from tickets.sla.display import AT_RISK, BREACHED, SLA_LANES, sla_lane

# --- List: filters, search, sort ---------------------------------------------------------------

STATUS_ORDER = Case(
    *(When(status=status, then=Value(i)) for i, status in enumerate(Status)),
    default=Value(len(Status)),
    output_field=IntegerField(),
)

# Sort key in the URL → what it orders by; "-key" sorts the other way.
SORTS: dict[str, Any] = {
    "created": F("created_at"),
    "updated": F("updated_at"),
    "priority": F("priority"),
    "status": STATUS_ORDER,
    "title": Lower("title"),
    "number": F("number"),
}
SORT_CHOICES = [
    ("-created", "Newest first"),
    ("created", "Oldest first"),
    ("-updated", "Recently updated"),
    ("updated", "Least recently updated"),
    ("-priority", "Priority: highest first"),
    ("priority", "Priority: lowest first"),
    ("status", "Status: To Do → Resolved"),
    ("-status", "Status: Resolved → To Do"),
    ("title", "Title A–Z"),
    ("-title", "Title Z–A"),
    ("-number", "Number: highest first"),
    ("number", "Number: lowest first"),
]
DEFAULT_SORT = "-created"
# A column header's first click sorts this way; the next click flips it.
FIRST_DIRECTION = {"created": "-", "updated": "-", "priority": "-", "number": "-", "status": "", "title": ""}

OPEN = "open"
SLA_RISK = "risk"  # breached or at risk, as the board's quick filter


class TicketFilterForm(forms.Form):
    """The list's search, filters and sort, read from the query string.

    Invalid values are reported in ``errors`` and left out of the filtering,
    so a bad link still shows a list.
    """

    q = forms.CharField(
        required=False,
        max_length=200,
        label="Search",
        widget=forms.SearchInput(),
    )
    status = forms.ChoiceField(required=False, choices=[("", "Any status"), (OPEN, "All open"), *Status.choices])
    priority = forms.TypedChoiceField(
        required=False, coerce=int, empty_value=None, choices=[("", "Any priority"), *Priority.choices]
    )
    kind = forms.ChoiceField(required=False, choices=[("", "Any kind"), *Kind.choices])
    channel = forms.ChoiceField(required=False, choices=[("", "Any channel"), *Channel.choices])
    sla = forms.ChoiceField(
        required=False,
        label="SLA",
        choices=[("", "Any SLA state"), (SLA_RISK, "At risk or breached"), *SLA_LANES.items()],
    )
    sort = forms.ChoiceField(required=False, choices=SORT_CHOICES)

    def __init__(self, data: Any, *, options: TeamOptions, user: User) -> None:
        super().__init__(data)
        self.user = user
        self.fields["q"].widget.attrs["placeholder"] = f"Title, requester or {options.team.slug.upper()}-12"
        self.fields["assignee"] = ObjectChoiceField(
            objects=options.people,
            label_of=person_label,
            empty_label="Anyone",
            extra=[(ME, "Me"), (UNASSIGNED, "Unassigned")],
            invalid=unknown_choice("a member"),
        )
        self.fields["label"] = ObjectChoiceField(
            objects=options.labels, empty_label="Any label", invalid=unknown_choice("a label")
        )
        self.fields["account"] = ObjectChoiceField(
            objects=options.accounts,
            label_of=account_label,
            empty_label="Any account",
            invalid=unknown_choice("an account"),
        )
        self.fields["project"] = ObjectChoiceField(
            objects=options.projects, empty_label="Any project", invalid=unknown_choice("a project")
        )
        self.is_valid()  # fills cleaned_data with the valid values

    @property
    def sort_value(self) -> str:
        return self.cleaned_data.get("sort") or DEFAULT_SORT

    @property
    def params(self) -> dict[str, str]:
        """The valid, non-empty values as they appear in the URL (for links that keep them)."""
        return {
            name: self.data[name]
            for name in self.fields
            if name in self.cleaned_data and self.cleaned_data[name] not in (None, "") and self.data.get(name)
        }

    @property
    def query(self) -> str:
        """``params`` as a query string."""
        return urlencode(self.params)

    @property
    def more_active(self) -> bool:
        """Whether a filter behind "More filters" is set (then they show open)."""
        return bool(set(self.params) & {"kind", "channel", "label", "account", "project", "sla"})

    @property
    def ignored(self) -> list[str]:
        """What was left out of the filtering, and why."""
        return [f"{self[name].label}: {' '.join(map(str, errors))}" for name, errors in self.errors.items()]

    def apply(self, tickets: TicketQuerySet) -> TicketQuerySet:
        data = self.cleaned_data
        if data.get("q"):
            tickets = tickets.search(data["q"])
        status = data.get("status")
        if status == OPEN:
            tickets = tickets.exclude(status=Status.RESOLVED)
        elif status:
            tickets = tickets.filter(status=status)
        for name in ("priority", "kind", "channel", "account", "project"):
            if data.get(name) not in (None, ""):
                tickets = tickets.filter(**{name: data[name]})
        assignee = data.get("assignee")
        if assignee == UNASSIGNED:
            tickets = tickets.filter(assignee__isnull=True)
        elif assignee == ME:
            tickets = tickets.filter(assignee=self.user)
        elif assignee is not None:
            tickets = tickets.filter(assignee=assignee)
        if data.get("label") is not None:
            tickets = tickets.filter(labels=data["label"])
        sla = data.get("sla")
        if sla:
            # The state each ticket's card shows now, as the board's breach-risk lanes read it.
            tickets = tickets.alias(sla_state=sla_lane(timezone.now()))
            tickets = tickets.filter(sla_state__in=(BREACHED, AT_RISK) if sla == SLA_RISK else (sla,))
        return self._sorted(tickets)

    def _sorted(self, tickets: TicketQuerySet) -> TicketQuerySet:
        sort = self.sort_value
        key = sort.lstrip("-")
        expression = SORTS[key]
        primary = expression.desc() if sort.startswith("-") else expression.asc()
        # Newest first among equals, so that paging is stable.
        tiebreak = [] if key == "number" else [F("number").desc()]
        return tickets.order_by(primary, *tiebreak)

    def sort_options(self) -> list[tuple[str, str, bool]]:
        """The sort menu as (value, label, selected); the default's value is empty, so it stays out of URLs."""
        return [
            ("" if value == DEFAULT_SORT else value, label, value == self.sort_value) for value, label in SORT_CHOICES
        ]

    def header_sorts(self) -> dict[str, dict[str, str]]:
        """For each sortable column: the sort its header links to, and the current direction."""
        current = self.sort_value
        result = {}
        for key, first in FIRST_DIRECTION.items():
            if current.lstrip("-") == key:
                direction = "descending" if current.startswith("-") else "ascending"
                link = key if current.startswith("-") else f"-{key}"
            else:
                direction = ""
                link = f"{first}{key}"
            result[key] = {"link": link, "direction": direction}
        return result


# --- List: bulk edit ------------------------------------------------------------------------------


class TicketIdsField(forms.Field):
    """The ids of the checked rows (whole numbers in the range of an id)."""

    widget = forms.MultipleHiddenInput
    default_error_messages = {"required": "Select at least one ticket.", "invalid": "Pick tickets from the list."}

    def to_python(self, value: Any) -> list[int]:
        if not value:
            return []
        try:
            ids = [int(v) for v in value]
        except (TypeError, ValueError):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None
        if any(not 1 <= i <= MAX_ID for i in ids):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return ids


class BulkEditForm(forms.Form):
    """The same change for the tickets checked on the list."""

    tickets = TicketIdsField()
    status = forms.ChoiceField(required=False, choices=[("", "Status…"), *Status.choices])
    priority = forms.TypedChoiceField(
        required=False, coerce=int, empty_value=None, choices=[("", "Priority…"), *Priority.choices]
    )

    def __init__(self, data: Any = None, *, options: TeamOptions) -> None:
        # Its own ids: the filter form on the same page has fields of the same names.
        super().__init__(data, auto_id="bulk_%s")
        self.team = options.team
        self.fields["assignee"] = ObjectChoiceField(
            objects=options.workers,
            label_of=person_label,
            empty_label="Assignee…",
            extra=[(UNASSIGNED, "Unassigned")],
            invalid=unknown_choice("a member who can work tickets"),
        )
        self.fields["add_label"] = ObjectChoiceField(
            objects=options.labels, empty_label="Add label…", invalid=unknown_choice("a label")
        )
        self.fields["remove_label"] = ObjectChoiceField(
            objects=options.labels, empty_label="Remove label…", invalid=unknown_choice("a label")
        )

    def clean_tickets(self) -> list[int]:
        ids: list[int] = self.cleaned_data["tickets"]
        found = set(Ticket.objects.of_team(self.team).filter(pk__in=ids).values_list("pk", flat=True))
        missing = len(set(ids) - found)
        if missing:
            raise forms.ValidationError(
                f"{missing} of the selected tickets {'is' if missing == 1 else 'are'} not in this team "
                "(or no longer exist). Nothing was changed; reload the list and select again."
            )
        return ids

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.errors:
            return data
        if not (self.changes() or data.get("add_label") or data.get("remove_label")):
            raise forms.ValidationError("Choose a change to apply: status, assignee, priority or a label.")
        if data.get("add_label") is not None and data.get("add_label") == data.get("remove_label"):
            raise forms.ValidationError("Adding and removing the same label does nothing: pick one.")
        return data

    def changes(self) -> dict[str, Any]:
        data = self.cleaned_data
        changes: dict[str, Any] = {}
        if data.get("status"):
            changes["status"] = data["status"]
        if data.get("priority") is not None:
            changes["priority"] = data["priority"]
        assignee = data.get("assignee")
        if assignee == UNASSIGNED:
            changes["assignee"] = None
        elif assignee is not None:
            changes["assignee"] = assignee
        return changes

    def labels(self, name: str) -> list[Label]:
        label = self.cleaned_data.get(name)
        return [label] if label is not None else []
