"""A revision keeps its diff against the one before, computed the first time a timeline
shows it (``interview.domain.timeline``)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("interview", "0009_drafts"),
    ]

    operations = [
        migrations.AddField(
            model_name="answerrevision",
            name="diff",
            field=models.JSONField(blank=True, null=True),
        ),
    ]
