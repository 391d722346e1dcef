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

from django.conf import settings
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


def configure_session(sender: Any, connection: Any, **kwargs: Any) -> None:
    """Settings of each new PostgreSQL session, in one statement.

    * ``plan_cache_mode = force_generic_plan`` when statements are prepared: only the
      hand-written statements of hot paths are (``core.rows.statements``), each reads by
      indexes whatever its parameters, so the plan made for the first run serves every later
      one. Left to itself, PostgreSQL plans a statement of several subqueries anew at every
      run (its own estimate finds the custom plan cheaper), and planning costs more than
      running it.
    * ``jit = off`` unless ``DATABASE_JIT`` is set: PostgreSQL compiles any query whose
      estimated cost passes ``jit_above_cost`` (100,000 by default), and optimises the
      compiled code past 500,000, where this application's queries run in milliseconds.
      A full board of 6,500 cards passes the first mark (the SLA-escalation subquery is
      costed for every card, though it runs for escalated ones only): its query took 40 ms,
      22 of them compiling, against 15 ms without.
    """
    raw = connection.connection
    if connection.vendor != "postgresql" or raw is None:
        return
    wanted = []
    if raw.prepare_threshold is not None:
        wanted.append(("plan_cache_mode", "force_generic_plan"))
    if not settings.DATABASE_JIT:
        wanted.append(("jit", "off"))
    if wanted:
        calls = ", ".join("set_config(%s, %s, false)" for _ in wanted)
        raw.execute(f"SELECT {calls}", [value for pair in wanted for value in pair])


def connect_signals() -> None:
    connection_created.connect(use_fast_datetimes, dispatch_uid="core.db.use_fast_datetimes")
    connection_created.connect(configure_session, dispatch_uid="core.db.configure_session")
