"""Breach stamps mean "missed at": restamp existing breaches with their due time (kept on their alert).

The sweep used to stamp a breach with the time it noticed it, so a stopped
worker made every breach look recent. Each breach has one alert (unique per
ticket, target and kind) that kept the due time it was claimed against.
"""

from django.db import migrations
from django.db.models import OuterRef, Subquery
from django.db.models.functions import Coalesce


def restamp(apps, schema_editor) -> None:
    Ticket = apps.get_model("tickets", "Ticket")
    SLAAlert = apps.get_model("tickets", "SLAAlert")
    db = schema_editor.connection.alias
    for prefix, target in (("frt", "first_response"), ("res", "resolution")):
        due = SLAAlert.objects.using(db).filter(ticket=OuterRef("pk"), target=target, kind="breached").values("due_at")[:1]
        stamp = f"{prefix}_breached_at"
        Ticket.objects.using(db).filter(**{f"{stamp}__isnull": False}).update(
            **{stamp: Coalesce(Subquery(due), stamp)}
        )


class Migration(migrations.Migration):
    dependencies = [("tickets", "0008_notifications_moved")]

    operations = [migrations.RunPython(restamp, migrations.RunPython.noop)]
