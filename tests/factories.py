from __future__ import annotations

import factory
from factory.django import DjangoModelFactory

from teams.models import Holiday, Membership, Role, Team, User, WorkingHours

PASSWORD = "correct-horse-battery"


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ["username"]

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.django.Password(PASSWORD)


class TeamFactory(DjangoModelFactory):
    class Meta:
        model = Team

    name = factory.Sequence(lambda n: f"Team {n}")
    slug = factory.Sequence(lambda n: f"team-{n}")
    time_zone = "Europe/Berlin"


class MembershipFactory(DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    team = factory.SubFactory(TeamFactory)
    role = Role.AGENT
    capacity = 20
    skills = factory.LazyFunction(lambda: ["billing"])


class WorkingHoursFactory(DjangoModelFactory):
    class Meta:
        model = WorkingHours

    team = factory.SubFactory(TeamFactory)
    weekday = 0
    start_minute = 9 * 60
    end_minute = 17 * 60


class HolidayFactory(DjangoModelFactory):
    class Meta:
        model = Holiday

    team = factory.SubFactory(TeamFactory)
    name = "Holiday"


# --- tickets and projects -------------------------------------------------------

from projects.models import Project  # noqa: E402
from tickets.models import Account, Label  # noqa: E402


class ProjectFactory(DjangoModelFactory):
    class Meta:
        model = Project

    team = factory.SubFactory(TeamFactory)
    name = factory.Sequence(lambda n: f"Project {n}")


class AccountFactory(DjangoModelFactory):
    class Meta:
        model = Account

    team = factory.SubFactory(TeamFactory)
    name = factory.Sequence(lambda n: f"Account {n}")
    tier = "standard"


class LabelFactory(DjangoModelFactory):
    class Meta:
        model = Label

    team = factory.SubFactory(TeamFactory)
    name = factory.Sequence(lambda n: f"label-{n}")
    colour = "#2563eb"


def make_ticket(team, *, by=None, route=False, **fields):
    """Create a ticket through the real service (numbers, positions, history)."""
    from tickets.drafts import TicketDraft
    from tickets.services import ticket_create

    fields.setdefault("title", "Cannot sign in to the portal")
    return ticket_create(team=team, by=by, draft=TicketDraft(**fields), route=route)


# --- routing rules -----------------------------------------------------------------

from tickets.models import RoutingRule  # noqa: E402


class RoutingRuleFactory(DjangoModelFactory):
    """A rule written straight to the table (no validation): ``add_labels=[...]`` sets its labels."""

    class Meta:
        model = RoutingRule
        skip_postgeneration_save = True

    team = factory.SubFactory(TeamFactory)
    name = factory.Sequence(lambda n: f"Rule {n}")
    order = factory.Sequence(lambda n: n + 1)

    @factory.post_generation
    def add_labels(self, create, extracted, **kwargs):
        if create and extracted:
            self.add_labels.set(extracted)


# --- notifications -----------------------------------------------------------------

from itertools import count  # noqa: E402

from notifications.models import Notification  # noqa: E402
from notifications.services import subject_key  # noqa: E402

_notification_keys = count(1)


def notification_row(user, ticket=None, message: str = "A notification", **fields) -> Notification:
    """An unsaved notification to ``user`` about ``ticket`` (its subject, link and team), with a key of its own."""
    about = {}
    if ticket is not None:
        about = {
            "team_id": ticket.team_id,
            "subject": subject_key(ticket),
            "link": f"/t/{ticket.team.slug}/tickets/{ticket.number}/",
        }
    values = {"kind": "sla_resolution_breached", "dedupe_key": f"test:{next(_notification_keys)}", **about, **fields}
    return Notification(user=user, message=message, **values)
