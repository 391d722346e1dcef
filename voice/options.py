"""A team's survey timing, impact-score weights and public feedback form (``FeedbackSettings``)."""

from __future__ import annotations

import math
import secrets
from dataclasses import dataclass

from django.db import transaction

from core.errors import Invalid
from core.stale import lock_if_current
from teams.models import Team, User
from voice.impact import WEIGHT_FIELDS, feedback_rescore
from voice.models import FeedbackSettings

MAX_WEIGHT = 100.0
MAX_CSAT_DELAY_MINUTES = 30 * 24 * 60
CSAT_EXPIRY_DAYS = (1, 365)


def new_public_key() -> str:
    """An unguessable URL part for a team's public form (24 URL-safe characters)."""
    return secrets.token_urlsafe(18)


def feedback_settings_ensure(*, team: Team) -> FeedbackSettings:
    """The team's feedback settings, created with the defaults (and a fresh public key) the first time."""
    settings, _ = FeedbackSettings.objects.get_or_create(team=team, defaults={"public_form_key": new_public_key()})
    return settings


@dataclass(frozen=True)
class FeedbackSettingsChange:
    weight_accounts: float
    weight_tier: float
    weight_frequency: float
    weight_sentiment: float
    public_form_enabled: bool
    csat_delay_minutes: int
    csat_expiry_days: int


def validate_settings(change: FeedbackSettingsChange) -> None:
    """Refuse weights, delay or expiry out of range, with a message for each field."""
    errors: dict[str | None, str] = {}
    for name in WEIGHT_FIELDS:
        value = getattr(change, name)
        if not math.isfinite(value) or value < 0 or value > MAX_WEIGHT:
            errors[name] = f"Use a number from 0 to {MAX_WEIGHT:g}."
    if not errors and not any(getattr(change, name) for name in WEIGHT_FIELDS):
        errors[None] = "At least one weight must be above 0: with every weight at 0 all feedback scores 0."
    if not 0 <= change.csat_delay_minutes <= MAX_CSAT_DELAY_MINUTES:
        errors["csat_delay_minutes"] = "Send the survey between right away and 30 days after resolution."
    low, high = CSAT_EXPIRY_DAYS
    if not low <= change.csat_expiry_days <= high:
        errors["csat_expiry_days"] = f"A survey link can work from {low} to {high} days."
    if errors:
        raise Invalid(errors)


@transaction.atomic
def feedback_settings_update(
    *, team: Team, by: User | None, expected_version: int, change: FeedbackSettingsChange
) -> FeedbackSettings:
    """Save a team's weights, public form switch and survey timing.

    A save based on an old version raises :class:`StaleEdit` with the current
    settings. When a weight changed, every item of the team is rescored.
    """
    validate_settings(change)
    settings = feedback_settings_ensure(team=team)
    locked = lock_if_current(FeedbackSettings.objects, pk=settings.pk, seen=expected_version)
    weights_changed = any(getattr(locked, name) != getattr(change, name) for name in WEIGHT_FIELDS)
    for name, value in vars(change).items():
        setattr(locked, name, value)
    locked.version += 1
    locked.save()
    if weights_changed:
        feedback_rescore(team=team)
    return locked


@transaction.atomic
def feedback_public_key_regenerate(*, team: Team, by: User | None) -> FeedbackSettings:
    """Give the public form a new URL; the old one stops working at once."""
    feedback_settings_ensure(team=team)
    locked = FeedbackSettings.objects.select_for_update().get(team=team)
    locked.public_form_key = new_public_key()
    locked.version += 1
    locked.save(update_fields=["public_form_key", "version"])
    return locked


# --- Intake ----------------------------------------------------------------------------------
