"""Live sessions and the people in them."""

from django.conf import settings
from django.db import models
from django.db.models import Q


class InterviewSession(models.Model):
    """A live interview: a room with a join code, a panel, candidates and spectators."""

    class Status(models.TextChoices):
        LOBBY = "lobby"
        LIVE = "live"
        FINISHED = "finished"

    class Ranking(models.TextChoices):
        """How the leaderboard ranks, chosen when the session is created: by the sum of a
        candidate's answer scores, or by their mean over the questions asked while present."""

        TOTAL = "total"
        MEAN = "mean"

    code = models.CharField(max_length=8, unique=True)
    title = models.CharField(max_length=200)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="owned_sessions"
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.LOBBY)
    ranking = models.CharField(max_length=8, choices=Ranking.choices, default=Ranking.TOTAL)
    # Whether the room (candidates and spectators) sees each exercise answer's pass count
    # (``Verdict``) as the panel's browsers compute it; the panel always does. Chosen when the
    # session is created.
    show_verdicts = models.BooleanField(default=False, db_default=False)
    # {"time_limit_s": int, "question_ids": [int, ...]}: the panel's defaults and plan.
    settings = models.JSONField(default=dict, blank=True)
    # Hash of the secret in the co-interviewer invite link; the secret itself is not kept.
    panel_invite_hash = models.CharField(max_length=64, blank=True)
    # The seq of the newest Event; raised in the same transaction that appends the event.
    last_seq = models.PositiveBigIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.title} ({self.code})"


class Participant(models.Model):
    """Someone in a session, holding a participant token of which only the hash is kept."""

    class Role(models.TextChoices):
        INTERVIEWER = "interviewer"
        CANDIDATE = "candidate"
        SPECTATOR = "spectator"

    session = models.ForeignKey(
        InterviewSession, on_delete=models.CASCADE, related_name="participants"
    )
    role = models.CharField(max_length=16, choices=Role.choices)
    display_name = models.CharField(max_length=40)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE
    )
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_seen_at = models.DateTimeField(null=True, blank=True)
    # A candidate's standing accommodation, set by the panel: each round opened later gives
    # them this share of its time limit on top of its deadline (``PersonalDeadline``).
    extra_time_pct = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(extra_time_pct__lte=200), name="participant_extra_time_0_200"
            ),
            models.UniqueConstraint(
                fields=["session", "user"],
                condition=Q(user__isnull=False),
                name="participant_one_seat_per_user",
            ),
            models.CheckConstraint(
                condition=Q(role="interviewer", user__isnull=False) | ~Q(role="interviewer"),
                name="participant_interviewer_has_user",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.display_name} ({self.role})"
