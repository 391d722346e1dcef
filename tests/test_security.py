"""What the browser is told about scripts and framing, on every kind of page."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from teams.models import Role


@pytest.mark.django_db
def test_pages_send_a_strict_content_security_policy(client, team, make_member, login):
    for response in (
        client.get(reverse("login")),
        login(make_member(team, Role.LEAD)).get(reverse("teams:detail", args=[team.slug])),
    ):
        policy = response["Content-Security-Policy"]
        assert "script-src 'self'" in policy
        assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
        assert "frame-ancestors 'none'" in policy
        assert response["X-Frame-Options"] == "DENY"


@pytest.mark.django_db
def test_no_inline_scripts_or_styles_and_htmx_is_configured_for_the_csp(team, make_member, login):
    html = login(make_member(team, Role.LEAD)).get(reverse("teams:detail", args=[team.slug])).content.decode()
    scripts = re.findall(r"<script[^>]*>", html)
    assert scripts, "the page loads its scripts"
    assert all("src=" in tag for tag in scripts)
    assert " style=" not in html and "<style" not in html
    assert " onclick=" not in html
    assert '"allowEval": false' in html and '"includeIndicatorStyles": false' in html
    # CSRF token for HTMX requests comes from <body hx-headers>.
    assert re.search(r'<body[^>]+hx-headers=\'\{"X-CSRFToken": "[^"]+"\}\'', html)


@pytest.mark.django_db
def test_htmx_post_without_csrf_token_is_refused(team, make_member, membership_of):
    from django.test import Client

    lead = make_member(team, Role.LEAD)
    client = Client(enforce_csrf_checks=True)
    client.force_login(lead)
    target = membership_of(lead, team)
    response = client.post(
        reverse("teams:member-edit", args=[team.slug, target.pk]),
        {"role": "lead", "capacity": 1, "version": target.version},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 403
    target.refresh_from_db()
    assert target.capacity == 20


def test_vendored_libraries_ship_with_their_licences() -> None:
    from pathlib import Path

    vendor = Path(__file__).resolve().parent.parent / "static" / "vendor"
    libraries = sorted(p for p in vendor.iterdir() if p.is_dir())
    names = {p.name.rsplit("-", 1)[0] for p in libraries}
    assert {"htmx", "sortablejs", "chartjs", "bootstrap"} <= names
    for lib in libraries:
        assert any(f.name.upper().startswith("LICENSE") for f in lib.iterdir()), lib.name
    assert any(p.name.startswith("htmx-2.0.") for p in libraries), "htmx is pinned to 2.0.x"
