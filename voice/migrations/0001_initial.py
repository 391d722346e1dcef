"""CSAT surveys and feedback, moved here from ``tickets``: state only, the tables keep their names."""

import django.core.validators
import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


MODELS = ("csatsurvey", "feedbackitem", "feedbacksettings")


def _relabel(apps, schema_editor, old: str, new: str) -> None:
    """Point the models' content types (and so their permissions and admin log) at their new app."""
    ContentType = apps.get_model("contenttypes", "ContentType")
    db = schema_editor.connection.alias
    for model in MODELS:
        if ContentType.objects.using(db).filter(app_label=new, model=model).exists():
            continue
        ContentType.objects.using(db).filter(app_label=old, model=model).update(app_label=new)


def relabel_content_types(apps, schema_editor) -> None:
    _relabel(apps, schema_editor, "tickets", "voice")


def relabel_back(apps, schema_editor) -> None:
    _relabel(apps, schema_editor, "voice", "tickets")


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('projects', '0001_initial'),
        ('teams', '0002_team_calendar_version'),
        ('tickets', '0007_voice_models_moved'),
        ('contenttypes', '0002_remove_content_type_name'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
        migrations.CreateModel(
            name='CsatSurvey',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('cycle', models.PositiveSmallIntegerField(help_text="The ticket's resolution cycle (its SLA cycle).")),
                ('email', models.EmailField(max_length=254)),
                ('status', models.CharField(choices=[('pending', 'Waiting to be sent'), ('sending', 'Sending'), ('sent', 'Sent'), ('answered', 'Answered'), ('cancelled', 'Not sent (reopened)'), ('failed', 'Could not be sent')], default='pending', max_length=16)),
                ('attempts', models.PositiveSmallIntegerField(default=0)),
                ('token_hash', models.CharField(blank=True, editable=False, max_length=64, null=True, unique=True)),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('sent_at', models.DateTimeField(blank=True, null=True)),
                ('expires_at', models.DateTimeField(blank=True, null=True)),
                ('answered_at', models.DateTimeField(blank=True, null=True)),
                ('score', models.PositiveSmallIntegerField(blank=True, null=True)),
                ('scale', models.PositiveSmallIntegerField(default=5)),
                ('comment', models.TextField(blank=True)),
                ('follow_up', models.ForeignKey(blank=True, help_text='The ticket opened for a low score (closed loop).', null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='follow_up_of_surveys', to='tickets.ticket')),
                ('team', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='csat_surveys', to='teams.team')),
                ('ticket', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='csat_surveys', to='tickets.ticket')),
            ],
            options={
                'verbose_name': 'CSAT survey',
                'db_table': 'tickets_csatsurvey',
                'ordering': ['-created_at', '-id'],
            },
        ),
        migrations.CreateModel(
            name='FeedbackItem',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('channel', models.CharField(choices=[('email', 'Email'), ('chat', 'Chat'), ('social', 'Social'), ('mobile_app', 'Mobile app'), ('survey', 'Survey'), ('web_form', 'Web form')], default='email', max_length=16)),
                ('source', models.CharField(choices=[('agent', 'Logged by an agent'), ('public', 'Public form'), ('api', 'API'), ('survey', 'Survey answer')], default='agent', max_length=16)),
                ('customer_name', models.CharField(blank=True, max_length=120)),
                ('customer_email', models.EmailField(blank=True, max_length=254)),
                ('text', models.TextField()),
                ('created_at', models.DateTimeField(db_index=True, default=django.utils.timezone.now)),
                ('status', models.CharField(choices=[('new', 'New'), ('triaged', 'Triaged'), ('linked', 'Linked'), ('closed', 'Closed')], default='new', max_length=16)),
                ('mentions', models.PositiveIntegerField(default=1, help_text='This report plus the duplicates merged into it.')),
                ('impact_score', models.FloatField(default=0)),
                ('version', models.PositiveIntegerField(default=1)),
                ('account', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='feedback_items', to='tickets.account')),
                ('created_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('merged_into', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='duplicates', to='voice.feedbackitem')),
                ('projects', models.ManyToManyField(blank=True, db_table='tickets_feedbackitem_projects', related_name='feedback_items', to='projects.project')),
                ('survey', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='feedback_items', to='voice.csatsurvey')),
                ('tags', models.ManyToManyField(blank=True, db_table='tickets_feedbackitem_tags', related_name='feedback_items', to='tickets.label')),
                ('team', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='feedback_items', to='teams.team')),
                ('tickets', models.ManyToManyField(blank=True, db_table='tickets_feedbackitem_tickets', related_name='feedback_items', to='tickets.ticket')),
            ],
            options={
                'db_table': 'tickets_feedbackitem',
                'ordering': ['-impact_score', '-created_at', '-id'],
            },
        ),
        migrations.CreateModel(
            name='FeedbackSettings',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('csat_delay_minutes', models.PositiveIntegerField(default=1440, help_text='How long after resolution the survey is sent.')),
                ('csat_expiry_days', models.PositiveSmallIntegerField(default=14, help_text='How long a link works.', validators=[django.core.validators.MinValueValidator(1), django.core.validators.MaxValueValidator(365)])),
                ('weight_accounts', models.FloatField(default=3.0, validators=[django.core.validators.MinValueValidator(0)])),
                ('weight_tier', models.FloatField(default=2.0, validators=[django.core.validators.MinValueValidator(0)])),
                ('weight_frequency', models.FloatField(default=1.0, validators=[django.core.validators.MinValueValidator(0)])),
                ('weight_sentiment', models.FloatField(default=2.0, validators=[django.core.validators.MinValueValidator(0)])),
                ('public_form_enabled', models.BooleanField(default=True)),
                ('public_form_key', models.CharField(help_text="The unguessable part of the form's URL.", max_length=32, unique=True)),
                ('version', models.PositiveIntegerField(default=1)),
                ('team', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='feedback_settings', to='teams.team')),
            ],
            options={
                'verbose_name_plural': 'feedback settings',
                'db_table': 'tickets_feedbacksettings',
            },
        ),
        migrations.AddIndex(
            model_name='csatsurvey',
            index=models.Index(fields=['team', 'answered_at'], name='csat_team_answered'),
        ),
        migrations.AddIndex(
            model_name='csatsurvey',
            index=models.Index(fields=['team', 'sent_at'], name='csat_team_sent'),
        ),
        migrations.AddIndex(
            model_name='csatsurvey',
            index=models.Index(condition=models.Q(('status__in', ['pending', 'sending'])), fields=['status'], name='csat_to_send'),
        ),
        migrations.AddConstraint(
            model_name='csatsurvey',
            constraint=models.UniqueConstraint(fields=('ticket', 'cycle'), name='csat_one_survey_per_ticket_cycle'),
        ),
        migrations.AddConstraint(
            model_name='csatsurvey',
            constraint=models.CheckConstraint(condition=models.Q(('score__isnull', True), models.Q(('score__gte', 1), ('score__lte', models.F('scale'))), _connector='OR'), name='csat_score_within_scale'),
        ),
        migrations.AddIndex(
            model_name='feedbackitem',
            index=models.Index(condition=models.Q(('merged_into__isnull', True)), fields=['team', '-impact_score', '-created_at'], name='feedback_by_impact'),
        ),
                ],
        ),
        migrations.RunPython(relabel_content_types, relabel_back, elidable=False),
    ]
