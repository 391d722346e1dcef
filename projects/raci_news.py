"""The RACI matrix drives who hears of what (through the notifications app, exactly once per event):

- Responsible and Accountable people are told of each event on their row (a deliverable done, due soon or
  overdue; a gate requested or decided) at once, by their "RACI" notification choice;
- Consulted people are asked for their input on it;
- Informed people get it in their daily digest (the "Project updates" group mails daily by default);
- an overdue deliverable is escalated to the Accountable (the overdue notice says so).
"""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from notifications.services import Note, mail_people, notify_many
from projects.models import Deliverable, Project, RaciCell, RaciRole, RaciRow

DUE_SOON_DAYS = 2


def tell(*, row: RaciRow | None, project: Project, what: str, key: str, exclude_user_id: int | None = None) -> int:
    """Tell the row's people about one event ``what`` (a sentence); ``key`` names the event. Returns notes."""
    if row is None:
        return 0
    link = reverse("projects:plan", args=[project.team.slug, project.pk])
    if row.deliverable_id:
        link += f"#deliverable-{row.deliverable_id}"  # where the Consulted answer, in the deliverable's comments
    notes = []
    # Outside stakeholders named on the row have no account: they are mailed, whatever their letter.
    outside = RaciCell.objects.filter(row=row, stakeholder__isnull=False).select_related("stakeholder")
    mailed = mail_people(
        addresses=[c.stakeholder.email for c in outside if c.stakeholder is not None and c.stakeholder.email],
        subject=project.name, body=f"{project.name}: {what}\n\n{settings.SITE_URL}{link}", dedupe_key=f"raci:{key}",
    ) if outside else 0  # fmt: skip
    for cell in RaciCell.objects.filter(row=row, user__isnull=False).select_related("user"):
        if cell.user is None or cell.user_id == exclude_user_id:
            continue
        if cell.role in (RaciRole.RESPONSIBLE, RaciRole.ACCOUNTABLE):
            kind, message = "raci_event", f"{project.name}: {what}"
        elif cell.role == RaciRole.CONSULTED:
            kind, message = "raci_input", f"{project.name}: your input is asked (answer in its comments): {what}"
        else:
            kind, message = "project_info", f"{project.name}: {what}"
        notes.append(Note(user=cell.user, kind=kind, message=message[:300], dedupe_key=f"raci:{key}",
                          team_id=project.team_id, subject=f"{project.name}", link=link))  # fmt: skip
    return len(notify_many(notes)) + mailed


def deliverables_check(*, today: date | None = None) -> int:
    """Beat, daily: deliverables due within two days and those overdue (escalated to the Accountable), each
    told once per due date. Returns notes written."""
    today = today or timezone.localdate()
    told = 0
    open_items = (
        Deliverable.objects.filter(done_at__isnull=True, waived_reason="", phase__closed=False,
                                   due__isnull=False, due__lte=today + timedelta(days=DUE_SOON_DAYS))
        .select_related("phase__project__team", "raci_row")
    )  # fmt: skip
    for d in open_items:
        project = d.phase.project
        row = getattr(d, "raci_row", None)
        if d.due is None:  # excluded by the query; for the type checker
            continue
        if d.due < today:
            what = f"“{d.title}” is overdue since {d.due:%-d %b} (escalated to the Accountable)"
            told += tell(row=row, project=project, what=what, key=f"{d.pk}:overdue:{d.due}")
        else:
            what = f"“{d.title}” is due {d.due:%-d %b}"
            told += tell(row=row, project=project, what=what, key=f"{d.pk}:due-soon:{d.due}")
    return told
