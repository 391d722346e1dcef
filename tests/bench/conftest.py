from __future__ import annotations

import platform
import statistics
import time
from collections.abc import Callable

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext


def machine() -> str:
    import os

    cpu = platform.processor() or platform.machine()
    return f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}, {connection.vendor}"


@pytest.fixture
def measure() -> Callable[[Callable[[], object], int], tuple[int, float]]:
    """Run ``fn`` ``repeat`` times; return (queries of one run, median milliseconds)."""

    def run(fn: Callable[[], object], repeat: int = 7) -> tuple[int, float]:
        fn()  # warm caches and the session
        with CaptureQueriesContext(connection) as ctx:
            fn()
        # Read now: every later request empties the connection's query log.
        queries = len(ctx.captured_queries)
        times = []
        for _ in range(repeat):
            start = time.perf_counter()
            fn()
            times.append((time.perf_counter() - start) * 1000)
        return queries, statistics.median(times)

    return run


@pytest.fixture
def production_templates():
    """Templates render as in production: without the test runner's instrumentation of every render
    (it records each template and context for assertions, and costs as much as a board's cards)."""
    from django.template import Template
    from django.test.utils import _TestState

    instrumented = Template._render
    Template._render = _TestState.saved_data.template_render  # type: ignore[method-assign]
    yield
    Template._render = instrumented  # type: ignore[method-assign]
