"""The panel's judgement of candidates: scores, the standings they make, test verdicts and
private notes."""

from django.db import models
from django.db.models import Q

from interview.models.rounds import Answer
from interview.models.sessions import InterviewSession, Participant


class Standing(models.Model):
    """A candidate's place on the leaderboard, kept in the transaction of every change to it.

    Created when the candidate joins; moved by each score of their answers the room may see,
    by a new revision of a scored answer, by their first answer to a round and by each push.
    The leaderboard is these rows in the order of the index of the session's ranking rule.
    """

    participant = models.OneToOneField(
        Participant, primary_key=True, on_delete=models.CASCADE, related_name="standing"
    )
    session = models.ForeignKey(
        InterviewSession, on_delete=models.CASCADE, related_name="standings"
    )
    # The exact sum of the candidate's answer means (as the room sees them), rounded to 6
    # places, so equal sums are equal here whatever the order of the scores that made them.
    total = models.FloatField(default=0)
    # ``total`` over ``asked`` (``services.ranking_mean``): equal quotients are equal here.
    mean = models.FloatField(default=0, db_default=0)
    # The position of the first round asked while the candidate was in the session (the one
    # open when they joined, else the next), how many rounds that makes, and how many of
    # them they answered: of equal totals (or means), more answered ranks higher.
    joined_at = models.PositiveIntegerField(default=1, db_default=1)
    asked = models.PositiveIntegerField(default=0, db_default=0)
    answered = models.PositiveIntegerField(default=0, db_default=0)
    # The newest submitted_at among the candidate's scored answers: of equal totals (or
    # means) and answers, the earlier ranks higher; nothing scored (NULL) comes after.
    scored_submitted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["session", "-total", "-answered", "scored_submitted_at", "participant"],
                name="standing_rank_by_total",
            ),
            models.Index(
                fields=["session", "-mean", "-answered", "scored_submitted_at", "participant"],
                name="standing_rank_by_mean",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.total:g} for participant {self.participant_id}"


class Score(models.Model):
    """One interviewer's score of one answer; a rescore replaces it."""

    answer = models.ForeignKey(Answer, on_delete=models.CASCADE, related_name="scores")
    interviewer = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="scores")
    score = models.PositiveSmallIntegerField()
    feedback = models.TextField(blank=True)
    # The answer's revision this score was given to: an older one than the answer's newest
    # is flagged to the panel ("scored revision 1 of 2").
    revision = models.PositiveIntegerField(default=1, db_default=1)
    # Saved since the room and the author were last shown the answer's mean: they are shown
    # a new one once every panel member's score is pending (``services.answer_score``).
    pending = models.BooleanField(default=False, db_default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["answer_id", "interviewer_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["answer", "interviewer"], name="score_one_per_interviewer"
            ),
            models.CheckConstraint(condition=Q(score__lte=10), name="score_0_10"),
        ]

    def __str__(self) -> str:
        return f"{self.score}/10 for answer {self.answer_id}"


class Verdict(models.Model):
    """How one revision of an exercise's answer fared against the round's examples and hidden
    tests, as the first panel member's browser to report it computed (``answer.verdict``).

    The server runs no candidate code: a verdict is as trustworthy as that browser, and the
    panel is its authority, as for scores. A later report from the panel that disagrees is
    kept beside it (``disagreement``) and shown to the panel; one that agrees changes nothing.
    """

    answer = models.ForeignKey(Answer, on_delete=models.CASCADE, related_name="verdicts")
    revision = models.PositiveIntegerField()
    passed = models.PositiveIntegerField()
    total = models.PositiveIntegerField()
    # The failing tests, ``[{name, message}]``, at most ``protocol.MAX_VERDICT_FAILURES``:
    # the panel's alone, since they name hidden tests (``visibility``).
    failures = models.JSONField(default=list)
    by = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="verdicts_given")
    # The latest report that disagreed, ``{by, passed, total, failures}``, or null.
    disagreement = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["answer_id", "revision"]
        constraints = [
            models.UniqueConstraint(fields=["answer", "revision"], name="verdict_one_per_revision"),
            models.CheckConstraint(
                condition=Q(passed__lte=models.F("total")), name="verdict_passed_at_most_total"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.passed}/{self.total} for answer {self.answer_id} revision {self.revision}"


class Note(models.Model):
    """One interviewer's private note on a candidate, or on one of that candidate's answers.

    The panel's alone (``visibility``: ``note.updated`` goes to the panel only), during the
    session and after it: never in anything a candidate or a spectator receives. A note is
    about a candidate (``answer`` null) or about one answer (``candidate`` its author).
    """

    session = models.ForeignKey(InterviewSession, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="notes_written")
    candidate = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="notes_about")
    answer = models.ForeignKey(
        Answer, null=True, blank=True, on_delete=models.CASCADE, related_name="notes"
    )
    text = models.TextField(blank=True)
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["session_id", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["author", "answer"],
                condition=Q(answer__isnull=False),
                name="note_one_per_interviewer_answer",
            ),
            models.UniqueConstraint(
                fields=["author", "candidate"],
                condition=Q(answer__isnull=True),
                name="note_one_per_interviewer_candidate",
            ),
        ]

    def __str__(self) -> str:
        about = f"answer {self.answer_id}" if self.answer_id else f"candidate {self.candidate_id}"
        return f"note by {self.author_id} on {about}"
