from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser


@pytest.fixture
def screenshot(page, output_path):
    """Save a full-page screenshot under the test's output folder; return its path."""

    def take(name: str) -> str:
        path = output_path(f"{name}.png") if callable(output_path) else f"{output_path}/{name}.png"
        page.screenshot(path=path, full_page=True)
        return path

    return take
