"""The feedback pages for every role: list, logging, one item and its actions, settings."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.urls import reverse

from projects.models import Project
from teams.models import Role
from teams.permissions import Action
from tests.factories import AccountFactory, LabelFactory, ProjectFactory, make_ticket
from tests.teams.test_permissions import EXPECTED
from tickets.choices import Kind
from tickets.models import Ticket
from voice import feedback as fb
from voice import options
from voice.choices import FeedbackChannel, FeedbackSource, FeedbackStatus
from voice.models import FeedbackItem, FeedbackSettings

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def submit(team, text="The export is too slow", **kwargs):
    kwargs.setdefault("channel", FeedbackChannel.EMAIL)
    kwargs.setdefault("source", FeedbackSource.AGENT)
    return fb.feedback_submit(team=team, text=text, **kwargs)


def url(name: str, team, *args: Any) -> str:
    return reverse(f"voice:{name}", args=[team.slug, *args])


@pytest.fixture
def things(team) -> dict[str, Any]:
    """An item with a duplicate candidate, a ticket and a project of the team, and its settings."""
    return {
        "item": submit(team, "Please add dark mode"),
        "other": submit(team, "Dark mode, please"),
        "ticket": make_ticket(team, title="Dark mode"),
        "project": ProjectFactory(team=team, name="Design refresh"),
        "settings": options.feedback_settings_ensure(team=team),
        "label": LabelFactory(team=team, name="dark mode"),
    }


def _state() -> list[tuple]:
    """Everything these pages can write, to show that a refused request wrote nothing."""
    items = list(
        FeedbackItem.objects.order_by("pk").values_list("pk", "status", "merged_into", "mentions", "version", "text")
    )
    links = list(FeedbackItem.tickets.through.objects.order_by("pk").values_list("feedbackitem_id", "ticket_id"))
    links += list(FeedbackItem.projects.through.objects.order_by("pk").values_list("feedbackitem_id", "project_id"))
    links += list(FeedbackItem.tags.through.objects.order_by("pk").values_list("feedbackitem_id", "label_id"))
    settings = list(FeedbackSettings.objects.order_by("pk").values_list("version", "public_form_key"))
    return [*items, *links, *settings, (Ticket.objects.count(),)]


Data = Callable[[dict[str, Any]], dict[str, Any]]
SETTINGS_POST: Data = lambda o: {  # noqa: E731
    "weight_accounts": "1", "weight_tier": "1", "weight_frequency": "1", "weight_sentiment": "1",
    "csat_delay": "2", "csat_delay_unit": "h", "csat_expiry_days": "7", "public_form_enabled": "on",
    "version": o["settings"].version,
}  # fmt: skip

# (url name, needs the item, method, action required, POST data that succeeds, status of a success)
ROUTES: list[tuple[str, bool, str, Action, Data | None, int]] = [
    ("feedback", False, "get", Action.VIEW, None, 200),
    ("feedback-create", False, "post", Action.WORK_TICKETS, lambda o: {"text": "More filters", "channel": "chat"}, 200),
    ("feedback-detail", True, "get", Action.VIEW, None, 200),
    ("feedback-status", True, "post", Action.WORK_TICKETS, lambda o: {"status": "triaged", "version": 1}, 200),
    ("feedback-tags", True, "post", Action.WORK_TICKETS, lambda o: {"tags": [o["label"].pk], "version": 1}, 200),
    ("feedback-to-ticket", True, "post", Action.WORK_TICKETS, lambda o: {}, 200),
    ("feedback-link-ticket", True, "post", Action.WORK_TICKETS, lambda o: {"ticket": o["ticket"].number}, 200),
    ("feedback-attach-project", True, "post", Action.WORK_TICKETS, lambda o: {"project": o["project"].pk}, 200),
    ("feedback-merge", True, "post", Action.WORK_TICKETS, lambda o: {"into": o["other"].pk, "version": 1}, 200),
    ("feedback-settings", False, "get", Action.MANAGE_TEAM, None, 200),
    ("feedback-settings", False, "post", Action.MANAGE_TEAM, SETTINGS_POST, 302),
    ("feedback-settings-regenerate", False, "post", Action.MANAGE_TEAM, lambda o: {}, 302),
]
ROUTE_IDS = [f"{name}-{method}" for name, _, method, *_ in ROUTES]


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize(("name", "needs", "method", "action", "data", "success"), ROUTES, ids=ROUTE_IDS)
def test_every_route_answers_by_role(team, things, make_member, login, role, name, needs, method, action, data,
                                     success):  # fmt: skip
    client = login(make_member(team, role))
    target = url(name, team, *([things["item"].pk] if needs else []))
    before = _state()
    response = client.post(target, data(things), **HTMX) if method == "post" else client.get(target, **HTMX)
    allowed = action in EXPECTED[role]
    assert response.status_code == (success if allowed else 403), response.content[:400]
    if method == "post":
        assert (_state() != before) is allowed, "an allowed write changes something; a refused one nothing"


@pytest.mark.parametrize(("name", "needs", "method", "action", "data", "success"), ROUTES, ids=ROUTE_IDS)
def test_another_teams_pages_are_404(team, other_team, things, make_member, login, name, needs, method, action, data,
                                     success):  # fmt: skip
    theirs = submit(other_team)
    client = login(make_member(team, Role.MANAGER))
    target = url(name, other_team, *([theirs.pk] if needs else []))
    before = _state()
    response = client.post(target, {}, **HTMX) if method == "post" else client.get(target, **HTMX)
    assert response.status_code == 404
    assert _state() == before


@pytest.mark.parametrize(
    ("name", "method"), [(name, method) for name, needs, method, *_ in ROUTES if needs], ids=lambda v: str(v)
)
def test_another_teams_item_under_my_team_is_404(team, other_team, things, make_member, login, name, method):
    theirs = submit(other_team)
    client = login(make_member(team, Role.MANAGER))
    target = url(name, team, theirs.pk)
    response = client.post(target, {}, **HTMX) if method == "post" else client.get(target, **HTMX)
    assert response.status_code == 404


def test_a_huge_item_number_is_404_not_an_error(team, make_member, login):
    response = login(make_member(team, Role.VIEWER)).get(url("feedback-detail", team, 2**64))
    assert response.status_code == 404


@pytest.mark.parametrize(("name", "needs", "method", "action", "data", "success"), ROUTES, ids=ROUTE_IDS)
def test_anonymous_is_sent_to_sign_in(client, team, things, name, needs, method, action, data, success):
    target = url(name, team, *([things["item"].pk] if needs else []))
    response = client.post(target) if method == "post" else client.get(target)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


# --- List ------------------------------------------------------------------------------------------


def _row_ids(html: str) -> list[int]:
    return [int(pk) for pk in re.findall(r'<tr class="feedback-row[^"]*" id="feedback-(\d+)"', html)]


def test_list_is_sorted_by_impact_with_the_formula_and_each_score_explained(team, make_member, login):
    low = submit(team, "Low")
    high = submit(team, "High", account=AccountFactory(team=team, name="Acme", tier="enterprise"))
    middle = submit(team, "Middle", account=AccountFactory(team=team, tier="free"))
    dup = submit(team, "Middle again")
    fb.feedback_merge(duplicate=dup, into=middle, by=None, expected_version=dup.version)
    html = login(make_member(team, Role.VIEWER)).get(url("feedback", team)).content.decode()
    assert _row_ids(html) == [high.pk, middle.pk, low.pk], "merged duplicates are not listed"
    # The formula with the team's weights, and the breakdown of the top item (3 + 6 + 1 + 0 = 10).
    assert re.search(r"3 × accounts</span> \+\s*<span[^>]*>2 × tier</span> \+\s*<span[^>]*>1 × mentions", html)
    assert "Enterprise (3)" in html and 'aria-label="Impact score 10: show how it adds up"' in html
    assert "Log feedback" not in html, "viewers read only"
    assert f'href="{url("feedback", team)}" aria-current="page"' in html
    assert url("feedback-settings", team) not in html, "the settings are for leads"


def test_list_shows_the_team_weights_after_a_lead_changes_them(team, make_member, login):
    settings = options.feedback_settings_ensure(team=team)
    change = options.FeedbackSettingsChange(
        weight_accounts=0.5, weight_tier=0, weight_frequency=4, weight_sentiment=1.25, public_form_enabled=True,
        csat_delay_minutes=0, csat_expiry_days=1,
    )  # fmt: skip
    options.feedback_settings_update(team=team, by=None, expected_version=settings.version, change=change)
    html = login(make_member(team, Role.LEAD)).get(url("feedback", team)).content.decode()
    assert "0.5 × accounts" in html and "0 × tier" in html and "4 × mentions" in html and "1.25 × negative" in html
    assert url("feedback-settings", team) in html


def test_list_filters_by_status_channel_and_tag(team, make_member, login):
    tag = LabelFactory(team=team, name="export")
    chat = submit(team, "Chat one", channel=FeedbackChannel.CHAT, tags=[tag])
    email = submit(team, "Email one")
    closed = fb.feedback_set_status(item=submit(team, "Closed"), status="closed", by=None, expected_version=1)
    client = login(make_member(team, Role.AGENT))
    assert set(_row_ids(client.get(url("feedback", team)).content.decode())) == {chat.pk, email.pk}
    assert _row_ids(client.get(url("feedback", team) + "?status=closed").content.decode()) == [closed.pk]
    assert len(_row_ids(client.get(url("feedback", team) + "?status=all").content.decode())) == 3
    assert _row_ids(client.get(url("feedback", team) + "?channel=chat").content.decode()) == [chat.pk]
    response = client.get(url("feedback", team) + f"?tag={tag.pk}", **HTMX)
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="feedback-results"') and "<html" not in html
    assert _row_ids(html) == [chat.pk]
    assert f"?tag={tag.pk}&amp;page=1" in html, "after logging, the list reloads with its filters"


def test_list_reports_filters_it_ignored(team, other_team, make_member, login):
    theirs = LabelFactory(team=other_team)
    submit(team)
    html = login(make_member(team, Role.AGENT)).get(url("feedback", team) + f"?tag={theirs.pk}&channel=fax").content
    html = html.decode()
    assert "Some filters were ignored" in html
    assert f"{theirs.pk} is not a label of this team" in html
    assert len(_row_ids(html)) == 1


def test_list_pages_by_25(team, make_member, login):
    for i in range(27):
        submit(team, f"Item {i}")
    client = login(make_member(team, Role.AGENT))
    first = client.get(url("feedback", team)).content.decode()
    assert len(_row_ids(first)) == 25 and "Page 1 of 2" in first
    assert len(_row_ids(client.get(url("feedback", team) + "?page=2").content.decode())) == 2


def _populate(team, n, accounts, labels, projects):
    for i in range(n):
        ticket = make_ticket(team, title=f"Ticket {i}")
        item = submit(team, f"Feedback {i}", account=accounts[i % len(accounts)], tags=labels[: 1 + i % 2],
                      tickets=[ticket], channel=FeedbackChannel.values[i % 6])  # fmt: skip
        fb.feedback_attach_project(item=item, project=projects[i % len(projects)], by=None)
        dup = submit(team, f"Feedback {i} again", account=accounts[(i + 1) % len(accounts)])
        fb.feedback_merge(duplicate=dup, into=item, by=None, expected_version=dup.version)


def test_list_query_count_does_not_grow_with_items(team, make_member, login, django_assert_num_queries):
    accounts = [AccountFactory(team=team, tier=t) for t in ("free", "enterprise")]
    labels = [LabelFactory(team=team) for _ in range(2)]
    projects = [ProjectFactory(team=team) for _ in range(2)]
    client = login(make_member(team, Role.AGENT))
    _populate(team, 2, accounts, labels, projects)
    target = url("feedback", team) + f"?tag={labels[0].pk}"
    client.get(target)  # warm the session
    with django_assert_num_queries(16) as small:
        client.get(target)
    _populate(team, 20, accounts, labels, projects)
    with django_assert_num_queries(len(small.captured_queries)):
        response = client.get(target)
    assert len(_row_ids(response.content.decode())) == 22
    # The fragment has no bell, team switcher or form (whose accounts the page loads).
    with django_assert_num_queries(len(small.captured_queries) - 3):
        client.get(target, **HTMX)


# --- Logging feedback --------------------------------------------------------------------------


def test_log_feedback_over_htmx_resets_the_form_and_reloads_the_list(team, make_member, login):
    agent = make_member(team, Role.AGENT)
    acme = AccountFactory(team=team, name="Acme", tier="premium")
    tag = LabelFactory(team=team, name="export")
    response = login(agent).post(
        url("feedback-create", team),
        {"text": "Exports are slow", "channel": "social", "account": acme.pk, "tags": [tag.pk],
         "customer_name": "Jane", "customer_email": "jane@acme.example"},
        **HTMX,
    )  # fmt: skip
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith('<details id="feedback-new"') and "<html" not in html
    assert json.loads(response["HX-Trigger"]) == {"feedback-changed": {}}
    item = FeedbackItem.objects.get()
    assert (item.channel, item.account, item.created_by, item.source) == ("social", acme, agent, "agent")
    assert list(item.tags.all()) == [tag]
    assert f"Logged feedback #{item.pk} (impact 8)." in html  # 3 + 2 × 2 + 1
    assert "Exports are slow" not in html, "a fresh, empty form"


def test_log_feedback_errors_show_inline_and_keep_the_input(team, other_team, make_member, login):
    theirs = AccountFactory(team=other_team)
    client = login(make_member(team, Role.AGENT))
    data = {"text": "  ", "channel": "email", "customer_email": "jane@", "customer_name": "Jane", "account": theirs.pk}
    response = client.post(url("feedback-create", team), data, **HTMX)
    assert response.status_code == 422
    html = response.content.decode()
    assert "Write what the customer said." in html
    assert "Enter an email address like name@example.com." in html
    assert "Choose one of the accounts." in html
    assert 'value="Jane"' in html and " open>" in html
    assert not FeedbackItem.objects.exists()


def test_log_feedback_without_javascript(team, make_member, login):
    client = login(make_member(team, Role.AGENT))
    response = client.post(url("feedback-create", team), {"text": "", "channel": "email", "customer_name": "Jo"})
    assert response.status_code == 422
    html = response.content.decode()
    assert "<html" in html and "Write what the customer said." in html and 'value="Jo"' in html
    response = client.post(url("feedback-create", team), {"text": "Nice app", "channel": "email"})
    item = FeedbackItem.objects.get()
    assert response.status_code == 302 and response["Location"] == url("feedback-detail", team, item.pk)


# --- One item ------------------------------------------------------------------------------------


def test_detail_shows_everything_and_a_viewer_gets_no_controls(team, make_member, login):
    acme = AccountFactory(team=team, name="Acme", tier="enterprise")
    ticket = make_ticket(team, title="Dark mode")
    project = ProjectFactory(team=team, name="Design refresh")
    item = submit(team, "Please add dark mode", account=acme, customer_name="Jane Roe", tickets=[ticket],
                  tags=[LabelFactory(team=team, name="ui")])  # fmt: skip
    fb.feedback_attach_project(item=item, project=project, by=None)
    dup = submit(team, "Dark mode would be great")
    fb.feedback_merge(duplicate=dup, into=item, by=None, expected_version=dup.version)
    html = login(make_member(team, Role.VIEWER)).get(url("feedback-detail", team, item.pk)).content.decode()
    for text in ("Please add dark mode", "Jane Roe", "Acme", "Enterprise", "Design refresh", "ui",
                 f"{team.slug.upper()}-{ticket.number}", f"#{dup.pk}", "Dark mode would be great"):  # fmt: skip
        assert text in html, text
    assert 'data-testid="impact-score">11<' in html  # 3 × 1 account + 2 × 3 + 1 × 2 mentions + 0
    assert f'href="{url("feedback", team)}" aria-current="page"' in html
    for control in ("Create backlog ticket", "Link ticket", "Attach to project", "Merge into", "<select"):
        assert control not in html, control


def test_a_merged_duplicate_says_where_it_went_and_offers_no_actions(team, make_member, login):
    into, dup = submit(team), submit(team)
    fb.feedback_merge(duplicate=dup, into=into, by=None, expected_version=dup.version)
    html = login(make_member(team, Role.AGENT)).get(url("feedback-detail", team, dup.pk)).content.decode()
    assert f'merged into <a href="{url("feedback-detail", team, into.pk)}">#{into.pk}</a>' in html
    assert "Create backlog ticket" not in html and "Merge into" not in html


def test_convert_twice_makes_one_ticket_and_shows_its_link(team, make_member, login):
    item = submit(team, "Dark mode please", account=AccountFactory(team=team, name="Acme"))
    client = login(make_member(team, Role.AGENT))
    response = client.post(url("feedback-to-ticket", team, item.pk), **HTMX)
    ticket = Ticket.objects.get(kind=Kind.IMPROVEMENT)
    html = response.content.decode()
    assert response.status_code == 200 and html.lstrip().startswith('<div id="feedback-detail"')
    assert f"Created {ticket.key} in the backlog and linked it." in html
    assert f'href="{reverse("tickets:detail", args=[team.slug, ticket.number])}" data-testid="backlog-ticket"' in html
    again = client.post(url("feedback-to-ticket", team, item.pk), **HTMX)
    assert again.status_code == 200
    assert f"This feedback is already in the backlog as {ticket.key}." in again.content.decode()
    assert Ticket.objects.count() == 1
    # Without JavaScript: back to the page.
    plain = client.post(url("feedback-to-ticket", team, item.pk))
    assert plain.status_code == 302 and plain["Location"] == url("feedback-detail", team, item.pk)


def test_link_ticket_by_key_or_number_with_clear_refusals(team, other_team, make_member, login):
    item = submit(team)
    first, second = make_ticket(team), make_ticket(team)
    client = login(make_member(team, Role.AGENT))
    prefix = team.slug.upper()
    link = url("feedback-link-ticket", team, item.pk)
    assert client.post(link, {"ticket": f"{prefix.lower()}-{first.number}"}, **HTMX).status_code == 200
    assert client.post(link, {"ticket": str(second.number)}, **HTMX).status_code == 200
    assert set(item.tickets.all()) == {first, second}
    for typed, message in (
        (f"{other_team.slug.upper()}-{first.number}", f"is not a ticket of this team: its keys start with {prefix}-"),
        ("999", f"There is no ticket {prefix}-999 in this team."),
        ("dark mode", f"Write a ticket key like {prefix}-12, or its number."),
        ("", "This field is required."),
    ):
        response = client.post(url("feedback-link-ticket", team, item.pk), {"ticket": typed}, **HTMX)
        assert response.status_code == 422
        assert message in response.content.decode(), typed
    assert item.tickets.count() == 2


def test_attach_project_refuses_another_teams_project(team, other_team, make_member, login):
    item = submit(team)
    client = login(make_member(team, Role.AGENT))
    theirs = ProjectFactory(team=other_team)
    response = client.post(url("feedback-attach-project", team, item.pk), {"project": theirs.pk}, **HTMX)
    assert response.status_code == 422 and "Choose one of the team&#x27;s projects." in response.content.decode()
    project = ProjectFactory(team=team, name="Roadmap")
    response = client.post(url("feedback-attach-project", team, item.pk), {"project": project.pk}, **HTMX)
    assert "Attached to the project “Roadmap”." in response.content.decode()
    assert FeedbackItem.objects.get(pk=item.pk).status == FeedbackStatus.LINKED


def test_status_change_and_stale_status_409_with_current_value(team, make_member, login):
    item = submit(team)
    client = login(make_member(team, Role.AGENT))
    response = client.post(url("feedback-status", team, item.pk), {"status": "triaged", "version": 1}, **HTMX)
    assert response.status_code == 200 and "is now “Triaged”" in response.content.decode()
    response = client.post(url("feedback-status", team, item.pk), {"status": "closed", "version": 1}, **HTMX)
    assert response.status_code == 409
    html = response.content.decode()
    assert "Someone else changed this feedback" in html and "Saved now: <strong>Triaged</strong>" in html
    assert 'name="version" value="2"' in html, "the next save is based on what the user has now seen"
    assert FeedbackItem.objects.get(pk=item.pk).status == FeedbackStatus.TRIAGED
    response = client.post(url("feedback-status", team, item.pk), {"status": "linked", "version": 2}, **HTMX)
    assert response.status_code == 422 and "Link a ticket or a project first" in response.content.decode()


def test_tags_are_edited_on_the_detail_page_with_stale_and_foreign_labels_refused(team, other_team, make_member,
                                                                                  login):  # fmt: skip
    item = submit(team)
    billing, mobile = LabelFactory(team=team, name="billing"), LabelFactory(team=team, name="mobile")
    foreign = LabelFactory(team=other_team, name="secret")
    client = login(make_member(team, Role.AGENT))
    page = client.get(url("feedback-detail", team, item.pk)).content.decode()
    assert "Edit tags" in page and ">billing</label>" in page and "secret" not in page

    response = client.post(url("feedback-tags", team, item.pk), {"tags": [billing.pk, mobile.pk], "version": 1}, **HTMX)
    assert response.status_code == 200 and "Saved the tags" in response.content.decode()
    assert set(FeedbackItem.objects.get(pk=item.pk).tags.values_list("name", flat=True)) == {"billing", "mobile"}

    stale = client.post(url("feedback-tags", team, item.pk), {"tags": [], "version": 1}, **HTMX)
    assert stale.status_code == 409 and "Someone else changed this feedback" in stale.content.decode()
    refused = client.post(url("feedback-tags", team, item.pk), {"tags": [foreign.pk], "version": 2}, **HTMX)
    assert refused.status_code == 422 and "Choose tags among the team&#x27;s labels." in refused.content.decode()
    assert set(FeedbackItem.objects.get(pk=item.pk).tags.values_list("name", flat=True)) == {"billing", "mobile"}

    cleared = client.post(url("feedback-tags", team, item.pk), {"version": 2})  # no JavaScript: back to the page
    assert cleared.status_code == 302 and not FeedbackItem.objects.get(pk=item.pk).tags.exists()


def test_merge_goes_to_the_item_it_was_merged_into(team, make_member, login):
    into, dup = submit(team, "Dark mode"), submit(team, "Dark mode too")
    client = login(make_member(team, Role.AGENT))
    detail = client.get(url("feedback-detail", team, dup.pk)).content.decode()
    assert f'<option value="{into.pk}">#{into.pk} · 1 · Dark mode</option>' in detail
    response = client.post(url("feedback-merge", team, dup.pk), {"into": into.pk, "version": dup.version}, **HTMX)
    assert response.status_code == 200 and response["HX-Redirect"] == url("feedback-detail", team, into.pk)
    assert FeedbackItem.objects.get(pk=into.pk).mentions == 2
    page = client.get(url("feedback-detail", team, into.pk)).content.decode()
    assert f"Merged #{dup.pk} into #{into.pk}: it now counts 2 mentions." in page


def test_merge_by_number_and_its_refusals(team, other_team, make_member, login):
    a, b = submit(team), submit(team)
    theirs = submit(other_team)
    client = login(make_member(team, Role.AGENT))
    for data, message in (
        ({"into_number": theirs.pk}, f"There is no feedback #{theirs.pk} in this team."),
        ({"into_number": a.pk}, "feedback cannot be merged into itself"),
        ({}, "Choose the item this one repeats, or write its number."),
        ({"into_number": "x"}, "Write a feedback number, like 42."),
    ):
        response = client.post(url("feedback-merge", team, a.pk), {**data, "version": a.version}, **HTMX)
        assert response.status_code == 422, data
        assert message in response.content.decode(), data
    assert FeedbackItem.objects.get(pk=a.pk).merged_into is None
    response = client.post(url("feedback-merge", team, a.pk), {"into_number": b.pk, "version": a.version})
    assert response.status_code == 302 and response["Location"] == url("feedback-detail", team, b.pk)


def test_stale_merge_is_409_and_merges_nothing(team, make_member, login):
    into, dup = submit(team), submit(team)
    fb.feedback_set_status(item=dup, status="triaged", by=None, expected_version=1)
    client = login(make_member(team, Role.AGENT))
    response = client.post(url("feedback-merge", team, dup.pk), {"into": into.pk, "version": 1}, **HTMX)
    assert response.status_code == 409
    html = response.content.decode()
    assert "Someone else changed this feedback" in html and "Saved now: status <strong>Triaged</strong>" in html
    assert 'name="version" value="2"' in html
    assert FeedbackItem.objects.get(pk=dup.pk).merged_into is None


# --- Settings ------------------------------------------------------------------------------------


def test_settings_page_shows_the_public_address(team, make_member, login):
    settings = options.feedback_settings_ensure(team=team)
    html = login(make_member(team, Role.LEAD)).get(url("feedback-settings", team)).content.decode()
    assert f"http://testserver/feedback/{settings.public_form_key}/" in html
    assert 'value="3"' in html and 'value="24"' in html and 'value="14"' in html
    assert "Feedback &amp; surveys" in html, "linked with the team settings"


def test_settings_save_rescores_and_stores_the_survey_timing(team, make_member, login):
    item = submit(team, account=AccountFactory(team=team, tier="enterprise"))
    settings = options.feedback_settings_ensure(team=team)
    client = login(make_member(team, Role.LEAD))
    data = {**SETTINGS_POST({"settings": settings}), "weight_tier": "0.5", "csat_delay": "90", "csat_delay_unit": "min"}
    data.pop("public_form_enabled")
    response = client.post(url("feedback-settings", team), data, follow=True)
    assert "Saved the feedback settings. Impact scores follow the new weights." in response.content.decode()
    saved = FeedbackSettings.objects.get(team=team)
    assert (saved.csat_delay_minutes, saved.csat_expiry_days, saved.public_form_enabled) == (90, 7, False)
    assert FeedbackItem.objects.get(pk=item.pk).impact_score == 1 + 0.5 * 3 + 1


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"weight_tier": "-1"}, "Use a number from 0 to 100."),
        ({"weight_tier": "lots"}, "Use a number from 0 to 100."),
        ({"csat_delay": "721", "csat_delay_unit": "h"}, "at most 30 days (720 hours)"),
        ({"csat_expiry_days": "0"}, "A survey link can work from 1 to 365 days."),
        (
            {"weight_accounts": "0", "weight_tier": "0", "weight_frequency": "0", "weight_sentiment": "0"},
            "At least one weight must be above 0",
        ),
    ],
)
def test_settings_refusals_are_clear_and_keep_the_input(team, make_member, login, change, message):
    settings = options.feedback_settings_ensure(team=team)
    response = login(make_member(team, Role.LEAD)).post(
        url("feedback-settings", team), {**SETTINGS_POST({"settings": settings}), **change}
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert message in html
    assert all(f'value="{v}"' in html for k, v in change.items() if k != "csat_delay_unit")
    assert FeedbackSettings.objects.get(team=team).version == settings.version


def test_stale_settings_are_409_with_the_saved_values(team, make_member, login):
    settings = options.feedback_settings_ensure(team=team)
    client = login(make_member(team, Role.LEAD))
    client.post(url("feedback-settings", team), {**SETTINGS_POST({"settings": settings}), "csat_expiry_days": "30"})
    response = client.post(url("feedback-settings", team), SETTINGS_POST({"settings": settings}))
    assert response.status_code == 409
    html = response.content.decode()
    assert "Someone else changed these settings" in html and "links work 30 days" in html
    assert f'name="version" value="{settings.version + 1}"' in html
    assert FeedbackSettings.objects.get(team=team).csat_expiry_days == 30


def test_regenerate_gives_the_form_a_new_address(team, make_member, login):
    old = options.feedback_settings_ensure(team=team).public_form_key
    response = login(make_member(team, Role.MANAGER)).post(url("feedback-settings-regenerate", team), follow=True)
    new = FeedbackSettings.objects.get(team=team).public_form_key
    assert new != old
    html = response.content.decode()
    assert f"/feedback/{new}/" in html and f"/feedback/{old}/" not in html
    assert "the old one no longer works" in html


def test_feedback_settings_are_highlighted_as_themselves_and_the_switcher_opens_the_list(
    team, other_team, make_member, login
):
    from teams.models import Membership

    lead = make_member(team, Role.LEAD)
    Membership.objects.create(user=lead, team=other_team, role=Role.AGENT)
    html = login(lead).get(reverse("voice:feedback-settings", args=[team.slug])).content.decode()
    settings_url = reverse("voice:feedback-settings", args=[team.slug])
    assert f'class="nav-item active" href="{settings_url}"' in html
    assert f'class="nav-item active" href="{reverse("voice:feedback", args=[team.slug])}"' not in html
    # An agent in the other team may not open its settings: the switcher offers its feedback list.
    assert f'href="{reverse("voice:feedback", args=[other_team.slug])}"' in html
    assert f'href="{reverse("voice:feedback-settings", args=[other_team.slug])}"' not in html


def test_a_wrong_link_is_undone_and_the_item_goes_back_to_triaged(team, other_team, make_member, login):
    item = submit(team, "Exports time out")
    ticket = make_ticket(team, title="Export timeouts")
    project = ProjectFactory(team=team, name="Exports")
    fb.feedback_link_ticket(item=item, ticket=ticket, by=None)
    item = fb.feedback_attach_project(item=FeedbackItem.objects.get(pk=item.pk), project=project, by=None)
    assert item.status == FeedbackStatus.LINKED
    unlink = url("feedback-unlink-ticket", team, item.pk, ticket.pk)
    detach = url("feedback-detach-project", team, item.pk, project.pk)

    viewer = login(make_member(team, Role.VIEWER))
    assert viewer.post(unlink, **HTMX).status_code == 403 and viewer.post(detach, **HTMX).status_code == 403
    outsider = login(make_member(other_team, Role.MANAGER))
    assert outsider.post(unlink, **HTMX).status_code == 404

    agent = login(make_member(team, Role.AGENT))
    response = agent.post(unlink, **HTMX)
    assert response.status_code == 200 and f"Unlinked CARE-{ticket.number}" in response.content.decode()
    assert FeedbackItem.objects.get(pk=item.pk).status == FeedbackStatus.LINKED, "still attached to a project"
    assert agent.post(unlink, **HTMX).status_code == 404, "no longer linked"
    response = agent.post(detach)  # without JavaScript: back to the page
    assert response.status_code == 302
    after = FeedbackItem.objects.get(pk=item.pk)
    assert after.status == FeedbackStatus.TRIAGED and not after.tickets.exists() and not after.projects.exists()
    assert Ticket.objects.filter(pk=ticket.pk).exists() and Project.objects.filter(pk=project.pk).exists()
