"""CSAT surveys and feedback moved to the ``voice`` app: state only, the tables stay as they are."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('tickets', '0006_sla_sweep_window'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
        migrations.RemoveField(
            model_name='feedbackitem',
            name='survey',
        ),
        migrations.RemoveField(
            model_name='feedbackitem',
            name='account',
        ),
        migrations.RemoveField(
            model_name='feedbackitem',
            name='created_by',
        ),
        migrations.RemoveField(
            model_name='feedbackitem',
            name='merged_into',
        ),
        migrations.RemoveField(
            model_name='feedbackitem',
            name='projects',
        ),
        migrations.RemoveField(
            model_name='feedbackitem',
            name='tags',
        ),
        migrations.RemoveField(
            model_name='feedbackitem',
            name='team',
        ),
        migrations.RemoveField(
            model_name='feedbackitem',
            name='tickets',
        ),
        migrations.RemoveField(
            model_name='feedbacksettings',
            name='team',
        ),
        migrations.DeleteModel(
            name='CsatSurvey',
        ),
        migrations.DeleteModel(
            name='FeedbackItem',
        ),
        migrations.DeleteModel(
            name='FeedbackSettings',
        ),
                ],
        ),
    ]
