"""The data of the question bank and of live sessions.

The database itself keeps the data honest: the constraints below (one open round per
session, gap-free event numbers, one score per interviewer and answer, one effect per
command id) hold however many server processes write at once.
"""

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


class SignalTally(models.Model):
    """How many integrity signals a candidate sent in a round: the first
    ``protocol.SIGNALS_PER_ROUND`` are kept as ``candidate.signal`` events (``stored``), the
    rest only counted (``dropped``). Kept in the transaction of each ``signal.report``."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="signal_tallies")
    participant = models.ForeignKey(
        Participant, on_delete=models.CASCADE, related_name="signal_tallies"
    )
    stored = models.PositiveIntegerField(default=0)
    dropped = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["round_id", "participant_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["round", "participant"], name="signal_tally_one_per_candidate_round"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.stored} + {self.dropped} signals of participant {self.participant_id}"


class Event(models.Model):
    """A persisted event of a session, numbered gap-free by ``seq``.

    ``payload`` holds everything any viewer may see; ``interview.domain.visibility`` cuts it down
    per viewer, for live sends and replays alike.
    """

    # Who receives the event at all (``interview.domain.visibility.AUDIENCES``, by type); the
    # others are not sent it, and their next frame says so with ``prev``.
    class Audience(models.TextChoices):
        ALL = "all"
        INTERVIEWERS = "interviewers"
        PANEL_AND_AUTHOR = "panel_and_author"

    session = models.ForeignKey(InterviewSession, on_delete=models.CASCADE, related_name="events")
    seq = models.PositiveBigIntegerField()
    type = models.CharField(max_length=32)
    payload = models.JSONField(default=dict)
    audience = models.CharField(max_length=16, choices=Audience.choices, default=Audience.ALL)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["session_id", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["session", "seq"], name="event_unique_seq"),
        ]

    def __str__(self) -> str:
        return f"{self.type} #{self.seq}"


class CommandReceipt(models.Model):
    """The result of a participant's command id: a repeated id gets it again, no new effect."""

    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="receipts")
    command_id = models.CharField(max_length=64)
    type = models.CharField(max_length=32)
    result = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["participant", "command_id"], name="receipt_once_per_participant"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.type} {self.command_id}"


class Connection(models.Model):
    """An open socket of a participant, on the server process that holds it.

    Presence is "any row for the participant". A process refreshes ``heartbeat_at`` of its
    rows; rows of a process that died without closing them go stale and are reaped by the
    survivors, so presence stays right across processes and after ``kill -9``.
    """

    participant = models.ForeignKey(
        Participant, on_delete=models.CASCADE, related_name="connections"
    )
    channel_name = models.CharField(max_length=200, unique=True)
    server_id = models.CharField(max_length=64, db_index=True)
    opened_at = models.DateTimeField(auto_now_add=True)
    heartbeat_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"{self.channel_name} on {self.server_id}"
