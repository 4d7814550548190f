"""Answers and their revisions keep their key-point coverage (``interview.content.coverage``).

Answers stored before are filled in from their round's key points, each revision its own.
"""

from django.db import migrations, models

from interview.content.coverage import coverage_of


def coverage_fill(apps, schema_editor):
    """The coverage of every answer and revision stored before, read as now computed."""
    Answer = apps.get_model("interview", "Answer")
    AnswerRevision = apps.get_model("interview", "AnswerRevision")
    for answer in Answer.objects.select_related("round").iterator():
        answer.coverage = coverage_of(answer.text, answer.round.key_points)
        answer.save(update_fields=["coverage"])
    for revision in AnswerRevision.objects.select_related("answer__round").iterator():
        revision.coverage = coverage_of(revision.text, revision.answer.round.key_points)
        revision.save(update_fields=["coverage"])


class Migration(migrations.Migration):
    dependencies = [
        ("interview", "0004_round_question_copy_and_question_owner"),
    ]

    operations = [
        migrations.AddField(
            model_name="answer",
            name="coverage",
            field=models.JSONField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="answerrevision",
            name="coverage",
            field=models.JSONField(blank=True, null=True),
        ),
        migrations.RunPython(coverage_fill, migrations.RunPython.noop),
    ]
