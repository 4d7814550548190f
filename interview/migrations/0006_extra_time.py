"""Extra time: a candidate's standing accommodation, their own deadline on a round, the
round's last personal deadline, and the audience of events for the panel and their author."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('interview', '0005_answer_coverage'),
    ]

    operations = [
        migrations.CreateModel(
            name='PersonalDeadline',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('deadline', models.DateTimeField()),
            ],
            options={
                'ordering': ['round_id', 'participant_id'],
            },
        ),
        migrations.AddField(
            model_name='participant',
            name='extra_time_pct',
            field=models.PositiveSmallIntegerField(default=0),
        ),
        migrations.AddField(
            model_name='round',
            name='extended_until',
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AlterField(
            model_name='event',
            name='audience',
            field=models.CharField(choices=[('all', 'All'), ('interviewers', 'Interviewers'), ('panel_and_author', 'Panel And Author')], default='all', max_length=16),
        ),
        migrations.AddConstraint(
            model_name='participant',
            constraint=models.CheckConstraint(condition=models.Q(('extra_time_pct__lte', 200)), name='participant_extra_time_0_200'),
        ),
        migrations.AddField(
            model_name='personaldeadline',
            name='participant',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='personal_deadlines', to='interview.participant'),
        ),
        migrations.AddField(
            model_name='personaldeadline',
            name='round',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='personal_deadlines', to='interview.round'),
        ),
        migrations.AddConstraint(
            model_name='personaldeadline',
            constraint=models.UniqueConstraint(fields=('round', 'participant'), name='personal_deadline_one_per_candidate'),
        ),
    ]
