"""Agents drag cards on the board, meet WIP limits, filter and use the keyboard, in a real browser."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from teams.models import Role
from tests.factories import PASSWORD, make_ticket
from tickets.choices import Status
from tickets.models import Column, Ticket
from tickets.services import board_ensure_for_team, ticket_move

pytestmark = pytest.mark.browser


@pytest.fixture
def agent_board(team, make_member):
    agent = make_member(team, Role.AGENT, username="ana", first_name="Ana", last_name="Costa")
    board = board_ensure_for_team(team=team)
    make_ticket(team, title="Refund not received", assignee=agent)
    make_ticket(team, title="Cannot reset password")
    make_ticket(team, title="Invoice shows wrong VAT")
    return agent, board


def sign_in(page: Page, live_server, username: str = "ana") -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def drag(page: Page, card_selector: str, target_selector: str) -> None:
    """Drag with the pointer, in small steps, as a person does (scrolled to the card first)."""
    page.locator(card_selector).scroll_into_view_if_needed()
    card = page.locator(card_selector).bounding_box()
    target = page.locator(target_selector).bounding_box()
    assert card and target
    page.mouse.move(card["x"] + card["width"] / 2, card["y"] + 12)
    page.mouse.down()
    page.mouse.move(card["x"] + card["width"] / 2 + 10, card["y"] + 20, steps=5)
    page.mouse.move(target["x"] + target["width"] / 2, target["y"] + 30, steps=20)
    page.mouse.up()


def test_agent_drags_a_card_to_in_progress_and_it_stays_there(live_server, page, team, agent_board, screenshot):
    _, board = agent_board
    doing = Column.objects.get(board=board, status=Status.IN_PROGRESS)
    sign_in(page, live_server)
    expect(page.locator(f"#cell-{doing.pk} .cell-empty")).to_be_visible()
    with page.expect_response(re.compile(r"/board/move/")) as moved:
        drag(page, "#card-" + str(Ticket.objects.get(number=2).pk), f"#cell-{doing.pk}")
    assert moved.value.status == 200
    expect(page.locator(f"#cell-{doing.pk}")).to_contain_text("Cannot reset password")
    expect(page.locator(f"#head-{doing.pk} .col-count")).to_have_text("1 / 5")
    screenshot("after-drag")
    page.reload()
    expect(page.locator(f"#cell-{doing.pk}")).to_contain_text("Cannot reset password")
    assert Ticket.objects.get(number=2).status == Status.IN_PROGRESS


def test_drag_into_a_full_column_is_refused_and_the_card_returns(live_server, page, team, agent_board, screenshot):
    _, board = agent_board
    doing = Column.objects.get(board=board, status=Status.IN_PROGRESS)
    doing.wip_limit = 1
    doing.save()
    ticket_move(ticket=make_ticket(team, title="Already busy"), by=None, column=doing)
    todo = Column.objects.get(board=board, status=Status.TODO)
    first = Ticket.objects.get(number=1)
    sign_in(page, live_server)
    expect(page.locator(f"#head-{doing.pk}")).to_have_class(re.compile("is-full"))
    with page.expect_response(re.compile(r"/board/move/")) as moved:
        drag(page, f"#card-{first.pk}", f"#cell-{doing.pk}")
    assert moved.value.status == 409
    expect(page.locator("#messages")).to_contain_text("“In Progress” is at its WIP limit (1 / 1)")
    expect(page.locator(f"#cell-{todo.pk} #card-{first.pk}")).to_be_visible()
    expect(page.locator(f"#cell-{doing.pk} #card-{first.pk}")).to_have_count(0)
    screenshot("wip-refused")
    first.refresh_from_db()
    assert first.status == Status.TODO


def test_quick_filter_updates_board_and_url(live_server, page, team, agent_board):
    sign_in(page, live_server)
    page.get_by_label("Mine").check()
    expect(page).to_have_url(re.compile(r"mine=on"))
    expect(page.locator("#board-columns")).to_contain_text("Refund not received")
    expect(page.locator("#board-columns")).not_to_contain_text("Cannot reset password")
    page.get_by_label("Mine").uncheck()
    page.get_by_label("Search tickets").fill("VAT")
    expect(page.locator("#board-columns")).not_to_contain_text("Refund not received")
    expect(page.locator("#board-columns")).to_contain_text("Invoice shows wrong VAT")
    expect(page).to_have_url(re.compile(r"q=VAT"))
    page.reload()  # the filter lives in the URL
    expect(page.locator("#board-columns")).not_to_contain_text("Refund not received")


def test_keyboard_help_navigation_and_move_menu(live_server, page, team, agent_board, screenshot):
    _, board = agent_board
    sign_in(page, live_server)
    # The shortcuts are bound once the board's script has run: wait for the page to settle first.
    page.wait_for_load_state("networkidle")
    expect(page.locator(".tcard").first).to_be_visible()
    page.locator("body").press("?")
    help_dialog = page.get_by_role("dialog", name="Keyboard shortcuts")
    expect(help_dialog).to_be_visible()
    expect(help_dialog).to_contain_text("Next / previous card")
    screenshot("keyboard-help")
    page.keyboard.press("Escape")
    expect(help_dialog).to_be_hidden()

    page.keyboard.press("j")
    page.keyboard.press("j")
    expect(page.locator(".tcard:focus")).to_contain_text("Cannot reset password")
    page.keyboard.press("k")
    expect(page.locator(".tcard:focus")).to_contain_text("Refund not received")

    page.keyboard.press("m")
    menu = page.get_by_role("dialog", name=re.compile("Move"))
    expect(menu).to_be_visible()
    with page.expect_response(re.compile(r"/board/move/")):
        menu.get_by_role("button", name="Waiting on customer").click()
    waiting = Column.objects.get(board=board, status=Status.WAITING)
    expect(page.locator(f"#cell-{waiting.pk}")).to_contain_text("Refund not received")

    page.keyboard.press("/")
    expect(page.get_by_label("Search tickets")).to_be_focused()


def test_phone_moves_a_card_with_the_move_to_menu(live_server, browser, team, agent_board):
    _, board = agent_board
    context = browser.new_context(viewport={"width": 390, "height": 844}, has_touch=True)
    page = context.new_page()
    sign_in(page, live_server)
    page.get_by_role("button", name=re.compile("Move CARE-3")).click()
    with page.expect_response(re.compile(r"/board/move/")):
        page.get_by_role("dialog").get_by_role("button", name="Resolved").click()
    resolved = Column.objects.get(board=board, status=Status.RESOLVED)
    expect(page.locator(f"#cell-{resolved.pk}")).to_contain_text("Invoice shows wrong VAT")
    context.close()
