// The interviewer's live session: the bank, the open round, answers to score, the room.

import { api } from "./api.js";
import { Bank } from "./bank.js";
import { confirmFirst } from "./confirm.js";
import { $, announce, h, keyPoints, pageConfig, show, showMarkdown } from "./dom.js";
import { LiveSession } from "./live.js";
import { PanelNotes } from "./notes.js";
import { UpNext, runAgainButton } from "./plan.js";
import { signalSummary, signalText } from "./signals.js";
import { seatLoad, seatSave } from "./store.js";
import { SkillsComparison } from "./skills.js";
import { SessionState } from "./state.js";
import { PanelVerdicts, verdictView } from "./verdicts.js";
import {
  Countdown,
  Leaderboard,
  clockText,
  clockTime,
  codeBlock,
  coverageView,
  formatScore,
  questionMeta,
  renderPresence,
  setStatusPill,
  showCode,
} from "./ui.js";

const config = pageConfig();
const code = config.code;
const ROLE = "interviewer";
const state = new SessionState(code);
let live = null;
let countdown = null;
let board = null;
let skills = null;
// The bank, the plan ("Up next") and the private notes: bank.js, plan.js, notes.js.
const bank = new Bank({ username: config.username, categories: config.categories, onPush: pushQuestion });
const upNext = new UpNext({ code, onPush: pushQuestion });
// Each exercise answer's revision run against the round's tests here (verdicts.js).
const verdicts = new PanelVerdicts({
  state,
  send: (type, data) => live.send(type, data),
  onJudging: () => renderAnswers(),
});
const notes = new PanelNotes({
  send: (type, data) => live.send(type, data),
  nameOf: (id) => state.nameOf(id),
  connected: () => Boolean(live && live.connected),
});

/** A panel seat for this browser: the stored token, or a fresh one (join again). */
async function panelSeat({ renew = false } = {}) {
  const stored = seatLoad(code, ROLE);
  if (stored && !renew) return stored;
  const joined = await api(`/api/sessions/${encodeURIComponent(code)}/join`, {
    method: "POST",
    body: { role: ROLE },
  });
  const seat = { token: joined.token, participant_id: joined.participant_id };
  seatSave(code, ROLE, seat);
  return seat;
}

// --- the open round --------------------------------------------------------------------------

function renderRound() {
  const round = state.round;
  const finished = state.status === "finished";
  show($("round-empty"), !round);
  show($("round-body"), Boolean(round));
  $("round-empty").textContent = finished
    ? "The session has finished."
    : "No question is open. Push one from the question bank.";
  $("close-round").disabled = !round || finished;
  if (!round) {
    countdown.stop();
    return;
  }
  $("round-title").textContent = `Q${round.position} · ${round.question.title}`;
  $("round-meta").textContent = `${questionMeta(round.question)} · ${round.time_limit_s} s`;
  showMarkdown($("round-prompt"), round.question.prompt_html, round.question.prompt);
  showMarkdown($("round-model"), round.model_answer_html, round.model_answer);
  $("round-points").replaceChildren(...keyPoints(round.key_points_html, round.key_points));
  countdown.set(round.deadline, round.time_limit_s);
  renderAnswered();
}

function renderAnswered() {
  if (!state.round) return;
  const candidates = [...state.participants.values()].filter((p) => p.role === "candidate");
  $("round-answered").textContent =
    `${state.round.answered.length} of ${candidates.length} candidates answered`;
}

// --- answers and scoring ---------------------------------------------------------------------

// A card per candidate and round: their answer to score, and beside it their focus changes
// and pastes. A candidate's signals show before they answer, on a card that says so; the
// same card becomes the answer card when the answer comes.
const cards = new Map(); // `${round_id}:${participant_id}` -> {article, parts, answerId}

function cardKey(roundId, participantId) {
  return `${roundId}:${participantId}`;
}

function myScore(answer) {
  return answer.scores.find((entry) => entry.by === state.me.participant_id);
}

function answerCard(participantId) {
  const name = state.nameOf(participantId);
  const parts = {
    round: h("p", { class: "eyebrow" }),
    revision: h("span", { class: "meta" }),
    waiting: h("p", { class: "muted" }),
    text: codeBlock("", "answer-text"),
    mean: h("p", { class: "meta" }),
    // "You scored revision 1 of 2": a score given to an older revision than the newest.
    stale: h("ul", { class: "meta stale-scores", "aria-label": "Given to an older revision" }),
    verdict: h("section", { class: "verdict", "aria-label": "Tests", hidden: true }),
    coverage: h("section", { class: "coverage", "aria-label": "Key points covered", hidden: true }),
    scoring: h("div", { class: "scoring" }),
    draft: h("section", { class: "draft", "aria-label": "Draft, not submitted", hidden: true }),
    signals: h("p", { class: "meta signal-summary" }),
    timeline: h("ol", { class: "signal-timeline", "aria-label": "Focus and paste timeline" }),
  };
  const article = h(
    "article",
    { class: "answer-card", "aria-label": `Answer by ${name}` },
    parts.round,
    h("header", { class: "answer-head" }, h("h3", {}, name), parts.revision),
    parts.waiting,
    parts.text,
    parts.draft,
    parts.signals,
    h("details", { class: "signals" }, h("summary", {}, "Focus and paste timeline"), parts.timeline),
    parts.mean,
    parts.stale,
    parts.verdict,
    parts.coverage,
    parts.scoring,
  );
  return { article, parts, answerId: null };
}

/** The score form of an answer, added to its card once the answer is there. */
function scoreForm(answer, parts) {
  const id = answer.answer_id;
  const mine = myScore(answer);
  Object.assign(parts, {
    score: h("input", {
      id: `score-${id}`,
      type: "number",
      min: 0,
      max: 10,
      step: 1,
      inputmode: "numeric",
      required: true,
      value: mine && mine.score !== undefined ? mine.score : null,
    }),
    feedback: h("textarea", { id: `feedback-${id}`, rows: 2 }),
    status: h("p", { class: "save-status", role: "status" }),
    error: h("p", { class: "error", role: "alert" }),
  });
  if (mine && mine.feedback) parts.feedback.value = mine.feedback;
  // Once the interviewer types a score, a suggestion never overwrites it.
  parts.score.addEventListener("input", () => {
    parts.score.dataset.typed = "1";
  });
  const form = h(
    "form",
    { class: "score-form", novalidate: true },
    h("div", { class: "field score-field" }, h("label", { for: parts.score.id }, "Score"), parts.score),
    h(
      "div",
      { class: "field grow" },
      h("label", { for: parts.feedback.id }, "Feedback to the candidate"),
      parts.feedback,
    ),
    h("div", { class: "field" }, h("button", { type: "submit" }, "Save score")),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    saveScore(id, parts);
  });
  parts.scoring.replaceChildren(form, parts.status, parts.error, notes.answerField(answer));
}

/** What the candidate and the room wait for before they see a new mean of this answer. */
function awaitingText(awaiting) {
  if (!awaiting) return "";
  return ` · the candidate and the room see the panel's mean once ${awaiting} more of the panel ${
    awaiting === 1 ? "saves a score" : "save scores"
  }`;
}

/** Each score given to an older revision than the answer's newest: "scored revision 1 of 2". */
function renderStaleScores(answer, parts) {
  const stale = answer.scores.filter((entry) => entry.revision && entry.revision < answer.revision);
  parts.stale.replaceChildren(
    ...stale.map((entry) =>
      h(
        "li",
        { class: "stale-score" },
        entry.by === state.me.participant_id ? "You" : state.nameOf(entry.by),
        ` scored revision ${entry.revision} of ${answer.revision}`,
      ),
    ),
  );
  show(parts.stale, stale.length > 0);
}

/** The key points this answer covers, ticked; the score they suggest fills an empty form. */
function renderCoverage(answer, parts) {
  const coverage = answer.coverage;
  show(parts.coverage, Boolean(coverage && coverage.points.length));
  if (!coverage || !coverage.points.length) return;
  parts.coverage.replaceChildren(...coverageView(coverage, state.keyPoints[answer.round_id]));
  // A suggestion, never saved by itself: the interviewer presses the button.
  const suggested = coverage.suggested_score;
  const mine = myScore(answer);
  const scored = mine && mine.score !== undefined;
  if (suggested !== null && !scored && !parts.score.dataset.typed) {
    parts.score.value = String(suggested);
    parts.score.dataset.suggested = String(suggested);
  }
}

/** An exercise answer's verdict against the round's tests, or that it is being run; the
 * score it suggests fills an empty form, over the coverage's. */
function renderVerdict(answer, parts) {
  const verdict = state.verdictOf(answer);
  const judging = verdicts.isJudging(answer);
  show(parts.verdict, Boolean(verdict || judging));
  if (!verdict) {
    parts.verdict.replaceChildren(judging ? h("p", { class: "muted" }, "Running the tests…") : "");
    return;
  }
  parts.verdict.replaceChildren(...verdictView(verdict, (id) => state.nameOf(id)));
  const suggested = verdict.suggested_score;
  const mine = myScore(answer);
  const scored = mine && mine.score !== undefined;
  if (suggested !== undefined && suggested !== null && !scored && !parts.score.dataset.typed) {
    parts.score.value = String(suggested);
    parts.score.dataset.suggested = String(suggested);
  }
}

async function saveScore(answerId, parts) {
  parts.error.textContent = "";
  const raw = parts.score.value.trim();
  const score = Number(raw);
  if (raw === "" || !Number.isInteger(score) || score < 0 || score > 10) {
    parts.error.textContent = "The score is a whole number from 0 to 10.";
    parts.score.focus();
    return;
  }
  const feedback = parts.feedback.value;
  parts.status.textContent = live.connected ? "Saving…" : "Waiting for the connection…";
  try {
    const ack = await live.send("answer.score", { answer_id: answerId, score, feedback });
    const answer = state.answers.get(answerId);
    if (answer) {
      const others = answer.scores.filter((e) => e.by !== state.me.participant_id);
      answer.scores = [...others, { by: state.me.participant_id, score, feedback, revision: answer.revision }];
    }
    parts.status.textContent = `Saved: your score ${score}, panel mean ${formatScore(ack.mean)}.`;
  } catch (err) {
    parts.status.textContent = "";
    parts.error.textContent = err.message;
  }
}

/** The cards to show: every answer, and every candidate with signals or a draft in a round
 * they have not answered; the open round's first, then the newest rounds, by name. */
function cardSlots() {
  const slots = new Map();
  for (const answer of state.answers.values()) {
    if (answer.text === undefined) continue;
    slots.set(cardKey(answer.round_id, answer.participant_id), {
      round_id: answer.round_id,
      participant_id: answer.participant_id,
      answer,
    });
  }
  for (const { round_id, participant_id } of [...state.signalled(), ...state.drafts.values()]) {
    const key = cardKey(round_id, participant_id);
    if (!slots.has(key)) slots.set(key, { round_id, participant_id, answer: null });
  }
  const currentRound = state.round ? state.round.round_id : null;
  return [...slots.entries()].sort(
    ([, a], [, b]) =>
      Number(b.round_id === currentRound) - Number(a.round_id === currentRound) ||
      b.round_id - a.round_id ||
      state.nameOf(a.participant_id).localeCompare(state.nameOf(b.participant_id)),
  );
}

function renderAnswers() {
  const list = $("answers");
  const currentRound = state.round ? state.round.round_id : null;
  const slots = cardSlots();
  show($("answers-empty"), slots.length === 0);
  slots.forEach(([key, slot], index) => {
    let card = cards.get(key);
    if (!card) {
      card = answerCard(slot.participant_id);
      cards.set(key, card);
    }
    const { parts } = card;
    const { answer } = slot;
    const open = slot.round_id === currentRound;
    parts.round.textContent = `${state.roundLabel(slot.round_id)}${open ? " · open" : ""}`;
    renderDraft(slot, open, parts);
    show(parts.text, Boolean(answer));
    if (!answer) {
      parts.waiting.textContent = open ? "No answer yet." : "No answer.";
    } else {
      if (card.answerId === null) {
        card.answerId = answer.answer_id;
        scoreForm(answer, parts);
      }
      parts.revision.textContent = [
        answer.revision > 1 ? `revision ${answer.revision}` : "",
        answer.at_close ? "kept at the close" : "",
      ]
        .filter(Boolean)
        .join(" · ");
      showCode(parts.text, answer.text);
      parts.mean.textContent =
        answer.score === null || answer.score === undefined
          ? "Not scored yet."
          : `Panel mean: ${formatScore(answer.score)} / 10${awaitingText(answer.awaiting)}`;
      renderStaleScores(answer, parts);
      renderCoverage(answer, parts);
      renderVerdict(answer, parts);
    }
    renderSignals(slot.round_id, slot.participant_id, parts);
    // Insert in place without moving the cards already shown: a card being typed in keeps focus.
    const here = list.children[index];
    if (here !== card.article) list.insertBefore(card.article, here || null);
  });
}

// --- drafts: what a candidate is typing, live -------------------------------------------------

/**
 * The candidate's draft on their card while the round is open and they type something they
 * have not submitted: "typing…" and the text, under their last submitted answer if they have
 * one, or in place of "No answer yet."
 */
function renderDraft(slot, open, parts) {
  const draft = open ? state.draftOf(slot.round_id, slot.participant_id) : null;
  show(parts.draft, Boolean(draft));
  show(parts.waiting, !slot.answer && !draft);
  if (!draft) {
    // Gone from the card, not only hidden: the card's code is then its answer alone.
    parts.draft.replaceChildren();
    parts.draftText = null;
    return;
  }
  if (!parts.draftText) {
    parts.draftLabel = h("p", { class: "draft-label" });
    parts.draftText = codeBlock("", "draft-text");
    parts.draft.replaceChildren(parts.draftLabel, parts.draftText);
  }
  parts.draftLabel.replaceChildren(
    h("strong", {}, "typing…"),
    ` ${slot.answer ? "changes not submitted yet" : "not submitted yet"} · ${new Date(draft.at).toLocaleTimeString()}`,
  );
  showCode(parts.draftText, draft.text);
}

/** A draft came: its card alone changes, or their first card appears. */
function draftArrived(draft) {
  const card = cards.get(cardKey(draft.round_id, draft.participant_id));
  if (!card) {
    renderAnswers();
    return;
  }
  const answer = card.answerId === null ? null : state.answers.get(card.answerId);
  const open = Boolean(state.round) && state.round.round_id === draft.round_id;
  renderDraft({ ...draft, answer }, open, card.parts);
}

/** A card's line on its candidate's focus changes and pastes in the round, and their timeline. */
function renderSignals(roundId, participantId, parts) {
  const { signals, dropped } = state.signalsOf(roundId, participantId);
  const open = state.round && state.round.round_id === roundId;
  const last = signals.length ? Date.parse(signals[signals.length - 1].at) : 0;
  const until = open ? live.serverNow() : state.closedAt.get(roundId) || last;
  parts.signals.textContent = `Focus and pastes: ${signalSummary(signals, { dropped, until }).summary}`;
  parts.timeline.replaceChildren(
    ...signals.map((signal) =>
      h("li", {}, h("time", { datetime: signal.at }, new Date(signal.at).toLocaleTimeString()), " ", signalText(signal)),
    ),
  );
  if (!signals.length) parts.timeline.append(h("li", { class: "muted" }, "Nothing reported."));
}

function signalArrived(signal) {
  const card = cards.get(cardKey(signal.round_id, signal.participant_id));
  if (card) renderSignals(signal.round_id, signal.participant_id, card.parts);
  else renderAnswers(); // their first: a card for them, answered or not
}

// --- extra time ------------------------------------------------------------------------------

const timeRows = new Map(); // participant_id -> {item, parts}

/** A small form of one number and one button; `onNumber` gets the number once it is valid. */
function numberForm({ id, label, button, min, max, value, onNumber, error }) {
  const input = h("input", { id, type: "number", min, max, step: 1, inputmode: "numeric", value });
  const form = h(
    "form",
    { class: "time-form", novalidate: true },
    h("div", { class: "field" }, h("label", { for: id }, label), input),
    h("button", { type: "submit" }, button),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    error.textContent = "";
    const number = Number(input.value.trim());
    if (input.value.trim() === "" || !Number.isInteger(number) || number < min || number > max) {
      error.textContent = `${label}: a whole number from ${min} to ${max}.`;
      input.focus();
      return;
    }
    onNumber(number);
  });
  return { form, input, button: form.querySelector("button") };
}

function timeRow(candidate) {
  const pid = candidate.participant_id;
  const parts = {
    legend: h("legend", {}),
    own: h("p", { class: "meta" }),
    status: h("p", { class: "save-status", role: "status" }),
    error: h("p", { class: "error", role: "alert" }),
  };
  parts.extend = numberForm({
    id: `extend-${pid}`,
    label: "More seconds",
    button: "Extend",
    min: 10,
    max: 3600,
    value: 60,
    error: parts.error,
    onNumber: (seconds) =>
      sendTime(parts, "time.extend", { participant_id: pid, seconds }, (ack) =>
        `Extended: ${state.nameOf(pid)} has until ${clockTime(ack.deadline)}.`,
      ),
  });
  parts.pct = numberForm({
    id: `pct-${pid}`,
    label: "Later rounds (+%)",
    button: "Save",
    min: 0,
    max: 200,
    value: candidate.extra_time_pct || 0,
    error: parts.error,
    onNumber: (pct) =>
      sendTime(parts, "time.accommodate", { participant_id: pid, extra_time_pct: pct }, () =>
        `Saved: ${pct}% more time on every later round.`,
      ),
  });
  const item = h(
    "li",
    {},
    h("fieldset", { class: "time-row" }, parts.legend, parts.own, parts.extend.form, parts.pct.form, parts.status, parts.error),
  );
  return { item, parts };
}

async function sendTime(parts, type, data, saidOnAck) {
  parts.status.textContent = live.connected ? "Saving…" : "Waiting for the connection…";
  try {
    const ack = await live.send(type, data);
    parts.status.textContent = saidOnAck(ack);
  } catch (err) {
    parts.status.textContent = "";
    parts.error.textContent = err.message;
  }
}

function renderExtraTime() {
  const candidates = [...state.participants.values()]
    .filter((p) => p.role === "candidate")
    .sort((a, b) => a.name.localeCompare(b.name));
  show($("time-empty"), candidates.length === 0);
  const open = Boolean(state.round) && state.status !== "finished";
  candidates.forEach((candidate, index) => {
    const pid = candidate.participant_id;
    let row = timeRows.get(pid);
    if (!row) {
      row = timeRow(candidate);
      timeRows.set(pid, row);
    }
    const { parts } = row;
    parts.legend.textContent = candidate.name;
    const extra = state.extraSecondsOf(pid);
    parts.own.textContent = !open
      ? "No round is open."
      : extra
        ? `Own deadline ${clockTime(state.deadlineOf(pid))}: ${extra} s after the round's.`
        : "The round's deadline.";
    parts.own.dataset.extra = extra;
    parts.extend.button.disabled = !open;
    parts.pct.button.disabled = state.status === "finished";
    // Never under the interviewer's fingers: a field being edited keeps what they typed.
    if (document.activeElement !== parts.pct.input) {
      parts.pct.input.value = candidate.extra_time_pct || 0;
    }
    const list = $("extra-time");
    const here = list.children[index];
    if (here !== row.item) list.insertBefore(row.item, here || null);
  });
}

// --- pushing ---------------------------------------------------------------------------------

function updatePushButtons() {
  bank.setFinished(state.status === "finished");
}

// --- asking before the open round ends --------------------------------------------------------

/** The open round's time left, in ms, to its last deadline (a candidate's extra time included). */
function openRoundLeftMs() {
  const round = state.round;
  const deadlines = [round.deadline, ...Object.values(round.deadlines)].map((d) => Date.parse(d));
  return Math.max(...deadlines) - live.serverNow();
}

/** "1 candidate has not answered", "every candidate has answered", or "" without candidates. */
function unansweredText() {
  const candidates = [...state.participants.values()].filter((p) => p.role === "candidate");
  const waiting = candidates.filter((p) => !state.round.answered.includes(p.participant_id)).length;
  if (!candidates.length) return "";
  if (!waiting) return "every candidate has answered";
  return `${waiting} candidate${waiting === 1 ? " has" : "s have"} not answered`;
}

/** "Question 1 has 3:31 left and 1 candidate has not answered", of the open round. */
function openRoundText() {
  const left = openRoundLeftMs();
  const time = left > 0 ? `has ${clockText(left)} left` : "is open, its time up";
  const waiting = unansweredText();
  return `Question ${state.round.position} ${time}${waiting ? ` and ${waiting}` : ""}`;
}

/** With time left on the open round, whether to close it for the next question. */
async function pushConfirmed() {
  if (!state.round || openRoundLeftMs() <= 0) return true;
  const next = state.round.position + 1;
  return confirmFirst({
    title: "Close the open question?",
    describe: () =>
      state.round
        ? `${openRoundText()}. Close it and push question ${next}?`
        : `Push question ${next}?`,
    confirm: "Close it and push",
  });
}

function finishConfirmed() {
  return confirmFirst({
    title: "Finish the session?",
    describe: () =>
      state.round
        ? `${openRoundText()}. Finishing closes it and ends the session; ` +
          "answers can still be scored afterwards."
        : "No question is open. Finishing ends the session; answers can still be scored afterwards.",
    confirm: "Finish session",
  });
}

async function pushQuestion(question) {
  const error = $("push-error");
  error.textContent = "";
  const data = { question_id: question.id };
  const limit = $("push-limit").value.trim();
  if (limit) {
    const seconds = Number(limit);
    if (!Number.isInteger(seconds) || seconds < 10 || seconds > 3600) {
      error.textContent = "The time limit is a whole number of seconds from 10 to 3600.";
      $("push-limit").focus();
      return;
    }
    data.time_limit_s = seconds;
  }
  if (!(await pushConfirmed())) return;
  try {
    await live.send("question.push", data);
  } catch (err) {
    error.textContent = `Could not push “${question.title}”: ${err.message}`;
  }
}

// --- the session -----------------------------------------------------------------------------

function renderSession() {
  setStatusPill($("session-status"), state.status);
  const finished = state.status === "finished";
  const owner = Boolean(state.me && state.me.is_owner);
  show($("finish"), owner && !finished);
  $("finish-note").replaceChildren(
    finished
      ? h("span", {}, "The session has finished. ", h("a", { href: `/s/${code}/results` }, "See the results"), ".")
      : owner
        ? "Finishing closes the open round and ends the session; answers can still be scored."
        : "Only the session's owner can finish it.",
  );
  updatePushButtons();
}

function renderAll() {
  renderSession();
  renderRound();
  renderAnswers();
  board.render(state.board(), state.ranking);
  skills.render(state);
  renderPresence($("presence"), state.participants, state.me.participant_id);
  renderExtraTime();
  renderCandidateNotes();
}

function renderCandidateNotes() {
  const candidates = [...state.participants.values()]
    .filter((p) => p.role === "candidate")
    .sort((a, b) => a.name.localeCompare(b.name));
  notes.renderCandidates($("candidate-notes"), candidates);
}

/** Titles and key points of earlier rounds, for their answers' cards after a reload. */
async function learnRoundTitles() {
  const unknown = [...state.answers.values()].some(
    (a) => !state.roundTitles[a.round_id] || (a.coverage && !state.keyPoints[a.round_id]),
  );
  if (!unknown) return;
  try {
    const results = await api(`/api/sessions/${encodeURIComponent(code)}/results`);
    for (const round of results.rounds) {
      state.rememberTitle({
        round_id: round.round_id,
        position: round.position,
        question: round.question,
        key_points: round.key_points,
      });
    }
    renderAnswers();
  } catch {
    // Labels stay generic; nothing else depends on them.
  }
}

function onEvent(frame) {
  state.apply(frame);
  skills.apply(frame);
  upNext.apply(frame);
  notes.apply(frame);
  verdicts.apply(frame);
  const { type, data } = frame;
  switch (type) {
    case "participant.joined":
    case "participant.left":
      renderPresence($("presence"), state.participants, state.me.participant_id);
      board.render(state.board(), state.ranking);
      skills.render(state);
      renderAnswered();
      renderExtraTime();
      renderCandidateNotes();
      break;
    case "round.opened":
      announce(`Question ${data.position} is open: ${data.question.title}`);
      renderRound();
      renderAnswers();
      renderSession();
      renderExtraTime();
      skills.render(state);
      board.render(state.board(), state.ranking); // ranked by mean, a push moves it
      break;
    case "round.extended":
    case "time.accommodated":
      renderExtraTime();
      break;
    case "answer.submitted":
      announce(`${state.nameOf(data.participant_id)} submitted an answer.`);
      renderAnswered();
      renderAnswers();
      break;
    case "candidate.signal":
      signalArrived(data);
      break;
    case "answer.verdict":
      renderAnswers();
      board.render(state.board(), state.ranking);
      break;
    case "answer.drafted":
      draftArrived(data);
      break;
    case "round.closed":
      announce("The round is closed.");
      renderRound();
      renderAnswers();
      board.render(state.board(), state.ranking);
      renderExtraTime();
      break;
    case "score.updated":
      announce(`${state.nameOf(data.participant_id)} now has a mean of ${formatScore(data.score)} on that answer.`);
      renderAnswers();
      board.render(state.board(), state.ranking);
      skills.render(state);
      break;
    case "session.finished":
      announce("The session has finished.");
      renderAll();
      break;
    default:
      break;
  }
}

async function main() {
  countdown = new Countdown($("round-timer"), () => (live ? live.serverNow() : Date.now()));
  let seat;
  try {
    seat = await panelSeat();
  } catch (err) {
    setStatusPill($("session-status"), "error");
    $("round-error").textContent = `Could not take your seat on the panel: ${err.message}`;
    return;
  }
  board = new Leaderboard($("leaderboard"));
  skills = new SkillsComparison($("skills-compare"));
  live = new LiveSession({
    code,
    role: ROLE,
    token: seat.token,
    onWelcome(welcome) {
      state.welcome(welcome);
      skills.welcome(welcome.snapshot);
      notes.welcome(welcome);
      upNext.welcome(welcome.snapshot);
      renderAll();
      verdicts.welcome(welcome.snapshot);
      learnRoundTitles();
    },
    onEvent,
    async onRejected() {
      // Another tab or device joined the panel again, which replaced this token.
      try {
        return (await panelSeat({ renew: true })).token;
      } catch {
        return null;
      }
    },
  }).start();

  $("close-round").addEventListener("click", async () => {
    $("round-error").textContent = "";
    try {
      await live.send("question.close");
    } catch (err) {
      $("round-error").textContent = err.message;
    }
  });
  $("finish").addEventListener("click", async () => {
    $("finish-error").textContent = "";
    if (!(await finishConfirmed())) return;
    try {
      await live.send("session.finish");
    } catch (err) {
      $("finish-error").textContent = err.message;
    }
  });
  bank.start();
  upNext.load();
  runAgainButton($("run-again"), code, $("run-again-error"));
}

main();
