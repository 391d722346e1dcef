from __future__ import annotations

from typing import Any

from django import forms

from core.forms import RefusalForm
from projects.models import Project
from risks.models import Category, Comparison, RiskStatus, Strategy, Window
from risks.scoring import IMPACT, PROBABILITY, Level
from risks.services import RiskDraft
from risks.triggers import METRICS
from teams.forms import PersonField
from teams.models import Team, User

DATE = forms.DateInput(attrs={"type": "date"})
NOT_OURS = "That project is not one of this team's."
NOT_A_METRIC = "%(value)s is not a metric a trigger can watch."
KINDS = [("current", "Current"), ("inherent", "Inherent"), ("target", "Target")]


def _members(team: Team) -> Any:
    return User.objects.filter(memberships__team=team).order_by("first_name", "username")


def _scale(names: dict[int, str], what: str, label: str, **kwargs: Any) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        choices=[(n, f"{n} · {name}") for n, name in names.items()], coerce=int, label=label,
        error_messages={"invalid_choice": f"{what} is 1 to 5; %(value)s is not on the scale."}, **kwargs,
    )  # fmt: skip


def _person(label: str, *, required: bool = True, empty: str = "Choose someone") -> PersonField:
    return PersonField(label=label, required=required, empty_label=empty)


class RiskForm(RefusalForm):
    """Record or edit a risk: what, whose, how we respond, three scores and the contingency plan."""

    title = forms.CharField(max_length=200)
    cause = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False, label="Cause",
                            help_text="Because of…")  # fmt: skip
    event = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False, label="Event",
                            help_text="…this may happen…")  # fmt: skip
    effect = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False, label="Effect",
                             help_text="…with this effect.")  # fmt: skip
    category = forms.ChoiceField(choices=Category.choices)
    project = forms.ModelChoiceField(queryset=Project.objects.none(), required=False, empty_label="The whole team",
                                     error_messages={"invalid_choice": NOT_OURS})  # fmt: skip
    owner = _person("Owner")
    strategy = forms.ChoiceField(choices=Strategy.choices, label="Response", initial=Strategy.MITIGATE)
    approver = _person("Accepted by", required=False, empty="Nobody (not accepted)")
    accept_until = forms.DateField(widget=DATE, required=False, label="Acceptance expires")
    proximity = forms.DateField(widget=DATE, required=False, label="Could happen by")
    inherent_probability = _scale(PROBABILITY, "Probability", "Inherent probability")
    inherent_impact = _scale(IMPACT, "Impact", "Inherent impact")
    current_probability = _scale(PROBABILITY, "Probability", "Current probability")
    current_impact = _scale(IMPACT, "Impact", "Current impact")
    target_probability = _scale(PROBABILITY, "Probability", "Target probability")
    target_impact = _scale(IMPACT, "Impact", "Target impact")
    contingency_trigger = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False,
                                          label="Contingency trigger",
                                          help_text="What tells us it has happened.")  # fmt: skip
    contingency_steps = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), required=False,
                                        label="Contingency steps", help_text="One step a line, in order.")  # fmt: skip
    contingency_owner = _person("Responds", required=False, empty="The owner")
    contingency_hours = forms.IntegerField(min_value=1, max_value=2000, required=False, label="Respond within (hours)")

    def __init__(self, *args: Any, team: Team, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("owner", "approver", "contingency_owner"):
            self.fields[name].queryset = _members(team)  # type: ignore[attr-defined]
        self.fields["project"].queryset = Project.objects.filter(team=team).order_by("name")  # type: ignore[attr-defined]

    def draft(self, status: str | None = None) -> RiskDraft:
        d = self.cleaned_data
        if status is None:  # a new risk: accepted when its response is to accept it, else open
            status = RiskStatus.ACCEPTED if d["strategy"] == Strategy.ACCEPT else RiskStatus.OPEN
        return RiskDraft(
            title=d["title"], owner=d["owner"], cause=d["cause"], event=d["event"], effect=d["effect"],
            category=d["category"], project=d["project"], status=status, strategy=d["strategy"],
            approver=d["approver"], accept_until=d["accept_until"], proximity=d["proximity"],
            inherent=(d["inherent_probability"], d["inherent_impact"]),
            current=(d["current_probability"], d["current_impact"]),
            target=(d["target_probability"], d["target_impact"]),
            contingency_trigger=d["contingency_trigger"], contingency_steps=d["contingency_steps"],
            contingency_owner=d["contingency_owner"], contingency_hours=d["contingency_hours"],
        )  # fmt: skip


class RiskEditForm(RiskForm):
    status = forms.ChoiceField(choices=RiskStatus.choices)
    version = forms.IntegerField(widget=forms.HiddenInput)


class ReviewForm(RefusalForm):
    probability = _scale(PROBABILITY, "Probability", "Current probability")
    impact = _scale(IMPACT, "Impact", "Current impact")
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=2000,
                           help_text="What changed, or why it stays.")  # fmt: skip
    version = forms.IntegerField(widget=forms.HiddenInput)


class MitigationForm(RefusalForm):
    title = forms.CharField(max_length=200, label="New mitigation task")
    assignee = _person("Assignee", required=False, empty="Nobody yet")

    def __init__(self, *args: Any, team: Team, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = _members(team)  # type: ignore[attr-defined]


class LinkForm(RefusalForm):
    number = forms.IntegerField(min_value=1, label="Ticket number", help_text="An existing ticket of this team.",
                                error_messages={"invalid": "A ticket number is a whole number."})  # fmt: skip


class TriggerForm(RefusalForm):
    metric = forms.ChoiceField(choices=[(m.key, f"{m.name} ({m.unit})") for m in METRICS.values()],
                               error_messages={"invalid_choice": NOT_A_METRIC})  # fmt: skip
    comparison = forms.ChoiceField(choices=Comparison.choices)
    threshold = forms.FloatField(error_messages={"invalid": "The threshold is a number."})
    days = forms.IntegerField(min_value=1, max_value=90, initial=3, label="Days (N)")
    window = forms.ChoiceField(choices=Window.choices, label="Holds")
    label = forms.CharField(max_length=60, required=False, help_text="For label triggers: the label's name.")

    def clean_label(self) -> str:
        return (self.cleaned_data.get("label") or "").strip()


class RegisterFilters(forms.Form):
    """The register's filters, kept in the URL."""

    kind = forms.ChoiceField(choices=KINDS, required=False, label="Score")
    p = forms.TypedChoiceField(choices=[("", "Any")] + [(n, str(n)) for n in PROBABILITY], coerce=int,
                               required=False, empty_value=None, label="Probability")  # fmt: skip
    i = forms.TypedChoiceField(choices=[("", "Any")] + [(n, str(n)) for n in IMPACT], coerce=int, required=False,
                               empty_value=None, label="Impact")  # fmt: skip
    level = forms.ChoiceField(choices=[("", "Any level"), *Level.choices], required=False)
    status = forms.ChoiceField(choices=[("", "Any status"), *RiskStatus.choices], required=False)
    project = forms.ModelChoiceField(queryset=Project.objects.none(), required=False, empty_label="Every project")
    overdue = forms.BooleanField(required=False, label="Review overdue")
    teams = forms.ChoiceField(choices=[("", "This team"), ("mine", "Every team I manage")], required=False,
                              label="Teams")  # fmt: skip
    view = forms.ChoiceField(choices=[("", "Counts"), ("arrows", "Inherent → current")], required=False,
                             label="Heat map")  # fmt: skip

    def __init__(self, *args: Any, team: Team, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["project"].queryset = Project.objects.filter(team=team).order_by("name")  # type: ignore[attr-defined]


class CadenceForm(RefusalForm):
    critical_days = forms.IntegerField(min_value=1, max_value=365, label="Critical: every … days")
    high_days = forms.IntegerField(min_value=1, max_value=365, label="High: every … days")
    medium_days = forms.IntegerField(min_value=1, max_value=365, label="Medium: every … days")
    low_days = forms.IntegerField(min_value=1, max_value=365, label="Low: every … days")
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
