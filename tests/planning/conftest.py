from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from unittest import mock
from zoneinfo import ZoneInfo

import pytest

from teams.models import Team
from tests.factories import WorkingHoursFactory, make_ticket
from tickets.models import Ticket

UTC = ZoneInfo("UTC")


def at(day: date, hour: int, minute: int = 0, zone: ZoneInfo = UTC):
    """Run the block as if it were that local time."""
    return mock.patch(
        "django.utils.timezone.now", return_value=datetime(day.year, day.month, day.day, hour, minute, tzinfo=zone)
    )


@pytest.fixture
def office_team(team: Team) -> Team:
    """Customer Care on UTC, Monday to Friday 09:00–17:00."""
    for weekday in range(5):
        WorkingHoursFactory(team=team, weekday=weekday, start_minute=540, end_minute=1020)
    return team


@pytest.fixture
def task() -> Callable[..., Ticket]:
    def make(team: Team, points: int | None, title: str = "Tidy the macros", **fields) -> Ticket:
        return make_ticket(team, title=title, kind="task", story_points=points, **fields)

    return make
