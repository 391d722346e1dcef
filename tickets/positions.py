"""Card order on a board: gapped integer positions, so a move writes the moved card only.

A move takes the midpoint of its neighbours; when the gap runs out the column
is renumbered in one statement (in the background once gaps run low).
"""

from __future__ import annotations

from django.db import connection
from django.db.models import Max

from tickets.models import Ticket

# Distance between neighbouring cards after a renumber. A move takes the
# midpoint of its neighbours, so ~20 moves into the same gap fit before a
# renumber is needed.
POSITION_GAP = 1 << 20
# Below this gap a background renumber of the column is scheduled.
RENUMBER_BELOW = 64


def bottom_position(*, team_id: int, status: str) -> int:
    last = Ticket.objects.filter(team_id=team_id, status=status).aggregate(m=Max("position"))["m"]
    return (last or 0) + POSITION_GAP


def positions_renumber(*, team_id: int, status: str) -> int:
    """Spread the positions of one column evenly again; one statement. Returns rows changed."""
    table = Ticket._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            UPDATE {table} SET position = ranked.rn * %s
            FROM (
                SELECT id, ROW_NUMBER() OVER (ORDER BY position, id) AS rn
                FROM {table} WHERE team_id = %s AND status = %s
            ) AS ranked
            WHERE {table}.id = ranked.id AND {table}.position <> ranked.rn * %s
            """,  # noqa: S608 - table name from the model, values bound
            [POSITION_GAP, team_id, status, POSITION_GAP],
        )
        return cursor.rowcount


def position_between(
    *, above: int | None, below: int | None, after_above: int | None, top: int | None, bottom: int | None,
    had_neighbours: bool,
) -> tuple[int | None, bool]:  # fmt: skip
    """The position of a card dropped between two neighbours; and whether the gaps run low.

    ``above``/``below``: the neighbours' positions, None when the user dropped
    at that end or the neighbour has left the column since (``had_neighbours``
    says the user named one); ``after_above``: the position of the card now
    below ``above``; ``top``/``bottom``: the column's ends. All leave the moved
    card out. None: the gap is used up; renumber the column and read again.
    """
    if above is not None and below is not None and below <= above:
        below = None  # stale neighbours: trust the card above
    if above is None and below is None:
        if had_neighbours:
            # Neighbours moved away meanwhile: put the card at the bottom.
            return (bottom or 0) + POSITION_GAP, False
        return (top - POSITION_GAP) if top is not None else POSITION_GAP, False
    if below is None:
        assert above is not None
        if after_above is None:
            return above + POSITION_GAP, False
        below = after_above
    if above is None:
        return below - POSITION_GAP, False
    gap = below - above
    if gap < 2:
        return None, False
    return above + gap // 2, gap < RENUMBER_BELOW
