"""The daily standup: one page per sprint working day, every member's entry autosaved, and blockers."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from core.errors import Invalid, RuleBroken, StaleEdit
from core.htmx import fragment_or_page, region_or_redirect
from core.stale import refuse_stale
from planning import standups
from planning.forms import BlockerForm, StandupEntryForm
from planning.models import Blocker, Sprint, Standup, StandupEntry
from teams.calendar import BusinessCalendar
from teams.http import TeamRequest
from teams.models import Team, User
from teams.permissions import Action, can
from teams.views import team_view
from tickets.models import Ticket


def _sprint(team: Team, number: int) -> Sprint:
    return get_object_or_404(Sprint.objects.select_related("team"), team=team, number=number)


def _day(sprint: Sprint, calendar: BusinessCalendar, day: str | None) -> date:
    if day is None:
        chosen = standups.standup_day_for(sprint, calendar, timezone.localtime(timezone=calendar.zone).date())
        if chosen is None:
            raise Http404("This sprint has no working days.")
        return chosen
    try:
        parsed = date.fromisoformat(day)
    except ValueError as bad:
        raise Http404("No such day.") from bad
    if parsed not in standups.standup_days(sprint, calendar):
        raise Http404("Not a working day of this sprint.")
    return parsed


def _may_write(request: TeamRequest, member_id: int) -> bool:
    """Agents write their own entry; leads and managers write anyone's (during the meeting)."""
    membership = request.membership  # type: ignore[attr-defined]
    if can(membership, Action.MANAGE_WORK):
        return True
    return can(membership, Action.WORK_TICKETS) and member_id == request.user.pk


def _page_context(
    request: TeamRequest, team: Team, sprint: Sprint, day: date, calendar: BusinessCalendar | None = None, **extra: Any
) -> dict[str, Any]:
    calendar = calendar or BusinessCalendar.for_team(team)
    days = standups.standup_days(sprint, calendar)
    standup = Standup.objects.filter(sprint=sprint, day=day).first()
    members = standups.standup_members(sprint)
    found = StandupEntry.objects.filter(standup=standup).select_related("updated_by") if standup else []
    entries = {e.member_id: e for e in found}
    since = standups.since_instant(sprint, calendar, day)
    until = max(min(timezone.now(), standups.day_end(calendar, day)), since)
    known = standups.known_since(team_id=team.pk, member_ids=[m.user_id for m in members], since=since, until=until)
    rows = []
    for m in members:
        entry = entries.get(m.user_id)
        form = StandupEntryForm(initial={
            "yesterday": entry.yesterday if entry else "", "today": entry.today if entry else "",
            "blockers": entry.blockers if entry else "", "version": entry.version if entry else 0,
        })  # fmt: skip
        rows.append({"member": m.user, "entry": entry, "form": form, "known": known.get(m.user_id),
                     "may_write": _may_write(request, m.user_id) and not sprint.is_closed})  # fmt: skip
    index = days.index(day)
    return {
        "team": team, "sprint": sprint, "day": day, "days": days, "day_number": index + 1, "rows": rows, "since": since,
        "since_day": since.astimezone(calendar.zone).date(),
        "previous": days[index - 1] if index else None, "next": days[index + 1] if index + 1 < len(days) else None,
        "blockers": standups.open_blockers(sprint), "key_prefix": team.slug.upper(), "now": timezone.now(),
        "may_raise": can(request.membership, Action.WORK_TICKETS) and not sprint.is_closed,  # type: ignore[attr-defined]
        "may_plan": can(request.membership, Action.MANAGE_WORK),  # type: ignore[attr-defined]
        "blocker_form": BlockerForm(), **extra,
    }  # fmt: skip


@team_view()
def standup(request: TeamRequest, team: Team, number: int, day: str | None = None) -> HttpResponse:
    """The standup of a sprint day (today's by default): every member's yesterday, today and blockers."""
    sprint = _sprint(team, number)
    calendar = BusinessCalendar.for_team(team)
    chosen = _day(sprint, calendar, day)
    return fragment_or_page(request, "planning/standup.html", "standup-blockers",
                            _page_context(request, team, sprint, chosen, calendar))  # fmt: skip


@require_POST
@team_view(Action.WORK_TICKETS)
def standup_entry(request: TeamRequest, team: Team, number: int, day: str, member_id: int) -> HttpResponse:
    """Autosave of one member's entry: answers with the entry's save status (and its new version)."""
    sprint = _sprint(team, number)
    chosen = _day(sprint, BusinessCalendar.for_team(team), day)
    member = get_object_or_404(User.objects.filter(memberships__team=team), pk=member_id)
    if not _may_write(request, member.pk):
        return HttpResponse("You write your own standup entry; leads write anyone's.", status=403)
    form = StandupEntryForm(request.POST)
    status, saved, current = 422, None, None
    if sprint.is_closed:
        form.add_error(None, f"{sprint.name} is closed: its standups are a record now.")
    elif form.is_valid():
        data = form.cleaned_data
        try:
            saved = standups.standup_entry_save(
                standup=standups.standup_open(sprint=sprint, day=chosen), member=member, by=request.user,
                expected_version=data["version"], text={k: data[k] for k in standups.ENTRY_FIELDS},
            )  # fmt: skip
            status = 200
        except StaleEdit as stale:
            current = refuse_stale(form, stale, what=f"{member.display_name}'s entry")
            status = 409
        except RuleBroken as refused:
            form.add_refusal(refused)
    context = {"team": team, "sprint": sprint, "day": chosen, "member": member, "form": form, "saved": saved,
               "current": current}  # fmt: skip
    return region_or_redirect(
        request, "planning/standup.html#entry-status", context, status=status, form=form,
        page_url=reverse("planning:standup-day", args=[team.slug, number, chosen.isoformat()]),
    )  # fmt: skip


@require_POST
@team_view(Action.WORK_TICKETS)
def blocker_raise(request: TeamRequest, team: Team, number: int, day: str) -> HttpResponse:
    """Raise a blocker from the standup; answers with the open blockers."""
    sprint = _sprint(team, number)
    chosen = _day(sprint, BusinessCalendar.for_team(team), day)
    form = BlockerForm(request.POST)
    status = 422
    if form.is_valid():
        data = form.cleaned_data
        ticket = Ticket.objects.filter(team=team, number=data["ticket"]).first() if data["ticket"] else None
        entry = None
        if data["member"]:
            entry = StandupEntry.objects.filter(standup__sprint=sprint, standup__day=chosen,
                                                member_id=data["member"]).first()  # fmt: skip
        try:
            if data["ticket"] and ticket is None:
                raise Invalid({"ticket": f"{team.slug.upper()}-{data['ticket']} is not a ticket of {team.name}."})
            standups.blocker_raise(sprint=sprint, by=request.user, text=data["text"], ticket=ticket, entry=entry)
        except RuleBroken as refused:
            form.add_refusal(refused)
        else:
            status = 200
            what = f" on {team.slug.upper()}-{ticket.number}: it is marked blocked on the boards" if ticket else ""
            messages.success(request, f"Blocker raised{what}.")
            form = BlockerForm()
    if form.errors:
        messages.error(request, " ".join(str(e) for errs in form.errors.values() for e in errs))
    context = _page_context(request, team, sprint, chosen, blocker_form=form)
    return region_or_redirect(
        request, "planning/standup.html#standup-blockers", context, status=status,
        page_url=reverse("planning:standup-day", args=[team.slug, number, chosen.isoformat()]),
    )  # fmt: skip


@require_POST
@team_view(Action.WORK_TICKETS)
def blocker_clear(request: TeamRequest, team: Team, number: int, blocker_id: int) -> HttpResponse:
    """Clear a blocker (whoever raised it, or a lead). From a standup: its blockers; else the sprint page."""
    sprint = _sprint(team, number)
    blocker = get_object_or_404(Blocker, sprint=sprint, pk=blocker_id)
    if blocker.raised_by_id != request.user.pk and not can(request.membership, Action.MANAGE_WORK):  # type: ignore[attr-defined]
        return HttpResponse("Only whoever raised a blocker, or a lead, clears it.", status=403)
    standups.blocker_clear(blocker=blocker, by=request.user)
    messages.success(
        request, "Blocker cleared." + (" The ticket is no longer marked blocked." if blocker.ticket_id else "")
    )
    day = request.POST.get("day")
    if day:
        chosen = _day(sprint, BusinessCalendar.for_team(team), day)
        return region_or_redirect(
            request, "planning/standup.html#standup-blockers", _page_context(request, team, sprint, chosen),
            page_url=reverse("planning:standup-day", args=[team.slug, number, chosen.isoformat()]),
        )  # fmt: skip
    return redirect("planning:sprint", team.slug, number)
