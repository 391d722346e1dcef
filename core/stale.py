"""The one way to refuse a stale write: in the service, and in the view that shows the refusal.

Every editable object carries a version (or, for rows without a version
column, a fingerprint of the values the form showed). A service locks the
row, compares what the user saw with what is saved, and raises
:class:`~core.errors.StaleEdit` carrying the saved object when they differ;
nothing is written. The view then calls :func:`refuse_stale`: one message,
and the form's next submit is based on what the user has now been shown,
so saving again overwrites on purpose, never by accident.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any, TypeVar

from django.db.models import Model, QuerySet
from django.db.models.manager import BaseManager
from django.forms import BaseForm

from core.errors import StaleEdit

M = TypeVar("M", bound=Model)

STALE_MESSAGE = (
    "Someone else changed {what} while you were editing. What is saved now is shown; "
    "your input is kept — check it and save again to overwrite."
)


def fingerprint(*values: object) -> str:
    """A short digest of the values a form showed: the version of a row that has no version column."""
    return hashlib.sha256(repr(values).encode()).hexdigest()[:16]


def version_of(obj: Any) -> Any:
    return obj.version


def lock_if_current(
    queryset: QuerySet[M, M] | BaseManager[M],
    *,
    pk: Any,
    seen: Any,
    stamp: Callable[[M], Any] = version_of,
    current: Callable[[M], Any] | None = None,
) -> M:
    """Lock the row ``pk`` of ``queryset`` for this transaction and return it if ``stamp(row) == seen``.

    Otherwise raise :class:`StaleEdit` with the saved row (or ``current(row)``,
    for a page that shows a value object). Call it inside ``transaction.atomic``;
    the caller writes and bumps the version while the lock is held.
    """
    row = queryset.all().select_for_update().get(pk=pk)
    if stamp(row) != seen:
        raise StaleEdit(current=current(row) if current else row)
    return row


def refuse_stale(form: BaseForm, stale: StaleEdit, *, what: str, field: str = "version", seen: Any = None) -> Any:
    """Show a refused stale write on ``form`` and base its next submit on what is saved now.

    ``what`` names the object ("this rule", "the calendar"); ``seen`` is the
    stamp to carry forward (the saved version by default). Returns the saved
    object so the view can put it in its context.
    """
    form.add_error(None, STALE_MESSAGE.format(what=what))
    data = form.data.copy()  # type: ignore[attr-defined]
    data[field] = str(stale.current.version if seen is None else seen)
    form.data = data
    return stale.current
