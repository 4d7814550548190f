"""The question bank: skill areas and questions."""

from django.conf import settings
from django.db import models
from django.db.models import Q


class Category(models.TextChoices):
    """The skill areas listed at the top of the customer's notes."""

    CORE_PYTHON = "Core Python"
    WEB_DEVELOPMENT = "Web Development"
    DATABASE_MANAGEMENT = "Database Management"
    SERVER_MANAGEMENT = "Server Management and Deployment"
    CLOUD_SERVICES = "Cloud Services"
    VERSION_CONTROL = "Version Control"
    TESTING_AND_DEBUGGING = "Testing and Debugging"
    ADDITIONAL_SKILLS = "Additional Skills"
    PERFORMANCE_OPTIMIZATION = "Performance Optimization"
    SOFT_SKILLS = "Soft Skills"


class Question(models.Model):
    """One entry of the bank: what the candidate is asked and what the panel listens for.

    An ``exercise`` is code to write: the candidate's editor starts with ``starter_code``, and
    the code is run against ``examples`` (tests the candidate sees and runs) and ``tests``
    (hidden tests, the panel's alone like the model answer, which is the reference solution).
    Both are lists of tests in the format of ``interview.content.exercises``; the other kinds
    have none.

    ``owner`` is the interviewer who wrote it, who alone may edit or delete it; the built-in
    bank (``loadbank``) has none and is the staff's. A round keeps its own copy of what it
    asked, so an edit changes no history.
    """

    class Kind(models.TextChoices):
        QUESTION = "question"
        CHALLENGE = "challenge"
        EXERCISE = "exercise"

    slug = models.SlugField(max_length=80, unique=True)
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.QUESTION)
    category = models.CharField(max_length=64, choices=Category.choices, db_index=True)
    difficulty = models.PositiveSmallIntegerField(db_index=True)
    title = models.CharField(max_length=300)
    prompt = models.TextField()
    model_answer = models.TextField()
    key_points = models.JSONField(default=list)
    tags = models.JSONField(default=list, blank=True)
    time_limit_s = models.PositiveIntegerField(default=300)
    # An exercise's (see the class's docstring); blank and empty for the other kinds.
    starter_code = models.TextField(blank=True, default="")
    examples = models.JSONField(default=list, blank=True)
    tests = models.JSONField(default=list, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="questions",
        help_text="Who may edit or delete it; none for the built-in bank, which staff keep.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(difficulty__gte=1, difficulty__lte=3), name="question_difficulty_1_3"
            ),
            models.CheckConstraint(
                condition=Q(time_limit_s__gte=10, time_limit_s__lte=3600),
                name="question_time_limit_10s_1h",
            ),
        ]

    def __str__(self) -> str:
        return self.title
