from __future__ import annotations

import pytest

from projects.models import ProjectTemplate
from projects.shipped_templates import ensure_shipped


@pytest.fixture(autouse=True)
def shipped_templates(db) -> None:
    """The shipped templates, even when an earlier transactional test emptied the tables the migration filled."""
    ensure_shipped(ProjectTemplate)
