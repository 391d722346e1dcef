"""The dashboard's filters: the user's teams, a period (presets or dates), priority and channel."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django import forms

from core.forms import RefusalForm
from metrics.goals import GOAL_METRICS
from metrics.models import GoalStatus
from metrics.read import Scope
from projects.models import Project
from teams.forms import PersonField
from teams.models import Role, Team, User
from tickets.choices import Channel, Priority

PRESETS = [("7", "Last 7 days"), ("30", "Last 30 days"), ("90", "Last 90 days"), ("quarter", "This quarter"),
           ("custom", "Dates…")]  # fmt: skip
LONGEST = 731  # days: two years


class DashboardFilters(forms.Form):
    teams = forms.MultipleChoiceField(
        required=False, widget=forms.SelectMultiple(attrs={"size": 3}),
        error_messages={"invalid_choice": "“%(value)s” is not one of your teams."},
    )  # fmt: skip
    range = forms.ChoiceField(choices=PRESETS, required=False, initial="30", label="Period")
    start = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}), label="From")
    end = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}), label="To")
    priority = forms.TypedChoiceField(
        choices=[("", "Any priority"), *Priority.choices], coerce=int, empty_value=None, required=False,
        error_messages={"invalid_choice": "“%(value)s” is not a priority."},
    )  # fmt: skip
    channel = forms.ChoiceField(
        choices=[("", "Any channel"), *Channel.choices], required=False,
        error_messages={"invalid_choice": "“%(value)s” is not a channel."},
    )  # fmt: skip

    def __init__(self, *args: Any, teams: list[Team], current: Team, today: date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.team_objects = {t.slug: t for t in teams}
        self.fields["teams"].choices = [(t.slug, t.name) for t in teams]  # type: ignore[attr-defined]
        self.current, self.today = current, today
        self.fields["teams"].initial = [current.slug]
        for name, field in self.fields.items():
            css = "form-control form-control-sm" if name in ("start", "end") else "form-select form-select-sm"
            field.widget.attrs.setdefault("class", css)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        preset = data.get("range") or "30"
        if preset == "custom":
            start, end = data.get("start"), data.get("end")
            if start is None or end is None:
                raise forms.ValidationError("Give both dates of the period, or choose a preset.")
            if start > end:
                raise forms.ValidationError("The period starts after it ends: swap the dates.")
            if (end - start).days + 1 > LONGEST:
                raise forms.ValidationError("A period can be at most two years long.")
            data["first"], data["last"] = start, end
        elif preset == "quarter":
            data["first"] = date(self.today.year, 3 * ((self.today.month - 1) // 3) + 1, 1)
            data["last"] = self.today
        else:
            data["first"], data["last"] = self.today - timedelta(days=int(preset) - 1), self.today
        return data

    def scope(self) -> Scope:
        """The scope asked for; the current team's last 30 days when the filters do not hold."""
        if not self.is_bound or not self.is_valid():
            return Scope(team_ids=(self.current.pk,), first=self.today - timedelta(days=29), last=self.today)
        data = self.cleaned_data
        chosen = [self.team_objects[s] for s in data.get("teams") or []] or [self.current]
        return Scope(
            team_ids=tuple(sorted(t.pk for t in chosen)), first=data["first"], last=data["last"],
            priority=data.get("priority"), channel=data.get("channel") or None,
        )  # fmt: skip


class GoalForm(RefusalForm):
    """A SMART goal: the metric and target say what, the baseline window measures where from, the dates when."""

    name = forms.CharField(max_length=160, required=False, help_text="Empty: the metric's name.")
    metric = forms.ChoiceField(error_messages={"invalid_choice": "“%(value)s” is not a metric of the definitions."})
    target_kind = forms.ChoiceField(choices=[("percent", "% change from the baseline"), ("absolute", "A value")],
                                    initial="percent", label="Target as")  # fmt: skip
    target_input = forms.FloatField(label="Target", help_text="−20 for a 20 % reduction; 90 for 90 %.")
    window_days = forms.IntegerField(min_value=7, max_value=365, initial=30, label="Measured over (days)")
    baseline_first = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), label="Baseline from")
    baseline_last = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), label="Baseline to")
    start = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    deadline = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    owner = PersonField(required=False, empty_label="Me")
    project = forms.ModelChoiceField(queryset=Project.objects.none(), required=False, empty_label="The whole team")
    priority = forms.TypedChoiceField(choices=[("", "Any priority"), *Priority.choices], coerce=int,
                                      empty_value=None, required=False)  # fmt: skip
    channel = forms.ChoiceField(choices=[("", "Any channel"), *Channel.choices], required=False)

    def __init__(self, *args: Any, team: Team, today: date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["metric"].choices = [("", "Choose a metric…")] + [(m.key, m.name) for m in GOAL_METRICS]  # type: ignore[attr-defined]
        self.fields["owner"].queryset = User.objects.filter(  # type: ignore[attr-defined]
            memberships__team=team, memberships__role__in=[Role.LEAD, Role.MANAGER, Role.AGENT]
        ).order_by("first_name", "username")
        self.fields["project"].queryset = Project.objects.filter(team=team).order_by("name")  # type: ignore[attr-defined]
        self.initial.setdefault("start", today)
        self.initial.setdefault("deadline", today + timedelta(days=90))
        self.initial.setdefault("baseline_first", today - timedelta(days=30))
        self.initial.setdefault("baseline_last", today - timedelta(days=1))
        for field in self.fields.values():
            select = isinstance(field, forms.ChoiceField)
            field.widget.attrs.setdefault(
                "class", "form-select form-select-sm" if select else "form-control form-control-sm"
            )


class GoalStatusForm(RefusalForm):
    status = forms.ChoiceField(choices=[("", "Use the suggestion"), *GoalStatus.choices], required=False)
    comment = forms.CharField(max_length=300, required=False)
    version = forms.IntegerField(widget=forms.HiddenInput)
