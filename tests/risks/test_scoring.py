"""Scores and levels as DESIGN.md defines them, and review dates by level."""

from __future__ import annotations

from datetime import date

import pytest

from risks.scoring import Level, Score, level_of, next_review, score_range


@pytest.mark.parametrize(
    ("score", "level"),
    [(1, Level.LOW), (4, Level.LOW), (5, Level.MEDIUM), (9, Level.MEDIUM), (10, Level.HIGH), (16, Level.HIGH),
     (17, Level.CRITICAL), (25, Level.CRITICAL)],
)  # fmt: skip
def test_level_boundaries(score, level):
    assert level_of(score) == level


@pytest.mark.parametrize("score", [0, 26, -1])
def test_a_score_outside_1_to_25_is_refused(score):
    with pytest.raises(ValueError, match="1-25"):
        level_of(score)


def test_every_cell_of_the_grid_has_a_level_and_reads_without_colour():
    levels = {Score(p, i).level for p in range(1, 6) for i in range(1, 6)}
    assert levels == set(Level)
    assert Score(4, 3).text == "12 · High (Likely × Moderate)"
    assert Score(5, 4).value == 20 and Score(5, 4).level == Level.CRITICAL
    assert score_range(Level.HIGH) == (10, 16) and score_range(Level.LOW) == (1, 4)


@pytest.mark.parametrize(
    ("level", "due"),
    [(Level.CRITICAL, date(2026, 3, 9)), (Level.HIGH, date(2026, 3, 16)), (Level.MEDIUM, date(2026, 4, 1)),
     (Level.LOW, date(2026, 5, 31))],
)  # fmt: skip
def test_reviews_fall_due_weekly_fortnightly_monthly_quarterly(level, due):
    assert next_review(date(2026, 3, 2), level) == due
    assert next_review(date(2026, 3, 2), level, {level: 3}) == date(2026, 3, 5)
