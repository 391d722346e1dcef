from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Any

from django import forms

from core.forms import RefusalForm
from teams.models import MINUTES_PER_DAY, Membership, Role, User, Weekday
from teams.permissions import Action, can
from teams.services import (
    PREFILL_YEARS,
    CalendarState,
    MembershipChange,
    holiday_countries,
    known_time_zones,
    minutes_label,
)


class PersonField(forms.ModelChoiceField):
    """A choice of people, shown by their names (not their sign-in names); the queryset is set per form."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("queryset", User.objects.none())
        kwargs.setdefault("error_messages", {"invalid_choice": "That person is not a member of this team."})
        super().__init__(**kwargs)

    def label_from_instance(self, obj: Any) -> str:
        return str(obj.display_name)


class MembershipForm(RefusalForm):
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


# --- Business calendar -------------------------------------------------------------------------

ROWS_PER_DAY = 3
MAX_ROWS_PER_DAY = 8
ROUND_THE_CLOCK = "round-the-clock"
_TIME = re.compile(r"^(\d{1,2})(?::?(\d{2}))?$")
_REGIONS = ("Africa/", "America/", "Antarctica/", "Asia/", "Atlantic/", "Australia/", "Europe/", "Indian/", "Pacific/")


@functools.cache
def time_zone_suggestions() -> list[str]:
    """The zones offered while typing: UTC and every Region/City zone (not the old aliases)."""
    return ["UTC", *sorted(zone for zone in known_time_zones() if zone.startswith(_REGIONS))]


def parse_time(text: str, *, end: bool) -> int:
    """ "9", "09:00", "0900" → minutes from midnight; "24:00" only as an end."""
    match = _TIME.match(text.strip())
    if not match:
        raise forms.ValidationError("Write the time as HH:MM, for example 09:00.")
    hours, minutes = int(match[1]), int(match[2] or 0)
    if minutes > 59 or hours > 24 or (hours == 24 and minutes):
        raise forms.ValidationError("Use a time from 00:00 to 24:00.")
    if hours == 24 and not end:
        raise forms.ValidationError("24:00 can only end an interval; start at 00:00 the next day.")
    return hours * 60 + minutes


@dataclass
class DayRows:
    """One weekday of the week grid: its "from–to" rows and what is wrong with them."""

    weekday: int
    label: str
    rows: list[tuple[forms.BoundField, forms.BoundField]]
    errors: list[str]


class CalendarForm(RefusalForm):
    """The team's time zone and weekly hours: a few "from–to" rows per day; blank rows are ignored."""

    time_zone = forms.CharField(
        max_length=64, help_text="Working hours are local times in this zone, for example Europe/Berlin."
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    rows = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, state: CalendarState, **kwargs: Any) -> None:
        data = args[0] if args else kwargs.get("data")
        per_day = [sum(1 for i in state.intervals if i[0] == day) for day in range(7)]
        self.row_count = min(MAX_ROWS_PER_DAY, max(ROWS_PER_DAY, max(per_day) + 1))
        if data is not None and str(data.get("rows", "")).isdigit():
            self.row_count = min(MAX_ROWS_PER_DAY, max(ROWS_PER_DAY, int(data["rows"])))
        initial: dict[str, Any] = {"time_zone": state.time_zone, "version": state.version, "rows": self.row_count}
        seen = [0] * 7
        for weekday, start, end in state.intervals:
            row, seen[weekday] = seen[weekday], seen[weekday] + 1
            if row < self.row_count:
                initial[self._name(weekday, row, "start")] = minutes_label(start)
                initial[self._name(weekday, row, "end")] = minutes_label(end)
        kwargs.setdefault("initial", initial)
        kwargs.setdefault("auto_id", "calendar-%s")
        super().__init__(*args, **kwargs)
        self.fields["time_zone"].widget.attrs.update(
            {"list": "time-zones", "autocomplete": "off", "spellcheck": "false"}
        )
        for weekday in range(7):
            for row in range(self.row_count):
                for part in ("start", "end"):
                    # No length limit here: parse_time says what is wrong, and the shortcut ignores the rows.
                    self.fields[self._name(weekday, row, part)] = forms.CharField(
                        required=False,
                        widget=forms.TextInput(
                            attrs={"class": "form-control-sm time-input", "inputmode": "numeric", "maxlength": "5",
                                   "placeholder": "from" if part == "start" else "to", "autocomplete": "off"}
                        ),
                    )  # fmt: skip
        self.day_errors: dict[int, list[str]] = {}
        self._intervals: list[tuple[int, int, int]] = []

    @staticmethod
    def _name(weekday: int, row: int, part: str) -> str:
        return f"d{weekday}_{row}_{part}"

    @property
    def round_the_clock(self) -> bool:
        return self.data.get("preset") == ROUND_THE_CLOCK

    def clean_time_zone(self) -> str:
        zone = self.cleaned_data["time_zone"].strip()
        if zone not in known_time_zones():
            raise forms.ValidationError(f"“{zone}” is not a known time zone (for example Europe/Berlin).")
        return zone

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        if self.round_the_clock:  # the shortcut ignores the rows
            self._intervals = [(weekday, 0, MINUTES_PER_DAY) for weekday in range(7)]
            return cleaned
        for weekday in range(7):
            for row in range(self.row_count):
                start_name, end_name = self._name(weekday, row, "start"), self._name(weekday, row, "end")
                start_text, end_text = cleaned.get(start_name) or "", cleaned.get(end_name) or ""
                if not start_text.strip() and not end_text.strip():
                    continue
                if not start_text.strip() or not end_text.strip():
                    missing = start_name if not start_text.strip() else end_name
                    self.add_error(missing, "Give both a start and an end, or leave both empty.")
                    continue
                try:
                    start = parse_time(start_text, end=False)
                except forms.ValidationError as error:
                    self.add_error(start_name, error)
                    continue
                try:
                    end = parse_time(end_text, end=True)
                except forms.ValidationError as error:
                    self.add_error(end_name, error)
                    continue
                self._intervals.append((weekday, start, end))
        return cleaned

    def intervals(self) -> list[tuple[int, int, int]]:
        return list(self._intervals)

    def place_refusal(self, key: Any, message: str) -> None:
        """Each of the service's objections goes next to its day (a weekday number), or above the form."""
        if isinstance(key, int):
            self.day_errors.setdefault(key, []).append(message)
        else:
            super().place_refusal(key, message)

    def days(self) -> list[DayRows]:
        days = []
        for day in Weekday:
            rows = [(self[self._name(day.value, r, "start")], self[self._name(day.value, r, "end")])
                    for r in range(self.row_count)]  # fmt: skip
            errors = [str(e) for start, end in rows for e in (*start.errors, *end.errors)]
            days.append(
                DayRows(day.value, day.label, rows, [*dict.fromkeys(errors), *self.day_errors.get(day.value, [])])
            )
        return days


class HolidayForm(forms.Form):
    date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    name = forms.CharField(max_length=120, widget=forms.TextInput(attrs={"placeholder": "Company offsite"}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "holiday-%s")
        super().__init__(*args, **kwargs)


class PrefillForm(forms.Form):
    country = forms.ChoiceField()
    year = forms.IntegerField(min_value=PREFILL_YEARS.start, max_value=PREFILL_YEARS.stop - 1)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "prefill-%s")
        super().__init__(*args, **kwargs)
        choices: list[tuple[str, str]] = [("", "Choose a country…")]
        choices += [(code, f"{name} ({code})") for code, name in holiday_countries()]
        self.fields["country"].choices = choices  # type: ignore[attr-defined]

    @staticmethod
    def country_name(code: str) -> str:
        return dict(holiday_countries()).get(code, code)
