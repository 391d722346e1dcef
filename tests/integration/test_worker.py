"""A real Celery worker process runs a task sent through the configured broker.

With REDIS_URL set (as CI does) the broker and result backend are Redis; on
the embedded defaults they are kombu's filesystem transport and file results.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from datetime import datetime

import pytest
from django.conf import settings

from supportpm.health import heartbeat_last
from supportpm.tasks import record_heartbeat

pytestmark = pytest.mark.worker


@pytest.fixture
def worker_queue():
    """Start a worker on a queue of its own, so no other worker takes the task."""
    queue = f"test-{uuid.uuid4().hex[:10]}"
    env = {**os.environ, "SUPPORTPM_TESTING": "1", "DJANGO_SETTINGS_MODULE": "supportpm.settings"}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "supportpm",
            "worker",
            "--pool",
            "solo",
            "--queues",
            queue,
            "--without-gossip",
            "--without-mingle",
            "--loglevel",
            "INFO",
            "--hostname",
            f"{queue}@%h",
        ],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        yield queue
    finally:
        proc.terminate()
        try:
            output, _ = proc.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            output, _ = proc.communicate()
        print(output)  # shown by pytest when the test fails


def test_worker_runs_heartbeat_task_through_the_broker(worker_queue):
    source = f"it-{uuid.uuid4().hex[:8]}"
    before = time.time()
    result = record_heartbeat.apply_async(args=(source,), queue=worker_queue)
    returned = result.get(timeout=90)
    recorded = heartbeat_last(source=source)
    assert recorded is not None, "the worker's write is visible to the web process"
    assert recorded == datetime.fromisoformat(returned)
    assert recorded.timestamp() >= before - 1
    expected_broker = "redis" if os.environ.get("REDIS_URL") else "filesystem"
    assert result.backend.__class__.__module__.split(".")[-1] in {"redis", "filesystem"}
    assert settings.CELERY_BROKER_URL.startswith(expected_broker)
