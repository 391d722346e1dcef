"""The accessibility check every browser test runs (tests/browser/a11y.js) finds what it should."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser

BAD_PAGE = """<!doctype html><html><head><style>a:focus, button:focus { outline: none; }</style></head>
<body><a href="#x">A link</a><input name="unnamed"><button type="button"><i></i></button>
<label>Named <input name="named"></label></body></html>"""


def test_the_check_reports_missing_names_language_and_focus_indicator(page, accessibility_checked):
    page.route("http://a11y.test/", lambda route: route.fulfill(status=200, content_type="text/html", body=BAD_PAGE))
    page.goto("http://a11y.test/")
    page.wait_for_timeout(200)
    found = sorted(set(accessibility_checked))
    accessibility_checked.clear()  # seen: this page is meant to fail
    assert any("no language" in p for p in found)
    assert any('input[name="unnamed"]' in p for p in found)
    assert any("without an accessible name: button" in p for p in found)
    assert any("no visible focus indicator on a" in p for p in found)
    assert not any('name="named"' in p for p in found), "a wrapping label names its input"


def test_every_page_of_a_team_passes_the_check(live_server, page, team, make_member, accessibility_checked):
    from django.urls import reverse

    from projects.models import Project
    from risks.services import RiskDraft, risk_create
    from teams.models import Role
    from tests.factories import PASSWORD, make_ticket
    from voice import options

    leo = make_member(team, Role.LEAD, username="leo", email="leo@example.com")
    ticket = make_ticket(team, title="Printer on fire", kind="bug")
    project = Project.objects.create(team=team, name="Launch", framework="waterfall")
    risk = risk_create(team=team, by=leo, draft=RiskDraft(title="Outage", owner=leo, inherent=(4, 4), current=(3, 4),
                                                          target=(1, 2), project=project))  # fmt: skip
    public_key = options.feedback_settings_ensure(team=team).public_form_key
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill("leo")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/board/")
    slug = team.slug
    names = [
        ("tickets:board", [slug]), ("tickets:board-settings", [slug]), ("tickets:list", [slug]),
        ("tickets:create", [slug]), ("tickets:detail", [slug, ticket.number]), ("tickets:edit", [slug, ticket.number]),
        ("planning:backlog", [slug]), ("tickets:routing", [slug]), ("tickets:sla-policies", [slug]),
        ("tickets:labels", [slug]), ("tickets:accounts", [slug]), ("voice:feedback", [slug]),
        ("voice:feedback-settings", [slug]), ("projects:list", [slug]),
        ("planning:sprints", [slug]), ("risks:list", [slug]), ("risks:new", [slug]), ("risks:detail", [slug, risk.pk]),
        ("projects:detail", [slug, project.pk]), ("dashboard", [slug]), ("teams:detail", [slug]),
        ("teams:calendar", [slug]), ("notifications:list", []), ("notifications:settings", []), ("password_change", []),
        ("public-feedback", [public_key]),
    ]  # fmt: skip
    for name, args in names:
        response = page.goto(live_server.url + reverse(name, args=args))
        assert response is not None and response.ok, f"{name}: {response.status if response else 'no response'}"
        page.wait_for_load_state("load")
        page.wait_for_timeout(50)  # the check runs just after the page's own scripts
    assert not sorted(set(accessibility_checked)), "\n".join(sorted(set(accessibility_checked)))
