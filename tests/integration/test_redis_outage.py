"""Redis stops mid-test: what customers and agents submit is still saved.

A private ``redis-server`` is started for the test, used as the cache, and
stopped between two posts of the public feedback form.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time

import pytest
from django.urls import reverse

from voice import options
from voice.models import FeedbackItem

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(shutil.which("redis-server") is None, reason="needs the redis-server program"),
]

GOOD = {"name": "Jane Roe", "email": "jane@acme.example", "company": "", "message": "Export to CSV, please."}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def redis_server(tmp_path):
    """A redis-server of the test's own: (its URL, a function that stops it)."""
    port = _free_port()
    process = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
         "--dir", str(tmp_path)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + 10
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            if time.monotonic() > deadline:
                process.kill()
                pytest.fail("redis-server did not start")
            time.sleep(0.05)

    def stop() -> None:
        process.terminate()
        process.wait(timeout=10)

    yield f"redis://127.0.0.1:{port}/0", stop
    if process.poll() is None:
        process.kill()


def test_public_feedback_is_saved_when_redis_stops(client, team, settings, redis_server, caplog):
    url, stop = redis_server
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url}}
    form = reverse("public-feedback", args=[options.feedback_settings_ensure(team=team).public_form_key])

    assert client.post(form, GOOD).status_code == 302  # counted in Redis
    from django.core.cache import cache

    assert any(key for key in cache._cache.get_client().keys("*feedback-public*")), "the limit is counted in Redis"
    stop()
    response = client.post(form, {**GOOD, "message": "Sent while Redis was down."})
    assert response.status_code == 302, "the customer sees the thank-you page"
    assert FeedbackItem.objects.filter(text="Sent while Redis was down.").exists()
    assert "rate limit could not be counted" in caplog.text


def test_work_queued_after_a_commit_runs_here_when_the_broker_is_down(
    team, redis_server, caplog, django_capture_on_commit_callbacks
):
    from core.tasks import enqueue_after_commit
    from supportpm.celery import app
    from tests.factories import make_ticket
    from tickets.models import Ticket
    from tickets.positions import POSITION_GAP
    from tickets.tasks import renumber_positions

    first, second = make_ticket(team, title="First"), make_ticket(team, title="Second")
    Ticket.objects.filter(pk=first.pk).update(position=10)
    Ticket.objects.filter(pk=second.pk).update(position=11)  # no gap left between them
    url, stop = redis_server

    def use_broker(broker_url: str) -> None:
        # The app's connection pool and its producer pool both hold connections to the broker.
        app.conf.broker_url = broker_url
        app._pool = None
        app.amqp._producer_pool = None

    broker = app.conf.broker_url
    use_broker(url)
    stop()
    try:
        with django_capture_on_commit_callbacks(execute=True):
            enqueue_after_commit(renumber_positions, team.pk, "todo")
    finally:
        use_broker(broker)
    assert list(Ticket.objects.order_by("position").values_list("position", flat=True)) == [
        POSITION_GAP,
        2 * POSITION_GAP,
    ], "the renumber ran in this process"
    assert "the broker is unreachable" in caplog.text and "in the web process instead" in caplog.text
