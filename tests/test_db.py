"""Connection set-up: PostgreSQL datetimes read back exactly, through the compiled loader."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from django.db import connection

from tests.factories import make_ticket
from tickets.models import Ticket

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the loader is PostgreSQL's"),
]


def test_datetimes_read_back_exactly_in_utc_through_the_compiled_loader(team):
    from core.db import FAST_LOADER

    moment = datetime(2026, 3, 29, 0, 59, 59, 999_999, tzinfo=timezone(timedelta(hours=-5)))  # any offset in
    ticket = make_ticket(team)
    Ticket.objects.filter(pk=ticket.pk).update(created_at=moment, resolved_at=None)
    read = Ticket.objects.values_list("created_at", "resolved_at").get(pk=ticket.pk)
    assert read == (moment, None)
    assert read[0].tzinfo is UTC and read[0].hour == 5 and read[0].microsecond == 999_999
    with connection.cursor() as cursor:  # Django keeps it: it sees a loader already in UTC
        assert cursor.cursor.adapters.get_loader(1184, 0) is FAST_LOADER
