from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms

from core.forms import RefusalForm
from planning.choices import RetroColumn
from projects.models import Project
from tickets.models import Label


class SprintForm(RefusalForm):
    """A sprint's plan: name, goal, dates, focus factor and interrupt budget."""

    name = forms.CharField(max_length=120, required=False, help_text="Empty: “Sprint N”.")
    goal = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}), max_length=2000,
                           help_text="One sentence the team can say “met” or “not met” to at the review.")  # fmt: skip
    start_date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    end_date = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}),
                               help_text="The last day of the sprint. Empty: two weeks.")  # fmt: skip
    focus_factor = forms.DecimalField(
        min_value=Decimal("0.1"), max_value=Decimal("1"), decimal_places=2, initial=Decimal("0.8"),
        help_text="Share of a working day that goes to planned work (0.1–1).",
    )  # fmt: skip
    interrupt_percent = forms.IntegerField(
        required=False, min_value=0, max_value=90, label="Interrupt budget, %",
        help_text="Share of capacity reserved for tickets that arrive during the sprint. Empty: the reactive "
        "share measured over the last three closed sprints.",
    )  # fmt: skip
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start_date"), data.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", "The sprint must end on or after the day it starts.")
        return data

    @property
    def interrupt_share(self) -> Decimal | None:
        percent = self.cleaned_data.get("interrupt_percent")
        return None if percent is None else (Decimal(percent) / 100).quantize(Decimal("0.001"))


class PlanMoveForm(forms.Form):
    """A drag on the planning page: a ticket into the sprint (between two items) or back to the backlog."""

    ticket = forms.IntegerField(min_value=1, max_value=2**62)
    to = forms.ChoiceField(choices=[("sprint", "sprint"), ("backlog", "backlog")])
    above = forms.IntegerField(required=False, min_value=1, max_value=2**62)
    below = forms.IntegerField(required=False, min_value=1, max_value=2**62)


class CloseForm(forms.Form):
    """What happens to each unfinished item at close, and whether the goal was met."""

    goal_met = forms.TypedChoiceField(
        choices=[("", "Not said"), ("1", "Met"), ("0", "Not met")], required=False,
        coerce=lambda v: v == "1", empty_value=None,
    )  # fmt: skip

    def __init__(self, *args: Any, unfinished: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.unfinished = unfinished
        for item in unfinished:
            self.fields[f"fate_{item.ticket_id}"] = forms.ChoiceField(
                choices=[("next", "Next sprint"), ("backlog", "Back to the backlog")], initial="next",
                label=item.ticket.title,
            )  # fmt: skip

    def fates(self) -> dict[int, str]:
        return {item.ticket_id: self.cleaned_data[f"fate_{item.ticket_id}"] for item in self.unfinished}


class StandupEntryForm(RefusalForm):
    """One member's standup entry; autosaved, so every field is optional."""

    yesterday = forms.CharField(required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 2}))
    today = forms.CharField(required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 2}))
    blockers = forms.CharField(required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 1}))
    version = forms.IntegerField(min_value=0, widget=forms.HiddenInput)


class BlockerForm(RefusalForm):
    """A blocker raised at a standup, naming a ticket of the team or none."""

    text = forms.CharField(max_length=300, label="What is in the way")
    ticket = forms.IntegerField(required=False, min_value=1, max_value=2**62, label="Ticket number")
    member = forms.IntegerField(required=False, min_value=1, max_value=2**62, widget=forms.HiddenInput)


class NoteForm(RefusalForm):
    column = forms.ChoiceField(choices=RetroColumn.choices)
    text = forms.CharField(max_length=500, label="Note")


class ActionForm(RefusalForm):
    text = forms.CharField(max_length=300, label="Action")


class RetroSettingsForm(RefusalForm):
    anonymous = forms.BooleanField(required=False, label="Anonymous notes")
    votes_each = forms.IntegerField(min_value=1, max_value=10, label="Votes per participant")
    version = forms.IntegerField(min_value=0, widget=forms.HiddenInput)


SCORES = [("", "—"), *((str(n), str(n)) for n in range(1, 6))]


class GroomForm(RefusalForm):
    """Grooming one backlog ticket in place; ``version`` is the ticket's, so concurrent grooming is refused."""

    story_points = forms.IntegerField(
        required=False, min_value=0, max_value=100, label="Points",
        error_messages={"min_value": "Story points go from 0 to 100.", "max_value": "Story points go from 0 to 100."},
    )  # fmt: skip
    impact = forms.TypedChoiceField(choices=SCORES, required=False, coerce=int, empty_value=None)
    effort = forms.TypedChoiceField(choices=SCORES, required=False, coerce=int, empty_value=None)
    labels = forms.ModelMultipleChoiceField(
        queryset=Label.objects.none(), required=False,
        error_messages={"invalid_choice": "A label of another team cannot be used here."},
    )  # fmt: skip
    project = forms.ModelChoiceField(
        queryset=Project.objects.none(), required=False, empty_label="No project",
        error_messages={"invalid_choice": "That project belongs to another team."},
    )  # fmt: skip
    version = forms.IntegerField(min_value=0, widget=forms.HiddenInput)

    def __init__(self, *args: Any, team: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["labels"].queryset = Label.objects.filter(team=team).order_by("name")  # type: ignore[attr-defined]
        self.fields["project"].queryset = Project.objects.filter(team=team).order_by("name")  # type: ignore[attr-defined]

    def changes(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in ("story_points", "impact", "effort", "labels", "project")}


class MatrixMoveForm(forms.Form):
    """A card dropped on another cell of the impact-effort matrix."""

    ticket = forms.IntegerField(min_value=1, max_value=2**62)
    impact = forms.IntegerField(min_value=1, max_value=5, error_messages={"max_value": "Impact goes from 1 to 5."})
    effort = forms.IntegerField(min_value=1, max_value=5, error_messages={"max_value": "Effort goes from 1 to 5."})
    version = forms.IntegerField(min_value=0)
