from __future__ import annotations

from typing import Any

from django import forms

from teams.models import Membership, Role
from teams.permissions import Action, can
from teams.services import MembershipChange


class MembershipForm(forms.Form):
    role = forms.ChoiceField(choices=Role.choices)
    capacity = forms.IntegerField(min_value=0, max_value=200, help_text="Story points per 2-week sprint.")
    skills = forms.CharField(required=False, max_length=500, help_text="Comma-separated, e.g. billing, API, German")
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, membership: Membership, editor: Membership, **kwargs: Any) -> None:
        kwargs.setdefault(
            "initial",
            {
                "role": membership.role,
                "capacity": membership.capacity,
                "skills": ", ".join(membership.skills),
                "version": membership.version,
            },
        )
        super().__init__(*args, **kwargs)
        self.membership = membership
        if not can(editor, Action.MANAGE_MEMBERS):
            self.fields["role"].disabled = True

    def clean_skills(self) -> list[str]:
        raw = self.cleaned_data["skills"]
        skills: list[str] = []
        for part in raw.split(","):
            skill = part.strip()
            if len(skill) > 40:
                raise forms.ValidationError("Each skill can be at most 40 characters.")
            if skill and skill.lower() not in {s.lower() for s in skills}:
                skills.append(skill)
        return skills

    def change(self) -> MembershipChange:
        return MembershipChange(
            role=self.cleaned_data["role"],
            capacity=self.cleaned_data["capacity"],
            skills=self.cleaned_data["skills"],
        )
