"""The customer's answer on the public survey page."""

from __future__ import annotations

import re
from typing import Any

from django import forms

from voice.surveys import SCORE_LABELS

COMMENT_MAX_LENGTH = 2000
CHOOSE_A_SCORE = "Choose a score from 1 to {scale}."


class SurveyForm(forms.Form):
    """A score on the survey's scale (required) and an optional comment."""

    score = forms.TypedChoiceField(
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": CHOOSE_A_SCORE, "invalid_choice": CHOOSE_A_SCORE},
    )
    comment = forms.CharField(
        required=False,
        max_length=COMMENT_MAX_LENGTH,
        strip=True,
        widget=forms.Textarea(attrs={"rows": 4, "maxlength": COMMENT_MAX_LENGTH}),
        label="Anything you would like to add?",
    )

    def __init__(self, *args: Any, scale: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.scale = scale
        score = self.fields["score"]
        assert isinstance(score, forms.TypedChoiceField)
        score.choices = [(n, SCORE_LABELS.get(n, str(n))) for n in range(1, scale + 1)]
        score.error_messages = {key: text.format(scale=scale) for key, text in score.error_messages.items()}

    @classmethod
    def preselected(cls, value: str | None, *, scale: int) -> int | None:
        """The score of a link's ``?score=N``, when it is one of the scale's; else none."""
        if value is None or not re.fullmatch(r"[0-9]{1,3}", value):
            return None
        score = int(value)
        return score if 1 <= score <= scale else None
