"""A session's numbered events, the tallies of integrity signals, the receipts that make
each command take effect once, and the open sockets."""

from django.db import models

from interview.models.rounds import Round
from interview.models.sessions import InterviewSession, Participant


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
