"""The ticket app's choices and status groups: the bottom layer, imported by querysets and models alike."""

from __future__ import annotations

from django.db import models


class Kind(models.TextChoices):
    INQUIRY = "inquiry", "Customer inquiry"
    INCIDENT = "incident", "Incident"
    BUG = "bug", "Bug"
    TASK = "task", "Task"
    IMPROVEMENT = "improvement", "Improvement"


class Channel(models.TextChoices):
    EMAIL = "email", "Email"
    CHAT = "chat", "Chat"
    PHONE = "phone", "Phone"
    SOCIAL = "social", "Social"
    WEB = "web", "Web"
    MOBILE_APP = "mobile_app", "Mobile app"


class Priority(models.IntegerChoices):
    LOW = 1, "Low"
    NORMAL = 2, "Normal"
    HIGH = 3, "High"
    URGENT = 4, "Urgent"


class Status(models.TextChoices):
    TODO = "todo", "To Do"
    IN_PROGRESS = "in_progress", "In Progress"
    WAITING = "waiting", "Waiting on customer"
    ESCALATED = "escalated", "Escalated"
    RESOLVED = "resolved", "Resolved"


OPEN_STATUSES = (Status.TODO, Status.IN_PROGRESS, Status.WAITING, Status.ESCALATED)
# Work a customer asked for: only these have a first-response target (internal work has no one
# waiting for a reply), unless a policy says otherwise.
CUSTOMER_KINDS = (Kind.INQUIRY, Kind.INCIDENT, Kind.BUG)
# Planned work rather than a customer waiting: what a team's backlog holds.
BACKLOG_KINDS = (Kind.IMPROVEMENT, Kind.TASK, Kind.BUG)
# Work has started (cycle time runs from the first entry into one of these).
ACTIVE_STATUSES = (Status.IN_PROGRESS, Status.ESCALATED)


class Tier(models.TextChoices):
    FREE = "free", "Free"
    STANDARD = "standard", "Standard"
    PREMIUM = "premium", "Premium"
    ENTERPRISE = "enterprise", "Enterprise"


class EventField(models.TextChoices):
    CREATED = "created", "Created"
    STATUS = "status", "Status"
    ASSIGNEE = "assignee", "Assignee"
    PRIORITY = "priority", "Priority"
    SPRINT = "sprint", "Sprint"
    PROJECT = "project", "Project"
    KIND = "kind", "Kind"
    CHANNEL = "channel", "Channel"
    ACCOUNT = "account", "Account"
    POINTS = "story_points", "Story points"


class SLATargetKind(models.TextChoices):
    FIRST_RESPONSE = "first_response", "First response"
    RESOLUTION = "resolution", "Resolution"


class SLAAlertKind(models.TextChoices):
    AT_RISK = "at_risk", "At risk"
    BREACHED = "breached", "Breached"


class SLAOutcomeKind(models.TextChoices):
    MET = "met", "Met"
    BREACHED = "breached", "Breached"
