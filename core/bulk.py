"""Bulk writes the ORM has no statement for: many rows, different values, one ``UPDATE … FROM (VALUES …)``."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, cast

from django.db import connection
from django.db.models import Field, Model

Assign = Callable[[str, str, str], str]


def plain_assignment(column: str, value: str, table: str) -> str:
    return f"{column} = {value}"


def update_from_values(
    model: type[Model],
    *,
    fields: Sequence[str],
    rows: Sequence[Sequence[Any]],
    match_version: bool = False,
    assign: Assign = plain_assignment,
) -> None:
    """Write ``fields`` of many rows of ``model`` with one statement.

    Each row is ``(pk, *values)``, or ``(pk, version, *values)`` with
    ``match_version``: then a row whose version moved on since it was read is
    skipped (its own edit wrote it). Values are prepared by each model field
    for the database at hand and cast to the column's type, so JSON,
    timestamps and keys go in as ``save()`` would write them. ``assign``
    builds each ``SET`` item from (column, value expression, table), for a
    column that must not always be overwritten.
    """
    if not rows:
        return
    meta = model._meta
    table = meta.db_table
    model_fields = [cast(Field, meta.get_field(name)) for name in fields]
    postgres = connection.vendor == "postgresql"
    keys = ["id", "version"] if match_version else ["id"]
    aliases = [f"c{i}" for i in range(len(model_fields))]
    slots = ["%s"] * len(keys) + [f"CAST(%s AS {f.db_type(connection)})" if postgres else "%s" for f in model_fields]
    values = ", ".join(f"({', '.join(slots)})" for _ in rows)
    columns = ", ".join(assign(f.column, f"v.{alias}", table) for f, alias in zip(model_fields, aliases, strict=True))
    params: list[Any] = []
    for row in rows:
        params += row[: len(keys)]
        params += [f.get_db_prep_save(v, connection) for f, v in zip(model_fields, row[len(keys) :], strict=True)]
    match = " AND ".join(f"{table}.{k} = v.{k}" for k in keys)
    sql = (
        f"WITH v({', '.join([*keys, *aliases])}) AS (VALUES {values}) "  # noqa: S608 - names from the model
        f"UPDATE {table} SET {columns} FROM v WHERE {match}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
