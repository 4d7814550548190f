"""Rounds and what candidates write in them: answers, their revisions, drafts, and
personal deadlines."""

from django.db import models
from django.db.models import Q

from interview.models.questions import Category, Question
from interview.models.sessions import InterviewSession, Participant


class Round(models.Model):
    """One question put to the room, open from ``opened_at`` until ``closed_at``.

    The round keeps a copy of the question as it was pushed (title to key points, and an
    exercise's starter code, examples and hidden tests): results, snapshots and replays read
    the copy, so editing the bank later rewrites no history.
    """

    class CloseReason(models.TextChoices):
        INTERVIEWER = "interviewer"
        DEADLINE = "deadline"
        NEXT_QUESTION = "next_question"

    session = models.ForeignKey(InterviewSession, on_delete=models.CASCADE, related_name="rounds")
    # PROTECT: a question once asked stays in the bank, so a round's question_id still names it.
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="rounds")
    title = models.CharField(max_length=300)
    prompt = models.TextField()
    category = models.CharField(max_length=64, choices=Category.choices)
    difficulty = models.PositiveSmallIntegerField()
    model_answer = models.TextField()
    key_points = models.JSONField(default=list)
    kind = models.CharField(max_length=16, choices=Question.Kind.choices, default="question")
    starter_code = models.TextField(blank=True, default="")
    examples = models.JSONField(default=list, blank=True)
    tests = models.JSONField(default=list, blank=True)
    position = models.PositiveIntegerField()
    time_limit_s = models.PositiveIntegerField()
    opened_at = models.DateTimeField()
    deadline = models.DateTimeField(db_index=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    close_reason = models.CharField(max_length=32, choices=CloseReason.choices, blank=True)
    # The last personal deadline when a candidate has more time than ``deadline`` (null
    # otherwise): the clock closes the round once both have passed.
    extended_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        # Orderings name the foreign key's column ("session_id"), not the relation
        # ("session"): the relation sorts by the related model's own ordering, which joined
        # two or three tables into every lookup of the hot paths just to sort one row.
        ordering = ["session_id", "position"]
        constraints = [
            models.UniqueConstraint(fields=["session", "position"], name="round_unique_position"),
            models.UniqueConstraint(
                fields=["session"],
                condition=Q(closed_at__isnull=True),
                name="round_one_open_per_session",
            ),
        ]

    def __str__(self) -> str:
        return f"round {self.position} of session {self.session_id}"


class PersonalDeadline(models.Model):
    """A candidate's own deadline on a round, later than the round's: their accommodation
    (``Participant.extra_time_pct``) when the round opened, and the panel's extensions since.
    Their answers are taken until it passes; the others' until the round's ``deadline``."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="personal_deadlines")
    participant = models.ForeignKey(
        Participant, on_delete=models.CASCADE, related_name="personal_deadlines"
    )
    deadline = models.DateTimeField()

    class Meta:
        ordering = ["round_id", "participant_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["round", "participant"], name="personal_deadline_one_per_candidate"
            ),
        ]

    def __str__(self) -> str:
        return f"round {self.round_id}: participant {self.participant_id} until {self.deadline}"


class Answer(models.Model):
    """A candidate's answer to a round: the newest revision counts, every one is kept."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="answers")
    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="answers")
    text = models.TextField()
    revision = models.PositiveIntegerField(default=1)
    first_submitted_at = models.DateTimeField()
    submitted_at = models.DateTimeField()
    # The panel's scores of this answer, summed and counted by every score that changes them:
    # the panel's mean needs no scan of the scores.
    score_sum = models.PositiveIntegerField(default=0)
    score_count = models.PositiveIntegerField(default=0)
    # What the author and the room see of those scores (``visibility``): the sum and count as
    # they stood when every panel member had last saved a score (``shown_*``: the author's),
    # and as the room has them (``room_*``): the same, except that a score of an answer given
    # in extra time reaches the room only once its round has closed for everyone.
    shown_sum = models.PositiveIntegerField(default=0, db_default=0)
    shown_count = models.PositiveIntegerField(default=0, db_default=0)
    room_sum = models.PositiveIntegerField(default=0, db_default=0)
    room_count = models.PositiveIntegerField(default=0, db_default=0)
    # The newest revision's key-point coverage, the panel's alone (``interview.content.coverage``).
    coverage = models.JSONField(null=True, blank=True)
    # Whether the newest revision is the candidate's draft, kept when the round closed.
    at_close = models.BooleanField(default=False, db_default=False)

    class Meta:
        ordering = ["round_id", "first_submitted_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["round", "participant"], name="answer_one_per_candidate_round"
            ),
        ]

    def __str__(self) -> str:
        return f"answer {self.id} (revision {self.revision})"


class AnswerRevision(models.Model):
    """Every submitted text of an answer, in order."""

    answer = models.ForeignKey(Answer, on_delete=models.CASCADE, related_name="revisions")
    revision = models.PositiveIntegerField()
    text = models.TextField()
    submitted_at = models.DateTimeField()
    # This revision's key-point coverage (``interview.content.coverage``).
    coverage = models.JSONField(null=True, blank=True)
    # Not submitted: the candidate's draft, newer than their last revision, kept when the
    # round closed (``Draft``).
    at_close = models.BooleanField(default=False, db_default=False)
    # What changed since the revision before (``timeline.text_diff``): computed the first
    # time a timeline shows it, then kept.
    diff = models.JSONField(null=True, blank=True)

    class Meta:
        ordering = ["answer_id", "revision"]
        constraints = [
            models.UniqueConstraint(fields=["answer", "revision"], name="revision_unique"),
        ]

    def __str__(self) -> str:
        return f"answer {self.answer_id} revision {self.revision}"


class Draft(models.Model):
    """A candidate's latest unsubmitted text in a round (``answer.draft``), one row per
    candidate and round, replaced by each draft in one statement. When the round closes, a
    draft newer than the candidate's last revision becomes their final revision
    (``AnswerRevision.at_close``). ``snapshot_at`` and ``snapshots`` say when the last
    ``DraftSnapshot`` was taken and how many there are, so the next one is decided with the
    draft's own row."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="drafts")
    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="drafts")
    text = models.TextField()
    saved_at = models.DateTimeField()
    snapshot_at = models.DateTimeField(null=True, blank=True)
    snapshots = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["round_id", "participant_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["round", "participant"], name="draft_one_per_candidate_round"
            ),
        ]

    def __str__(self) -> str:
        return f"draft of participant {self.participant_id} in round {self.round_id}"


class DraftSnapshot(models.Model):
    """A draft as it stood at ``taken_at``, for the panel's playback of how an answer was
    written: at most one every ``protocol.DRAFT_SNAPSHOT_EVERY_S`` seconds and
    ``protocol.DRAFT_SNAPSHOTS_PER_ROUND`` per candidate and round."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="draft_snapshots")
    participant = models.ForeignKey(
        Participant, on_delete=models.CASCADE, related_name="draft_snapshots"
    )
    text = models.TextField()
    taken_at = models.DateTimeField()

    class Meta:
        ordering = ["round_id", "participant_id", "taken_at"]
        indexes = [
            models.Index(
                fields=["round", "participant", "taken_at"], name="draft_snapshot_playback"
            ),
        ]

    def __str__(self) -> str:
        return f"draft snapshot of participant {self.participant_id} at {self.taken_at}"
