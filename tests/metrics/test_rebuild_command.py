"""metrics_rebuild: rebuilds every day, refuses bad options, and gives the same rows in parallel."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from metrics.models import DailyFigure, TicketDuration
from tests.metrics.conftest import at, berlin


def _rows() -> list[tuple]:
    figures = list(DailyFigure.objects.order_by("team", "day", "priority", "channel").values_list())
    durations = list(TicketDuration.objects.order_by("ticket", "kind", "cycle").values_list())
    return [r[1:] for r in figures] + [r[1:] for r in durations]


@pytest.mark.django_db
def test_rebuild_writes_the_rows_and_says_so(week):
    out = StringIO()
    with at(berlin(6, 12, month=4)):
        call_command("metrics_rebuild", stdout=out)
    assert "team-days of figures rebuilt for 1 team(s)" in out.getvalue()
    assert DailyFigure.objects.filter(team=week.team).exists() and TicketDuration.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--team", "nowhere"], "No team with the slug 'nowhere'"),
        (["--since", "2999-01-01"], "--since is in the future"),
        (["--jobs", "0"], "--jobs is at least 1"),
    ],
)
def test_bad_options_are_refused(week, args, message):
    with pytest.raises(CommandError, match=message):
        call_command("metrics_rebuild", *args, stdout=StringIO())


@pytest.mark.skipif(connection.vendor != "postgresql", reason="parallel rebuilds need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_parallel_rebuild_gives_the_same_rows(week, other_team):
    with at(berlin(6, 12, month=4)):
        call_command("metrics_rebuild", stdout=StringIO())
        one = _rows()
        call_command("metrics_rebuild", "--jobs", "2", stdout=StringIO())
    assert _rows() == one and one


@pytest.mark.skipif(connection.vendor == "postgresql", reason="SQLite refuses parallel writers")
@pytest.mark.django_db
def test_parallel_rebuild_is_refused_on_sqlite(week):
    with pytest.raises(CommandError, match="needs PostgreSQL"):
        call_command("metrics_rebuild", "--jobs", "2", stdout=StringIO())
