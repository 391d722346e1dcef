"""Ordered lists of a team's rules (routing rules, SLA policies): tried first to last, numbered 1..n.

Every change to one team's order locks the team's row first, so two people
adding or moving rules at once are serialised and the numbering stays 1..n.
A model served here has ``team``, ``order`` and ``is_active`` fields.
"""

from __future__ import annotations

from typing import Any, Literal, TypeVar

from django.db.models import Max, Model

M = TypeVar("M", bound=Model)
Direction = Literal["up", "down"]


def lock_team_order(model: type[Model], team_id: int) -> None:
    """Serialise changes to one team's order of ``model`` rows (the team row, as ticket numbers do)."""
    team_model: Any = model._meta.get_field("team").related_model
    team_model.objects.select_for_update().filter(pk=team_id).values_list("pk", flat=True).get()


def _in_order(model: type[M], team_id: int) -> list[M]:
    return list(model._default_manager.filter(team_id=team_id).order_by("order", "id"))


def next_place(model: type[Model], team_id: int) -> int:
    """The place after the team's last row; call with the team's order locked."""
    last = model._default_manager.filter(team_id=team_id).aggregate(m=Max("order"))["m"]
    return (last or 0) + 1


def renumber(model: type[M], rows: list[M]) -> None:
    """Store 1..n as the order of ``rows``, writing only the rows whose place changed."""
    changed = []
    for place, row in enumerate(rows, start=1):
        if row.order != place:  # type: ignore[attr-defined]
            row.order = place  # type: ignore[attr-defined]
            changed.append(row)
    model._default_manager.bulk_update(changed, ["order"])


def ordered_move(model: type[Model], *, team_id: int, pk: int, direction: Direction) -> bool:
    """Swap a row with its neighbour above or below and renumber; whether the order changed.

    Moving the first row up or the last one down changes nothing.
    """
    lock_team_order(model, team_id)
    rows = _in_order(model, team_id)
    index = next((i for i, r in enumerate(rows) if r.pk == pk), None)
    if index is None:
        return False
    before = [r.pk for r in rows]
    other = index - 1 if direction == "up" else index + 1
    if 0 <= other < len(rows):
        rows[index], rows[other] = rows[other], rows[index]
    renumber(model, rows)
    return [r.pk for r in rows] != before


def ordered_delete(model: type[Model], *, team_id: int, pk: int) -> None:
    """Delete a row; the rows after it move up one place."""
    lock_team_order(model, team_id)
    model._default_manager.filter(pk=pk).delete()
    renumber(model, _in_order(model, team_id))


def ordered_set_active(model: type[Model], *, pk: int, is_active: bool) -> bool:
    """Switch a row on or off (not a content edit: its version stays); whether it changed.

    The caller says which state it wants, so a repeated click is harmless.
    """
    return bool(model._default_manager.filter(pk=pk).exclude(is_active=is_active).update(is_active=is_active))
