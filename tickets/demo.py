"""Demo tickets: customer accounts, labels, projects, the team board, routing
rules and months of ticket history for the demo teams of ``teams.demo``.

Deterministic: the same seed, ticket count and day give the same rows. Every
date hangs off one anchor, today at 00:00 UTC, and every random draw comes
from one ``random.Random(seed)`` in a fixed order (lists and tuples, never
sets). Idempotent: reference data is created when missing; tickets only while
the demo teams have none (``replace=True`` deletes theirs first).

The history is what the metrics read: a ``created`` event and a ``status``
event for every transition (reopenings included), ``assignee`` and
``priority`` events, all between the ticket's creation and the anchor;
``resolved_at`` is the last move into Resolved and ``first_response_at`` the
first public reply by a team member. The current state respects the WIP limits
of the team board (and of Kanban project boards): the surplus waits in To Do
or Waiting on customer.

Fast at any size: rows are planned in Python and written with one statement
per batch of ``BATCH_SIZE`` rows, so the number of queries does not depend on
the number of tickets (beyond one per extra batch).
"""

from __future__ import annotations

import math
import random
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from itertools import accumulate, islice
from typing import Any, TypeVar, cast
from zoneinfo import ZoneInfo

from django.db import DEFAULT_DB_ALIAS, connections, models, transaction
from django.utils.text import slugify

from projects.models import Framework, Project, ProjectStatus
from teams.models import Holiday, Membership, Role, Team, User, WorkingHours
from tickets.choices import Channel, EventField, Kind, Priority, Status, Tier
from tickets.history import event_values
from tickets.markdown import render_markdown
from tickets.models import Account, Board, Column, Comment, Label, RoutingRule, Ticket, TicketEvent
from tickets.positions import POSITION_GAP
from tickets.services import board_ensure_for_project, board_ensure_for_team

DEFAULT_TICKETS = 400
HISTORY_DAYS = 120
BATCH_SIZE = 2000

T = TypeVar("T")

# --- Reference data ----------------------------------------------------------------------

LABELS = (
    ("billing", "#0ea5e9"),
    ("bug", "#dc2626"),
    ("onboarding", "#16a34a"),
    ("VIP", "#a855f7"),
    ("API", "#2563eb"),
    ("mobile", "#f59e0b"),
    ("refund", "#ea580c"),
    ("SSO", "#0d9488"),
    ("security", "#b91c1c"),
    ("data export", "#64748b"),
    ("feature request", "#db2777"),
)


@dataclass(frozen=True)
class DemoProject:
    name: str
    framework: str
    status: str
    started_days_ago: int


def _names(text: str) -> tuple[str, ...]:
    return tuple(text.split())


@dataclass(frozen=True)
class TeamTickets:
    """What one demo team's tickets look like."""

    slug: str
    share: float  # of all demo tickets
    # (name, tier, note)
    accounts: tuple[tuple[str, str, str], ...]
    projects: tuple[DemoProject, ...]
    first_names: tuple[str, ...]
    last_names: tuple[str, ...]
    regions: tuple[str, ...]
    # Channel weights of customer-facing tickets, in Channel order.
    channel_weights: tuple[int, ...]


TEAM_TICKETS = (
    TeamTickets(
        slug="emea",
        share=0.40,
        accounts=(
            ("Rheinwerk Logistik GmbH", Tier.ENTERPRISE, "Key account since 2019; warehouses run 24/7, P1s by phone."),
            ("Atlas Retail Group", Tier.ENTERPRISE, "Dedicated CSM and quarterly business reviews."),
            ("Kestrel Insurance plc", Tier.ENTERPRISE, "Strict security reviews; SSO through Azure AD."),
            ("Nordlicht Energie AG", Tier.PREMIUM, "Renewal in Q3; our champion is the head of operations."),
            ("Baltic Freight Oy", Tier.PREMIUM, "Heavy API user: shipment status webhooks."),
            ("Brightwave Media BV", Tier.PREMIUM, "Most of their users are on the mobile app."),
            ("Café Lumière SARL", Tier.STANDARD, "Chain of cafés in Lyon; French-speaking contacts."),
            ("Vinho Verde Imports", Tier.STANDARD, "Seasonal peak before Christmas."),
            ("Olympus Fitness Clubs", Tier.STANDARD, "Twelve sites; invoices go to head office."),
            ("Tulip & Thorn Florists", Tier.FREE, "Free plan after the trial; upsell candidate."),
        ),
        projects=(
            DemoProject("Live chat launch", Framework.KANBAN, ProjectStatus.ACTIVE, 150),
            DemoProject("Help-centre refresh", Framework.SCRUM, ProjectStatus.ACTIVE, 135),
            DemoProject("Helpdesk migration", Framework.WATERFALL, ProjectStatus.ACTIVE, 200),
        ),
        first_names=_names(
            "Anna Lukas Sofia Mehmet Chiara Jonas Amira Pieter Inès Tomasz Freya Yusuf Léa Matteo Nadia Oskar"
        ),
        last_names=_names("Müller Rossi Dubois Nowak Jansen Kaya García Lindberg Okoye Novak Schmidt Moreau Haddad"),
        regions=("Germany", "France", "the UK", "the Nordics", "the Gulf"),
        channel_weights=(38, 26, 14, 6, 10, 6),
    ),
    TeamTickets(
        slug="americas",
        share=0.35,
        accounts=(
            ("Contoso Payments", Tier.ENTERPRISE, "Processes card payments through our API; 99.95% SLA in contract."),
            ("Woodgrove Bank", Tier.ENTERPRISE, "Security questionnaire every year; SSO mandatory."),
            ("Blue Yonder Airlines", Tier.ENTERPRISE, "Booking integration; escalations go to their on-call."),
            ("Northwind Traders", Tier.PREMIUM, "Bulk order imports via CSV and API."),
            ("Wide World Importers", Tier.PREMIUM, "Expanding to Brazil; Spanish and Portuguese users."),
            ("Trey Research", Tier.PREMIUM, "Data exports for their BI team every Monday."),
            ("Tailspin Toys", Tier.STANDARD, "Holiday season triples their volume."),
            ("Lucerne Publishing", Tier.STANDARD, "Asked twice about annual billing."),
            ("Fourth Coffee", Tier.FREE, "Small team; evaluating the premium plan."),
            ("Alpine Ski House", Tier.FREE, "Seasonal business, quiet in summer."),
        ),
        projects=(
            DemoProject("API status page", Framework.KANBAN, ProjectStatus.ACTIVE, 140),
            DemoProject("Developer docs overhaul", Framework.SCRUM, ProjectStatus.ACTIVE, 125),
            DemoProject("Phone system replacement", Framework.WATERFALL, ProjectStatus.ACTIVE, 190),
        ),
        first_names=_names("Olivia Liam Camila Noah Mateo Ava Ethan Valentina Jackson Isabela Lucas Harper Gabriel"),
        last_names=_names("Smith Rodriguez Brown Silva Martinez Walker Chen Thompson Hernández Clarke Patel"),
        regions=("the US East", "the US West", "Canada", "Brazil", "Mexico"),
        channel_weights=(40, 15, 8, 4, 27, 6),
    ),
    TeamTickets(
        slug="apac",
        share=0.25,
        accounts=(
            ("Harbourside Health", Tier.ENTERPRISE, "Hospital group; patient-facing app, P1s at any hour."),
            ("Jade Dragon Games", Tier.ENTERPRISE, "Launch weekends need extra cover."),
            ("Southern Cross Telecom", Tier.ENTERPRISE, "Reseller; tickets often on behalf of their customers."),
            ("Sakura Mobile KK", Tier.PREMIUM, "Japanese-speaking admins; prefer email."),
            ("Lotus Commerce Pte Ltd", Tier.PREMIUM, "Marketplace with sellers in six countries."),
            ("Coral Sea Travel", Tier.PREMIUM, "Peak in school holidays."),
            ("Mekong Logistics", Tier.PREMIUM, "API integration with their fleet system."),
            ("Kiwi Ledger Ltd", Tier.STANDARD, "Accounting firm; month-end is busy."),
            ("Outback Solar", Tier.STANDARD, "Field teams use the mobile app offline."),
            ("Seoul Bites", Tier.FREE, "Food truck collective on the free plan."),
        ),
        projects=(
            DemoProject("Follow-the-sun handover", Framework.KANBAN, ProjectStatus.ACTIVE, 160),
            DemoProject("Premium onboarding programme", Framework.SCRUM, ProjectStatus.ACTIVE, 130),
            DemoProject("Phone system replacement", Framework.WATERFALL, ProjectStatus.ACTIVE, 180),
        ),
        first_names=_names("Hiro Mei Arjun Siti Jack Chloe Min-jun Aiko Ravi Ngaio Tuan Priyanka"),
        last_names=_names("Tanaka Wong Kumar Lim Nguyen Kim Wilson Sato Singh Tan Park"),
        regions=("Australia", "Japan", "Singapore", "New Zealand", "Korea"),
        channel_weights=(30, 25, 25, 4, 8, 8),
    ),
)

# (name, order, conditions and actions); labels by name.
ROUTING_RULES: tuple[tuple[str, int, dict[str, Any], tuple[str, ...]], ...] = (
    (
        "Enterprise accounts: high priority, auto-assign",
        10,
        {"account_tier": Tier.ENTERPRISE, "set_priority": Priority.HIGH, "auto_assign": True},
        ("VIP",),
    ),
    ("Refunds and chargebacks: billing", 20, {"keywords": "refund, chargeback"}, ("billing", "refund")),
    ("Mobile app channel: mobile label", 30, {"channel": Channel.MOBILE_APP}, ("mobile",)),
)

# --- What tickets are about ------------------------------------------------------------------


@dataclass(frozen=True)
class Topic:
    kind: str
    # May use {month} {count} {code} {region} {version} {browser}.
    title: str
    description: str
    labels: tuple[str, ...] = ()


TOPICS = (
    # Customer inquiries
    Topic(Kind.INQUIRY, "Refund for a duplicate charge on the {month} invoice",
          "We were charged **twice** for the same invoice. Could you refund the duplicate payment?\n\n"
          "- Card ending in 4242\n- Both charges are on the same day", ("billing", "refund")),
    Topic(Kind.INQUIRY, "How do I export all tickets to CSV?",
          "Our BI team needs every ticket of last quarter as CSV. Is there a way to export them in one go, "
          "including custom fields?", ("data export",)),
    Topic(Kind.INQUIRY, "Add {count} seats to our plan",
          "We are onboarding new colleagues next week and need **{count} more seats**. "
          "Can you add them and pro-rate the invoice?", ("billing",)),
    Topic(Kind.INQUIRY, "Set up SSO with our identity provider",
          "We would like to switch sign-in to SSO (SAML). Which metadata do you need from us, "
          "and can we test it with a few users first?", ("SSO", "onboarding")),
    Topic(Kind.INQUIRY, "Password reset email never arrives",
          "Two of our users asked for a password reset this morning and nothing arrived, not even in spam.", ()),
    Topic(Kind.INQUIRY, "Invoice needs our VAT number",
          "Our finance team cannot book the last invoice without our VAT number on it. "
          "Could you reissue it?", ("billing",)),
    Topic(Kind.INQUIRY, "Onboarding session for our new admins",
          "We have three new administrators. Could we book a 45-minute onboarding call next week?",
          ("onboarding",)),
    Topic(Kind.INQUIRY, "Cancel the add-on and refund the unused months",
          "We no longer use the analytics add-on. Please cancel it and refund the months we have not used.",
          ("billing", "refund")),
    Topic(Kind.INQUIRY, "Push notifications on the mobile app",
          "How do I turn on push notifications for new replies? The toggle in *Settings* is greyed out.",
          ("mobile",)),
    Topic(Kind.INQUIRY, "API rate limits for {region}",
          "What are the rate limits of the REST API for our region? We plan to sync about 50,000 records "
          "a day.", ("API",)),
    Topic(Kind.INQUIRY, "Change the owner of our account",
          "Our account owner left the company. How do we transfer ownership to another admin?", ()),
    Topic(Kind.INQUIRY, "Where can I find the audit log?",
          "Our auditors ask who changed user permissions last month. Where can I see that?", ("security",)),
    # Incidents
    Topic(Kind.INCIDENT, "Checkout returns {code} for customers in {region}",
          "Since about an hour ago our customers get an error at checkout:\n\n```\nHTTP {code}\n```\n\n"
          "Nothing changed on our side.", ("bug",)),
    Topic(Kind.INCIDENT, "API answers {code} on every request since this morning",
          "All our API calls fail since this morning. Request IDs from the last failures:\n\n"
          "- `req_8f2c1`\n- `req_8f2c9`", ("API",)),
    Topic(Kind.INCIDENT, "Webhook deliveries delayed by more than an hour",
          "Order webhooks arrive 60-90 minutes late, which breaks our fulfilment flow.", ("API",)),
    Topic(Kind.INCIDENT, "Mobile app {version} crashes on launch",
          "After updating to the latest version the app closes right after the splash screen, on several "
          "phones.", ("mobile", "bug")),
    Topic(Kind.INCIDENT, "Sign-in loops back to the login page",
          "Users sign in through SSO and land on the login page again. Nobody on our side can get in.",
          ("SSO",)),
    Topic(Kind.INCIDENT, "Dashboard does not load for the whole team",
          "The dashboard spins forever for everyone in our workspace; other pages work.", ()),
    # Bugs
    Topic(Kind.BUG, "CSV export ignores the date filter",
          "Steps:\n\n1. Filter tickets to last week\n2. Export as CSV\n\nThe file contains **every** ticket.",
          ("data export", "bug")),
    Topic(Kind.BUG, "Invoice PDF shows the wrong VAT rate",
          "Invoices for Austrian customers show 19% instead of 20% VAT.", ("billing", "bug")),
    Topic(Kind.BUG, "Search does not find tickets by requester email",
          "Searching for a full email address returns nothing; searching for the name works.", ("bug",)),
    Topic(Kind.BUG, "Push notifications arrive twice on Android {version}",
          "Every notification shows up twice since the last release.", ("mobile", "bug")),
    Topic(Kind.BUG, "Pagination header missing from /v2/orders",
          "`GET /v2/orders` no longer returns the `Link` header, so clients stop after the first page.",
          ("API", "bug")),
    Topic(Kind.BUG, "Times shown in UTC instead of the user's zone",
          "The ticket list shows UTC times although the profile says Europe/Berlin.", ("bug",)),
    Topic(Kind.BUG, "Chat widget overlaps the cookie banner on {browser}",
          "On {browser} the chat bubble covers the *Accept* button of the cookie banner.", ("bug",)),
    # Internal tasks
    Topic(Kind.TASK, "Update macros for the new refund policy",
          "The refund window changes from 14 to 30 days.\n\n- [ ] Billing macros\n- [ ] Help-centre article\n"
          "- [ ] Tell the team in stand-up", ("refund", "billing")),
    Topic(Kind.TASK, "Review last week's SLA breaches",
          "Go through every breached ticket of last week and note the cause: staffing, routing or product.", ()),
    Topic(Kind.TASK, "Prepare the onboarding pack for new enterprise accounts",
          "Slides, a checklist and the SSO guide in one place.", ("onboarding",)),
    Topic(Kind.TASK, "Migrate saved replies to the new helpdesk",
          "About 120 saved replies; drop the ones nobody used this year.", ()),
    Topic(Kind.TASK, "Clean up duplicate contacts in the CRM",
          "Merge contacts with the same email address; keep the newest phone number.", ()),
    Topic(Kind.TASK, "Rotate the API keys of the support integrations",
          "Keys are older than 12 months. Rotate them and update the vault entries.", ("API", "security")),
    Topic(Kind.TASK, "Translate the top {count} help-centre articles",
          "Start with the articles that deflect the most tickets.", ()),
    # Improvements
    Topic(Kind.IMPROVEMENT, "Add a CSAT link to the closing reply",
          "Customers should be able to rate the answer right from the last email.", ()),
    Topic(Kind.IMPROVEMENT, "Self-service refund form in the help centre",
          "A form for refund requests under 50 EUR that pre-fills the invoice number.",
          ("refund", "billing", "feature request")),
    Topic(Kind.IMPROVEMENT, "Canned answers for the top API errors",
          "One answer each for 401, 403, 429 and 5xx, with links to the docs.", ("API",)),
    Topic(Kind.IMPROVEMENT, "Help-centre article on two-factor sign-in in the mobile app",
          "Screenshots for iOS and Android.", ("mobile", "security")),
    Topic(Kind.IMPROVEMENT, "Show office hours in the chat widget",
          "Outside office hours the widget should say when we are back.", ("feature request",)),
    Topic(Kind.IMPROVEMENT, "Label tickets from the mobile app automatically",
          "Use the channel to add the *mobile* label on creation.", ("mobile",)),
    Topic(Kind.IMPROVEMENT, "Bulk-close resolved spam tickets",
          "One action on the list page instead of closing them one by one.", ()),
)  # fmt: skip

TOPICS_BY_KIND: dict[str, tuple[Topic, ...]] = {k: tuple(t for t in TOPICS if t.kind == k) for k in Kind.values}

KINDS = (Kind.INQUIRY, Kind.INCIDENT, Kind.BUG, Kind.TASK, Kind.IMPROVEMENT)
KIND_WEIGHTS = (55, 10, 13, 11, 11)
INTERNAL_KINDS = (Kind.TASK, Kind.IMPROVEMENT)
# Priority weights (low, normal, high, urgent) by kind.
PRIORITY_WEIGHTS = {
    Kind.INQUIRY: (25, 55, 15, 5),
    Kind.INCIDENT: (0, 20, 45, 35),
    Kind.BUG: (20, 45, 25, 10),
    Kind.TASK: (30, 50, 17, 3),
    Kind.IMPROVEMENT: (40, 45, 15, 0),
}
PRIORITIES = (Priority.LOW, Priority.NORMAL, Priority.HIGH, Priority.URGENT)
CHANNELS = tuple(Channel)
INTERNAL_CHANNEL_WEIGHTS = tuple({Channel.WEB: 85, Channel.EMAIL: 15}.get(c, 0) for c in CHANNELS)
BUG_CHANNEL_WEIGHTS = tuple({Channel.EMAIL: 40, Channel.WEB: 40, Channel.MOBILE_APP: 20}.get(c, 0) for c in CHANNELS)
# Tickets per account by tier: enterprise accounts are few but busy.
TIER_WEIGHTS = {Tier.FREE: 1.0, Tier.STANDARD: 2.0, Tier.PREMIUM: 2.0, Tier.ENTERPRISE: 1.5}
STORY_POINTS = (1, 2, 3, 5, 8)
STORY_POINT_WEIGHTS = (15, 25, 30, 20, 10)

# Where a ticket ends up, by its age in days: (up to, weights for STATUSES).
STATUSES = (Status.TODO, Status.IN_PROGRESS, Status.WAITING, Status.ESCALATED, Status.RESOLVED)
FINAL_STATUS_BY_AGE = (
    (1, (40, 20, 12, 8, 20)),
    (3, (20, 10, 16, 6, 48)),
    (14, (10, 5, 12, 3, 70)),
    (45, (4, 1, 3, 0.5, 91.5)),
    (math.inf, (2, 0, 0.5, 0, 97.5)),
)
# Ways to each final status, after To Do: (weight, path).
PATHS: dict[str, tuple[tuple[int, tuple[str, ...]], ...]] = {
    Status.RESOLVED: (
        (10, (Status.RESOLVED,)),
        (45, (Status.IN_PROGRESS, Status.RESOLVED)),
        (20, (Status.IN_PROGRESS, Status.WAITING, Status.IN_PROGRESS, Status.RESOLVED)),
        (8, (Status.IN_PROGRESS, Status.WAITING, Status.RESOLVED)),
        (7, (Status.IN_PROGRESS, Status.ESCALATED, Status.IN_PROGRESS, Status.RESOLVED)),
        (4, (Status.IN_PROGRESS, Status.ESCALATED, Status.RESOLVED)),
        (6, (Status.IN_PROGRESS, Status.RESOLVED, Status.IN_PROGRESS, Status.RESOLVED)),  # reopened
    ),
    Status.IN_PROGRESS: (
        (60, (Status.IN_PROGRESS,)),
        (30, (Status.IN_PROGRESS, Status.WAITING, Status.IN_PROGRESS)),
        (10, (Status.IN_PROGRESS, Status.RESOLVED, Status.IN_PROGRESS)),  # reopened, being worked
    ),
    Status.WAITING: (
        (70, (Status.IN_PROGRESS, Status.WAITING)),
        (10, (Status.WAITING,)),
        (20, (Status.IN_PROGRESS, Status.WAITING, Status.IN_PROGRESS, Status.WAITING)),
    ),
    Status.ESCALATED: (
        (75, (Status.IN_PROGRESS, Status.ESCALATED)),
        (15, (Status.ESCALATED,)),
        (10, (Status.IN_PROGRESS, Status.WAITING, Status.IN_PROGRESS, Status.ESCALATED)),
    ),
    Status.TODO: (
        (90, ()),
        (10, (Status.IN_PROGRESS, Status.TODO)),  # started, then put back
    ),
}
# Where the surplus of a full column goes, in order of preference.
WIP_FALLBACK: dict[str, tuple[str, ...]] = {
    Status.IN_PROGRESS: (Status.WAITING, Status.TODO),
    Status.ESCALATED: (Status.WAITING, Status.TODO),
}
# Moves a customer makes (a reply, a reopening): not bound to office hours.
CUSTOMER_MOVES = {(Status.WAITING, Status.IN_PROGRESS), (Status.RESOLVED, Status.IN_PROGRESS)}
WEEKDAY_WEIGHTS = (1.2, 1.05, 1.0, 1.0, 0.9, 0.35, 0.25)

# --- Comment bodies (Markdown). Kept to a small set so each renders once. -----------------

FIRST_REPLIES = (
    "Hi,\n\nthanks for reaching out. I'm looking into this now and will get back to you shortly.",
    "Hello,\n\nthanks for the details. I can reproduce it on our side and I'm on it.",
    "Hi there,\n\nthanks for your message. Could you bear with us while I check this with the team?",
    "Hi,\n\ngood question! Here is what I found so far:\n\n1. The setting lives under **Admin → Workspace**\n"
    "2. Only owners can change it\n\nI'll confirm the rest today.",
    "Hello,\n\nthanks, I have everything I need for now. I'll update you as soon as I know more.",
)
WAITING_ASKS = (
    "Could you send us a screenshot of the error and the time it happened (with time zone)?",
    "Could you share the request ID from the `X-Request-Id` response header of a failing call?",
    "Could you confirm the email address on the account so that I can check the billing records?",
    "Could you try again in a private browser window and let me know whether it still happens?",
    "We've deployed a fix candidate. Could you check on your side and tell us whether it works?",
)
RESOLUTIONS = (
    "Good news: this is fixed. Let us know if anything else comes up!",
    "I've made the change on your account; you should see it right away.",
    "The refund is on its way; it shows on your statement within **5-7 business days**.",
    "Our engineers rolled out a fix this morning. Thanks for your patience!",
    "I've sent you the [help-centre article](https://help.supportpm.example/articles/42) with the steps. "
    "Closing this for now; just reply to reopen it.",
)
ESCALATION_NOTES = (
    "Escalating to **tier 2**: reproduced on staging, logs attached to the incident.",
    "Escalated to engineering. Customer is affected in production; please keep me posted.",
    "Needs a database fix, escalating. Workaround shared with the customer.",
    "Escalating: affects several accounts, see the other tickets from today.",
)
INTERNAL_NOTES = (
    "Checked the logs: nothing unusual on our side between 09:00 and 10:00.",
    "Same root cause as last week's ticket. Linking them.",
    "Keep the account manager in the loop on this one.",
    "Note to self: the `export_v2` flag must be on for this account.",
    "Asked in #billing whether we can waive the fee this time.",
)
WORK_NOTES = (
    "Draft ready for review:\n\n- [x] Wording\n- [ ] Screenshots\n- [ ] Translation",
    "Discussed in stand-up; we pick this up after the current sprint goal.",
    "Split the remaining work into two tickets.",
    "Blocked until the new help-centre theme is live.",
)
REOPEN_NOTES = (
    "Reopened: the customer reports that the problem is back.",
    "Reopening, the fix did not cover the mobile app.",
)
DONE_NOTES = (
    "Done and checked with the team.",
    "Shipped. Updated the help-centre article too.",
    "Done; the macros and the article are live.",
)
SIGN_OFF = "\n\nBest,\n{name}"

# --- Writing rows fast ------------------------------------------------------------------------


def _batched(rows: Iterable[T], size: int) -> Iterator[list[T]]:
    it = iter(rows)
    while batch := list(islice(it, size)):
        yield batch


def insert_rows(model: type[models.Model], columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """INSERT ``rows`` (values in ``columns`` order), one ``executemany`` per batch; return the count.

    Unlike ``bulk_create`` this keeps explicit values of ``auto_now_add``
    fields (history has to be in the past) and does not cut batches to
    SQLite's 999 parameters, so there is one query per ``BATCH_SIZE`` rows on
    every database: one prepared statement on SQLite, one pipelined round
    trip on PostgreSQL (psycopg 3). Values go through each field's
    ``get_db_prep_save``, as the ORM does; fields left out take their default.
    """
    opts = model._meta
    fields = [cast("models.Field[Any, Any]", opts.get_field(name)) for name in columns]
    named = {f.attname for f in fields}
    defaults = [
        f for f in opts.concrete_fields if not f.primary_key and f.attname not in named and not f.has_db_default()
    ]
    all_fields = [*fields, *defaults]
    # The connection itself, not the ``django.db.connection`` proxy: this runs for every value.
    connection = connections[DEFAULT_DB_ALIAS]
    quote = connection.ops.quote_name
    names = ", ".join(quote(cast(str, f.column)) for f in all_fields)
    placeholders = ", ".join(["%s"] * len(all_fields))
    sql = f"INSERT INTO {quote(opts.db_table)} ({names}) VALUES ({placeholders})"  # noqa: S608 - names from the model
    count = 0
    with connection.cursor() as cursor:
        for batch in _batched(rows, BATCH_SIZE):
            params = [
                [f.get_db_prep_save(v, connection) for f, v in zip(fields, row, strict=True)]
                + [f.get_db_prep_save(f.get_default(), connection) for f in defaults]
                for row in batch
            ]
            cursor.executemany(sql, params)
            count += len(params)
    return count


# --- Calendar -------------------------------------------------------------------------------------


class _Calendar:
    """A team's working hours in its zone, to skew ticket times and agents' moves."""

    def __init__(self, team: Team) -> None:
        self.tz = ZoneInfo(team.time_zone)
        self.hours: dict[int, list[tuple[int, int]]] = {}
        for wh in WorkingHours.objects.filter(team=team).order_by("weekday", "start_minute"):
            self.hours.setdefault(wh.weekday, []).append((wh.start_minute, wh.end_minute))
        self.holidays = set(Holiday.objects.filter(team=team).values_list("date", flat=True))

    def _intervals(self, day: date) -> Iterator[tuple[datetime, datetime]]:
        if day in self.holidays:
            return
        midnight = datetime.combine(day, time(), tzinfo=self.tz)
        for start, end in self.hours.get(day.weekday(), ()):
            yield (
                (midnight + timedelta(minutes=start)).astimezone(UTC),
                (midnight + timedelta(minutes=end)).astimezone(UTC),
            )

    def is_open(self, t: datetime) -> bool:
        return any(s <= t < e for s, e in self._intervals(t.astimezone(self.tz).date()))

    def next_open(self, t: datetime) -> datetime:
        """``t`` if the team works then, else the start of its next working interval."""
        if not self.hours:
            return t
        day = t.astimezone(self.tz).date()
        for _ in range(21):
            for s, e in self._intervals(day):
                if t < e:
                    return max(t, s)
            day += timedelta(days=1)
        return t


# --- Per-team context ------------------------------------------------------------------------


@dataclass
class _Team:
    team: Team
    spec: TeamTickets
    calendar: _Calendar
    accounts: list[Account]
    account_cum: list[float]
    labels: dict[str, Label]
    projects: list[Project]
    assignable: list[User]  # agents and leads
    assignable_cum: list[float]
    lead: User | None
    manager: User | None
    # WIP limits: (project id, or None for the team board; status) → limit.
    wip: dict[tuple[int | None, str], int]
    wip_per_agent: int | None


def _ensure_named(model: type[models.Model], team: Team, wanted: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Create the rows of ``wanted`` (each with a ``name``) the team lacks; return all by name."""
    manager = model._default_manager
    existing = set(manager.filter(team=team).values_list("name", flat=True))
    manager.bulk_create([model(team=team, **row) for row in wanted if row["name"] not in existing])
    return {obj.name: obj for obj in manager.filter(team=team, name__in=[row["name"] for row in wanted])}  # type: ignore[attr-defined]


def _prepare_team(team: Team, spec: TeamTickets, anchor: datetime) -> _Team:
    accounts_by_name = _ensure_named(
        Account, team, [{"name": n, "tier": tier, "notes": note} for n, tier, note in spec.accounts]
    )
    accounts = [accounts_by_name[n] for n, _tier, _note in spec.accounts]
    labels = _ensure_named(Label, team, [{"name": n, "colour": c} for n, c in LABELS])

    existing_projects = set(Project.objects.filter(team=team).values_list("name", flat=True))
    projects_by_name = _ensure_named(
        Project, team, [{"name": p.name, "framework": p.framework, "status": p.status} for p in spec.projects]
    )
    for p in spec.projects:
        if p.name not in existing_projects:
            # created_at is auto_now_add: date the new project back to when it started.
            Project.objects.filter(pk=projects_by_name[p.name].pk).update(
                created_at=anchor - timedelta(days=p.started_days_ago)
            )
    projects = [projects_by_name[p.name] for p in spec.projects]

    board_ensure_for_team(team=team)
    for project in projects:
        if project.framework == Framework.KANBAN:
            board_ensure_for_project(project=project)

    if not RoutingRule.objects.filter(team=team).exists():
        rules = RoutingRule.objects.bulk_create(
            [RoutingRule(team=team, name=name, order=order, **fields) for name, order, fields, _ in ROUTING_RULES]
        )
        through = RoutingRule.add_labels.through
        through.objects.bulk_create(
            [
                through(routingrule_id=rule.pk, label_id=labels[name].pk)
                for rule, (_n, _o, _f, label_names) in zip(rules, ROUTING_RULES, strict=True)
                for name in label_names
            ]
        )

    members = list(Membership.objects.filter(team=team).select_related("user").order_by("user__username"))
    assignable = [m.user for m in members if m.role in (Role.AGENT, Role.LEAD)]
    weights = [1 if m.role == Role.LEAD else 3 for m in members if m.role in (Role.AGENT, Role.LEAD)]
    lead = next((m.user for m in members if m.role == Role.LEAD), None)
    manager = next((m.user for m in members if m.role == Role.MANAGER), None)

    wip: dict[tuple[int | None, str], int] = {}
    for project_id, status, limit in Column.objects.filter(board__team=team, wip_limit__isnull=False).values_list(
        "board__project_id", "status", "wip_limit"
    ):
        if limit is not None:
            wip[(project_id, status)] = limit
    team_board = Board.objects.get(team=team, project__isnull=True)
    return _Team(
        team=team,
        spec=spec,
        calendar=_Calendar(team),
        accounts=accounts,
        account_cum=list(accumulate(TIER_WEIGHTS[Tier(a.tier)] for a in accounts)),
        labels=labels,
        projects=projects,
        assignable=assignable,
        assignable_cum=list(accumulate(weights)),
        lead=lead,
        manager=manager,
        wip=wip,
        wip_per_agent=team_board.wip_per_agent,
    )


# --- Planning tickets -------------------------------------------------------------------------


@dataclass
class _Plan:
    number: int
    created: datetime
    kind: str
    topic: Topic
    title: str
    description: str
    customer: bool
    account: Account | None
    requester_name: str
    requester_email: str
    channel: str
    initial_priority: int
    priority: int
    routed: bool  # matched the enterprise routing rule: priority and assignee at creation
    project: Project | None
    story_points: int | None
    impact: int | None
    effort: int | None
    labels: list[Label]
    creator: User | None
    status: str = Status.TODO
    assignee: User | None = None
    # Filled in by the story
    final_assignee: User | None = None
    resolved_at: datetime | None = None
    first_response_at: datetime | None = None
    updated_at: datetime | None = None
    position: int = 0
    events: list[tuple[Any, ...]] = field(default_factory=list)
    comments: list[tuple[Any, ...]] = field(default_factory=list)


def _sec(t: datetime) -> datetime:
    return t.replace(microsecond=0)


def _log_uniform(rng: random.Random, low: timedelta, high: timedelta) -> timedelta:
    return timedelta(seconds=math.exp(rng.uniform(math.log(low.total_seconds()), math.log(high.total_seconds()))))


def _created_times(rng: random.Random, ctx: _Team, n: int, anchor: datetime) -> list[datetime]:
    """``n`` creation times over the last HISTORY_DAYS days, busier on weekdays and in office hours."""
    slots: list[datetime] = []
    weights: list[float] = []
    first = anchor - timedelta(days=HISTORY_DAYS)
    hour = first
    # The last hour is left out: every ticket is at least an hour old at the anchor.
    while hour < anchor - timedelta(hours=1):
        local = hour.astimezone(ctx.calendar.tz)
        age = (anchor - hour) / timedelta(days=HISTORY_DAYS)
        w = WEEKDAY_WEIGHTS[local.weekday()] * (0.75 + 0.5 * (1 - age))
        w *= 1.0 if ctx.calendar.is_open(hour + timedelta(minutes=30)) else 0.12
        w *= 1.0 if 8 <= local.hour < 20 else 0.4
        if local.date() in ctx.calendar.holidays:
            w *= 0.3
        slots.append(hour)
        weights.append(w)
        hour += timedelta(hours=1)
    picked = rng.choices(slots, cum_weights=list(accumulate(weights)), k=n)
    return sorted(_sec(h + timedelta(seconds=rng.randrange(3600))) for h in picked)


def _person(rng: random.Random, spec: TeamTickets, domain: str) -> tuple[str, str]:
    first = rng.choice(spec.first_names)
    last = rng.choice(spec.last_names)
    return f"{first} {last}", f"{slugify(first)}.{slugify(last)}@{domain}"


def _plan(rng: random.Random, ctx: _Team, number: int, created: datetime) -> _Plan:
    spec = ctx.spec
    kind = rng.choices(KINDS, weights=KIND_WEIGHTS)[0]
    topic = rng.choice(TOPICS_BY_KIND[kind])
    customer = kind in (Kind.INQUIRY, Kind.INCIDENT) or (kind == Kind.BUG and rng.random() < 0.6)
    local = created.astimezone(ctx.calendar.tz)
    fills = {
        "month": (local.replace(day=1) - timedelta(days=1)).strftime("%B"),
        "count": rng.choice((5, 10, 15, 20, 25, 50)),
        "code": rng.choice(("500", "502", "503", "504", "429")),
        "region": rng.choice(spec.regions),
        "version": f"{rng.randint(4, 6)}.{rng.randint(0, 9)}",
        "browser": rng.choice(("Safari", "Firefox", "Chrome on Android", "Edge")),
    }
    creator: User | None = None
    account: Account | None = None
    if customer:
        if rng.random() < 0.9:
            account = rng.choices(ctx.accounts, cum_weights=ctx.account_cum)[0] if ctx.accounts else None
        domain = f"{slugify(account.name)}.example" if account else "mail.example"
        requester_name, requester_email = _person(rng, spec, domain)
        channel_weights = BUG_CHANNEL_WEIGHTS if kind == Kind.BUG else spec.channel_weights
    else:
        creator = _pick_user(rng, ctx)
        requester_name = creator.display_name if creator else ""
        requester_email = creator.email if creator else ""
        channel_weights = INTERNAL_CHANNEL_WEIGHTS
    channel = rng.choices(CHANNELS, weights=channel_weights)[0]

    priority: int = rng.choices(PRIORITIES, weights=PRIORITY_WEIGHTS[kind])[0]
    routed = account is not None and account.tier == Tier.ENTERPRISE
    initial = priority
    if routed:  # the routing rule sets High; an urgent one is raised after triage
        initial, priority = Priority.HIGH, max(priority, Priority.HIGH)
    elif rng.random() < 0.05:
        priority = max(Priority.LOW, min(Priority.URGENT, priority + rng.choice((-1, 1))))

    project = None
    if kind not in (Kind.INQUIRY, Kind.INCIDENT) and not customer and ctx.projects and rng.random() < 0.6:
        project = rng.choice(ctx.projects)
    if kind in (Kind.BUG, Kind.TASK, Kind.IMPROVEMENT):
        story_points: int | None = rng.choices(STORY_POINTS, weights=STORY_POINT_WEIGHTS)[0]
        impact: int | None = rng.choices((1, 2, 3, 4, 5), weights=(10, 20, 30, 25, 15))[0]
        effort: int | None = rng.choices((1, 2, 3, 4, 5), weights=(20, 30, 25, 15, 10))[0]
    else:
        story_points = rng.choices((1, 2, 3), weights=(50, 35, 15))[0] if rng.random() < 0.3 else None
        impact = effort = None

    title = topic.title.format(**fills)
    names = list(topic.labels)
    if channel == Channel.MOBILE_APP:
        names.append("mobile")
    if routed:
        names.append("VIP")
    if "refund" in title.lower():
        names += ["billing", "refund"]
    labels = [ctx.labels[n] for n in dict.fromkeys(names) if n in ctx.labels]
    return _Plan(
        number=number,
        created=created,
        kind=kind,
        topic=topic,
        title=title,
        description=topic.description.format(**fills),
        customer=customer,
        account=account,
        requester_name=requester_name,
        requester_email=requester_email,
        channel=channel,
        initial_priority=initial,
        priority=priority,
        routed=routed,
        project=project,
        story_points=story_points,
        impact=impact,
        effort=effort,
        labels=labels,
        creator=creator,
    )


def _pick_user(rng: random.Random, ctx: _Team) -> User | None:
    if not ctx.assignable:
        return None
    return rng.choices(ctx.assignable, cum_weights=ctx.assignable_cum)[0]


def _final_status(rng: random.Random, plan: _Plan, anchor: datetime) -> str:
    age_days = (anchor - plan.created) / timedelta(days=1)
    weights = next(w for limit, w in FINAL_STATUS_BY_AGE if age_days < limit)
    if plan.kind in INTERNAL_KINDS:
        weights = (weights[0] * 4, *weights[1:])
    return rng.choices(STATUSES, weights=weights)[0]


def _decide_statuses(rng: random.Random, ctx: _Team, plans: list[_Plan], anchor: datetime) -> None:
    """Final status and assignee of every ticket, the board's WIP limits respected."""
    for plan in plans:
        plan.status = _final_status(rng, plan, anchor)
    # The newest tickets show every open column, whatever the mix drew.
    if len(plans) >= 8:
        newest = [Status.TODO, Status.IN_PROGRESS, Status.WAITING, Status.ESCALATED]
        rng.shuffle(newest)
        for plan, status in zip(plans[-4:], newest, strict=True):
            plan.status = status
    for plan in plans:
        if plan.routed or plan.status != Status.TODO or rng.random() < 0.4:
            plan.assignee = _pick_user(rng, ctx)

    # Newest first: those keep their place in a full column, older ones move to the fallback.
    count: Counter[tuple[int | None, str]] = Counter()
    per_agent: Counter[int] = Counter()
    active = (Status.IN_PROGRESS, Status.ESCALATED)

    def scopes(plan: _Plan, status: str) -> list[tuple[int | None, str]]:
        return [(None, status)] + ([(plan.project.pk, status)] if plan.project else [])

    def fits(plan: _Plan, status: str) -> bool:
        if any(scope in ctx.wip and count[scope] >= ctx.wip[scope] for scope in scopes(plan, status)):
            return False
        if ctx.wip_per_agent is not None and status in active and plan.assignee is not None:
            return per_agent[plan.assignee.pk] < ctx.wip_per_agent
        return True

    for plan in reversed(plans):
        if plan.status == Status.RESOLVED:
            continue
        choices = (plan.status, *WIP_FALLBACK.get(plan.status, ()), Status.WAITING, Status.TODO)
        plan.status = next((s for s in choices if fits(plan, s)), Status.RESOLVED)
        if plan.status == Status.RESOLVED:
            continue
        count.update(scopes(plan, plan.status))
        if plan.status in active and plan.assignee is not None:
            per_agent[plan.assignee.pk] += 1
        if plan.status != Status.TODO and plan.assignee is None:
            plan.assignee = _pick_user(rng, ctx)


def _stay(rng: random.Random, status: str, plan: _Plan) -> timedelta:
    """How long a ticket stays in ``status`` before its next move."""
    if status == Status.TODO:
        if plan.kind in INTERNAL_KINDS:
            return _log_uniform(rng, timedelta(hours=4), timedelta(days=20))
        low, high = {
            Priority.URGENT: (timedelta(minutes=5), timedelta(hours=1)),
            Priority.HIGH: (timedelta(minutes=15), timedelta(hours=6)),
            Priority.NORMAL: (timedelta(minutes=30), timedelta(hours=36)),
            Priority.LOW: (timedelta(hours=2), timedelta(days=4)),
        }[Priority(plan.priority)]
        return _log_uniform(rng, low, high)
    low, high = {
        Status.IN_PROGRESS: (timedelta(minutes=20), timedelta(hours=36)),
        Status.WAITING: (timedelta(hours=1), timedelta(days=5)),
        Status.ESCALATED: (timedelta(hours=1), timedelta(days=3)),
        Status.RESOLVED: (timedelta(hours=4), timedelta(days=7)),
    }[Status(status)]
    return _log_uniform(rng, low, high)


class _Story:
    """The history of one ticket: its moves, events and comments, all before the anchor."""

    def __init__(self, rng: random.Random, ctx: _Team, plan: _Plan, anchor: datetime, html: dict[str, str]) -> None:
        self.rng, self.ctx, self.plan, self.html = rng, ctx, plan, html
        self.deadline = anchor - timedelta(minutes=5)

    def event(self, at: datetime, by: User | None, field_name: str, old: Any, new: Any) -> None:
        self.plan.events.append(
            (_sec(at), by.pk if by else None, field_name, *event_values(field_name, old, new))
        )  # fmt: skip

    def comment(self, at: datetime, by: User | None, body: str, public: bool) -> tuple[Any, ...]:
        if public and by is not None:
            body += SIGN_OFF.format(name=by.first_name or by.username)
        if body not in self.html:
            self.html[body] = render_markdown(body)
        return (_sec(at), by.pk if by else None, body, self.html[body], public)

    def at_work(self, t: datetime, limit: datetime) -> datetime:
        """``t``, or a little after the team's next opening when it is off; never after ``limit``."""
        opened = self.ctx.calendar.next_open(t)
        if opened > t:
            opened += timedelta(minutes=self.rng.uniform(2, 50))
        return min(opened, limit)

    def moves(self) -> list[tuple[str, str, datetime]]:
        """(from, to, when) of every status change after To Do, ending in the planned status."""
        rng, plan = self.rng, self.plan
        weights, paths = zip(*PATHS[plan.status], strict=True)
        path = rng.choices(paths, weights=weights)[0]
        if plan.assignee is None and plan.status == Status.TODO:
            path = ()  # nobody has started it
        t, prev = plan.created, Status.TODO
        moves: list[tuple[str, str, datetime]] = []
        for status in path:
            t = t + _stay(rng, prev, plan)
            if (prev, status) not in CUSTOMER_MOVES:
                t = self.at_work(t, datetime.max.replace(tzinfo=UTC))
            moves.append((prev, status, t))
            prev = status
        if moves and moves[-1][2] > self.deadline:  # the last move is the latest
            # Too recent for the whole path: squeeze it in before the anchor.
            span = moves[-1][2] - plan.created
            scale = (self.deadline - plan.created) / span * rng.uniform(0.5, 0.95)
            moves = [(a, b, plan.created + (at - plan.created) * scale) for a, b, at in moves]
        return moves

    def tell(self) -> None:
        rng, ctx, plan = self.rng, self.ctx, self.plan
        t0 = plan.created
        moves = self.moves()
        first_move = moves[0][2] if moves else None
        # Triage and the first reply happen before work starts (or, in To Do, some time after creation).
        work_starts = first_move or min(
            self.deadline, t0 + _log_uniform(rng, timedelta(minutes=10), timedelta(hours=8))
        )

        self.event(t0, plan.creator, EventField.CREATED, None, Status.TODO)
        self.event(t0, plan.creator, EventField.STATUS, None, Status.TODO)
        if plan.project:
            self.event(t0, plan.creator, EventField.PROJECT, None, plan.project)

        assignee = plan.assignee
        assigned_at = t0
        if assignee is not None:
            if plan.routed:  # the routing rule assigned it on creation
                self.event(t0, None, EventField.ASSIGNEE, None, assignee)
            else:
                assigned_at = self.at_work(t0 + (work_starts - t0) * rng.uniform(0.05, 0.5), work_starts)
                by = ctx.lead if ctx.lead and rng.random() < 0.5 else assignee
                self.event(assigned_at, by, EventField.ASSIGNEE, None, assignee)
        if plan.priority != plan.initial_priority:
            at = t0 + (work_starts - t0) * rng.uniform(0.02, 0.3)
            self.event(at, assignee or ctx.lead, EventField.PRIORITY, plan.initial_priority, plan.priority)

        # (time, author, body, public); the first public reply comes before any work.
        candidates: list[tuple[datetime, User | None, str, bool]] = []
        if plan.customer and (moves or rng.random() < 0.5):
            at = self.at_work(assigned_at + (work_starts - assigned_at) * rng.uniform(0.2, 1.0), work_starts)
            at = min(max(at, t0 + timedelta(minutes=1)), work_starts)
            candidates.append((at, assignee or _pick_user(rng, ctx), rng.choice(FIRST_REPLIES), True))

        for old, new, at in moves:
            mover = assignee if (old, new) not in CUSTOMER_MOVES else None
            self.event(at, mover, EventField.STATUS, old, new)
            if new == Status.ESCALATED:
                candidates.append((at, assignee, rng.choice(ESCALATION_NOTES), False))
                # The lead takes some over (not when a per-agent WIP limit is set: it was counted for the agent).
                if ctx.lead and assignee != ctx.lead and ctx.wip_per_agent is None and rng.random() < 0.5:
                    self.event(at, ctx.lead, EventField.ASSIGNEE, assignee, ctx.lead)
                    assignee = ctx.lead
            elif new == Status.WAITING and plan.customer:
                candidates.append((at, assignee, rng.choice(WAITING_ASKS), True))
            elif new == Status.RESOLVED:
                if plan.customer:
                    candidates.append((at, assignee, rng.choice(RESOLUTIONS), True))
                else:
                    candidates.append((at, assignee, rng.choice(DONE_NOTES), False))
                plan.resolved_at = _sec(at)
            elif old == Status.RESOLVED:
                plan.resolved_at = None
                candidates.append((at, assignee, rng.choice(REOPEN_NOTES), False))
        last = moves[-1][2] if moves else work_starts
        note_by = rng.choice([u for u in (assignee, ctx.lead, ctx.manager) if u is not None] or [None])
        note = rng.choice(INTERNAL_NOTES if plan.customer else WORK_NOTES)
        candidates.append((t0 + (last - t0) * rng.uniform(0.1, 0.9), note_by, note, False))
        candidates.sort(key=lambda c: c[0])

        # 1-4 comments; the first public reply always stays.
        keep = rng.randint(1, 4)
        first_public = next((c for c in candidates if c[3]), None)
        must = [first_public] if first_public else []
        rest = [c for c in candidates if c is not first_public]
        chosen = sorted(must + rng.sample(rest, min(keep - len(must), len(rest))), key=lambda c: c[0])
        plan.comments = [self.comment(at, by, body, public) for at, by, body, public in chosen]
        public = [c[0] for c in plan.comments if c[4] and c[1] is not None]
        plan.first_response_at = min(public) if public else None

        plan.events.sort(key=lambda e: e[0])  # stable: created, then status, then the rest
        plan.final_assignee = assignee
        plan.updated_at = max([plan.events[-1][0], *(c[0] for c in plan.comments)])


def _positions(plans: list[_Plan]) -> None:
    """Gapped positions per status: open columns by priority then age, Resolved newest first."""
    by_status: dict[str, list[_Plan]] = {}
    for plan in plans:
        by_status.setdefault(plan.status, []).append(plan)
    for status in STATUSES:
        column = by_status.get(status, [])
        if status == Status.RESOLVED:
            column.sort(key=lambda p: (-(p.resolved_at or p.created).timestamp(), p.number))
        else:
            column.sort(key=lambda p: (-p.priority, p.created, p.number))
        for i, plan in enumerate(column, start=1):
            plan.position = i * POSITION_GAP


# --- Entry point ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class SeedResult:
    created: int
    existing: int


def _split(count: int, shares: Sequence[float]) -> list[int]:
    """``count`` split by ``shares``, largest remainders first; sums to ``count``."""
    total = sum(shares)
    exact = [count * s / total for s in shares]
    parts = [int(x) for x in exact]
    order = sorted(range(len(shares)), key=lambda i: (-(exact[i] - parts[i]), i))
    for i in order[: count - sum(parts)]:
        parts[i] += 1
    return parts


TICKET_COLUMNS = (
    "team_id", "number", "project_id", "kind", "title", "description", "description_html", "requester_name",
    "requester_email", "account_id", "channel", "priority", "status", "assignee_id", "story_points", "impact",
    "effort", "position", "created_at", "updated_at", "first_response_at", "resolved_at", "version",
)  # fmt: skip
EVENT_COLUMNS = ("ticket_id", "created_at", "actor_id", "field", "from_value", "to_value", "from_label", "to_label")
COMMENT_COLUMNS = ("ticket_id", "created_at", "author_id", "body", "body_html", "is_public")


@transaction.atomic
def seed_tickets(
    *, teams: Mapping[str, Team], seed: int, today: date, count: int = DEFAULT_TICKETS, replace: bool = False
) -> SeedResult:
    """Accounts, labels, projects, boards and routing rules of the demo teams; then ``count`` tickets.

    Tickets are generated only while the demo teams have none, so running it
    again adds nothing; ``replace`` deletes their tickets first.
    """
    anchor = datetime.combine(today, time(), tzinfo=UTC)
    rng = random.Random(seed)
    specs = [spec for spec in TEAM_TICKETS if spec.slug in teams]
    contexts = [_prepare_team(teams[spec.slug], spec, anchor) for spec in specs]

    demo_tickets = Ticket.objects.filter(team__in=[ctx.team for ctx in contexts])
    if replace:
        demo_tickets.delete()
    existing = demo_tickets.count()
    if existing or not contexts or count <= 0:
        return SeedResult(created=0, existing=existing)

    html: dict[str, str] = {}
    plans_by_team: list[tuple[_Team, list[_Plan]]] = []
    for ctx, n in zip(contexts, _split(count, [ctx.spec.share for ctx in contexts]), strict=True):
        times = _created_times(rng, ctx, n, anchor)
        plans = [_plan(rng, ctx, number, created) for number, created in enumerate(times, start=1)]
        _decide_statuses(rng, ctx, plans, anchor)
        for plan in plans:
            _Story(rng, ctx, plan, anchor, html).tell()
        _positions(plans)
        plans_by_team.append((ctx, plans))

    def description_html(text: str) -> str:
        if text not in html:
            html[text] = render_markdown(text)
        return html[text]

    created = insert_rows(
        Ticket,
        TICKET_COLUMNS,
        (
            (ctx.team.pk, p.number, p.project.pk if p.project else None, p.kind, p.title, p.description,
             description_html(p.description), p.requester_name, p.requester_email,
             p.account.pk if p.account else None, p.channel, p.priority, p.status,
             p.final_assignee.pk if p.final_assignee else None, p.story_points, p.impact, p.effort, p.position,
             p.created, p.updated_at, p.first_response_at, p.resolved_at, 1)
            for ctx, plans in plans_by_team
            for p in plans
        ),
    )  # fmt: skip
    ids = {(team_id, number): pk for team_id, number, pk in demo_tickets.values_list("team_id", "number", "id")}

    def rows(kind: str) -> Iterator[tuple[Any, ...]]:
        for ctx, plans in plans_by_team:
            for plan in plans:
                pk = ids[(ctx.team.pk, plan.number)]
                if kind == "labels":
                    yield from ((pk, label.pk) for label in plan.labels)
                else:
                    yield from ((pk, *row) for row in (plan.events if kind == "events" else plan.comments))

    insert_rows(TicketEvent, EVENT_COLUMNS, rows("events"))
    insert_rows(Comment, COMMENT_COLUMNS, rows("comments"))
    insert_rows(Ticket.labels.through, ("ticket_id", "label_id"), rows("labels"))
    return SeedResult(created=created, existing=0)
