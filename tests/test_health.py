from __future__ import annotations

import pytest

from supportpm.health import heartbeat_record


@pytest.mark.django_db
def test_healthz_reports_database_cache_and_worker(client):
    heartbeat_record(source="beat")
    body = client.get("/healthz").json()
    assert body["status"] == "ok"
    assert body["database"] is True and body["cache"] is True
    assert body["worker"]["ok"] is True
    assert body["worker"]["seconds_ago"] < 60
