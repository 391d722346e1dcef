from django.db import migrations, models
from django.db.models import OuterRef, Subquery

ACTIVE = ["in_progress", "escalated"]


def backfill(apps, schema_editor):
    """Work started at the first status change into an active status; a ticket created active, at creation."""
    Ticket = apps.get_model("tickets", "Ticket")
    TicketEvent = apps.get_model("tickets", "TicketEvent")
    first = (
        TicketEvent.objects.filter(ticket=OuterRef("pk"), field="status", to_value__in=ACTIVE)
        .order_by("created_at", "id")
        .values("created_at")[:1]
    )
    Ticket.objects.update(work_started_at=Subquery(first))
    Ticket.objects.filter(work_started_at__isnull=True, status__in=ACTIVE).update(work_started_at=models.F("created_at"))


class Migration(migrations.Migration):
    dependencies = [
        ("tickets", "0017_blocked_since"),
    ]

    operations = [
        migrations.AddField(
            model_name="ticket",
            name="work_started_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
