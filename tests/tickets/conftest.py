from __future__ import annotations

import pytest

from tickets.choices import Status
from tickets.models import Board, Column
from tickets.services import board_ensure_for_team


@pytest.fixture
def board(team) -> Board:
    return board_ensure_for_team(team=team)


@pytest.fixture
def column(board):
    """Column of ``board`` by status: column("in_progress")."""

    def get(status: str) -> Column:
        return Column.objects.get(board=board, status=status)

    return get


@pytest.fixture
def in_progress(column) -> Column:
    return column(Status.IN_PROGRESS)
