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
from django.views.decorators.http import require_http_methods, require_POST

from core import inline
from core.errors import RuleBroken, StaleEdit
from core.stale import refuse_stale
from teams.calendar import BusinessCalendar
from teams.forms import CalendarForm, HolidayForm, MembershipForm, PrefillForm, time_zone_suggestions
from teams.http import SESSION_TEAM_KEY, TeamRequest
from teams.models import Holiday, Membership, Team, Weekday
from teams.permissions import Action, can, membership_in
from teams.services import (
    calendar_state,
    calendar_update,
    holiday_add,
    holiday_remove,
    holidays_prefill,
    membership_update,
    minutes_label,
)

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
            membership = membership_in(request.user, team_slug)
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


MEMBERS = inline.InlineList(
    template="teams/team_detail.html", noun="member", page="teams:detail", event="members-changed",
    item="m", what="this member",
)  # fmt: skip


def _members_context(request: TeamRequest, team: Team, **extra: Any) -> dict[str, Any]:
    return {"team": team, "can_edit_members": can(request.membership, Action.MANAGE_TEAM), **extra}


@team_view()
def member_row(request: TeamRequest, team: Team, pk: int) -> HttpResponse:
    """One member's row, read-only (the Cancel of an inline edit)."""
    member = get_object_or_404(Membership.objects.for_team_page(team), pk=pk)
    return inline.row(request, MEMBERS, _members_context(request, team), member)


@require_http_methods(["GET", "POST"])
@team_view(Action.MANAGE_TEAM)
def member_edit(request: TeamRequest, team: Team, pk: int) -> HttpResponse:
    """Inline edit of a member's role, capacity and skills; a stale save is refused (409) with the saved values."""
    member = get_object_or_404(Membership.objects.for_team_page(team), pk=pk)
    editor = request.membership
    form = MembershipForm(request.POST if request.method == "POST" else None, membership=member, editor=editor)
    return inline.edit(
        request, MEMBERS, obj=member, form=form,
        save=lambda: membership_update(
            membership=member, by=editor, expected_version=form.cleaned_data["version"], change=form.change()
        ),
        success=lambda saved: f"Saved {saved.user.display_name}.",
        context=lambda **extra: _members_context(request, team, **extra),
    )  # fmt: skip


# --- Business calendar -------------------------------------------------------------------------

CALENDAR = "teams/calendar.html"


def _holidays_context(team: Team, **extra: Any) -> dict[str, Any]:
    """The holiday list (from 1 January of the team's current year on) and its two forms."""
    today = timezone.now().astimezone(team.tzinfo).date()
    return {
        "team": team,
        "today": today,
        "holidays": list(Holiday.objects.filter(team=team, date__gte=today.replace(month=1, day=1))),
        "holiday_form": HolidayForm(),
        "prefill_form": PrefillForm(initial={"year": today.year}),
        **extra,
    }


def _calendar_page(request: TeamRequest, team: Team, *, status: int = 200, **extra: Any) -> HttpResponse:
    state = calendar_state(team)
    team.refresh_from_db(fields=["time_zone", "calendar_version"])
    calendar = BusinessCalendar.for_team(team)
    now = timezone.now()
    context = _holidays_context(team, **extra)
    context.setdefault("form", CalendarForm(state=state))
    context.update(
        state=state,
        time_zones=time_zone_suggestions(),
        local_now=now.astimezone(team.tzinfo),
        open_now=calendar.has_hours and calendar.is_open(now),
        next_change=_local(calendar.next_change(now), team),
        weekly_hours=_duration(sum(end - start for _, start, end in state.intervals)),
    )
    if "current" in extra:
        context["current_week"] = _week_summary(extra["current"].intervals)
    return render(request, CALENDAR, context, status=status)


def _local(moment: Any, team: Team) -> Any:
    return moment.astimezone(team.tzinfo) if moment is not None else None


def _duration(minutes: int) -> str:
    hours, rest = divmod(minutes, 60)
    return f"{hours} h {rest} min" if rest else f"{hours} h"


def _week_summary(intervals: Any) -> list[tuple[str, str]]:
    """("Monday", "09:00–12:00, 13:00–17:00") for each day; "closed" for a day without hours."""
    return [
        (
            day.label,
            ", ".join(f"{minutes_label(s)}–{minutes_label(e)}" for d, s, e in intervals if d == day.value) or "closed",
        )
        for day in Weekday
    ]


@require_http_methods(["GET", "POST"])
@team_view(Action.MANAGE_TEAM)
def calendar_edit(request: TeamRequest, team: Team) -> HttpResponse:
    """The team's time zone, weekly hours and holidays. The week form is a plain POST and redirect."""
    if request.method == "GET":
        return _calendar_page(request, team)
    form = CalendarForm(request.POST, state=calendar_state(team))
    if not form.is_valid():
        return _calendar_page(request, team, form=form, status=422)
    try:
        calendar_update(
            team=team,
            by=request.membership,
            expected_version=form.cleaned_data["version"],
            time_zone=form.cleaned_data["time_zone"],
            intervals=form.intervals(),
        )
    except StaleEdit as stale:
        refuse_stale(form, stale, what="the calendar")
        return _calendar_page(request, team, form=form, current=stale.current, status=409)
    except RuleBroken as refusal:  # a weekday's hours (beside the day) or any other rule (above the form)
        form.add_refusal(refusal)
        return _calendar_page(request, team, form=form, status=422)
    if form.round_the_clock:
        messages.success(request, "The team now works 24 hours on every day. Open tickets' SLA due times follow.")
    else:
        messages.success(request, "Saved the working hours. Open tickets' SLA due times follow the new calendar.")
    return redirect("teams:calendar", team_slug=team.slug)


def _holiday_answer(request: TeamRequest, team: Team, *, status: int = 200, **extra: Any) -> HttpResponse:
    """HTMX: the holiday list. A plain form post: back to the page, or the page with the refused form."""
    if request.htmx:
        return render(request, f"{CALENDAR}#holiday-list", _holidays_context(team, **extra), status=status)
    if status >= 400:
        return _calendar_page(request, team, status=status, **extra)
    return redirect("teams:calendar", team_slug=team.slug)


def _day(day: Any) -> str:
    return f"{day:%a} {day.day} {day:%b %Y}"


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


@require_POST
@team_view(Action.MANAGE_TEAM)
def holiday_create(request: TeamRequest, team: Team) -> HttpResponse:
    form = HolidayForm(request.POST)
    if form.is_valid():
        try:
            holiday = holiday_add(
                team=team, by=request.membership, date=form.cleaned_data["date"], name=form.cleaned_data["name"]
            )
        except RuleBroken as broken:
            form.add_error("date", str(broken))
        else:
            messages.success(request, f"Added “{holiday.name}” on {_day(holiday.date)}.")
            return _holiday_answer(request, team)
    return _holiday_answer(request, team, status=422, holiday_form=form)


@require_POST
@team_view(Action.MANAGE_TEAM)
def holiday_delete(request: TeamRequest, team: Team, pk: int) -> HttpResponse:
    holiday = get_object_or_404(Holiday.objects.filter(team=team), pk=pk)
    try:
        holiday_remove(team=team, by=request.membership, holiday_id=holiday.pk)
    except RuleBroken as broken:
        messages.error(request, str(broken))
    else:
        messages.success(request, f"Removed “{holiday.name}” ({_day(holiday.date)}).")
    return _holiday_answer(request, team)


@require_POST
@team_view(Action.MANAGE_TEAM)
def holidays_prefill_view(request: TeamRequest, team: Team) -> HttpResponse:
    """Add a country's public holidays for a year; dates already on the calendar are kept."""
    form = PrefillForm(request.POST)
    if form.is_valid():
        try:
            result = holidays_prefill(
                team=team,
                by=request.membership,
                country=form.cleaned_data["country"],
                years=[form.cleaned_data["year"]],
            )
        except RuleBroken as broken:
            form.add_error(None, str(broken))
        else:
            country = form.country_name(result.country)
            year = result.years[0]
            if result.added:
                note = f"Added {_count(len(result.added), 'public holiday')} of {country} for {year}."
                if result.skipped:
                    note += f" Kept {_count(result.skipped, 'date')} already on the calendar."
                messages.success(request, note)
            else:
                messages.info(request, f"Every public holiday of {country} for {year} is already on the calendar.")
            return _holiday_answer(request, team)
    return _holiday_answer(request, team, status=422, prefill_form=form)
