"""Database connection set-up shared by every app.

Django reads PostgreSQL ``timestamptz`` values through a loader written in
Python (it subclasses psycopg's pure-Python loader to attach the time zone),
even when psycopg's compiled loader is installed. When the connection's time
zone is UTC, the compiled loader already returns exactly what Django wants
(aware datetimes in ``datetime.timezone.utc``) several times faster, and a
board of thousands of cards reads thousands of them.
"""

from __future__ import annotations

from datetime import UTC
from typing import Any

from django.db.backends.signals import connection_created


def _fast_utc_loader() -> type | None:
    """A loader that parses with psycopg's compiled one and says UTC, as Django checks; None without it."""
    try:
        from psycopg.types.datetime import TimestamptzLoader
        from psycopg_binary._psycopg import TimestamptzLoader as CompiledLoader  # type: ignore[import-not-found,attr-defined,unused-ignore]
    except ImportError:
        return None

    class FastUTCTimestamptzLoader(TimestamptzLoader):
        # Django registers its own loader again on a cursor whose loader's ``timezone`` differs from
        # the connection's (DatabaseWrapper.create_cursor): this one's values are in UTC, and it says so.
        timezone = UTC

        def __init__(self, oid: int, context: Any = None) -> None:
            super().__init__(oid, context)
            self._compiled = CompiledLoader(oid, context)

        def load(self, data: Any) -> Any:
            return self._compiled.load(data)

    return FastUTCTimestamptzLoader


FAST_LOADER = _fast_utc_loader()


def use_fast_datetimes(sender: Any, connection: Any, **kwargs: Any) -> None:
    """On a new PostgreSQL connection in UTC, read timestamptz values with the compiled loader."""
    if connection.vendor != "postgresql" or FAST_LOADER is None or connection.timezone is not UTC:
        return
    raw = connection.connection
    if raw is None or raw.info.parameter_status("TimeZone") != "UTC":
        return
    raw.adapters.register_loader("timestamptz", FAST_LOADER)


def plan_prepared_statements_once(sender: Any, connection: Any, **kwargs: Any) -> None:
    """On a PostgreSQL connection that prepares statements, plan each one once, for any parameters.

    Only the hand-written statements of hot paths are prepared (``core.rows.statements``); each
    reads by indexes whatever its parameters, so the plan made for the first run serves every
    later one. Left to itself, PostgreSQL plans a statement of several subqueries anew at every
    run (its own estimate finds the custom plan cheaper), and planning costs more than running it.
    """
    raw = connection.connection
    if connection.vendor != "postgresql" or raw is None or raw.prepare_threshold is None:
        return
    raw.execute("SET plan_cache_mode = force_generic_plan")


def connect_signals() -> None:
    connection_created.connect(use_fast_datetimes, dispatch_uid="core.db.use_fast_datetimes")
    connection_created.connect(plan_prepared_statements_once, dispatch_uid="core.db.plan_prepared_statements_once")
