"""The files operators rely on: README's configuration table, compose file, Procfile."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent


def test_every_environment_variable_is_documented_in_the_readme() -> None:
    settings = (ROOT / "supportpm" / "settings.py").read_text()
    used = set(re.findall(r'env(?:\.\w+)?\(\s*"([A-Z_]+)"', settings))
    used |= set(re.findall(r'os\.environ\.get\("([A-Z_]+)"', settings)) - {"SUPPORTPM_TESTING"}
    assert {"DATABASE_URL", "REDIS_URL", "SECRET_KEY", "DEBUG", "ALLOWED_HOSTS"} <= used
    readme = (ROOT / "README.md").read_text()
    table = readme.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    missing = sorted(name for name in used if f"`{name}`" not in table)
    assert missing == [], f"undocumented settings: {missing}"


def test_readme_quick_start_shows_the_two_commands() -> None:
    readme = (ROOT / "README.md").read_text()
    quick = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    assert "make run" in quick and "make test" in quick
    assert "supportpm-demo" in quick


def test_compose_file_runs_every_service_with_health_checks() -> None:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert {"postgres", "redis", "web", "worker", "beat"} <= set(services)
    for name in ("postgres", "redis", "web", "worker"):
        assert "healthcheck" in services[name], name
    assert "gunicorn" in services["web"]["command"]
    assert services["worker"]["command"][:4] == ["celery", "-A", "supportpm", "worker"]
    assert services["beat"]["command"][:4] == ["celery", "-A", "supportpm", "beat"]
    for name in ("web", "worker", "beat"):
        env = services[name]["environment"]
        assert env["DATABASE_URL"].startswith("postgres://") and env["REDIS_URL"].startswith("redis://")
        assert env["DEBUG"] == "0"


def test_procfile_starts_web_worker_and_beat() -> None:
    procs = dict(line.split(":", 1) for line in (ROOT / "Procfile").read_text().splitlines() if line.strip())
    assert set(procs) == {"web", "worker", "beat"}
    assert "runserver 127.0.0.1:8000" in procs["web"]
