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


APPS = ("core", "teams", "notifications", "projects", "tickets", "voice", "risks", "demo")


def _cycles(graph, modules: set[str]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan), i.e. import cycles."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for other in graph.find_modules_directly_imported_by(module) & modules:
            if other not in index:
                visit(other)
                low[module] = min(low[module], low[other])
            elif other in on_stack:
                low[module] = min(low[module], index[other])
        if low[module] == index[module]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == module:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for module in sorted(modules):
        if module not in index:
            visit(module)
    return found


def test_no_module_of_an_app_imports_itself_back_round_a_cycle() -> None:
    """The import-linter contracts order the apps; inside each app no two modules import each other round."""
    import sys

    import grimp

    sys.path.insert(0, str(ROOT))
    graph = grimp.build_graph(*APPS, cache_dir=None)
    cycles = []
    for app in APPS:
        modules = {m for m in graph.modules if m == app or m.startswith(f"{app}.")}
        # A package's __init__ re-exporting nothing is not a module of its own here.
        cycles += _cycles(graph, {m for m in modules if graph.find_children(m) == set()})
    assert cycles == []
