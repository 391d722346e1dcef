"""Model rows read and written by hand-written statements, converted as the ORM converts them.

A few hot paths (the card move) cannot afford the ORM's per-query cost: on a
small machine, compiling a query and building a model with dozens of fields
takes several times the database's own round trip. They write their SQL by
hand and use these helpers for what the ORM would have done around it:

- :class:`RowReader` selects some fields of a model and turns a row into an
  instance, through the same converters the ORM applies (SQLite's text
  datetimes, JSON fields), computed once per model, fields and database. The
  fields left out are deferred: reading one loads it, as ``.only()`` does.
- :func:`prepared` turns field values into query parameters as ``save()`` does;
- :func:`statements` is the cursor to run them with: on PostgreSQL the server
  prepares each statement once the connection has run it a few times, so a
  statement that runs at every move is planned once per connection.

:func:`rows_of` is for ORM queries that return thousands of rows (a whole
board's cards): the same rows as the queryset, read in binary on PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from functools import cache
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import Model, QuerySet

Converter = Callable[[Any, Any, Any], Any]


class RowReader:
    """Read ``fields`` (attribute names) of ``model`` from a hand-written SELECT.

    The select list is :meth:`columns`, in the model's order of fields; columns
    the query adds after them are the caller's to read (``row[len(reader.names):]``).
    """

    def __init__(self, model: type[Model], fields: Iterable[str]) -> None:
        self.model = model
        wanted = set(fields)
        unknown = wanted - {f.attname for f in model._meta.concrete_fields}
        if unknown:
            raise ValueError(f"{model.__name__} has no fields {sorted(unknown)}")
        # In the model's order, as ``Model.from_db`` expects the values of a subset of fields.
        self.fields = [f for f in model._meta.concrete_fields if f.attname in wanted]
        self.names = [f.attname for f in self.fields]
        self._converters: dict[str, list[tuple[int, list[Converter], Any]]] = {}

    def columns(self, alias: str) -> str:
        """The select list: ``alias."column", …`` in the order of ``fields``."""
        quote = connection.ops.quote_name
        return ", ".join(f"{alias}.{quote(str(f.column))}" for f in self.fields)

    def __len__(self) -> int:
        return len(self.fields)

    def converters(self) -> list[tuple[int, list[Converter], Any]]:
        vendor = connection.vendor
        known = self._converters.get(vendor)
        if known is None:
            known = []
            for i, f in enumerate(self.fields):
                col = f.get_col(self.model._meta.db_table)
                found = connection.ops.get_db_converters(col) + f.get_db_converters(connection)
                if found:
                    known.append((i, found, col))
            self._converters[vendor] = known
        return known

    def values(self, row: Sequence[Any], start: int = 0) -> list[Any]:
        """The row's values (``len(fields)`` columns from ``start``) as the model's fields hold them."""
        values = list(row[start : start + len(self.fields)])
        for i, converters, col in self.converters():
            value = values[i]
            for convert in converters:
                value = convert(value, col, connection)
            values[i] = value
        return values

    def instance(self, row: Sequence[Any], start: int = 0) -> Any:
        """A model instance of the row (from column ``start``), as loaded; the other fields deferred."""
        return self.model.from_db(connection.alias, self.names, self.values(row, start))


def prepared(obj: Model, fields: Sequence[str]) -> list[Any]:
    """Query parameters of ``obj``'s ``fields`` (attribute names), prepared as ``save()`` prepares them."""
    by_attname = {f.attname: f for f in obj._meta.concrete_fields}
    return [by_attname[name].get_db_prep_save(getattr(obj, name), connection) for name in fields]


def column_names(model: type[Model], fields: Sequence[str]) -> list[str]:
    """The quoted columns of ``fields`` (attribute names) of ``model``."""
    by_attname = {f.attname: f for f in model._meta.concrete_fields}
    return [connection.ops.quote_name(str(by_attname[name].column)) for name in fields]


@contextmanager
def statements() -> Iterator[Any]:
    """A cursor for hand-written statements that run again and again (a hot path's).

    On PostgreSQL its parameters are bound by the server, so psycopg prepares a
    statement once this connection has run it ``prepare_threshold`` times
    (``DATABASE_PREPARE_THRESHOLD``; unset: never) and the server stops planning
    it anew. The ORM's queries bind on the client and are never prepared, so a
    connection pooler in transaction mode only meets these. Django's wrappers
    are kept: query logs and counts see these statements like any other.
    """
    if connection.vendor != "postgresql":
        with connection.cursor() as cursor:
            yield cursor
        return
    from django.db.backends.postgresql.base import ServerBindingCursor

    with _wrapped(ServerBindingCursor) as cursor:
        yield cursor


@contextmanager
def _wrapped(cursor_class: type) -> Iterator[Any]:
    """A psycopg cursor of ``cursor_class`` on Django's connection, in Django's wrappers (logs, counts, errors)."""
    connection.close_if_health_check_failed()
    connection.ensure_connection()
    with connection.wrap_database_errors:
        raw: Any = cursor_class(connection.connection)
    cursor = connection.make_debug_cursor(raw) if connection.queries_logged else connection.make_cursor(raw)
    with cursor:
        yield cursor


# Fields whose PostgreSQL values psycopg reads in binary as Django reads them in text.
BINARY_SAFE = frozenset(
    {
        "AutoField", "BigAutoField", "SmallAutoField", "IntegerField", "BigIntegerField", "SmallIntegerField",
        "PositiveIntegerField", "PositiveBigIntegerField", "PositiveSmallIntegerField",
        "CharField", "TextField", "SlugField", "EmailField", "BooleanField", "DateTimeField", "DateField",
    }
)  # fmt: skip


def _binary_safe(field: Any) -> bool:
    while field.is_relation:  # a key reads as the field it points to
        field = field.target_field
    return field.get_internal_type() in BINARY_SAFE


@cache
def _binary_cursor() -> type:
    """A psycopg cursor whose statements come back in binary and are never prepared."""
    from django.db.backends.postgresql.base import ServerBindingCursor

    class BinaryCursor(ServerBindingCursor):  # type: ignore[misc,valid-type]
        def execute(self, query: Any, params: Any = None, **kwargs: Any) -> Any:
            return super().execute(query, params, prepare=False, binary=True)  # type: ignore[misc]

    return BinaryCursor


def rows_of(queryset: QuerySet[Any, Any]) -> list[tuple[Any, ...]]:
    """The rows of a ``values_list()`` queryset, as ``list(queryset)`` gives them.

    On PostgreSQL they are read in binary: psycopg's compiled parsers read a
    board's thousands of integers and timestamps in about three quarters of the
    time text takes, and Django's client-side binding can only read text. The
    statement is the ORM's, with its values written in as Django would send
    them, so the server plans it on the same literals (a partial index on a
    status stays usable); it is never prepared. The ORM's converters still
    apply. A column of another type than :data:`BINARY_SAFE`'s (JSON, say,
    which Django expects as text) leaves the whole query to the ORM.
    """
    if connection.vendor != "postgresql":
        return list(queryset)
    compiler = queryset.query.get_compiler(using=queryset.db)
    try:
        sql, params = compiler.as_sql()
    except EmptyResultSet:
        return []
    if not all(_binary_safe(col.output_field) for col, _, _ in compiler.select):
        return list(queryset)
    literal = connection.ops.compose_sql(sql, params)  # type: ignore[attr-defined]  # PostgreSQL's operations
    with _wrapped(_binary_cursor()) as cursor:
        cursor.execute(literal)
        rows = cursor.fetchall()
    return list(compiler.results_iter(results=[rows], tuple_expected=True))
