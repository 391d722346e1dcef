from __future__ import annotations

import argparse
from typing import Any

from django.apps import apps
from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction
from django.utils import timezone

from core.bulk import analyze
from metrics.daily import team_rebuild
from metrics.demo import seed_goals
from planning.demo.sprints import seed_sprints
from projects.demo import seed_project_facts
from projects.models import ProjectTemplate
from projects.shipped_templates import ensure_shipped
from risks.demo import seed_risks
from teams.demo import DEMO_PASSWORD, SIGN_INS, seed_people
from teams.models import Team
from tickets.demo.follow import seed_following
from tickets.demo.seed import DEFAULT_TICKETS, seed_tickets
from tickets.demo.sla import seed_sla
from voice.demo.csat import seed_csat
from voice.demo.feedback import seed_feedback


def _count(value: str) -> int:
    number = int(value)
    if number < 0:
        raise argparse.ArgumentTypeError("must be 0 or more")
    return number


class Command(BaseCommand):
    help = (
        "Load deterministic demo data: teams with calendars, people in every role, customer accounts, labels, "
        "projects of every framework, team boards, routing rules and tickets with months of history. The same "
        "--seed and --tickets on the same day (dates count back from today 00:00 UTC) give the same data. "
        "Running it again never duplicates anything: missing teams, people and reference data are added, but "
        "tickets are only generated while the demo teams have none; --replace-tickets deletes the demo teams' "
        "tickets (with their history and comments) and generates them again."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seed", type=int, default=42, help="Random seed (same seed, same data).")
        parser.add_argument(
            "--tickets",
            type=_count,
            default=DEFAULT_TICKETS,
            metavar="N",
            help=f"Tickets to generate across the demo teams (default {DEFAULT_TICKETS}).",
        )
        parser.add_argument(
            "--replace-tickets",
            action="store_true",
            help="Delete the demo teams' tickets first, then generate N again.",
        )
        parser.add_argument("--if-empty", action="store_true", help="Do nothing when any team exists.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["if_empty"] and Team.objects.exists():
            self.stdout.write("Demo data: the database already has teams; nothing loaded.")
        else:
            today = timezone.now().date()
            with transaction.atomic():
                teams = seed_people(seed=options["seed"], today=today)
                result = seed_tickets(
                    teams=teams,
                    seed=options["seed"],
                    today=today,
                    count=options["tickets"],
                    replace=options["replace_tickets"],
                )
                # SLA policies, then clocks for the new tickets and one sweep (at risk, breached, notified).
                sla_result = seed_sla(teams=teams, today=today)
                # Surveys of resolved tickets: answers, expired links, low scores with their follow-ups.
                csat_result = seed_csat(teams=teams, seed=options["seed"], today=today)
                feedback_result = seed_feedback(teams=teams, today=today)
                # Saved views, followers, @mentions and a logged customer reply (and what they notified).
                follow_result = seed_following(teams=teams)
                # The shipped project templates (the migration loads them; a flushed database has lost them).
                ensure_shipped(ProjectTemplate)
                # Project facts: scope, dates, budgets and costs, stakeholders, status updates.
                project_result = seed_project_facts(teams=teams, today=today)
                # Sprint history: closed sprints with additions and carry-overs, an active one, the next planned.
                sprint_result = seed_sprints(teams=teams, today=today, seed=options["seed"])
            # Daily figures of the demo history, as beat keeps them (the dashboard reads these).
            figure_days = sum(team_rebuild(team) for team in teams.values())
            goal_result = seed_goals(teams=teams, now=timezone.now())
            # Risk registers: every level, an accepted risk, mitigations under way, a trigger that fired.
            risk_result = seed_risks(teams=teams, now=timezone.now())
            # The planner's statistics of every table the seed filled (PostgreSQL plans blind until then).
            analyze(*apps.get_models())
            if result.existing:
                tickets = (
                    f"the demo teams already have {result.existing} tickets, none added "
                    "(--replace-tickets generates them again)"
                )
            else:
                tickets = f"{result.created} tickets"
            self.stdout.write(self.style.SUCCESS(f"Demo data loaded: {len(teams)} teams, {tickets}."))
            if sla_result.policies or sla_result.clocks_started:
                self.stdout.write(
                    f"SLA: {sla_result.policies} policies added; {sla_result.running} open tickets with clocks, "
                    f"{sla_result.at_risk} at risk and {sla_result.breached} breached."
                )
            if csat_result.surveys:
                self.stdout.write(
                    f"CSAT: {csat_result.surveys} surveys sent, {csat_result.answered} answered, "
                    f"{csat_result.follow_ups} low scores followed up."
                )
            if feedback_result.items:
                self.stdout.write(
                    f"Feedback: {feedback_result.items} items, {feedback_result.merged} of them merged duplicates."
                )
            if follow_result.views:
                self.stdout.write(
                    f"Views and news: {follow_result.views} saved views, {follow_result.followed} tickets followed, "
                    f"{follow_result.mentions} @mentions."
                )
            if sprint_result.sprints:
                self.stdout.write(
                    f"Sprints: {sprint_result.sprints} sprints, {sprint_result.snapshots} daily snapshots."
                )
            self.stdout.write(f"Metrics: daily figures of {figure_days} team-days, {goal_result.goals} goals.")
            if risk_result.risks:
                self.stdout.write(
                    f"Risks: {risk_result.risks} in the registers, {risk_result.fired} fired by a trigger."
                )
            if project_result.projects:
                self.stdout.write(f"Projects: facts for {project_result.projects}, {project_result.costs} costs.")
        self.stdout.write(f"Demo sign-ins (password for all: {DEMO_PASSWORD}):")
        for username, what in SIGN_INS:
            self.stdout.write(f"  {username:<8} {what}")
