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

Every name is importable from ``interview.domain.selectors`` too, with the leaderboard and
means (``standings``), round payloads (``payloads``), presence timings (``presence``), the
signals' summary (``integrity``), the skills map (``radar``) and the results CSV
(``api.results_csv``) that its callers have imported from here.
"""

from interview.api.results_csv import (
    CSV_FORMULA_STARTS,
    RESULTS_CSV_HEADER,
    csv_cell,
    notes_text,
    results_csv_rows,
)
from interview.content.radar import skills_svg
from interview.domain.integrity import signals_summary
from interview.domain.payloads import (
    exercise_asked,
    model_answer_asked,
    question_asked,
    round_payload,
)
from interview.domain.presence import PRESENCE_GRACE, PRESENCE_HEARTBEAT, PRESENCE_STALE_AFTER
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
from interview.domain.standings import (
    RANKING_ORDER,
    SKILL_AREAS,
    LeaderboardRow,
    answer_sums_seen,
    leaderboard_for,
    panel_mean,
    skill_means,
)
from interview.domain.visibility import Lens, Viewer

__all__ = [
    "CSV_FORMULA_STARTS",
    "PRESENCE_GRACE",
    "PRESENCE_HEARTBEAT",
    "PRESENCE_STALE_AFTER",
    "RANKING_ORDER",
    "RESULTS_CSV_HEADER",
    "SKILL_AREAS",
    "LeaderboardRow",
    "Lens",
    "Notes",
    "Signals",
    "Viewer",
    "Welcome",
    "answer_sums_seen",
    "candidate_results",
    "consistent_read",
    "csv_cell",
    "drafts_of",
    "event_rows_after",
    "events_after",
    "exercise_asked",
    "leaderboard_for",
    "model_answer_asked",
    "notes_seen",
    "notes_text",
    "online_ids",
    "panel_mean",
    "participant_for_token",
    "personal_deadlines_visible",
    "plan_of",
    "presence_counts",
    "question_asked",
    "questions_asked",
    "results_csv_rows",
    "results_for",
    "revisions_on_time",
    "round_payload",
    "rounds_of",
    "scores_awaiting",
    "session_for_code",
    "session_id_for",
    "session_last_seq",
    "signals_seen",
    "signals_summary",
    "skill_means",
    "skills_svg",
    "snapshot_for",
    "verdicts_of",
    "welcome_for",
]
