"""The fixed vocabularies of planning."""

from django.db import models


class SprintState(models.TextChoices):
    PLANNED = "planned", "Planned"
    ACTIVE = "active", "Active"
    CLOSED = "closed", "Closed"


class ChangeKind(models.TextChoices):
    ENTERED = "entered", "Entered"
    LEFT = "left", "Left"
    COMMITTED = "committed", "Committed at the start"


class ChangeReason(models.TextChoices):
    PLANNED = "planned", "Planned"  # entered before the sprint started
    ADDED = "added", "Added mid-sprint"
    REMOVED = "removed", "Removed"
    CARRIED_IN = "carried_in", "Carried over from an earlier sprint"
    CARRIED_OUT = "carried_out", "Carried over to the next sprint"
    RETURNED = "returned", "Back to the backlog at close"
    ESTIMATE = "estimate", "Estimate changed"


class RetroColumn(models.TextChoices):
    WENT_WELL = "well", "Went well"
    WENT_BADLY = "badly", "Didn't go well"
    IDEA = "idea", "Ideas"


class ActionDecision(models.TextChoices):
    KEPT = "kept", "Kept"
    DROPPED = "dropped", "Dropped"
