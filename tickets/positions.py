"""Card order on a board: gapped integer positions, so a move writes the moved card only.

A move takes the midpoint of its neighbours; when the gap runs out the column
is renumbered in one statement (in the background once gaps run low).
"""

from __future__ import annotations

from django.db import connection
from django.db.models import Max, Min

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


def position_between(*, ticket: Ticket, status: str, above_id: int | None, below_id: int | None) -> tuple[int, bool]:
    """Position for ``ticket`` between two neighbours in ``status``; and whether gaps run low."""
    neighbours = {
        t.pk: t.position
        for t in Ticket.objects.filter(
            team_id=ticket.team_id, status=status, pk__in=[i for i in (above_id, below_id) if i]
        )
        .exclude(pk=ticket.pk)
        .only("id", "position")
    }
    above = neighbours.get(above_id) if above_id else None
    below = neighbours.get(below_id) if below_id else None
    if above is not None and below is not None and below <= above:
        below = None  # stale neighbours: trust the card above
    if above is None and below is None:
        if above_id or below_id:
            # Neighbours moved away meanwhile: put the card at the bottom.
            return bottom_position(team_id=ticket.team_id, status=status), False
        top = (
            Ticket.objects.filter(team_id=ticket.team_id, status=status)
            .exclude(pk=ticket.pk)
            .aggregate(m=Min("position"))["m"]
        )
        return (top - POSITION_GAP) if top is not None else POSITION_GAP, False
    if below is None:
        assert above is not None
        nxt = (
            Ticket.objects.filter(team_id=ticket.team_id, status=status, position__gt=above)
            .exclude(pk=ticket.pk)
            .aggregate(m=Min("position"))["m"]
        )
        if nxt is None:
            return above + POSITION_GAP, False
        below = nxt
    if above is None:
        assert below is not None
        return below - POSITION_GAP, False
    gap = below - above
    if gap < 2:
        positions_renumber(team_id=ticket.team_id, status=status)
        return position_between(ticket=ticket, status=status, above_id=above_id, below_id=below_id)
    return above + gap // 2, gap < RENUMBER_BELOW
