"""SLA clocks where agents work: board cards, the at-risk filter, breach-risk lanes, board settings, the ticket page."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from teams.models import Role, WorkingHours
from tests.factories import make_ticket
from tickets.choices import Priority, Status
from tickets.models import Column, SLAPolicy, SLATarget, Ticket
from tickets.selectors.board import BoardFilters, board_data
from tickets.services import board_ensure_for_project, comment_add, ticket_move
from tickets.sla import engine, recompute, sweep
from tickets.sla.display import ago_label, hours_minutes, left_label

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}
BERLIN = ZoneInfo("Europe/Berlin")


def berlin(*args: int) -> datetime:
    return datetime(*args, tzinfo=BERLIN).astimezone(UTC)


def make_policy(team, *, business_hours=False, frt=120, res=480, name="Standard", **flags) -> SLAPolicy:
    policy = SLAPolicy.objects.create(team=team, name=name, business_hours=business_hours, **flags)
    for priority in Priority:
        SLATarget.objects.create(policy=policy, priority=priority, first_response_minutes=frt, resolution_minutes=res)
    return policy


def set_clock(ticket: Ticket, **times) -> Ticket:
    """Write SLA times straight to the row: the card only reads them."""
    Ticket.objects.filter(pk=ticket.pk).update(**times)
    return Ticket.objects.get(pk=ticket.pk)


def board_url(team, **params) -> str:
    url = reverse("tickets:board", args=[team.slug])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in params.items()) if params else "")


def card_of(html: str, ticket: Ticket) -> str:
    start = html.index(f'id="card-{ticket.pk}"')
    return html[start : html.index("</article>", start)]


def clock_of(html: str, ticket: Ticket) -> tuple[str, str] | None:
    """(class state, label) of a card's clock, or None when it shows none."""
    found = re.search(r'class="sla sla-(\w+)"[^>]*>(.*?)</span></span>', card_of(html, ticket))
    if not found:
        return None
    return found[1], re.sub(r"<[^>]+>", "", found[2].split('<span class="sla-text">')[-1])


@pytest.fixture
def agent(team, make_member):
    return make_member(team, Role.AGENT, first_name="Ana", last_name="Costa")


@pytest.fixture
def office_hours(team):
    """Mon-Fri 09:00-17:00 Europe/Berlin."""
    team.time_zone = "Europe/Berlin"
    team.save()
    WorkingHours.objects.bulk_create(
        WorkingHours(team=team, weekday=d, start_minute=9 * 60, end_minute=17 * 60) for d in range(5)
    )
    return team


# --- Formatting ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("seconds", "expected"),
    [(0, "0m"), (59, "0m"), (60, "1m"), (45 * 60, "45m"), (3600, "1h"), (8100, "2h 15m"), (26 * 3600 + 900, "26h")],
)
def test_business_time_is_shown_in_hours_and_minutes_never_days(seconds, expected):
    assert hours_minutes(seconds) == expected


def test_time_left_rounds_up_and_breaches_count_wall_clock_time():
    assert left_label(30) == "<1m left"
    assert left_label(8099) == "2h 15m left"
    assert left_label(3599) == "1h left"
    assert (ago_label(20), ago_label(40 * 60), ago_label(5 * 3600), ago_label(3 * 86400)) == (
        "just now", "40m ago", "5h ago", "3d ago",
    )  # fmt: skip


# --- Board cards ------------------------------------------------------------------------------------


def test_cards_show_their_running_clock_by_state(team, board, agent, login):
    make_policy(team, business_hours=False, frt=120, res=480)
    now = timezone.now()
    on_track = set_clock(make_ticket(team, title="On track"), frt_due_at=now + timedelta(hours=2, minutes=15),
                         frt_warn_at=now + timedelta(hours=1))  # fmt: skip
    past_warning = set_clock(make_ticket(team, title="Past warning"), frt_due_at=now + timedelta(minutes=20),
                             frt_warn_at=now - timedelta(minutes=1))  # fmt: skip
    warned = set_clock(make_ticket(team, title="Warned"), frt_due_at=now + timedelta(hours=3),
                       frt_warn_at=now + timedelta(hours=2), frt_warned_at=now)  # fmt: skip
    breached = set_clock(make_ticket(team, title="Breached"), frt_due_at=now - timedelta(minutes=40),
                         frt_breached_at=now - timedelta(minutes=40))  # fmt: skip
    overdue = set_clock(make_ticket(team, title="Overdue, not swept yet"), frt_due_at=now - timedelta(minutes=2))
    answered = set_clock(make_ticket(team, title="Answered"), first_response_at=now, frt_due_at=None,
                         frt_warn_at=None, res_due_at=now + timedelta(hours=26, minutes=5))  # fmt: skip
    # Answered, then waiting on the customer: resolution is paused (first response would run on, DESIGN.md).
    waiting = set_clock(make_ticket(team, title="Waiting"), first_response_at=now, frt_due_at=None, frt_warn_at=None)
    ticket_move(ticket=waiting, by=None, column=Column.objects.get(board=board, status=Status.WAITING))
    unanswered_waiting = make_ticket(team, title="Waiting, never answered")
    ticket_move(ticket=unanswered_waiting, by=None, column=Column.objects.get(board=board, status=Status.WAITING))
    met = make_ticket(team, title="Met")
    ticket_move(ticket=met, by=None, column=Column.objects.get(board=board, status=Status.RESOLVED))
    missed = make_ticket(team, title="Missed")
    ticket_move(ticket=missed, by=None, column=Column.objects.get(board=board, status=Status.RESOLVED))
    set_clock(missed, res_breached_at=now)
    SLAPolicy.objects.all().update(is_active=False)
    no_policy = make_ticket(team, title="No policy")

    html = login(agent).get(board_url(team)).content.decode()

    assert clock_of(html, on_track) == ("ok", "2h 15m left")
    assert clock_of(html, past_warning) == ("risk", "20m left")
    assert clock_of(html, warned) == ("risk", "3h left")
    assert clock_of(html, breached) == ("breached", "breached 40m ago")
    assert clock_of(html, overdue) == ("breached", "breached 2m ago")
    assert clock_of(html, answered) == ("ok", "26h left"), "resolution runs once the first response is in"
    assert clock_of(html, waiting) == ("paused", "paused")
    assert clock_of(html, unanswered_waiting) == ("ok", "2h left"), "waiting does not pause the first response"
    assert clock_of(html, met) == ("met", "met")
    assert clock_of(html, missed) == ("missed", "missed")
    assert clock_of(html, no_policy) is None and "data-sla" not in card_of(html, no_policy)
    ok = card_of(html, on_track)
    left = re.search(r'data-sla-left="(\d+)" data-sla-warn-left="(\d+)"', ok)
    assert 'data-sla-state="ok"' in ok and left  # business seconds, as of the request (a moment after ``now``)
    assert 8090 <= int(left[1]) <= 8100 and 3590 <= int(left[2]) <= 3600
    # Round-the-clock time runs on until the due time.
    due = Ticket.objects.get(pk=on_track.pk).frt_due_at
    assert f'data-sla-ticking-until="{due.astimezone(UTC):%Y-%m-%dT%H:%M:%SZ}"' in ok
    assert re.search(r'id="board-columns"[^>]* data-now="\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ"', html)
    assert 'data-sla-tick-ms="30000"' in html and 'data-refresh-ms="300000"' in html


def test_card_clocks_count_business_time_and_tick_until_the_working_day_ends(office_hours, board):
    make_policy(office_hours, business_hours=True, frt=120, res=480)
    ticket = set_clock(make_ticket(office_hours, title="Friday afternoon"),
                       frt_due_at=berlin(2026, 11, 23, 10, 0), frt_warn_at=berlin(2026, 11, 23, 9, 36))  # fmt: skip
    friday = berlin(2026, 11, 20, 16, 0)
    card = (
        board_data(board=board, filters=BoardFilters(), now=friday)
        .cells_by_column[Column.objects.get(board=board, status=Status.TODO).pk]
        .cards[0]
    )
    assert card.pk == ticket.pk
    clock = card.sla
    assert clock is not None and clock.state == "ok"
    assert clock.left == 2 * 3600, "1 h on Friday + 1 h on Monday, not 66 wall-clock hours"
    assert clock.warn_left == 3600 + 36 * 60
    assert clock.ticking_until == berlin(2026, 11, 20, 17, 0), "the clock stops when the office closes"
    saturday = berlin(2026, 11, 21, 12, 0)
    card = board_data(board=board, filters=BoardFilters(), now=saturday).lanes[0].cells[0].cards[0]
    assert card.sla is not None and card.sla.ticking_until is None, "closed: the clock stands still"
    assert card.sla.left == 3600, "only Monday 09:00-10:00 is left"


def test_a_ticket_the_sla_escalated_into_a_full_column_says_so(team, board, agent, login):
    escalated = Column.objects.get(board=board, status=Status.ESCALATED)
    escalated.wip_limit = 1
    escalated.save()
    make_policy(team, business_hours=False, frt=30, res=600, escalate_to_column=True, raise_priority=False)
    by_hand = make_ticket(team, title="Escalated by hand")
    ticket_move(ticket=by_hand, by=agent, column=escalated)
    late = set_clock(make_ticket(team, title="Nobody answered"), frt_due_at=timezone.now() - timedelta(seconds=1))
    result = sweep.sla_sweep()
    assert late.pk in result.escalated

    html = login(agent).get(board_url(team)).content.decode()
    assert "SLA escalation — over WIP limit" in card_of(html, late)
    assert "SLA escalation" not in card_of(html, by_hand)
    assert re.search(r'class="col-count"[^>]*>2 / 1</span>', html)
    # Once the column is back within its limit, the card still says why it is there.
    ticket_move(ticket=by_hand, by=agent, column=Column.objects.get(board=board, status=Status.IN_PROGRESS))
    html = login(agent).get(board_url(team)).content.decode()
    assert "SLA escalation</span>" in card_of(html, late)
    # Moved out and back in by a person: no longer the SLA's doing.
    ticket_move(ticket=late, by=agent, column=Column.objects.get(board=board, status=Status.IN_PROGRESS))
    ticket_move(ticket=Ticket.objects.get(pk=late.pk), by=agent, column=escalated)
    html = login(agent).get(board_url(team)).content.decode()
    assert "SLA escalation" not in card_of(html, late)


def test_cards_loaded_by_show_more_also_say_the_sla_broke_the_limit(team, board, agent, login):
    """Past the first 50 cards of an over-limit Escalated column, the next page says why each card is there."""
    escalated = Column.objects.get(board=board, status=Status.ESCALATED)
    escalated.wip_limit = 1
    escalated.save()
    make_policy(team, business_hours=False, frt=30, res=600, escalate_to_column=True, raise_priority=False)
    late = [make_ticket(team, title=f"Unanswered {i}") for i in range(52)]
    Ticket.objects.filter(pk__in=[t.pk for t in late]).update(frt_due_at=timezone.now() - timedelta(seconds=1))
    assert len(sweep.sla_sweep().escalated) == 52

    client = login(agent)
    first_page = client.get(board_url(team)).content.decode()
    assert first_page.count("SLA escalation — over WIP limit") == 50
    last_shown = Ticket.objects.filter(status=Status.ESCALATED).order_by("position", "id")[49]
    more = client.get(f"{board_url(team)}columns/{escalated.pk}/more/?after={last_shown.pk}", HTTP_HX_REQUEST="true")
    html = more.content.decode()
    assert html.count('data-key="') == 2
    assert html.count("SLA escalation — over WIP limit") == 2


# --- Filter and swimlanes -------------------------------------------------------------------------------


@pytest.fixture
def risky_board(team, board):
    """One ticket in every breach-risk state (round-the-clock policy, times written directly)."""
    make_policy(team, business_hours=False, frt=120, res=480)
    now = timezone.now()
    tickets = {
        "on_track": make_ticket(team, title="On track"),
        "at_risk": set_clock(
            make_ticket(team, title="At risk"),
            frt_warn_at=now - timedelta(minutes=5),
            frt_warned_at=now - timedelta(minutes=5),
        ),
        "breached": set_clock(make_ticket(team, title="Breached"), frt_breached_at=now - timedelta(minutes=5)),
        "answered_at_risk": set_clock(
            make_ticket(team, title="Resolution at risk"), first_response_at=now, frt_due_at=None, res_warned_at=now
        ),
        # Answered and waiting on the customer: the resolution clock is paused.
        "paused": set_clock(
            make_ticket(team, title="Paused"), first_response_at=now, frt_due_at=None, frt_warn_at=None
        ),
        "resolved": make_ticket(team, title="Resolved"),
    }
    ticket_move(ticket=tickets["paused"], by=None, column=Column.objects.get(board=board, status=Status.WAITING))
    ticket_move(ticket=tickets["resolved"], by=None, column=Column.objects.get(board=board, status=Status.RESOLVED))
    tickets["none"] = set_clock(make_ticket(team, title="No policy"), sla_policy=None, frt_due_at=None,
                                frt_warn_at=None, res_due_at=None, res_warn_at=None)  # fmt: skip
    return tickets


def titles(html: str) -> set[str]:
    return set(re.findall(r'class="tcard-title"[^>]*>([^<]+)<', html))


def test_at_risk_or_breached_filter(team, risky_board, agent, login):
    client = login(agent)
    html = client.get(board_url(team, sla_risk="on"), **HTMX).content.decode()
    assert titles(html) == {"At risk", "Breached", "Resolution at risk"}
    page = client.get(board_url(team)).content.decode()
    assert 'name="sla_risk"' in page and "At risk or breached" in page
    mine = client.get(board_url(team, sla_risk="on", mine="on"), **HTMX).content.decode()
    assert titles(mine) == set()


def test_breach_risk_swimlanes_in_order(team, board, risky_board, agent, login):
    html = login(agent).get(board_url(team, lanes="sla")).content.decode()
    lanes = re.findall(r'<section class="lane" aria-label="([^"]+)"', html)
    assert lanes == ["Breached", "At risk", "On track", "Paused", "No SLA"]
    todo = Column.objects.get(board=board, status=Status.TODO).pk
    at_risk_cell = html[html.index(f'id="cell-{todo}-at_risk"') : html.index(f'id="cell-{todo}-on_track"')]
    assert titles(at_risk_cell) == {"At risk", "Resolution at risk"}
    assert 'class="sla-dot sla-dot-breached"' in html
    # The selector narrows to one lane, as a move does.
    data = board_data(board=board, filters=BoardFilters(), lane_by="sla", lane="breached")
    assert [lane.key for lane in data.lanes] == ["breached"]
    assert [c.title for cell in data.lanes[0].cells for c in cell.cards] == ["Breached"]


def test_a_move_inside_a_breach_risk_lane_redraws_only_the_card_and_heads(team, board, risky_board, agent, login):
    todo = Column.objects.get(board=board, status=Status.TODO)
    doing = Column.objects.get(board=board, status=Status.IN_PROGRESS)
    url = reverse("tickets:board-move", args=[team.slug]) + "?lanes=sla"
    client = login(agent)
    response = client.post(url, {"ticket": risky_board["at_risk"].pk, "column": doing.pk}, **HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    moved = risky_board["at_risk"].pk
    assert set(re.findall(r'id="((?:cell|head|card)-[\w-]+)"', html)) == {
        f"head-{todo.pk}",
        f"head-{doing.pk}",
        f"card-{moved}",
    }
    assert 'data-sla-state="risk"' in html and "On track" not in html


def test_a_move_that_changes_the_lane_redraws_the_board(team, board, risky_board, agent, login):
    waiting = Column.objects.get(board=board, status=Status.WAITING)
    url = reverse("tickets:board-move", args=[team.slug]) + "?lanes=sla"
    answered = set_clock(make_ticket(team, title="On track, answered"), first_response_at=timezone.now(),
                         frt_due_at=None, frt_warn_at=None)  # fmt: skip
    response = login(agent).post(url, {"ticket": answered.pk, "column": waiting.pk}, **HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert html.startswith('<div id="board-columns"') and 'hx-swap-oob="true"' in html
    paused = html[html.index(f'id="cell-{waiting.pk}-paused"') :]
    assert "On track" in paused.split('class="card-list"')[0]
    assert "tickets-changed" in response["HX-Trigger"]


def test_show_more_pages_a_breach_risk_lane(team, board, agent, login):
    make_policy(team, business_hours=False)
    for i in range(53):
        make_ticket(team, title=f"Fresh {i}")
    todo = Column.objects.get(board=board, status=Status.TODO)
    client = login(agent)
    html = client.get(board_url(team, lanes="sla")).content.decode()
    assert f"columns/{todo.pk}/more/?after=" in html and "&amp;lane=on_track" in html
    last = Ticket.objects.order_by("position", "id")[49]
    base = f"{board_url(team)}columns/{todo.pk}/more/?after={last.pk}&lanes=sla"
    more = client.get(f"{base}&lane=on_track", **HTMX).content.decode()
    assert len(re.findall(r'data-key="CARE-\d+"', more)) == 3
    assert 'data-sla-state="ok"' in more
    assert re.findall(r'data-key="CARE-\d+"', client.get(f"{base}&lane=breached", **HTMX).content.decode()) == []
    assert client.get(f"{base}&lane=nonsense", **HTMX).status_code == 200


def test_board_queries_stay_constant_with_clocks_filters_and_lanes(
    team, board, agent, login, django_assert_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = login(agent)
    make_ticket(team, title="No clock")
    client.get(board_url(team))

    def count(**params) -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(board_url(team, **params)).status_code == 200
        return len(ctx.captured_queries)

    without_clocks = {key: count(**params) for key, params in (("plain", {}), ("lanes", {"lanes": "sla"}))}
    make_policy(team, business_hours=True)
    WorkingHours.objects.bulk_create(
        WorkingHours(team=team, weekday=d, start_minute=0, end_minute=1440) for d in range(7)
    )

    def add(n):
        for i in range(n):
            t = make_ticket(team, title=f"T{i}", priority=1 + i % 4)
            if i % 3 == 0:
                set_clock(t, frt_warn_at=timezone.now())

    add(5)
    # The team calendar is read once (team; working hours and holidays in one), however many cards have clocks.
    for params, expected in (
        ({}, without_clocks["plain"] + 2),
        ({"lanes": "sla"}, without_clocks["lanes"] + 2),
        ({"lanes": "sla", "sla_risk": "on"}, without_clocks["lanes"] + 2),
    ):
        with django_assert_num_queries(expected):
            client.get(board_url(team, **params))
        add(40)
        with django_assert_num_queries(expected):
            html = client.get(board_url(team, **params)).content.decode()
        assert 'data-sla-state="' in html


# --- Board settings ------------------------------------------------------------------------------


def _settings_payload(board, **overrides):
    data = {"version": board.version, "wip_per_agent": ""}
    for c in board.columns.all():
        data[f"name_{c.pk}"] = c.name
        data[f"order_{c.pk}"] = c.order + 1
        data[f"wip_{c.pk}"] = c.wip_limit or ""
        if c.pauses_sla:
            data[f"pauses_{c.pk}"] = "on"
    data.update(overrides)
    return data


def test_board_settings_set_which_columns_stop_the_clock_and_recompute_once(
    team, board, make_member, login, django_capture_on_commit_callbacks
):
    lead = make_member(team, Role.LEAD)
    client = login(lead)
    url = reverse("tickets:board-settings", args=[team.slug])
    escalated = board.columns.get(status=Status.ESCALATED)
    waiting = board.columns.get(status=Status.WAITING)
    page = client.get(url).content.decode()
    assert "Stops the SLA clock" in page and "tickets already there keep" in page
    assert re.search(rf'name="pauses_{waiting.pk}"[^>]* checked', page)
    assert not re.search(rf'name="pauses_{escalated.pk}"[^>]* checked', page)

    with (
        mock.patch("tickets.tasks.sla_recompute_team.apply_async") as delay,
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = client.post(url, _settings_payload(board, **{f"pauses_{escalated.pk}": "on"}))
    assert response.status_code == 302
    delay.assert_called_once()
    assert delay.call_args.args[0] == (team.pk,)
    escalated.refresh_from_db()
    assert escalated.pauses_sla is True
    assert engine.TeamSLA.load(team).paused_statuses == {Status.WAITING, Status.ESCALATED}

    board.refresh_from_db()
    with (
        mock.patch("tickets.tasks.sla_recompute_team.apply_async") as delay,
        django_capture_on_commit_callbacks(execute=True),
    ):
        client.post(url, _settings_payload(board, **{f"wip_{escalated.pk}": "4"}))
    delay.assert_not_called()  # nothing about the clocks changed

    board.refresh_from_db()
    payload = _settings_payload(board)
    del payload[f"pauses_{waiting.pk}"]
    with (
        mock.patch("tickets.tasks.sla_recompute_team.apply_async") as delay,
        django_capture_on_commit_callbacks(execute=True),
    ):
        client.post(url, payload)
    delay.assert_called_once()
    assert delay.call_args.args[0] == (team.pk,)
    waiting.refresh_from_db()
    assert waiting.pauses_sla is False


def test_a_new_pause_applies_from_the_next_status_change(team, board, make_member, login):
    make_policy(team, business_hours=False)
    escalated = board.columns.get(status=Status.ESCALATED)
    inside = make_ticket(team, title="Already escalated")
    ticket_move(ticket=inside, by=None, column=escalated)
    Column.objects.filter(pk=escalated.pk).update(pauses_sla=True)
    recompute.team_clocks_recompute(team=team)
    assert Ticket.objects.get(pk=inside.pk).sla_paused_since is None, "tickets already there keep their clock"
    later = make_ticket(team, title="Escalated afterwards")
    ticket_move(ticket=later, by=None, column=escalated)
    assert Ticket.objects.get(pk=later.pk).sla_paused_since is not None


def test_project_boards_do_not_set_sla_pauses(team, make_member, login):
    from tests.factories import ProjectFactory

    project = ProjectFactory(team=team)
    pboard = board_ensure_for_project(project=project)
    client = login(make_member(team, Role.LEAD))
    url = reverse("tickets:project-board-settings", args=[team.slug, project.pk])
    page = client.get(url).content.decode()
    assert "Stops the SLA clock" not in page
    with mock.patch("tickets.tasks.sla_recompute_team.apply_async") as delay:
        response = client.post(url, _settings_payload(pboard, **{f"pauses_{pboard.columns.first().pk}": "on"}))
    assert response.status_code == 302
    delay.assert_not_called()
    assert not pboard.columns.filter(pauses_sla=True, status=Status.TODO).exists()


# --- Ticket page ----------------------------------------------------------------------------------


def detail_url(team, ticket) -> str:
    return reverse("tickets:detail", args=[team.slug, ticket.number])


def sla_region(html: str) -> str:
    start = html.index('id="ticket-sla"')
    return html[start : html.index('id="ticket-facts"')] if 'id="ticket-facts"' in html[start:] else html[start:]


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_ticket_page_shows_the_sla_panel_with_due_times_in_the_team_zone(office_hours, board, agent, login):
    make_policy(office_hours, business_hours=True, frt=120, res=480, name="Premium support")
    ticket = make_ticket(office_hours, title="Export fails")
    due = Ticket.objects.get(pk=ticket.pk).frt_due_at
    html = login(agent).get(detail_url(office_hours, ticket)).content.decode()
    panel = text_of(sla_region(html))
    assert "Premium support" in panel
    assert "First response" in panel and "Resolution" in panel
    assert f"due {due.astimezone(BERLIN):%a %-d %b, %H:%M}" in panel
    assert "of 2h" in panel and "of 8h" in panel
    assert "Counts business hours (Europe/Berlin)" in panel
    assert "Cycle 1 started: ticket created" in panel


def test_ticket_page_without_a_policy_says_so(team, board, agent, login):
    ticket = make_ticket(team)
    html = login(agent).get(detail_url(team, ticket)).content.decode()
    assert "No SLA policy applies to this ticket." in html and "SLA timeline" not in html


def test_sla_timeline_of_a_reopened_ticket_with_two_cycles(team, board, agent, login):
    make_policy(team, business_hours=False, frt=30, res=600)
    ticket = make_ticket(team, title="Comes back")
    columns = {c.status: c for c in board.columns.all()}
    start = Ticket.objects.get(pk=ticket.pk).sla_started_at
    assert start is not None

    # A history at known instants: waiting 0:10-0:20, first response due at 0:30 (waiting does not pause it),
    # swept at 0:45, resolved 1:00-2:00, resolved again at 2:30.
    def move_at(minutes: int, status: str) -> None:
        with mock.patch("django.utils.timezone.now", return_value=start + timedelta(minutes=minutes)):
            ticket_move(ticket=Ticket.objects.get(pk=ticket.pk), by=agent, column=columns[status])

    move_at(10, Status.WAITING)
    move_at(20, Status.IN_PROGRESS)
    assert Ticket.objects.get(pk=ticket.pk).frt_due_at == start + timedelta(minutes=30)
    sweep.sla_sweep(now=start + timedelta(minutes=45))
    move_at(60, Status.RESOLVED)
    move_at(120, Status.IN_PROGRESS)
    move_at(150, Status.RESOLVED)
    assert Ticket.objects.get(pk=ticket.pk).sla_cycle == 2

    html = login(agent).get(detail_url(team, ticket)).content.decode()
    region = sla_region(html)
    entries = [text_of(e).strip() for e in re.findall(r'<li class="sla-entry.*?</li>', region, flags=re.S)]
    kinds = re.findall(r'<li class="sla-entry sla-entry-(\w+)"', region)
    assert kinds == ["cycle", "paused", "resumed", "breached", "resolved", "reopened", "resolved"]
    assert "Reopened: cycle 2 started" in entries[5]
    assert "First response target breached" in entries[3]
    # Elapsed business time per target at each point: neither the pause nor the resolved hour counts.
    assert "Resolution 10m of 10h" in entries[1] and "Resolution 10m of 10h" in entries[2]
    assert "First response 10m of 30m" in entries[1] and "First response 30m of 30m" in entries[3]
    assert "Resolution 50m of 10h" in entries[4] and "Resolution 50m of 10h" in entries[5]
    assert "Resolution 1h 20m of 10h" in entries[6]
    panel = text_of(region)
    assert "Missed" in panel, "first response: breached"
    assert "Met" in panel, "resolution: 1 h of 10 h"
    assert "cycle 2" in panel


def test_first_reply_refreshes_the_sla_panel(team, board, agent, login):
    make_policy(team, business_hours=False)
    ticket = make_ticket(team)
    client = login(agent)
    comment_add(ticket=ticket, by=agent, body="On it", is_public=True)
    response = client.get(detail_url(team, ticket), HTTP_HX_TARGET="ticket-sla", **HTMX)
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="ticket-sla"') and 'id="ticket-facts"' not in html
    assert "First response sent" in html and ">Met<" in html
    page = client.get(detail_url(team, ticket)).content.decode()
    assert 'hx-trigger="ticket-changed from:body"' in sla_region(page)


def test_ticket_page_queries_stay_constant_with_sla_history(team, board, agent, login, django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    plain = make_ticket(team, title="No policy yet")
    client = login(agent)
    client.get(detail_url(team, plain))
    with CaptureQueriesContext(connection) as ctx:
        client.get(detail_url(team, plain))
    without_sla = len(ctx.captured_queries)

    make_policy(team, business_hours=True)
    ticket = make_ticket(team, title="With a clock")
    client.get(detail_url(team, ticket))
    # The policy's targets, the team calendar (working hours and holidays, one query), the alerts and the outcomes.
    with django_assert_num_queries(without_sla + 4):
        client.get(detail_url(team, ticket))
    columns = {c.status: c for c in board.columns.all()}
    for _ in range(4):
        ticket_move(ticket=Ticket.objects.get(pk=ticket.pk), by=agent, column=columns[Status.WAITING])
        ticket_move(ticket=Ticket.objects.get(pk=ticket.pk), by=agent, column=columns[Status.IN_PROGRESS])
    sweep.sla_sweep(now=timezone.now() + timedelta(days=30))
    with django_assert_num_queries(without_sla + 4):
        html = client.get(detail_url(team, ticket)).content.decode()
    assert html.count('class="sla-entry ') >= 10


def test_a_breach_noticed_late_reads_its_real_age_on_the_card(team, board, agent, login):
    """The worker was down for three days: the card counts from when the target was missed, not noticed."""
    make_policy(team, business_hours=False, frt=60, res=6000)
    ticket = make_ticket(team, title="Missed while the worker was down")
    missed_at = timezone.now().replace(microsecond=0) - timedelta(days=3)
    Ticket.objects.filter(pk=ticket.pk).update(frt_due_at=missed_at, frt_warn_at=missed_at - timedelta(minutes=10))
    sweep.sla_sweep()
    assert Ticket.objects.get(pk=ticket.pk).frt_breached_at == missed_at
    html = login(agent).get(board_url(team)).content.decode()
    assert clock_of(html, ticket) == ("breached", "breached 3d ago")


def test_a_move_between_columns_where_the_clock_runs_alike_leaves_it_as_it_was(team, board, agent, login):
    make_policy(team, business_hours=False)
    ticket = make_ticket(team, title="Running clock")
    before = Ticket.objects.get(pk=ticket.pk)
    doing = board.columns.get(status=Status.IN_PROGRESS)
    waiting = board.columns.get(status=Status.WAITING)
    move = reverse("tickets:board-move", args=[team.slug])
    client = login(agent)
    assert client.post(move, {"ticket": ticket.pk, "column": doing.pk}, **HTMX).status_code == 200
    after = Ticket.objects.get(pk=ticket.pk)
    fields = ("frt_due_at", "res_due_at", "res_warn_at", "sla_pauses", "sla_paused_since", "sla_policy_id")
    assert [getattr(after, f) for f in fields] == [getattr(before, f) for f in fields]
    assert client.post(move, {"ticket": ticket.pk, "column": waiting.pk}, **HTMX).status_code == 200
    paused = Ticket.objects.get(pk=ticket.pk)
    assert paused.sla_paused_since is not None and paused.res_due_at is None, "Waiting stops the resolution clock"
    assert paused.frt_due_at == before.frt_due_at, "first response runs on while waiting"
