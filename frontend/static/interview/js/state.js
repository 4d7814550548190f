// The state of a session as one viewer sees it: built from the welcome snapshot, then moved
// on by each event. The three views render from it; nothing here touches the DOM.

export class SessionState {
  constructor(code) {
    this.code = code;
    this.me = null; // {participant_id, name, role, is_owner}
    this.session = null; // {code, title}
    this.status = "lobby";
    // The open round, with `answered` participant ids and `deadlines`: the candidates' own
    // deadlines this viewer may know of (the panel everyone's, a candidate their own).
    this.round = null;
    this.lastClosedRoundId = null;
    this.participants = new Map();
    this.counts = { interviewers: 0, candidates: 0, spectators: 0 }; // online, by role
    this.leaderboard = [];
    this.ranking = "total"; // the session's ranking rule: "total" or "mean"
    // Exercise answers' verdicts this viewer may see, by `${answer_id}:${revision}`: the panel
    // all of each, the room pass counts when the session shows them (`showVerdicts`).
    this.verdicts = new Map();
    this.showVerdicts = false;
    this.answers = new Map(); // answer_id -> {round_id, participant_id, revision, text?, score, scores}
    // The panel's alone: candidate.signal data in order, and the signals past each
    // (round, candidate)'s bound that were only counted, by `${round_id}:${participant_id}`.
    this.signals = [];
    this.signalsDropped = new Map();
    // The panel's alone: each candidate's latest draft of the open round, as they type it
    // (answer.drafted), by `${round_id}:${participant_id}` -> {round_id, participant_id, text, at}.
    this.drafts = new Map();
    this.closedAt = new Map(); // round_id -> when it closed (ms): the snapshot's, then round.closed
    // round_id -> {title, position} of every round so far, from the snapshot's `rounds`, then
    // each round.opened; and the rounds' key points, the panel's alone ({text, html}).
    this.roundTitles = {};
    this.keyPoints = {};
    // The bounds the server checks commands against (docs/protocol.md, "Limits in the
    // welcome"): null until the first welcome.
    this.limits = null;
  }

  welcome(data) {
    const snap = data.snapshot;
    this.me = data.participant;
    this.session = data.session;
    this.status = snap.status;
    this.round = snap.round
      ? {
          ...snap.round,
          answered: snap.round.answered || [],
          deadlines: Object.fromEntries(
            (snap.round.deadlines || []).map((d) => [d.participant_id, d.deadline]),
          ),
        }
      : null;
    this.limits = snap.limits || null;
    this.participants = new Map(snap.participants.map((p) => [p.participant_id, { ...p }]));
    if (snap.counts) this.counts = snap.counts;
    this.leaderboard = snap.leaderboard;
    if (snap.ranking) this.ranking = snap.ranking;
    this.showVerdicts = Boolean(snap.show_verdicts);
    this.answers = new Map(
      snap.answers.map((a) => [a.answer_id, { ...a, scores: a.scores || [] }]),
    );
    this.verdicts = new Map(
      snap.answers.filter((a) => a.verdict).map((a) => [`${a.answer_id}:${a.verdict.revision}`, a.verdict]),
    );
    for (const round of snap.rounds || []) {
      if (round.closed_at) this.closedAt.set(round.round_id, Date.parse(round.closed_at));
      this.rememberTitle(round);
    }
    if (this.round) this.rememberTitle(this.round);
    this.drafts = new Map((snap.drafts || []).map((d) => [`${d.round_id}:${d.participant_id}`, d]));
    this.signals = snap.signals || [];
    this.signalsDropped = new Map(
      (snap.signals_dropped || []).map((d) => [`${d.round_id}:${d.participant_id}`, d.dropped]),
    );
  }

  /** Move the state on by one event (the table below); views re-read what they show. */
  apply(frame) {
    const step = Object.hasOwn(APPLY, frame.type) ? APPLY[frame.type] : null;
    if (step) step(this, frame.data, frame);
  }

  /** A candidate's own deadline on the open round: theirs if they have more time, else the round's. */
  deadlineOf(participantId) {
    if (!this.round) return null;
    return this.round.deadlines[participantId] || this.round.deadline;
  }

  /** The seconds a candidate has beyond the round's deadline (0 for most). */
  extraSecondsOf(participantId) {
    const own = this.deadlineOf(participantId);
    if (!own) return 0;
    return Math.max(0, Math.round((Date.parse(own) - Date.parse(this.round.deadline)) / 1000));
  }

  /** A round's title and position, and its key points when this viewer has them. */
  rememberTitle(round) {
    this.roundTitles[round.round_id] = { title: round.question.title, position: round.position };
    if (Array.isArray(round.key_points)) {
      this.keyPoints[round.round_id] = { text: round.key_points, html: round.key_points_html || null };
    }
  }

  nameOf(participantId) {
    const known = this.participants.get(participantId);
    if (known) return known.name;
    const row = this.leaderboard.find((r) => r.participant_id === participantId);
    return row ? row.name : `Participant ${participantId}`;
  }

  /** A round's label for lists of past answers. */
  roundLabel(roundId) {
    const known = this.roundTitles[roundId];
    if (known) return `Q${known.position} · ${known.title}`;
    return "An earlier question";
  }

  /**
   * The leaderboard with every candidate in it: the server's ranking, then candidates who
   * joined since it was computed (no score yet, so they rank last, in order of joining).
   */
  board() {
    const rows = [...this.leaderboard];
    const listed = new Set(rows.map((row) => row.participant_id));
    const late = [...this.participants.values()]
      .filter((p) => p.role === "candidate" && !listed.has(p.participant_id))
      .sort((a, b) => a.participant_id - b.participant_id);
    for (const p of late) {
      rows.push({ participant_id: p.participant_id, name: p.name, total: 0, rank: rows.length + 1 });
    }
    if (!this.showVerdicts || !this.round) return rows;
    // "✓ 5/7": each candidate's pass count on the open round, when the session shows them.
    return rows.map((row) => {
      const answer = [...this.answers.values()].find(
        (a) => a.round_id === this.round.round_id && a.participant_id === row.participant_id,
      );
      const verdict = answer ? this.verdictOf(answer) : null;
      return verdict ? { ...row, passes: verdict } : row;
    });
  }

  /** The verdict on an answer's newest revision as this viewer knows it, or null. */
  verdictOf(answer) {
    return this.verdicts.get(`${answer.answer_id}:${answer.revision}`) || null;
  }

  /** A candidate's signals in a round, and how many more were only counted. */
  signalsOf(roundId, participantId) {
    return {
      signals: this.signals.filter((s) => s.round_id === roundId && s.participant_id === participantId),
      dropped: this.signalsDropped.get(`${roundId}:${participantId}`) || 0,
    };
  }

  /** Each (round, candidate) with signals, kept or only counted: `[{round_id, participant_id}]`. */
  signalled() {
    const keys = new Set(this.signalsDropped.keys());
    for (const signal of this.signals) keys.add(`${signal.round_id}:${signal.participant_id}`);
    return [...keys].map((key) => {
      const [roundId, participantId] = key.split(":").map(Number);
      return { round_id: roundId, participant_id: participantId };
    });
  }

  /**
   * A candidate's draft of a round while they are still typing it: the latest one, when it is
   * newer than their last revision and says something else; null otherwise.
   */
  draftOf(roundId, participantId) {
    const draft = this.drafts.get(`${roundId}:${participantId}`);
    if (!draft) return null;
    const answer = [...this.answers.values()].find(
      (a) => a.round_id === roundId && a.participant_id === participantId,
    );
    if (answer && (answer.text === draft.text || Date.parse(answer.submitted_at) >= Date.parse(draft.at))) {
      return null;
    }
    return draft;
  }

  answersOf(participantId) {
    return [...this.answers.values()].filter((a) => a.participant_id === participantId);
  }
}

/** An answer as known, or a new one from the event's ids with no scores. */
function knownAnswer(state, data, blank = {}) {
  return (
    state.answers.get(data.answer_id) || {
      answer_id: data.answer_id,
      round_id: data.round_id,
      participant_id: data.participant_id,
      scores: [],
      ...blank,
    }
  );
}

function participantSeen(state, data) {
  const known = state.participants.get(data.participant_id) || {};
  state.participants.set(data.participant_id, { ...known, ...data });
}

function answerSubmitted(state, data, frame) {
  const known = state.answers.get(data.answer_id) || { scores: [], score: null };
  // A submit's time is its event's; a draft kept at the close keeps its draft's.
  const timed = data.at_close || !frame.ts ? {} : { submitted_at: frame.ts };
  state.answers.set(data.answer_id, { ...known, ...data, ...timed });
  const round = state.round;
  if (round && round.round_id === data.round_id && !round.answered.includes(data.participant_id)) {
    round.answered = [...round.answered, data.participant_id];
  }
}

/**
 * The panel learns who scored (`by`), what they gave and to which revision, and how many more
 * saves the room waits for; its mean is every score saved. A score.updated without `by` lets
 * the room have a mean it held back (extra time): the panel had it. Everyone else learns only
 * the mean they may see.
 */
function scoreUpdated(state, data) {
  const known = knownAnswer(state, data);
  const panel = state.me && state.me.role === "interviewer";
  if (panel && data.by !== undefined) {
    const previous = known.scores.find((entry) => entry.by === data.by) || {};
    const given = { ...previous, by: data.by, feedback: data.feedback };
    if (data.by_score !== undefined) given.score = data.by_score;
    if (data.revision !== undefined) given.revision = data.revision;
    const scores = [...known.scores.filter((entry) => entry.by !== data.by), given];
    state.answers.set(data.answer_id, { ...known, score: data.score, scores, awaiting: data.awaiting || 0 });
  } else if (!panel) {
    state.answers.set(data.answer_id, { ...known, score: data.score });
  }
  if (data.leaderboard) state.leaderboard = data.leaderboard;
  if (data.ranking) state.ranking = data.ranking;
}

/** An interviewer's words to the author, with their name and no score. */
function feedbackUpdated(state, data) {
  const known = knownAnswer(state, data, { score: null });
  const previous = known.scores.find((entry) => entry.by === data.by) || {};
  const scores = [
    ...known.scores.filter((entry) => entry.by !== data.by),
    { ...previous, by: data.by, feedback: data.feedback },
  ];
  state.answers.set(data.answer_id, { ...known, scores });
}

/** What each event changes in the state: `(state, data, frame) => void`. */
const APPLY = {
  "participant.joined": participantSeen,
  "participant.left": participantSeen,
  "presence.counts": (state, data) => {
    state.counts = data;
  },
  "round.opened": (state, data) => {
    state.round = { ...data, answered: [], deadlines: {} };
    if (data.leaderboard) state.leaderboard = data.leaderboard; // ranked by mean: it moves
    state.rememberTitle(state.round);
    if (state.status === "lobby") state.status = "live";
  },
  "answer.submitted": answerSubmitted,
  "candidate.signal": (state, data) => {
    state.signals.push(data);
  },
  "answer.drafted": (state, data) => {
    state.drafts.set(`${data.round_id}:${data.participant_id}`, data);
  },
  "round.extended": (state, data) => {
    if (state.round && state.round.round_id === data.round_id) {
      state.round.deadlines = { ...state.round.deadlines, [data.participant_id]: data.deadline };
    }
  },
  "time.accommodated": (state, data) => {
    const known = state.participants.get(data.participant_id);
    if (known) known.extra_time_pct = data.extra_time_pct;
  },
  "round.closed": (state, data, frame) => {
    state.closedAt.set(data.round_id, Date.parse(frame.ts));
    if (state.round && state.round.round_id === data.round_id) {
      state.lastClosedRoundId = data.round_id;
      state.round = null;
    }
  },
  "score.updated": scoreUpdated,
  "feedback.updated": feedbackUpdated,
  "answer.verdict": (state, data) => {
    state.verdicts.set(`${data.answer_id}:${data.revision}`, data);
  },
  "session.finished": (state, data) => {
    state.status = "finished";
    state.leaderboard = data.leaderboard;
    if (data.ranking) state.ranking = data.ranking;
    if (state.round) state.lastClosedRoundId = state.round.round_id;
    state.round = null;
  },
};
