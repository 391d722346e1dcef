from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from teams.forms import MembershipForm
from teams.http import SESSION_TEAM_KEY, TeamRequest
from teams.models import Membership, Team, Weekday
from teams.permissions import Action, can
from teams.services import RuleBroken, StaleEdit, membership_update

TeamView = Callable[..., HttpResponse]


def team_view(action: Action = Action.VIEW) -> Callable[[TeamView], TeamView]:
    """Resolve ``team_slug`` to a team the user belongs to, and check ``action``.

    Not a member: 404 (the team's existence is not revealed). A member whose
    role does not allow the action: 403. The view receives the team; the
    membership is on ``request.membership``.
    """

    def decorator(view: TeamView) -> TeamView:
        @login_required
        @wraps(view)
        def wrapped(request: HttpRequest, team_slug: str, *args: Any, **kwargs: Any) -> HttpResponse:
            membership = Membership.objects.of_user_in_team(request.user, team_slug).first()
            if membership is None:
                raise Http404("No such team.")
            if not can(membership, action):
                raise PermissionDenied("Your role in this team does not allow that.")
            request.membership = membership  # type: ignore[attr-defined]
            request.team = membership.team  # type: ignore[attr-defined]
            if request.session.get(SESSION_TEAM_KEY) != team_slug:
                request.session[SESSION_TEAM_KEY] = team_slug
            return view(request, membership.team, *args, **kwargs)

        return wrapped

    return decorator


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Send the user to the board of the team they last worked in."""
    teams = Team.objects.visible_to(request.user)
    slug = request.session.get(SESSION_TEAM_KEY)
    team = teams.filter(slug=slug).first() if slug else None
    team = team or teams.order_by("name").first()
    if team is None:
        return render(request, "teams/no_team.html")
    return redirect("tickets:board", team_slug=team.slug)


@team_view()
def team_detail(request: TeamRequest, team: Team) -> HttpResponse:
    members = list(Membership.objects.for_team_page(team))
    hours_by_day: dict[int, list[Any]] = {day.value: [] for day in Weekday}
    for interval in team.working_hours.all():
        hours_by_day[interval.weekday].append(interval)
    today = timezone.now().astimezone(team.tzinfo).date()
    context = {
        "team": team,
        "members": members,
        "week": [(day.label, hours_by_day[day.value]) for day in Weekday],
        "holidays": team.holidays.filter(date__gte=today)[:12],
        "can_edit_members": can(request.membership, Action.MANAGE_TEAM),
        "local_now": timezone.now().astimezone(team.tzinfo),
    }
    return render(request, "teams/team_detail.html", context)


@team_view()
def member_row(request: TeamRequest, team: Team, pk: int) -> HttpResponse:
    """One member's row, read-only (the Cancel of an inline edit)."""
    member = get_object_or_404(Membership.objects.for_team_page(team), pk=pk)
    context = {"team": team, "m": member, "can_edit_members": can(request.membership, Action.MANAGE_TEAM)}
    return render(request, "teams/team_detail.html#member-row", context)


@require_http_methods(["GET", "POST"])
@team_view(Action.MANAGE_TEAM)
def member_edit(request: TeamRequest, team: Team, pk: int) -> HttpResponse:
    """Inline edit of a member's role, capacity and skills."""
    member = get_object_or_404(Membership.objects.for_team_page(team), pk=pk)
    editor = request.membership
    if request.method == "GET":
        form = MembershipForm(membership=member, editor=editor)
        return render(request, "teams/team_detail.html#member-form", {"team": team, "m": member, "form": form})

    form = MembershipForm(request.POST, membership=member, editor=editor)
    if not form.is_valid():
        return render(
            request, "teams/team_detail.html#member-form", {"team": team, "m": member, "form": form}, status=422
        )
    try:
        updated = membership_update(
            membership=member, by=editor, expected_version=form.cleaned_data["version"], change=form.change()
        )
    except StaleEdit as stale:
        form.add_error(
            None,
            "Someone else changed this member while you were editing. Their values are shown below; "
            "your input is kept in the fields — save again to overwrite.",
        )
        current: Membership = stale.current
        context = {"team": team, "m": current, "form": form, "current": current}
        # The next save is based on the version the user has now seen.
        data = request.POST.copy()
        data["version"] = str(current.version)
        form.data = data
        return render(request, "teams/team_detail.html#member-form", context, status=409)
    except RuleBroken as broken:
        form.add_error(None, str(broken))
        return render(
            request, "teams/team_detail.html#member-form", {"team": team, "m": member, "form": form}, status=422
        )
    messages.success(request, f"Saved {updated.user.display_name}.")
    context = {"team": team, "m": updated, "can_edit_members": True}
    return render(request, "teams/team_detail.html#member-row", context)
