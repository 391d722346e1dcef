from django.db import migrations

from core.stamps import StampTrigger, stamp_triggers

TRIGGERS = [
    StampTrigger("tickets_slapolicy_stamps_team", "tickets_slapolicy", "teams_team", "sla_stamp", "{row}.team_id"),
    StampTrigger(
        "tickets_slatarget_stamps_team",
        "tickets_slatarget",
        "teams_team",
        "sla_stamp",
        "SELECT team_id FROM tickets_slapolicy WHERE id = {row}.policy_id",
    ),
]


class Migration(migrations.Migration):
    dependencies = [
        ("teams", "0003_team_sla_stamp"),
        ("tickets", "0014_saved_views"),
    ]

    operations = [stamp_triggers(*TRIGGERS)]
