"""Rounds keep a copy of the question they asked; questions get an owner.

Existing rounds are filled from their question as it is now: the best record there is.
``created_by`` becomes ``owner``: an interviewer's questions stay theirs, the built-in bank
(no owner) is the staff's. Tags may be blank, in the admin as in the API.
"""

from django.conf import settings
from django.db import migrations, models
from django.db.models import OuterRef, Subquery

COPIED = ["title", "prompt", "category", "difficulty", "model_answer", "key_points"]


def rounds_fill(apps, schema_editor):
    """Each round's copy of its question, in one UPDATE."""
    Question = apps.get_model("interview", "Question")
    Round = apps.get_model("interview", "Round")
    question = Question.objects.filter(pk=OuterRef("question_id"))
    Round.objects.update(**{field: Subquery(question.values(field)[:1]) for field in COPIED})


class Migration(migrations.Migration):

    dependencies = [
        ("interview", "0003_standings_and_answer_score_totals"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RenameField(model_name="question", old_name="created_by", new_name="owner"),
        migrations.AlterField(
            model_name="question",
            name="owner",
            field=models.ForeignKey(
                blank=True,
                help_text="Who may edit or delete it; none for the built-in bank, which staff keep.",
                null=True,
                on_delete=models.deletion.SET_NULL,
                related_name="questions",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AlterField(
            model_name="question",
            name="tags",
            field=models.JSONField(blank=True, default=list),
        ),
        migrations.AddField(
            model_name="round",
            name="title",
            field=models.CharField(default="", max_length=300),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="round",
            name="prompt",
            field=models.TextField(default=""),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="round",
            name="category",
            field=models.CharField(
                choices=[
                    ("Core Python", "Core Python"),
                    ("Web Development", "Web Development"),
                    ("Database Management", "Database Management"),
                    ("Server Management and Deployment", "Server Management"),
                    ("Cloud Services", "Cloud Services"),
                    ("Version Control", "Version Control"),
                    ("Testing and Debugging", "Testing And Debugging"),
                    ("Additional Skills", "Additional Skills"),
                    ("Performance Optimization", "Performance Optimization"),
                    ("Soft Skills", "Soft Skills"),
                ],
                default="",
                max_length=64,
            ),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="round",
            name="difficulty",
            field=models.PositiveSmallIntegerField(default=1),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="round",
            name="model_answer",
            field=models.TextField(default=""),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="round",
            name="key_points",
            field=models.JSONField(default=list),
        ),
        migrations.RunPython(rounds_fill, migrations.RunPython.noop),
    ]
