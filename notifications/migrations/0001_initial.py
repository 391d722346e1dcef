"""Notifications any app sends: a generic subject and a dedupe key unique per recipient."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('teams', '0002_team_calendar_version'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='Notification',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(help_text='What happened, e.g. sla_resolution_breached.', max_length=40)),
                ('subject', models.CharField(blank=True, help_text='What it is about: app.model:pk.', max_length=80)),
                ('link', models.CharField(blank=True, help_text='Where it leads (a path in the app).', max_length=300)),
                ('message', models.CharField(max_length=300)),
                ('dedupe_key', models.CharField(help_text='Unique per recipient: the same event notifies once.', max_length=120)),
                ('created_at', models.DateTimeField(db_index=True, default=django.utils.timezone.now)),
                ('read_at', models.DateTimeField(blank=True, null=True)),
                ('team', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='teams.team')),
                ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='notifications', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'db_table': 'notifications_notification',
                'ordering': ['-created_at', '-id'],
                'indexes': [models.Index(fields=['user', 'read_at'], name='notice_unread'), models.Index(fields=['user', 'subject'], name='notice_by_subject')],
                'constraints': [models.UniqueConstraint(fields=('user', 'dedupe_key'), name='notice_once_per_user_and_key')],
            },
        ),
    ]
