"""Signing in with a username and password, and reading the signed-in user at every request.

Django's model backend, but the user of a request (one read on every
signed-in page) is one hand-written statement (:mod:`core.rows`) instead of an
ORM query, which on a small machine costs several times the lookup itself.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from core.rows import RowReader, statements
from teams.models import User

_USER = RowReader(User, [f.attname for f in User._meta.concrete_fields])


class UserBackend(ModelBackend):
    def authenticate(self, request: HttpRequest | None, username: str | None = None, password: str | None = None,
                     **kwargs: Any) -> User | None:  # fmt: skip
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is None:
            # The answer is final: Django's model backend, listed after this one for sessions signed in
            # before it, would only check the same password again.
            raise PermissionDenied
        return user  # type: ignore[no-any-return]

    def get_user(self, user_id: Any) -> User | None:
        try:
            pk = int(user_id)
        except (TypeError, ValueError):
            return None
        sql = f"SELECT {_USER.columns('u')} FROM {User._meta.db_table} u WHERE u.id = %s"  # noqa: S608
        with statements() as cursor:
            cursor.execute(sql, [pk])
            row = cursor.fetchone()
        if row is None:
            return None
        user: User = _USER.instance(row)
        return user if self.user_can_authenticate(user) else None
