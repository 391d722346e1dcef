"""Demo customer feedback for the demo teams of ``tickets.demo``.

Each demo team gets its feedback settings and a set of feedback items from
every channel: some reported again by other customers and merged (so their
mentions and accounts add up), some tagged, linked to the team's tickets or
attached to its projects, in every status; and the comments of the demo
survey answers (seeded before), as the survey intake records them. The
scores are then computed by
:func:`voice.feedback.feedback_rescore`, like any other.

Deterministic: no random draws; who said what, when and through which
channel follows from each item's place in the list, and every date hangs off
today 00:00 UTC. Idempotent: a team that has feedback gets none added. Fast:
a few bulk statements per team, whatever the number of tickets.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from django.utils.text import slugify

from projects.models import Project
from teams.models import Membership, Role, Team
from tickets.choices import Kind
from tickets.models import Account, Label, Ticket
from voice.choices import FeedbackChannel, FeedbackSource, FeedbackStatus
from voice.impact import feedback_rescore
from voice.models import CsatSurvey, FeedbackItem
from voice.options import feedback_settings_ensure

# (what the customer said, tags by name, how many others said it again)
THEMES: tuple[tuple[str, tuple[str, ...], int], ...] = (
    (
        "Please add two-factor sign-in with an authenticator app. SMS codes never arrive when our staff travel.",
        ("security", "feature request"),
        3,
    ),
    ("The mobile app logs me out every time I switch to another app and back.", ("mobile", "bug"), 2),
    ("CSV export stops at 10,000 rows; our finance team needs the whole month in one file.", ("data export",), 2),
    ("Invoices should show our VAT number, otherwise our accountants reject them.", ("billing",), 1),
    ("Your agent sorted out our SSO problem in ten minutes. Thank you!", ("SSO",), 0),
    ("The chat widget covers the checkout button on small phones.", ("mobile", "bug"), 1),
    (
        "Searching the help centre for an error code finds nothing, even when an article mentions it.",
        ("feature request",),
        1,
    ),
    (
        "Could reports be emailed to us every Monday morning instead of us exporting them by hand?",
        ("feature request", "data export"),
        0,
    ),
    ("Webhooks retry so fast after an error that they flood our endpoint.", ("API", "bug"), 1),
    ("Onboarding emails only come in English; half of our team reads French or German.", ("onboarding",), 0),
    ("The password reset link expired before I could open it on my laptop.", ("security",), 1),
    ("We would love an API endpoint for the full status history of a shipment.", ("API", "feature request"), 0),
    ("The new pricing page is confusing: which plan includes SSO?", ("billing", "SSO"), 0),
    ("Offline mode in the field app lost a morning of photos when the sync failed.", ("mobile", "bug"), 1),
    ("Refunds take two weeks to show on our card; competitors do it in three days.", ("refund", "billing"), 0),
    ("Dark mode for the dashboard, please: our night shift works with it all day.", ("feature request",), 0),
    ("Bulk-editing order tags would save us hours every week.", ("feature request",), 0),
    ("Support replied within minutes at 3 a.m. during our launch. Impressive.", ("VIP",), 0),
)
# How a duplicate puts it, by its place among the duplicates.
AGAIN = ("Same here: ", "We have the same problem. ", "+1 from us. ")
CHANNELS = tuple(FeedbackChannel)
# Statuses of the unmerged items, in turn; "linked" where a ticket or project is linked.
STATUSES = (FeedbackStatus.NEW, FeedbackStatus.TRIAGED, FeedbackStatus.NEW, FeedbackStatus.CLOSED)
HISTORY_DAYS = 60


@dataclass(frozen=True)
class FeedbackSeedResult:
    items: int = 0
    merged: int = 0


def _customers(team: Team) -> tuple[list[Account], list[str]]:
    accounts = list(Account.objects.filter(team=team).order_by("name"))
    people = [
        f"{first} {last}"
        for first, last in zip(
            ("Nadia", "Tom", "Keiko", "Luis", "Grace", "Omar", "Ingrid", "Paulo"),
            ("Haddad", "Baker", "Sato", "Ortega", "Kim", "Farouk", "Berg", "Mendes"),
            strict=True,
        )
    ]
    return accounts, people


def _seed_team(team: Team, anchor: datetime) -> tuple[int, int]:
    accounts, people = _customers(team)
    labels = {label.name: label for label in Label.objects.filter(team=team)}
    improvement = list(
        Ticket.objects.filter(team=team, kind__in=[Kind.IMPROVEMENT, Kind.BUG])
        .order_by("number")
        .values_list("pk", flat=True)[:12]
    )
    projects = list(Project.objects.filter(team=team).order_by("name").values_list("pk", flat=True))
    agent = (
        Membership.objects.filter(team=team, role=Role.AGENT).select_related("user").order_by("user__username").first()
    )
    by = agent.user if agent else None

    def item(index: int, text: str, days_ago: float, status: str) -> FeedbackItem:
        channel = CHANNELS[index % len(CHANNELS)]
        account = accounts[(index * 7) % len(accounts)] if accounts and index % 5 != 4 else None
        name = people[index % len(people)]
        domain = slugify(account.name.split()[0]) if account else "example"
        return FeedbackItem(
            team=team,
            channel=channel,
            source=FeedbackSource.PUBLIC if channel == FeedbackChannel.WEB_FORM else FeedbackSource.AGENT,
            account=account,
            customer_name=name,
            customer_email=f"{name.split()[0].lower()}@{domain}.example",
            text=text,
            created_at=anchor - timedelta(days=days_ago, hours=(index * 5) % 11),
            created_by=None if channel == FeedbackChannel.WEB_FORM else by,
            status=status,
        )

    mains = [
        item(i, text, HISTORY_DAYS * (i + 1) / (len(THEMES) + 1), STATUSES[i % len(STATUSES)])
        for i, (text, _tags, _again) in enumerate(THEMES)
    ]
    FeedbackItem.objects.bulk_create(mains)
    duplicates: list[FeedbackItem] = []
    for i, ((text, _tags, again), main) in enumerate(zip(THEMES, mains, strict=True)):
        for k in range(again):
            dup = item(i * 3 + k + 1, AGAIN[k % len(AGAIN)] + text[0].lower() + text[1:], (i + 1) * 2.5 - k, "closed")
            dup.merged_into = main
            duplicates.append(dup)
        main.mentions = 1 + again
    FeedbackItem.objects.bulk_create(duplicates)
    FeedbackItem.objects.bulk_update(mains, ["mentions"])

    tag_rows, ticket_rows, project_rows = [], [], []
    for i, ((_text, tags, _again), main) in enumerate(zip(THEMES, mains, strict=True)):
        tag_rows += [(main.pk, labels[name].pk) for name in tags if name in labels]
        if improvement and i % 3 == 0:
            ticket_rows.append((main.pk, improvement[(i // 3) % len(improvement)]))
        if projects and i % 4 == 1:
            project_rows.append((main.pk, projects[i % len(projects)]))
    linked = {pk for pk, _ in ticket_rows} | {pk for pk, _ in project_rows}
    for main in mains:
        if main.pk in linked and main.status != FeedbackStatus.CLOSED:
            main.status = FeedbackStatus.LINKED
    FeedbackItem.objects.bulk_update(mains, ["status"])
    for relation, column, rows in (
        ("tags", "label_id", tag_rows),
        ("tickets", "ticket_id", ticket_rows),
        ("projects", "project_id", project_rows),
    ):
        through = getattr(FeedbackItem, relation).through
        through.objects.bulk_create([through(feedbackitem_id=pk, **{column: other}) for pk, other in rows])
    survey_items = _survey_feedback(team)
    return len(mains) + len(duplicates) + survey_items, len(duplicates)


def _survey_feedback(team: Team) -> int:
    """What customers wrote in their survey answers, as the live intake records it: one item each,
    linked to the ticket and the survey (so its sentiment counts)."""
    answered = list(
        CsatSurvey.objects.filter(team=team, answered_at__isnull=False)
        .exclude(comment="")
        .select_related("ticket")
        .order_by("answered_at", "pk")
    )
    items = [
        FeedbackItem(
            team=team,
            channel=FeedbackChannel.SURVEY,
            source=FeedbackSource.SURVEY,
            account_id=s.ticket.account_id,
            customer_name=s.ticket.requester_name,
            customer_email=s.email,
            text=s.comment,
            created_at=s.answered_at or s.created_at,  # answered: never None here
            status=FeedbackStatus.NEW if (s.score or 0) <= 3 else FeedbackStatus.CLOSED,
            survey=s,
        )
        for s in answered
    ]
    FeedbackItem.objects.bulk_create(items)
    through = FeedbackItem.tickets.through
    through.objects.bulk_create(
        [through(feedbackitem_id=item.pk, ticket_id=s.ticket_id) for item, s in zip(items, answered, strict=True)]
    )
    return len(items)


def seed_feedback(*, teams: Mapping[str, Team], today: date) -> FeedbackSeedResult:
    """Feedback settings and items for the demo teams that have no feedback yet; then their scores."""
    anchor = datetime.combine(today, time(), tzinfo=UTC)
    ordered: Sequence[Team] = [teams[slug] for slug in sorted(teams)]
    items = merged = 0
    for team in ordered:
        feedback_settings_ensure(team=team)
        if FeedbackItem.objects.filter(team=team).exists():
            continue
        added, dups = _seed_team(team, anchor)
        items, merged = items + added, merged + dups
    for team in ordered:
        feedback_rescore(team=team)
    return FeedbackSeedResult(items=items, merged=merged)
