from __future__ import annotations

from django import forms

from projects.models import Framework, ProjectStatus


class ProjectForm(forms.Form):
    name = forms.CharField(max_length=160)
    framework = forms.ChoiceField(choices=Framework.choices, initial=Framework.KANBAN)
    status = forms.ChoiceField(choices=ProjectStatus.choices, initial=ProjectStatus.ACTIVE)
