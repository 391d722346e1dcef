from __future__ import annotations

import os
from collections.abc import Callable

import pytest
from django.test import Client

from teams.models import Membership, Role, Team, User
from tests.factories import MembershipFactory, TeamFactory, UserFactory

# Playwright's sync API runs an event loop in the test thread; the ORM calls
# the tests make around it are still synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    """Debian's chromium, headless, with no background traffic to the outside."""
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "headless": True,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    }


@pytest.fixture
def team(db) -> Team:
    return TeamFactory(name="Customer Care", slug="care")


@pytest.fixture
def other_team(db) -> Team:
    return TeamFactory(name="Other Team", slug="other")


MemberMaker = Callable[..., User]


@pytest.fixture
def make_member(db) -> MemberMaker:
    """Create a user with ``role`` in ``team``."""

    def make(team: Team, role: str = Role.AGENT, **user_fields) -> User:
        user = UserFactory(**user_fields)
        MembershipFactory(user=user, team=team, role=role)
        return user

    return make


@pytest.fixture
def login() -> Callable[[User], Client]:
    def make(user: User) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return make


@pytest.fixture
def membership_of() -> Callable[[User, Team], Membership]:
    def get(user: User, team: Team) -> Membership:
        return Membership.objects.get(user=user, team=team)

    return get
