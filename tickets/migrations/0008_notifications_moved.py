"""Notifications move to their own app with a generic subject and a dedupe key; existing rows are copied."""

from django.db import migrations

TARGET = {"first_response": "first response", "resolution": "resolution"}


def copy_rows(apps, schema_editor) -> None:
    """Copy every notification: its ticket becomes subject, link and team; its SLA alert the dedupe key.

    A row with an alert gets ``sla-alert:<id>``, the key the sweep now writes,
    so a sweep re-run after the upgrade still notifies once.
    """
    Old = apps.get_model("tickets", "Notification")
    New = apps.get_model("notifications", "Notification")
    db = schema_editor.connection.alias
    rows = Old.objects.using(db).select_related("ticket__team", "alert").order_by("pk")
    batch = []
    for n in rows.iterator(chunk_size=2000):
        ticket, alert = n.ticket, n.alert
        batch.append(
            New(
                user_id=n.user_id,
                team_id=ticket.team_id if ticket else None,
                kind=f"sla_{alert.target}_{alert.kind}" if alert else "notice",
                subject=f"tickets.ticket:{ticket.pk}" if ticket else "",
                link=f"/t/{ticket.team.slug}/tickets/{ticket.number}/" if ticket else "",
                message=n.message,
                dedupe_key=f"sla-alert:{alert.pk}" if alert else f"tickets-notification:{n.pk}",
                created_at=n.created_at,
                read_at=n.read_at,
            )
        )
        if len(batch) >= 2000:
            New.objects.using(db).bulk_create(batch, ignore_conflicts=True)
            batch = []
    New.objects.using(db).bulk_create(batch, ignore_conflicts=True)


def copy_back(apps, schema_editor) -> None:
    """Back to the ticket app's table: rows about a ticket, with their alert where the key names one."""
    Old = apps.get_model("tickets", "Notification")
    New = apps.get_model("notifications", "Notification")
    Alert = apps.get_model("tickets", "SLAAlert")
    db = schema_editor.connection.alias
    alerts = set(Alert.objects.using(db).values_list("pk", flat=True))
    batch = []
    for n in New.objects.using(db).filter(subject__startswith="tickets.ticket:").order_by("pk").iterator():
        alert_id = int(n.dedupe_key.split(":")[1]) if n.dedupe_key.startswith("sla-alert:") else None
        batch.append(
            Old(
                user_id=n.user_id, ticket_id=int(n.subject.split(":")[1]),
                alert_id=alert_id if alert_id in alerts else None, message=n.message,
                created_at=n.created_at, read_at=n.read_at,
            )
        )  # fmt: skip
    Old.objects.using(db).bulk_create(batch, ignore_conflicts=True)


class Migration(migrations.Migration):

    dependencies = [
        ('tickets', '0007_voice_models_moved'),
        ('notifications', '0001_initial'),
    ]

    operations = [
        migrations.RunPython(copy_rows, copy_back),
        migrations.DeleteModel(
            name='Notification',
        ),
    ]
