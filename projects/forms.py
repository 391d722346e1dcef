from __future__ import annotations

from typing import Any

from django import forms

from core.forms import RefusalForm
from projects.models import CostCategory, Framework, GateDecision, ProjectStatus, ProjectTemplate
from teams.forms import PersonField
from teams.models import Team, User

DATE = forms.DateInput(attrs={"type": "date"})
HEALTH = [("green", "On track"), ("amber", "At risk"), ("red", "Off track")]


class ProjectForm(forms.Form):
    template = forms.ModelChoiceField(queryset=ProjectTemplate.objects.all(), required=False,
                                      empty_label="No template: an empty project",
                                      help_text="Phases, deliverables, milestones and RACI roles laid over the "
                                                "team's working days from the start.")  # fmt: skip
    name = forms.CharField(max_length=160, required=False, help_text="Empty with a template: its name.")
    framework = forms.ChoiceField(choices=Framework.choices, initial=Framework.KANBAN,
                                  help_text="A template brings its own.")  # fmt: skip
    status = forms.ChoiceField(choices=ProjectStatus.choices, initial=ProjectStatus.ACTIVE)
    start = forms.DateField(widget=DATE, required=False, help_text="Empty: today.")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("template") and not (data.get("name") or "").strip():
            self.add_error("name", "Name the project, or choose a template.")
        return data


def _members(team: Team) -> Any:
    return User.objects.filter(memberships__team=team).order_by("first_name", "username")


class ProjectEditForm(RefusalForm):
    name = forms.CharField(max_length=160)
    framework = forms.ChoiceField(choices=Framework.choices)
    status = forms.ChoiceField(choices=ProjectStatus.choices)
    owner = PersonField(required=False, empty_label="Nobody yet")
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)
    scope_in = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False, label="In scope",
                               help_text="One item a line.")  # fmt: skip
    scope_out = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False, label="Out of scope",
                                help_text="One item a line.")  # fmt: skip
    start = forms.DateField(widget=DATE, required=False)
    target_date = forms.DateField(widget=DATE, required=False, label="Target date")
    launch_date = forms.DateField(widget=DATE, required=False, label="Launch date",
                                  help_text="ROI compares the goals' metrics before and after it.")  # fmt: skip
    budget_planned = forms.DecimalField(min_value=0, max_digits=12, decimal_places=2, required=False,
                                        label="Budget planned",
                                        error_messages={"min_value": "A budget cannot be negative."})  # fmt: skip
    allow_overlap = forms.BooleanField(required=False, label="Phases may overlap")
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, team: Team, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = _members(team)  # type: ignore[attr-defined]

    def changes(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data.pop("version")
        return data


class CostForm(RefusalForm):
    date = forms.DateField(widget=DATE)
    amount = forms.DecimalField(min_value=0, max_digits=12, decimal_places=2,
                                error_messages={"min_value": "An amount cannot be negative."})  # fmt: skip
    category = forms.ChoiceField(choices=CostCategory.choices)
    note = forms.CharField(max_length=200, required=False)
    service_fields = {"day": "date"}


class StakeholderForm(RefusalForm):
    user = PersonField(required=False, empty_label="Someone outside the team",
                                  label="Team member")  # fmt: skip
    name = forms.CharField(max_length=120, required=False, label="Name (outside the team)")
    email = forms.EmailField(required=False, label="Email (outside the team)")
    role = forms.CharField(max_length=120, required=False)
    wants_updates = forms.BooleanField(required=False, initial=True, label="Mail them status updates")

    def __init__(self, *args: Any, team: Team, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = _members(team)  # type: ignore[attr-defined]


class UpdateForm(RefusalForm):
    health = forms.ChoiceField(choices=HEALTH, initial="green")
    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=2000, label="Update")


class PhaseForm(RefusalForm):
    name = forms.CharField(max_length=120)
    planned_start = forms.DateField(widget=DATE, label="Start")
    planned_end = forms.DateField(widget=DATE, label="End")


class ReplanForm(RefusalForm):
    planned_start = forms.DateField(widget=DATE, label="Start")
    planned_end = forms.DateField(widget=DATE, label="End")
    version = forms.IntegerField(widget=forms.HiddenInput)


class DeliverableForm(RefusalForm):
    title = forms.CharField(max_length=200)
    owner = PersonField(required=False, empty_label="No owner yet")
    due = forms.DateField(widget=DATE, required=False)

    def __init__(self, *args: Any, team: Team, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = _members(team)  # type: ignore[attr-defined]


class TickForm(forms.Form):
    done = forms.BooleanField(required=False)
    version = forms.IntegerField()


class WaiveForm(RefusalForm):
    reason = forms.CharField(max_length=300)
    version = forms.IntegerField(widget=forms.HiddenInput)


class GateForm(RefusalForm):
    decision = forms.ChoiceField(choices=GateDecision.choices)
    comment = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}))


class MilestoneForm(RefusalForm):
    name = forms.CharField(max_length=160)
    date = forms.DateField(widget=DATE)
    service_fields = {"day": "date"}


class RemarkForm(RefusalForm):
    text = forms.CharField(max_length=2000, error_messages={"required": "Write the comment."})


class RaciRowForm(RefusalForm):
    activity = forms.CharField(max_length=200)


class RaciCycleForm(forms.Form):
    person = forms.CharField(max_length=20)


class BaselineForm(RefusalForm):
    name = forms.CharField(max_length=120, label="Baseline name")


class TemplateForm(RefusalForm):
    name = forms.CharField(max_length=120)
    framework = forms.ChoiceField(choices=Framework.choices)
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)
    scope_in = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False, label="In scope",
                               help_text="One item a line.")  # fmt: skip
    scope_out = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False, label="Out of scope")
    phases = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 10, "class": "font-monospace"}),
        help_text="“Phase | working days”, then its deliverables as “- title | working day”.",
    )
    milestones = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False,
                                 help_text="“Milestone | after phase number”, one a line.")  # fmt: skip
    raci = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False, label="RACI activities",
                           help_text="“Activity | owner=A, lead=R”, one a line.")  # fmt: skip
