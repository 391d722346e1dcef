"""Queueing background work so that a broker outage never loses it, nor fails the request that asked."""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction

logger = logging.getLogger(__name__)

# Publishing retries briefly (about a second in all) before the broker is taken to be down.
PUBLISH_RETRY = {"max_retries": 3, "interval_start": 0.1, "interval_step": 0.3, "interval_max": 0.5}


def enqueue_after_commit(task: Any, *args: Any, run_here_if_down: bool = True) -> None:
    """Queue ``task(*args)`` once the current transaction commits (at once outside one).

    The work is never lost to a broker outage: publishing is retried, and if
    the broker stays unreachable the task runs here, in this process, and the
    outage is logged. The caller's data is already committed either way, so a
    failure here never turns a saved change into an error page. Use it for
    idempotent, bounded work (a recompute, a renumber); mail goes through the
    notifications outbox, which the beat schedule retries.
    """

    def publish() -> None:
        try:
            task.apply_async(args, retry=True, retry_policy=PUBLISH_RETRY)
            return
        except Exception:
            logger.warning("Could not queue %s%r: the broker is unreachable.", task.name, args, exc_info=True)
        if not run_here_if_down:
            return
        try:
            task.apply(args, throw=True)
            logger.warning("Ran %s%r in the web process instead.", task.name, args)
        except Exception:
            logger.exception("%s%r failed in the web process as well.", task.name, args)

    transaction.on_commit(publish)
