"""The Kanban board: quick filters, swimlanes, paging of columns and card moves."""

from __future__ import annotations

from typing import Any, NamedTuple

from django.conf import settings
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import trigger_client_event

from core.errors import RuleBroken, StaleEdit
from core.htmx import fragment_or_page, wants_fragment
from core.stale import refuse_stale
from projects.models import Project
from teams.http import TeamRequest
from teams.models import Team
from teams.permissions import Action, can
from teams.views import team_view
from tickets import moves, saved_views, services
from tickets.forms.board import BoardFilterForm, BoardSettingsForm, MoveForm
from tickets.models import Board, Column, SavedView, Ticket
from tickets.selectors.board import BoardData, BoardFilters, board_data, column_more, lane_key_of, moved_card

TEMPLATE = "tickets/board.html"


def _board_for(team: Team, project_id: int | None) -> tuple[Board, Project | None]:
    if project_id is None:
        return services.board_ensure_for_team(team=team), None
    project = get_object_or_404(Project.objects.of_team(team), pk=project_id)
    return services.board_ensure_for_project(project=project), project


def _context(request: TeamRequest, team: Team, board: Board, project: Project | None, form: BoardFilterForm | None,
             data: BoardData, **extra: Any) -> dict[str, Any]:  # fmt: skip
    query = request.GET.copy()
    query.pop("after", None)
    if board.project_id is None:
        board_url = reverse("tickets:board", args=[team.slug])
        move_url = reverse("tickets:board-move", args=[team.slug])
    else:
        board_url = reverse("tickets:project-board", args=[team.slug, board.project_id])
        move_url = reverse("tickets:project-board-move", args=[team.slug, board.project_id])
    return {
        "team": team,
        "board": board,
        "project": project,
        "form": form,
        "data": data,
        "lane_by": data.lane_by,
        "filter_query": query.urlencode(),
        "board_url": board_url,
        "move_url": move_url,
        "key_prefix": team.slug.upper(),
        "ageing_seconds": team.ageing_seconds,
        "ticket_base": reverse("tickets:list", args=[team.slug]),
        "can_move": can(request.membership, Action.WORK_TICKETS),
        "can_configure": can(request.membership, Action.MANAGE_TEAM),
        # How often card clocks tick and the board refreshes itself (static/js/board.js).
        "sla_tick_ms": getattr(settings, "SLA_BOARD_TICK_MS", 30_000),
        "sla_refresh_ms": getattr(settings, "SLA_BOARD_REFRESH_MS", 300_000),
        **extra,
    }


@require_GET
@team_view()
def board(request: TeamRequest, team: Team, project_id: int | None = None) -> HttpResponse:
    """The team's board (or a project's). Filters and swimlanes live in the query string."""
    the_board, project = _board_for(team, project_id)
    form = BoardFilterForm(request.GET, board=the_board)
    form.is_valid()  # invalid filters are reported and ignored; the valid ones still apply
    data = board_data(board=the_board, filters=form.filters(request.user), lane_by=form.lane_by)
    context = _context(request, team, the_board, project, form, data)
    if project is None and not wants_fragment(request):
        context["saved_views"] = saved_views.views_for(team=team, user=request.user, page=SavedView.Page.BOARD)
    return fragment_or_page(request, TEMPLATE, "board-columns", context)


@require_GET
@team_view()
def board_more(request: TeamRequest, team: Team, column_id: int, project_id: int | None = None) -> HttpResponse:
    """The next cards of one column (or swimlane cell), replacing its "show more" button."""
    the_board, project = _board_for(team, project_id)
    column = get_object_or_404(Column, pk=column_id, board=the_board)
    shown = _filters_of(request, the_board)
    after_id = request.GET.get("after", "")
    after = Ticket.objects.filter(pk=int(after_id)).first() if after_id.isdigit() else None
    if after is None or after.team_id != team.pk:
        return HttpResponse("That card is no longer on the board; reload the page.", status=400)
    lane = request.GET.get("lane") or None
    cards, has_more = column_more(
        board=the_board, column=column, filters=shown.filters, after=after, lane_by=shown.lane_by, lane=lane
    )
    data = BoardData(board=the_board, heads=[], lanes=[])
    context = _context(request, team, the_board, project, shown.form, data, cards=cards, has_more=has_more,
                       column=column, lane=lane or "")  # fmt: skip
    return render(request, f"{TEMPLATE}#more-cards", context)


@require_POST
@team_view(Action.WORK_TICKETS)
def board_move(request: TeamRequest, team: Team, project_id: int | None = None) -> HttpResponse:
    """Move a card; answer with the moved card and the two column heads (when refused: both columns, card back).

    The board's busiest request: its board and columns are one statement, the filters' form is built only
    when the board has filters, and the move itself reads what the answer shows (see ``tickets.moves``).
    """
    found = moves.board_with_columns(team=team, project_id=project_id)
    if found is None:  # the board does not exist yet (or the project is not the team's: 404)
        the_board, _ = _board_for(team, project_id)
        found = the_board, list(the_board.columns.all())
    the_board, columns = found
    # The answers below are regions of the board, which never show the project (its page header does).
    project = None
    form = MoveForm(request.POST, columns=columns)
    shown = _filters_of(request, the_board)
    filters_form, filters, lane_by = shown
    if not form.is_valid():
        errors = " ".join(str(e) for field_errors in form.errors.values() for e in field_errors)
        return _move_refused(request, team, the_board, shown, errors)
    column = form.cleaned_data["column"]
    try:
        result = services.ticket_move(
            ticket=Ticket(pk=form.cleaned_data["ticket"]), by=request.user, column=column,
            above_id=form.cleaned_data["above"], below_id=form.cleaned_data["below"],
            board=the_board, board_columns=columns,
        )  # fmt: skip
    except services.NotOnBoard as refused:
        return _move_refused(request, team, the_board, shown, str(refused))
    except services.WipLimitReached as full:
        # Refused: redraw both columns, so the card the user dropped goes back where it was.
        messages.error(request, str(full))
        ticket = Ticket.objects.get(pk=form.cleaned_data["ticket"])
        lane = lane_key_of(ticket, lane_by, timezone.now())
        data = board_data(
            board=the_board, filters=filters, lane_by=lane_by, statuses=(ticket.status, column.status), lane=lane
        )
        context = _context(request, team, the_board, project, filters_form, data, oob=True)
        return render(request, f"{TEMPLATE}#changed-columns", context, status=409)
    now = timezone.now()
    if lane_key_of(result.before, lane_by, now) != lane_key_of(result.ticket, lane_by, now):
        # The move changed the card's lane (into a column that stops the SLA clock, say): redraw the board.
        data = board_data(board=the_board, filters=filters, lane_by=lane_by)
        context = _context(request, team, the_board, project, filters_form, data, oob=True)
        response = render(request, f"{TEMPLATE}#board-columns", context)
    else:
        # The card already stands where it was dropped: answer with it and the two column heads only.
        data = moved_card(
            board=the_board, ticket=result.ticket, statuses=result.changed_statuses, filters=filters,
            columns=columns, team_sla=result.team_sla, counts=result.counts,
            labels=result.ticket.card_labels,  # type: ignore[attr-defined]
        )  # fmt: skip
        context = _context(request, team, the_board, project, filters_form, data, oob=True)
        response = render(request, f"{TEMPLATE}#moved-card", context)
    return trigger_client_event(response, "tickets-changed", {"ticket": result.ticket.pk})


class Shown(NamedTuple):
    """What the query string asks the board to show: its form (None: no query string), filters and lanes."""

    form: BoardFilterForm | None
    filters: BoardFilters
    lane_by: str


def _filters_of(request: TeamRequest, board: Board) -> Shown:
    """The board's quick filters and swimlanes from the query string (invalid ones dropped, reported by the form).

    Without a query string there are none, and the form (a query set per choice field) is not built.
    """
    if not request.GET:
        return Shown(None, BoardFilters(), "")
    form = BoardFilterForm(request.GET, board=board)
    form.is_valid()
    return Shown(form, form.filters(request.user), form.lane_by)


def _move_refused(request: TeamRequest, team: Team, board: Board, shown: Shown, message: str) -> HttpResponse:
    """A move that cannot be read or applied: say why and redraw the board, so nothing stays misplaced."""
    messages.error(request, message)
    data = board_data(board=board, filters=shown.filters, lane_by=shown.lane_by)
    context = _context(request, team, board, None, shown.form, data, oob=True)
    return render(request, f"{TEMPLATE}#board-columns", context, status=422)


@require_http_methods(["GET", "POST"])
@team_view(Action.MANAGE_TEAM)
def board_settings(request: TeamRequest, team: Team, project_id: int | None = None) -> HttpResponse:
    """Leads name, order and limit the columns of a board."""
    the_board, project = _board_for(team, project_id)
    columns = list(the_board.columns.all())
    board_url = (
        reverse("tickets:board", args=[team.slug])
        if project is None
        else reverse("tickets:project-board", args=[team.slug, project.pk])
    )
    form = BoardSettingsForm(request.POST or None, board=the_board, columns=columns)
    context: dict[str, Any] = {
        "team": team, "board": the_board, "project": project, "form": form, "board_url": board_url,
    }  # fmt: skip
    if request.method == "GET":
        return render(request, "tickets/board_settings.html", context)
    if not form.is_valid():
        return render(request, "tickets/board_settings.html", context, status=422)
    try:
        services.board_configure(
            board=the_board, by=request.user, expected_version=form.cleaned_data["version"],
            columns=form.settings(), wip_per_agent=form.cleaned_data["wip_per_agent"],
            resolved_days=form.cleaned_data["resolved_days"],
        )  # fmt: skip
    except StaleEdit as stale:
        refuse_stale(form, stale, what="this board")
        context["current_columns"] = list(the_board.columns.all())
        return render(request, "tickets/board_settings.html", context, status=409)
    except RuleBroken as broken:
        form.add_error(None, str(broken))
        return render(request, "tickets/board_settings.html", context, status=422)
    messages.success(request, "Board settings saved.")
    return redirect(board_url)
