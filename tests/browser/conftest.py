from __future__ import annotations

from pathlib import Path

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


A11Y_SCRIPT = (Path(__file__).parent / "a11y.js").read_text()


@pytest.fixture(autouse=True)
def accessibility_checked(page):
    """Every page a browser test visits (and every region HTMX swaps in) passes tests/browser/a11y.js:
    every form control has an accessible name, focus is visible, the page declares its language."""
    problems: list[str] = []
    page.add_init_script(A11Y_SCRIPT)
    page.on("console", lambda message: problems.append(message.text) if message.text.startswith("A11Y:") else None)
    yield problems
    assert not sorted(set(problems)), "Accessibility problems:\n" + "\n".join(sorted(set(problems)))
