"""Sessions in the database, read by one hand-written statement.

Every signed-in request reads its session first. Django's database store
does it through the ORM, which on a small machine costs several times the
database's own lookup; this store reads the same table the same way (the key,
not expired) with :mod:`core.rows`. Writing, expiry and clearing are Django's.
"""

from __future__ import annotations

from typing import Any

from django.contrib.sessions.backends.db import SessionStore as DatabaseStore
from django.contrib.sessions.models import Session
from django.utils import timezone

from core.rows import RowReader, statements

_SESSION = RowReader(Session, ["session_key", "session_data", "expire_date"])


class SessionStore(DatabaseStore):
    def _get_session_from_db(self) -> Any:
        key = self.session_key
        if key is None or "\x00" in key:  # a forged cookie: no such session (PostgreSQL refuses NUL in text)
            self._session_key = None
            return None
        sql = (
            f"SELECT {_SESSION.columns('s')} FROM {Session._meta.db_table} s "  # noqa: S608 - names from the model
            "WHERE s.session_key = %s AND s.expire_date > %s"
        )
        with statements() as cursor:
            cursor.execute(sql, [key, timezone.now()])
            row = cursor.fetchone()
        if row is None:
            self._session_key = None  # as Django's store: a session that is gone starts afresh
            return None
        return _SESSION.instance(row)
