"""A notification: something a person should know, shown in the app with an unread count and mailed."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from notifications.querysets import NotificationQuerySet


class Notification(models.Model):
    """One message to one person about one subject.

    The subject is generic, so any app can notify without this app knowing
    its models: ``subject`` names what it is about (``"tickets.ticket:42"``,
    see :func:`notifications.services.subject_key`), ``link`` where it leads,
    ``team`` whose it is (a person who leaves the team no longer sees it).
    ``dedupe_key`` is unique per recipient: a job that runs twice, or a task
    delivered twice, notifies once.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    team = models.ForeignKey("teams.Team", on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    kind = models.CharField(max_length=40, help_text="What happened, e.g. sla_resolution_breached.")
    subject = models.CharField(max_length=80, blank=True, help_text="What it is about: app.model:pk.")
    link = models.CharField(max_length=300, blank=True, help_text="Where it leads (a path in the app).")
    message = models.CharField(max_length=300)
    dedupe_key = models.CharField(max_length=120, help_text="Unique per recipient: the same event notifies once.")
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    read_at = models.DateTimeField(null=True, blank=True)
    digest_pending = models.BooleanField(default=False, help_text="To be mailed in the person's daily digest.")

    objects = NotificationQuerySet.as_manager()

    class Meta:
        db_table = "notifications_notification"
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["user", "dedupe_key"], name="notice_once_per_user_and_key")]
        indexes = [
            models.Index(fields=["user", "read_at"], name="notice_unread"),
            models.Index(fields=["user", "subject"], name="notice_by_subject"),
            models.Index(fields=["user"], condition=models.Q(digest_pending=True), name="notice_digest_pending"),
        ]

    def __str__(self) -> str:
        return self.message

    @property
    def tone(self) -> str:
        """How the list shows it: "breach", "risk" or plain."""
        if self.kind.endswith("_breached"):
            return "breach"
        if self.kind.endswith("_at_risk"):
            return "risk"
        return ""


class OutgoingMail(models.Model):
    """A mail to send, written in the same transaction as what it tells (the mail outbox).

    A task delivers it after the commit and the beat schedule retries what is
    left (a worker that died, a mail server that refused), so no mail is lost
    to a crash. Each row is claimed before sending and stamped ``sent_at``
    right after the server accepts it: a row is sent once, unless the process
    dies in the instant between the two (see README).
    """

    to = models.EmailField()
    subject = models.CharField(max_length=200)
    body = models.TextField()
    notification = models.OneToOneField(
        Notification, on_delete=models.CASCADE, null=True, blank=True, related_name="mail",
        help_text="The notification this mail tells of (none for a digest).",
    )  # fmt: skip
    digest_key = models.CharField(
        max_length=80, null=True, blank=True, unique=True, help_text="For a daily digest: its person and day."
    )
    dedupe_key = models.CharField(
        max_length=200, null=True, blank=True, unique=True,
        help_text="For a mail to someone without an account: the event and the address, so a re-run mails once.",
    )  # fmt: skip
    created_at = models.DateTimeField(default=timezone.now)
    claimed_until = models.DateTimeField(null=True, blank=True, help_text="Being sent by a worker until then.")
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=300, blank=True)
    failed_at = models.DateTimeField(null=True, blank=True, help_text="Given up after too many failed attempts.")

    class Meta:
        db_table = "notifications_outgoingmail"
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(
                fields=["created_at"],
                condition=models.Q(sent_at__isnull=True, failed_at__isnull=True),
                name="mail_pending",
            )
        ]

    def __str__(self) -> str:
        return f"{self.subject} → {self.to}"


class NotificationPreference(models.Model):
    """One person's choice for one group of notifications (see :mod:`notifications.preferences`)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    group = models.CharField(max_length=30)
    in_app = models.BooleanField(default=True)
    email = models.CharField(max_length=8, default="now")

    class Meta:
        db_table = "notifications_preference"
        constraints = [models.UniqueConstraint(fields=["user", "group"], name="preference_once_per_group")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.group}: in app {self.in_app}, email {self.email}"
