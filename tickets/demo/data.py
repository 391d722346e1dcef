"""The demo's reference data: teams' customers and projects, what tickets are about, how they move, what replies say."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from projects.models import Framework, ProjectStatus
from tickets.choices import Channel, Kind, Priority, Status, Tier

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
