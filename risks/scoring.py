"""Risk scores and levels (DESIGN.md): probability 1-5 × impact 1-5 = 1-25; 1-4 low, 5-9 medium, 10-16 high,
17-25 critical. Pure: no database."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.db import models

PROBABILITY = {1: "Rare", 2: "Unlikely", 3: "Possible", 4: "Likely", 5: "Almost certain"}
IMPACT = {1: "Insignificant", 2: "Minor", 3: "Moderate", 4: "Major", 5: "Severe"}
SCALE = range(1, 6)


class Level(models.TextChoices):
    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"
    CRITICAL = "critical", "Critical"


# The highest score of each level, in order.
LEVEL_TOPS = ((Level.LOW, 4), (Level.MEDIUM, 9), (Level.HIGH, 16), (Level.CRITICAL, 25))
# How often a risk of each level is reviewed unless its team says otherwise: weekly, every two weeks,
# monthly, quarterly.
REVIEW_DAYS: dict[str, int] = {Level.CRITICAL: 7, Level.HIGH: 14, Level.MEDIUM: 30, Level.LOW: 90}


def level_of(score: int) -> Level:
    if not 1 <= score <= 25:
        raise ValueError(f"a risk score is 1-25, not {score}")
    return next(level for level, top in LEVEL_TOPS if score <= top)


def score_range(level: str) -> tuple[int, int]:
    """The lowest and highest score of a level."""
    low = 1
    for name, top in LEVEL_TOPS:
        if name == level:
            return low, top
        low = top + 1
    raise ValueError(f"no level {level!r}")


@dataclass(frozen=True)
class Score:
    probability: int
    impact: int

    @property
    def value(self) -> int:
        return self.probability * self.impact

    @property
    def level(self) -> Level:
        return level_of(self.value)

    @property
    def text(self) -> str:
        """Readable without colour: "12 · High (Likely × Moderate)"."""
        return f"{self.value} · {self.level.label} ({PROBABILITY[self.probability]} × {IMPACT[self.impact]})"


def next_review(day: date, level: str, cadence: dict[str, int] | None = None) -> date:
    """The day a risk of ``level`` reviewed on ``day`` is next due."""
    return day + timedelta(days=(cadence or REVIEW_DAYS)[level])
