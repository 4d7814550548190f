"""Reads: a session's state as each viewer may see it, one module per aspect.

- ``lookups``: a session or participant by code or token, a session's rounds and plan
- ``online``: who is online, by participant and by role
- ``answers``: answers as a viewer sees them, verdicts, revisions, drafts, own deadlines
- ``panel``: the panel's own: integrity signals and private notes
- ``snapshot``: the welcome snapshot
- ``events``: persisted events after a seq, for a replay
- ``welcome``: the welcome of a socket, snapshot and replay from one consistent read
- ``results``: the panel's results of a session
- ``candidate``: a candidate's own results after the finish

Every name is importable from ``interview.domain.selectors``. What reads and writes share
lives beside them, neither read nor write: the leaderboard and means (``standings``), round
payloads (``payloads``), presence timings (``presence``), the signals' counts
(``integrity``).
"""

from interview.domain.selectors.answers import (
    drafts_of,
    personal_deadlines_visible,
    revisions_on_time,
    scores_awaiting,
    verdicts_of,
)
from interview.domain.selectors.candidate import candidate_results
from interview.domain.selectors.events import event_rows_after, events_after
from interview.domain.selectors.lookups import (
    participant_for_token,
    plan_of,
    questions_asked,
    rounds_of,
    session_for_code,
    session_id_for,
    session_last_seq,
)
from interview.domain.selectors.online import online_ids, presence_counts
from interview.domain.selectors.panel import Notes, Signals, notes_seen, signals_seen
from interview.domain.selectors.results import results_for
from interview.domain.selectors.snapshot import snapshot_for
from interview.domain.selectors.welcome import Welcome, consistent_read, welcome_for

__all__ = [
    "Notes",
    "Signals",
    "Welcome",
    "candidate_results",
    "consistent_read",
    "drafts_of",
    "event_rows_after",
    "events_after",
    "notes_seen",
    "online_ids",
    "participant_for_token",
    "personal_deadlines_visible",
    "plan_of",
    "presence_counts",
    "questions_asked",
    "results_for",
    "revisions_on_time",
    "rounds_of",
    "scores_awaiting",
    "session_for_code",
    "session_id_for",
    "session_last_seq",
    "signals_seen",
    "snapshot_for",
    "verdicts_of",
    "welcome_for",
]
