import core.stamps
from django.db import migrations, models

from core.stamps import StampTrigger, stamp_triggers

TRIGGERS = [
    StampTrigger("teams_workinghours_stamps_team", "teams_workinghours", "teams_team", "sla_stamp", "{row}.team_id"),
    StampTrigger("teams_holiday_stamps_team", "teams_holiday", "teams_team", "sla_stamp", "{row}.team_id"),
]


class Migration(migrations.Migration):
    dependencies = [
        ("teams", "0002_team_calendar_version"),
    ]

    operations = [
        migrations.AddField(
            model_name="team",
            name="sla_stamp",
            field=models.BigIntegerField(default=core.stamps.new_stamp, editable=False),
        ),
        stamp_triggers(*TRIGGERS),
    ]
