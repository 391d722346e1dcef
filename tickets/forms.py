"""Forms of the ticket pages: list filters, bulk edit, create and edit, comments.

The choices that belong to a team (people, labels, accounts, projects) are
loaded once per request by :class:`TeamOptions` and shared by every form on
the page, so rendering and validating them costs the same few queries however
many selects show them. A value that is not among them (an id of another
team, a made-up number) is refused with a message that says what was wrong.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import cached_property
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.db.models import Case, F, IntegerField, Value, When
from django.db.models.functions import Lower
from django.utils.text import Truncator

from projects.models import Project
from teams.models import Membership, Team, User
from teams.permissions import Action, can
from tickets.choices import Channel, Kind, Priority, Status
from tickets.drafts import TicketDraft
from tickets.models import Account, Label, Ticket
from tickets.querysets import TicketQuerySet

# --- Choices of one team -------------------------------------------------------------------


class TeamOptions:
    """The team's people, labels, accounts and projects: one query each, on first use."""

    def __init__(self, team: Team) -> None:
        self.team = team

    @cached_property
    def members(self) -> list[Membership]:
        return list(Membership.objects.for_team_page(self.team))

    @cached_property
    def people(self) -> list[User]:
        """Everyone in the team (for filtering by assignee)."""
        return [m.user for m in self.members]

    @cached_property
    def workers(self) -> list[User]:
        """Members who may work tickets: the only people a ticket can be assigned to."""
        return [m.user for m in self.members if can(m, Action.WORK_TICKETS)]

    @cached_property
    def labels(self) -> list[Label]:
        return list(Label.objects.filter(team=self.team).order_by("name"))

    @cached_property
    def accounts(self) -> list[Account]:
        return list(Account.objects.filter(team=self.team).order_by("name"))

    @cached_property
    def projects(self) -> list[Project]:
        return list(Project.objects.of_team(self.team).order_by("name"))

    @cached_property
    def label_colours(self) -> dict[str, str]:
        return {str(label.pk): label.colour for label in self.labels}


def person_label(user: User) -> str:
    return user.display_name


def account_label(account: Account) -> str:
    return f"{account.name} ({account.get_tier_display()})"


class ObjectChoiceField(forms.ChoiceField):
    """A choice among objects loaded beforehand; cleans to the object.

    ``extra`` choices (like "unassigned") clean to their own string value; the
    empty choice cleans to ``None``.
    """

    def __init__(
        self,
        *,
        objects: Iterable[Any] = (),
        label_of: Callable[[Any], str] = str,
        empty_label: str = "—",
        extra: Iterable[tuple[str, str]] = (),
        invalid: str = "That choice is not available in this team.",
        **kwargs: Any,
    ) -> None:
        self.by_key = {str(obj.pk): obj for obj in objects}
        choices = [("", empty_label), *extra, *((key, label_of(obj)) for key, obj in self.by_key.items())]
        kwargs.setdefault("required", False)
        super().__init__(choices=choices, error_messages={"invalid_choice": invalid}, **kwargs)

    def clean(self, value: Any) -> Any:
        value = super().clean(value)
        if value in self.by_key:
            return self.by_key[value]
        return value or None


class ObjectMultipleChoiceField(forms.MultipleChoiceField):
    """Several objects loaded beforehand; cleans to a list of them."""

    widget = forms.CheckboxSelectMultiple

    def __init__(
        self,
        *,
        objects: Iterable[Any] = (),
        label_of: Callable[[Any], str] = str,
        invalid: str = "That choice is not available in this team.",
        **kwargs: Any,
    ) -> None:
        self.by_key = {str(obj.pk): obj for obj in objects}
        kwargs.setdefault("required", False)
        super().__init__(
            choices=[(key, label_of(obj)) for key, obj in self.by_key.items()],
            error_messages={"invalid_choice": invalid},
            **kwargs,
        )

    def clean(self, value: Any) -> list[Any]:
        return [self.by_key[key] for key in super().clean(value)]


# The largest 64-bit id: bigger numbers are refused here, never sent to the database.
MAX_ID = 2**63 - 1
UNASSIGNED = "none"
ME = "me"
IMPACT_EFFORT = [("", "—"), *((str(i), str(i)) for i in range(1, 6))]


def _unknown(what: str) -> str:
    return f"%(value)s is not {what} of this team."


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
            invalid=_unknown("a member"),
        )
        self.fields["label"] = ObjectChoiceField(
            objects=options.labels, empty_label="Any label", invalid=_unknown("a label")
        )
        self.fields["account"] = ObjectChoiceField(
            objects=options.accounts, label_of=account_label, empty_label="Any account", invalid=_unknown("an account")
        )
        self.fields["project"] = ObjectChoiceField(
            objects=options.projects, empty_label="Any project", invalid=_unknown("a project")
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
        return bool(set(self.params) & {"kind", "channel", "label", "account", "project"})

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
            invalid=_unknown("a member who can work tickets"),
        )
        self.fields["add_label"] = ObjectChoiceField(
            objects=options.labels, empty_label="Add label…", invalid=_unknown("a label")
        )
        self.fields["remove_label"] = ObjectChoiceField(
            objects=options.labels, empty_label="Remove label…", invalid=_unknown("a label")
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
            invalid=_unknown("a member who can work tickets"),
        )
        self.fields["account"] = ObjectChoiceField(
            objects=options.accounts, label_of=account_label, empty_label="No account", invalid=_unknown("an account")
        )
        self.fields["project"] = ObjectChoiceField(
            objects=options.projects, empty_label="No project", invalid=_unknown("a project")
        )
        self.fields["labels"] = ObjectMultipleChoiceField(
            objects=options.labels,
            invalid=_unknown("a label"),
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
        choices=[("public", "Public reply"), ("internal", "Internal note")],
        initial="public",
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": "Choose a public reply or an internal note."},
    )

    @property
    def is_public(self) -> bool:
        return self.cleaned_data["visibility"] == "public"
