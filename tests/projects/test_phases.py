"""Phases, deliverables and gates, and the RACI matrix that names who decides."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.db import connection
from django.urls import reverse

from notifications.models import Notification
from projects import phases, raci
from projects.models import Gate, Phase, Project, RaciCell, RaciRow
from teams.models import Role
from tests.factories import ProjectFactory

pytestmark = pytest.mark.django_db

START = date(2027, 1, 4)


@pytest.fixture
def crm(team, make_member):
    owner = make_member(team, Role.LEAD)
    project = ProjectFactory(team=team, name="CRM rollout", framework="waterfall", owner=owner, start=START)
    phases.phases_default(project=project)
    return project


def _phase(project: Project, order: int) -> Phase:
    return Phase.objects.get(project=project, order=order)


def test_default_phases_run_back_to_back_each_with_a_raci_row(crm):
    names = list(Phase.objects.filter(project=crm).values_list("name", "planned_start", "planned_end"))
    assert [n for n, _, _ in names] == ["Planning", "Pilot", "Execution", "Testing", "Launch"]
    assert names[0][1:] == (START, START + timedelta(days=13))
    assert all(names[n][1] == names[n - 1][2] + timedelta(days=1) for n in range(1, 5))
    assert RaciRow.objects.filter(project=crm, phase__isnull=False).count() == 5


def test_a_phase_that_would_overlap_the_next_is_refused_unless_the_project_allows_it(team, crm, login):
    planning = _phase(crm, 1)
    client = login(crm.owner)
    url = reverse("projects:phase-replan", args=[team.slug, crm.pk, planning.pk])
    late = {"planned_start": START, "planned_end": START + timedelta(days=20), "version": planning.version}
    refused = client.post(url, late)
    assert refused.status_code == 400 and "It would overlap “Pilot”" in refused.content.decode()
    Project.objects.filter(pk=crm.pk).update(allow_overlap=True)
    assert client.post(url, late).status_code == 302
    stale = client.post(url, {**late, "planned_end": START + timedelta(days=18)})  # the version it read is old
    assert stale.status_code == 409
    assert _phase(crm, 1).planned_end == START + timedelta(days=20)


def test_the_gate_closes_a_phase_only_when_its_deliverables_are_settled(team, crm, make_member, login):
    planning = _phase(crm, 1)
    agent = make_member(team, Role.AGENT)
    charter = phases.deliverable_add(phase=planning, title="Project charter", owner=agent, due=START)
    vendors = phases.deliverable_add(phase=planning, title="Vendor shortlist")
    owner = login(crm.owner)
    gate = reverse("projects:gate-decide", args=[team.slug, crm.pk, planning.pk])
    blocked = owner.post(gate, {"decision": "approved", "comment": "Scope agreed"})
    assert (
        blocked.status_code == 400
        and "deliverables are open: Project charter; Vendor shortlist" in blocked.content.decode()
    )
    no_comment = owner.post(gate, {"decision": "approved", "comment": ""})
    assert no_comment.status_code == 400
    # The agent ticks the deliverable they own; another agent may not.
    tick = reverse("projects:deliverable-tick", args=[team.slug, crm.pk, charter.pk])
    assert login(make_member(team, Role.AGENT)).post(tick, {"done": "on", "version": 1}).status_code == 403
    assert login(agent).post(tick, {"done": "on", "version": 1}).status_code == 302
    waive = reverse("projects:deliverable-waive", args=[team.slug, crm.pk, vendors.pk])
    assert owner.post(waive, {"reason": "", "version": 1}).status_code == 400
    assert owner.post(waive, {"reason": "Vendor already chosen by procurement", "version": 1}).status_code == 302
    assert (
        owner.post(gate, {"decision": "conditions", "comment": "Go, with a data-protection review"}).status_code == 302
    )
    planning.refresh_from_db()
    assert planning.closed and planning.actual_end is not None
    assert _phase(crm, 2).actual_start == planning.actual_end  # the pilot starts
    assert owner.post(gate, {"decision": "approved", "comment": "again"}).status_code == 400  # closed already
    edit = reverse("projects:deliverable-add", args=[team.slug, crm.pk, planning.pk])
    assert owner.post(edit, {"title": "Late addition"}).status_code == 400  # a closed phase is history


def test_only_the_accountable_or_the_owner_decides_and_both_r_and_a_hear_of_it(team, crm, make_member, login):
    pilot = _phase(crm, 2)
    lead, agent = make_member(team, Role.LEAD), make_member(team, Role.AGENT)
    row = RaciRow.objects.get(phase=pilot)
    RaciCell.objects.create(row=row, user=lead, role="A")
    RaciCell.objects.create(row=row, user=agent, role="R")
    gate = reverse("projects:gate-decide", args=[team.slug, crm.pk, pilot.pk])
    other_lead = make_member(team, Role.LEAD)
    assert login(other_lead).post(gate, {"decision": "rejected", "comment": "no"}).status_code == 403
    request = reverse("projects:gate-request", args=[team.slug, crm.pk, pilot.pk])
    assert login(agent).post(request).status_code == 302
    assert Notification.objects.filter(user=lead, kind="raci_gate_request").count() == 1
    assert login(lead).post(gate, {"decision": "rejected", "comment": "Pilot data incomplete"}).status_code == 302
    assert Gate.objects.get(phase=pilot).decision == "rejected" and not _phase(crm, 2).closed
    told = set(Notification.objects.filter(kind="raci_event").values_list("user_id", flat=True))
    assert told == {agent.pk, crm.owner_id}  # R and the owner; the Accountable decided it


def test_raci_cells_cycle_and_one_accountable_per_row(team, crm, make_member, login):
    row = RaciRow.objects.get(phase=_phase(crm, 1))
    a, b = make_member(team, Role.AGENT), make_member(team, Role.AGENT)
    url = reverse("projects:raci-cycle", args=[team.slug, crm.pk, row.pk])
    client = login(crm.owner)
    seen = []
    for _ in range(5):
        response = client.post(url, {"person": f"u{a.pk}"}, HTTP_HX_REQUEST="true")
        assert response.status_code == 200 and f'<tr id="raci-row-{row.pk}"' in response.content.decode()
        seen.append(RaciCell.objects.filter(row=row, user=a).values_list("role", flat=True).first())
    assert seen == ["R", "A", "C", "I", None]
    client.post(url, {"person": f"u{a.pk}"})
    client.post(url, {"person": f"u{a.pk}"})  # a is Accountable
    client.post(url, {"person": f"u{b.pk}"})  # b: R
    skipped = client.post(url, {"person": f"u{b.pk}"}, HTTP_HX_REQUEST="true")  # A is taken: b goes to C
    assert "Someone else is Accountable" in skipped.content.decode()
    assert dict(RaciCell.objects.filter(row=row).values_list("user_id", "role")) == {a.pk: "A", b.pk: "C"}
    assert client.post(url, {"person": "u999999"}).status_code == 302  # unknown person: refused, nothing saved
    assert RaciCell.objects.filter(row=row).count() == 2


def test_rows_to_fix_are_named_on_the_overview(team, crm, make_member, login):
    row = RaciRow.objects.get(phase=_phase(crm, 1))
    RaciCell.objects.create(row=row, user=crm.owner, role="A")
    problems = {r.row.pk: r.problem for r in raci.rows_to_fix(crm)}
    assert problems[row.pk] == "Needs at least one Responsible."
    page = login(crm.owner).get(reverse("projects:detail", args=[team.slug, crm.pk])).content.decode()
    assert "Phase: Planning: Needs at least one Responsible." in page


def test_who_may_see_and_change_the_plan(team, other_team, crm, make_member, login):
    viewer = login(make_member(team, Role.VIEWER))
    for name in ("projects:plan", "projects:raci"):
        assert viewer.get(reverse(name, args=[team.slug, crm.pk])).status_code == 200
    row = RaciRow.objects.filter(project=crm).first()
    assert (
        viewer.post(reverse("projects:raci-cycle", args=[team.slug, crm.pk, row.pk]), {"person": "u1"}).status_code
        == 403
    )
    assert viewer.post(reverse("projects:phase-add", args=[team.slug, crm.pk]), {}).status_code == 403
    outsider = login(make_member(other_team, Role.MANAGER))
    assert outsider.get(reverse("projects:plan", args=[team.slug, crm.pk])).status_code == 404
    assert outsider.get(reverse("projects:plan", args=[other_team.slug, crm.pk])).status_code == 404


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks are PostgreSQL's; CI runs this there")
@pytest.mark.django_db(transaction=True)
def test_two_people_made_accountable_at_once_leave_one(team, make_member):
    import threading

    project = ProjectFactory(team=team, name="Race")
    row = raci.row_add(project=project, activity="Sign-off")
    a, b = make_member(team, Role.AGENT), make_member(team, Role.AGENT)
    RaciCell.objects.create(row=row, user=a, role="R")
    RaciCell.objects.create(row=row, user=b, role="R")
    barrier = threading.Barrier(2)

    def click(person: str) -> None:
        from django.db import connections

        barrier.wait()
        try:
            raci.cycle(row=row, person=person)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=click, args=(f"u{u.pk}",)) for u in (a, b)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    roles = sorted(RaciCell.objects.filter(row=row).values_list("role", flat=True))
    assert roles == ["A", "C"]


def test_a_baseline_freezes_the_plan_and_the_timeline_shows_the_drift(team, crm, login):
    client = login(crm.owner)
    save = reverse("projects:baseline-save", args=[team.slug, crm.pk])
    assert client.post(save, {"name": "Signed-off plan"}).status_code == 302
    again = client.post(save, {"name": "signed-off PLAN"})
    assert again.status_code == 400 and "never overwritten" in again.content.decode()
    baseline = crm.baselines.get()
    launch = _phase(crm, 5)
    phases.phase_replan(phase=launch, expected_version=launch.version, planned_start=launch.planned_start,
                        planned_end=launch.planned_end + timedelta(days=9))  # fmt: skip
    baseline.refresh_from_db()
    assert baseline.plan["phases"][4]["end"] == (START + timedelta(days=69)).isoformat()  # unchanged
    with pytest.raises(ValueError, match="never edited"):
        baseline.name = "Renamed"
        baseline.save()
    page = client.get(reverse("projects:plan", args=[team.slug, crm.pk])).content.decode()
    assert "+9 d vs baseline" in page and "Baseline: Launch" in page


def test_a_project_from_the_crm_template_lays_its_plan_over_working_days(team, make_member, login):
    from tests.factories import WorkingHoursFactory

    for weekday in range(5):
        WorkingHoursFactory(team=team, weekday=weekday)
    lead = make_member(team, Role.LEAD)
    template = phases.ProjectTemplate.objects.get(name="CRM rollout")
    response = login(lead).post(
        reverse("projects:create", args=[team.slug]),
        {"template": template.pk, "name": "", "framework": "kanban", "status": "active", "start": "2027-01-01"},
    )  # fmt: skip  (a Friday, a holiday for many)
    project = Project.objects.get(team=team)
    assert response.status_code == 302 and project.name == "CRM rollout" and project.framework == "waterfall"
    planning, pilot = _phase(project, 1), _phase(project, 2)
    # Ten working days from Friday 1 January: Fri 1, Mon 4 … Thu 14 January; the pilot starts Friday 15.
    assert (planning.planned_start, planning.planned_end) == (date(2027, 1, 1), date(2027, 1, 14))
    assert pilot.planned_start == date(2027, 1, 15) and pilot.planned_start.weekday() == 4
    charter = planning.deliverables.get(title="Project charter")
    assert charter.due == date(2027, 1, 5)  # its third working day
    assert project.milestones.get(name="Pilot sign-off").date == pilot.planned_end
    assert project.scope_in[0] == "Pilot with a few agents" and project.owner == lead
    problems = {r.row.label: r.problem for r in raci.rows_to_fix(project)}
    assert problems["Stakeholder updates"] == "Needs at least one Responsible."  # to fix by clicking
    assert "Phase: Planning" in problems  # the owner is Accountable; nobody Responsible yet


def test_raci_people_hear_of_their_deliverables_once_each_as_their_role_says(team, crm, make_member, login):
    from projects.raci_news import deliverables_check

    planning = _phase(crm, 1)
    r, c, i = make_member(team, Role.AGENT), make_member(team, Role.AGENT), make_member(team, Role.VIEWER)
    item = phases.deliverable_add(phase=planning, title="Data migration plan", owner=r, due=START + timedelta(days=3))
    row = RaciRow.objects.get(deliverable=item)
    RaciCell.objects.create(row=row, user=crm.owner, role="A")
    RaciCell.objects.create(row=row, user=c, role="C")
    RaciCell.objects.create(row=row, user=i, role="I")
    # Two days before it is due: due soon, once however often beat runs.
    assert deliverables_check(today=START + timedelta(days=1)) == 4
    assert deliverables_check(today=START + timedelta(days=2)) == 0
    # A day late: overdue, escalated to the Accountable.
    deliverables_check(today=START + timedelta(days=4))
    overdue = Notification.objects.filter(message__contains="overdue")
    assert set(overdue.values_list("user_id", "kind")) == {
        (r.pk, "raci_event"),
        (crm.owner_id, "raci_event"),
        (c.pk, "raci_input"),
        (i.pk, "project_info"),
    }
    assert "escalated to the Accountable" in overdue.first().message
    # Done by its owner: the others hear it, the owner does not hear of their own tick.
    phases.deliverable_tick(deliverable=item, by=r, expected_version=item.version, done=True)
    done = Notification.objects.filter(message__contains="is done")
    assert set(done.values_list("user_id", flat=True)) == {crm.owner_id, c.pk, i.pk}


def test_a_deliverable_is_done_through_a_ticket_of_the_team(team, other_team, crm, make_member, login):
    from tests.factories import make_ticket

    planning = _phase(crm, 1)
    item = phases.deliverable_add(phase=planning, title="Migrate the macros")
    ticket = make_ticket(team, title="Move 120 macros", kind="task")
    theirs = make_ticket(other_team, title="Not ours", kind="task")
    url = reverse("tickets:deliverable-link", args=[team.slug, item.pk])
    lead = login(crm.owner)
    assert lead.post(url, {"number": ticket.number}).status_code == 302
    page = lead.get(reverse("projects:plan", args=[team.slug, crm.pk])).content.decode()
    assert f"{team.slug.upper()}-{ticket.number} · To Do" in page
    missing = lead.post(url, {"number": theirs.number + 1000}, follow=True).content.decode()
    assert f"This team has no ticket number {theirs.number + 1000}." in missing
    assert item.__class__.objects.get(pk=item.pk).ticket_link.ticket == ticket  # unchanged
    assert lead.post(url, {"number": ""}).status_code == 302
    assert not type(item).objects.filter(pk=item.pk, ticket_link__isnull=False).exists()
    assert login(make_member(team, Role.AGENT)).post(url, {"number": ticket.number}).status_code == 403
    outsider = login(make_member(other_team, Role.MANAGER))
    assert outsider.post(reverse("tickets:deliverable-link", args=[other_team.slug, item.pk]), {}).status_code == 404


def test_the_consulted_answer_in_the_deliverables_comments(team, crm, make_member, login):
    planning = _phase(crm, 1)
    r, c, stranger = make_member(team, Role.AGENT), make_member(team, Role.VIEWER), make_member(team, Role.VIEWER)
    item = phases.deliverable_add(phase=planning, title="Data protection review", owner=r)
    row = RaciRow.objects.get(deliverable=item)
    RaciCell.objects.create(row=row, user=crm.owner, role="A")
    RaciCell.objects.create(row=row, user=c, role="C")
    phases.deliverable_tick(deliverable=item, by=r, expected_version=item.version, done=True)
    asked = Notification.objects.get(user=c, kind="raci_input")
    assert asked.link.endswith(f"#deliverable-{item.pk}") and "answer in its comments" in asked.message
    url = reverse("projects:remark-add", args=[team.slug, crm.pk, item.pk])
    assert login(stranger).post(url, {"text": "Looks fine"}).status_code == 403  # a viewer not named on it
    assert login(c).post(url, {"text": "Ask legal about retention"}).status_code == 302  # the Consulted viewer
    assert login(c).post(url, {"text": "  "}).status_code == 400
    heard = set(Notification.objects.filter(message__contains="Ask legal").values_list("user_id", flat=True))
    assert heard == {r.pk, crm.owner_id}
    page = login(r).get(reverse("projects:plan", args=[team.slug, crm.pk])).content.decode()
    assert "Ask legal about retention" in page and "Comments (1)" in page


def test_managers_keep_the_templates_as_text(team, make_member, login):
    from projects.models import ProjectTemplate

    manager = login(make_member(team, Role.MANAGER))
    crm_template = ProjectTemplate.objects.get(name="CRM rollout")
    url = reverse("projects:template-edit", args=[team.slug, crm_template.pk])
    form = manager.get(url).context["form"]
    data = {k: form.initial[k] for k in ("name", "framework", "description", "scope_in", "scope_out", "phases",
                                         "milestones", "raci")}  # fmt: skip
    assert data["phases"].startswith("Planning | 10\n- Project charter | 3")
    bad = manager.post(url, {**data, "phases": data["phases"] + "\n- Sign-off | 40"})
    assert bad.status_code == 400 and "day 40 is after the phase" in bad.content.decode()
    worse = manager.post(url, {**data, "raci": "Budget | owner=Z"})
    assert worse.status_code == 400 and "should be owner or lead = R, A, C or I" in worse.content.decode()
    crm_template.refresh_from_db()
    assert len(crm_template.phases[-1]["deliverables"]) == 3  # nothing saved
    ok = manager.post(url, {**data, "phases": data["phases"] + "\n- Hypercare week | 15"})
    assert ok.status_code == 302
    crm_template.refresh_from_db()
    assert crm_template.phases[-1]["deliverables"][-1] == {"title": "Hypercare week", "day": 15}
    assert login(make_member(team, Role.LEAD)).get(url).status_code == 403


def test_an_outside_stakeholder_named_on_a_row_is_mailed_once_per_event(team, crm):
    from notifications.models import OutgoingMail
    from projects.models import Stakeholder
    from projects.raci_news import deliverables_check

    vendor = Stakeholder.objects.create(project=crm, name="Vera Vendor", email="vera@vendor.example")
    item = phases.deliverable_add(phase=_phase(crm, 1), title="Vendor contract", due=START + timedelta(days=1))
    RaciCell.objects.create(row=RaciRow.objects.get(deliverable=item), stakeholder=vendor, role="C")
    deliverables_check(today=START)
    deliverables_check(today=START)  # beat runs again: nobody is mailed twice
    mails = OutgoingMail.objects.filter(to="vera@vendor.example")
    assert mails.count() == 1 and "“Vendor contract” is due" in mails.get().body
