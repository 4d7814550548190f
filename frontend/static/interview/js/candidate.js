// The candidate's page: join with a name, answer each question against the clock, see
// your own scores and feedback and the leaderboard.

import { $, announce, h, pageConfig, show, showMarkdown } from "./dom.js";
import { showExamples, startingText } from "./exercise.js";
import { LiveView, reseatByName, seatByName } from "./boot.js";
import { showFinishedNotice } from "./room.js";
import { runTests } from "./harness.js";
import { attachRunPanel } from "./run-panel.js";
import { PythonRunner } from "./runner.js";
import { pageLoad, watchIntegrity } from "./signals.js";
import { draftForget, draftLoad, draftSave } from "./store.js";
import {
  Countdown,
  Leaderboard,
  formatScore,
  loadCode,
  questionMeta,
  renderPresence,
  renderWatching,
  setStatusPill,
} from "./ui.js";

const config = pageConfig();
const code = config.code;
const ROLE = "candidate";
const INDENT = "    ";
const view = new LiveView({ code, role: ROLE });
const { state } = view;
let countdown = null;
let board = null;
let shownRoundId = null; // the round whose question the form shows
// One sandbox for the Run button and "Run examples": Pyodide loads once, on the first run.
const runner = new PythonRunner();
let tabReleased = false; // Esc pressed: the next Tab moves focus instead of indenting
// How the page loaded (signals.js, pageLoad), told with its first `visible` in a round; null
// once told, or when the page loaded with no round open.
let loadUntold = pageLoad();
let awayRoundId = null; // the round of a `hidden` sent with no `visible` acknowledged after it

const answerBox = $("answer");
// What the page reads and sets: the textarea, until the code editor takes its place
// (code.js's answerEditor has the same value and disabled); if the editor cannot load,
// the textarea stays, with its own Tab handling (answerKeys).
let answer = answerBox;
const answerStatus = $("answer-status");
const answerError = $("answer-error");

function ownAnswer(roundId) {
  return [...state.answers.values()].find(
    (a) => a.round_id === roundId && a.participant_id === state.me.participant_id,
  );
}

// --- the question and the answer form --------------------------------------------------------

function renderQuestion() {
  const round = state.round;
  const finished = state.status === "finished";
  show($("finished-card"), finished);
  show($("lobby"), !round && !finished);
  $("lobby-heading").textContent =
    state.lastClosedRoundId || (state.status === "live" && !round)
      ? "Round closed: waiting for the next question"
      : "Waiting for the first question";
  if (!round) {
    countdown.stop();
    show($("extra-time-note"), false);
    if (shownRoundId !== null) closeForm();
    return;
  }
  show($("question"));
  $("question-meta").textContent = `Question ${round.position} · ${questionMeta(round.question)}`;
  $("question-title").textContent = round.question.title;
  showMarkdown($("question-prompt"), round.question.prompt_html, round.question.prompt);
  // The candidate's own deadline: later than the round's when the panel gave them more time.
  const me = state.me.participant_id;
  const extra = state.extraSecondsOf(me);
  countdown.set(state.deadlineOf(me), round.time_limit_s + extra);
  // Said in words beside the timer, not only to a screen reader: it explains the countdown.
  $("extra-time-note").textContent = extra ? `You have ${extra} s more` : "";
  show($("extra-time-note"), extra > 0);
  if (shownRoundId !== round.round_id) {
    shownRoundId = round.round_id;
    answerError.textContent = "";
    const saved = ownAnswer(round.round_id);
    const draft = draftLoad(code, round.round_id);
    answer.value = startingText(round, draft !== null ? draft : saved ? saved.text : null);
    showExamples($("exercise-examples"), round, {
      run: (examples) => runTests(runner, answer.value, examples),
    });
    if (saved && (draft === null || draft === saved.text)) savedStatus(saved.revision);
    else if (draft) answerStatus.textContent = "Draft restored: not submitted yet.";
    else answerStatus.textContent = "";
  }
  lockForm(countdown.expired);
}

/** The form takes no input once the candidate's own time is up (the round may stay open for
 * others); more time from the panel opens it again. */
function lockForm(locked) {
  answer.disabled = locked;
  $("submit-answer").disabled = locked;
  $("time-up").hidden = !locked;
}

function closeForm() {
  const roundId = shownRoundId;
  shownRoundId = null;
  answer.disabled = true;
  $("submit-answer").disabled = true;
  $("time-up").hidden = true;
  const saved = ownAnswer(roundId);
  answerStatus.textContent = !saved
    ? "Round closed. No answer was saved."
    : saved.at_close
      ? `Round closed. Your answer as you last typed it was kept at the close (revision ${saved.revision}).`
      : `Round closed. Your answer (revision ${saved.revision}) was saved.`;
  if (saved && draftLoad(code, roundId) === saved.text) draftForget(code, roundId);
  // The question stays readable until the next one; the form no longer takes input.
  show($("question"), state.status !== "finished");
}

function savedStatus(revision) {
  answerStatus.textContent = `Saved (revision ${revision}).`;
  answerStatus.dataset.state = "saved";
}

async function submitAnswer(event) {
  event.preventDefault();
  const round = state.round;
  if (!round) return;
  const text = answer.value;
  answerError.textContent = "";
  answerStatus.dataset.state = "saving";
  answerStatus.textContent = view.connected ? "Saving…" : "Offline: it is sent when you reconnect.";
  draftSave(code, round.round_id, text);
  draftSubmitted(round.round_id, text);
  try {
    const ack = await view.send("answer.submit", { round_id: round.round_id, text });
    if (draftLoad(code, round.round_id) === text) draftForget(code, round.round_id);
    if (answer.value === text) savedStatus(ack.revision);
    else answerStatus.textContent = `Revision ${ack.revision} saved; newer changes are not.`;
  } catch (err) {
    answerStatus.textContent = "";
    answerStatus.dataset.state = "";
    answerError.textContent =
      err.code === "round_closed"
        ? "The round closed before your answer arrived; it was not saved."
        : `Not saved: ${err.message}`;
  }
}

/** Ctrl+Enter (⌘+Enter on a Mac) submits, in the code editor and the textarea alike. */
function submitKeys(event) {
  if (event.key !== "Enter" || !(event.ctrlKey || event.metaKey) || event.altKey) return;
  event.preventDefault();
  event.stopPropagation(); // before the editor's own Enter handling
  if (!$("submit-answer").disabled) $("answer-form").requestSubmit();
}

/** In the textarea, Tab indents; Esc, then Tab, leaves it (the keyboard never gets stuck). */
function answerKeys(event) {
  if (event.key === "Escape") {
    tabReleased = true;
    return;
  }
  if (event.key !== "Tab" || event.ctrlKey || event.altKey || event.metaKey) {
    tabReleased = false;
    return;
  }
  if (tabReleased) {
    tabReleased = false;
    return;
  }
  event.preventDefault();
  const { selectionStart: start, selectionEnd: end, value } = answerBox;
  if (event.shiftKey) {
    // Outdent the current line by up to four spaces.
    const lineStart = value.lastIndexOf("\n", start - 1) + 1;
    const spaces = value.slice(lineStart, lineStart + INDENT.length).match(/^ */)[0].length;
    if (!spaces) return;
    answerBox.setRangeText("", lineStart, lineStart + spaces, "preserve");
    answerBox.setSelectionRange(Math.max(lineStart, start - spaces), Math.max(lineStart, end - spaces));
  } else {
    answerBox.setRangeText(INDENT, start, end, "end");
  }
  answerBox.dispatchEvent(new Event("input", { bubbles: true }));
}

function answerEdited() {
  if (!state.round || shownRoundId !== state.round.round_id) return;
  draftSave(code, state.round.round_id, answer.value);
  draftSoon();
  const saved = ownAnswer(state.round.round_id);
  if (saved && saved.text === answer.value) savedStatus(saved.revision);
  else {
    answerStatus.textContent = "Unsaved changes.";
    answerStatus.dataset.state = "dirty";
  }
}

// --- the draft, on the server as it is typed ----------------------------------------------------

// The panel sees the answer as it is typed, and what is typed when the round closes is kept
// as the answer (docs/protocol.md, "Drafts"): `answer.draft` at most every DRAFT_EVERY_MS while
// typing, at once when the page is hidden or left. Each goes now or never (`queue: false`):
// after a reconnect the page sends the latest text once, never a backlog.
const DRAFT_EVERY_MS = 2000;
const sentDraft = { roundId: null, text: null, at: 0 }; // what the server has, as far as known
let draftTimer = null;

/** The text to send, or null: the open round's answer, while it takes input, if changed. */
function draftPending() {
  const round = state.round;
  if (!view.live || !round || shownRoundId !== round.round_id || answer.disabled) return null;
  const text = answer.value;
  if (sentDraft.roundId === round.round_id && sentDraft.text === text) return null;
  const saved = ownAnswer(round.round_id);
  // Nothing typed yet: the page's own starting text (empty, or an exercise's starter code).
  const untouched = saved ? saved.text : startingText(round, null);
  if (sentDraft.roundId !== round.round_id && text === untouched) return null;
  return text;
}

function draftNow() {
  clearTimeout(draftTimer);
  draftTimer = null;
  const text = draftPending();
  if (text === null || !view.connected) return;
  const roundId = state.round.round_id;
  Object.assign(sentDraft, { roundId, text, at: Date.now() });
  view.send("answer.draft", { round_id: roundId, text }, { queue: false }).catch(() => {
    // Not kept (offline, or the round closed meanwhile): the next edit or reconnect retries.
    if (sentDraft.roundId === roundId && sentDraft.text === text) sentDraft.text = null;
  });
}

/** Send the draft now if the last went long enough ago, else once that time has passed. */
function draftSoon() {
  if (draftTimer !== null) return;
  const wait = sentDraft.at + DRAFT_EVERY_MS - Date.now();
  if (wait <= 0) draftNow();
  else draftTimer = setTimeout(draftNow, wait);
}

/** What was submitted is what the server has: no draft of the same text follows. */
function draftSubmitted(roundId, text) {
  Object.assign(sentDraft, { roundId, text });
}

function watchDrafts() {
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "hidden") draftNow();
  });
  addEventListener("pagehide", draftNow);
}

/** The code editor in the textarea's place, with what was typed meanwhile. */
async function editorInstead() {
  const loaded = await loadCode();
  if (!loaded) return;
  try {
    answer = loaded.answerEditor(answerBox, { onChange: answerEdited, nonce: config.style_nonce });
  } catch (err) {
    console.error("The code editor failed; the plain answer box stays.", err);
  }
}

/**
 * Tell the panel of a focus change or a paste (its size), while this page shows an open
 * round: the page says so beside the answer. A signal goes now or never: none is kept while
 * offline to be sent in a burst after the reconnect (live.js). A signal the server refuses
 * (the round closed meanwhile) is dropped.
 */
function reportSignal(kind, extra = {}) {
  const round = state.round;
  if (!view.live || !round || shownRoundId !== round.round_id || answer.disabled) return;
  const data = { round_id: round.round_id, kind, ...extra };
  if (kind === "visible" && loadUntold) {
    data.load = loadUntold;
    loadUntold = null;
  }
  if (kind === "hidden") awayRoundId = round.round_id;
  const sent = view.send("signal.report", data, { queue: false });
  sent
    .then(() => {
      if (kind === "visible" && awayRoundId === round.round_id) awayRoundId = null;
    })
    .catch(() => {});
}

/**
 * On every welcome: a page that has just loaded while a round is open says it is visible
 * (`load`: opened or reloaded) and focused; after a reconnect, a page that went away while
 * offline, or whose `visible` was lost with the socket, says it is back. The panel's count
 * of time away then ends when the candidate is back, not at the round's close.
 */
function reportPresence() {
  const round = state.round;
  if (!round) loadUntold = null; // loaded between rounds: nothing to tell
  if (!round || document.visibilityState !== "visible") return;
  if (loadUntold) {
    reportSignal("visible");
    if (document.hasFocus()) reportSignal("focus");
  } else if (awayRoundId === round.round_id) {
    reportSignal("visible");
  }
}

// --- scores ----------------------------------------------------------------------------------

function renderScores() {
  const mine = state
    .answersOf(state.me.participant_id)
    .sort((a, b) => b.round_id - a.round_id);
  show($("scores-empty"), mine.length === 0);
  $("my-scores").replaceChildren(
    ...mine.map((answer) =>
      h(
        "li",
        { class: "my-score" },
        h("p", { class: "eyebrow" }, state.roundLabel(answer.round_id)),
        h(
          "p",
          { class: "score-line" },
          answer.score === null || answer.score === undefined
            ? "Not scored yet"
            : h("strong", {}, `${formatScore(answer.score)} / 10`),
        ),
        answer.scores.filter((entry) => entry.feedback).length
          ? h(
              "ul",
              { class: "feedback" },
              answer.scores
                .filter((entry) => entry.feedback)
                .map((entry) => h("li", {}, h("span", { class: "muted" }, `${state.nameOf(entry.by)}: `), entry.feedback)),
            )
          : null,
      ),
    ),
  );
}

// --- wiring ----------------------------------------------------------------------------------

function renderAll() {
  setStatusPill($("session-status"), state.status);
  $("me-name").textContent = state.me.name;
  renderQuestion();
  renderScores();
  board.me = state.me.participant_id;
  board.render(state.board(), state.ranking);
  renderPresence($("presence"), state.participants, state.me.participant_id);
  renderWatching($("watching"), state.counts);
}

const renderBoard = () => board.render(state.board(), state.ranking);
const isMine = (data) => data.participant_id === state.me.participant_id;

function renderPeople() {
  renderPresence($("presence"), state.participants, state.me.participant_id);
  renderBoard();
}

/** What each event changes on the page, and what it says to a screen reader. */
const RENDERERS = {
  "presence.counts": () => renderWatching($("watching"), state.counts),
  "participant.joined": renderPeople,
  "participant.left": renderPeople,
  "round.opened": (data) => {
    announce(`New question: ${data.question.title}`);
    setStatusPill($("session-status"), state.status);
    renderQuestion();
    renderBoard(); // ranked by mean, a push moves it
  },
  "answer.submitted": (data) => {
    if (isMine(data)) renderScores();
    renderBoard(); // a new revision has no pass count yet
  },
  "answer.verdict": renderBoard, // "✓ 5/7", when the session shows them
  "round.extended": () => {
    announce(`You have ${state.extraSecondsOf(state.me.participant_id)} seconds of extra time.`);
    renderQuestion();
  },
  "round.closed": () => {
    announce("Time is up: the round is closed.");
    renderQuestion();
    renderBoard();
  },
  "score.updated": (data) => {
    if (isMine(data)) {
      announce(`Your answer was scored: ${formatScore(data.score)} out of 10.`);
      renderScores();
    }
    renderBoard();
  },
  // An interviewer's words on your answer, with their name (never beside a score).
  "feedback.updated": () => renderScores(),
  "session.finished": () => {
    announce("The session has finished. Your results are ready.");
    renderAll();
  },
};

/** Once the seat is known, before the socket opens: the clock, the board, the form's keys. */
function ready(seat) {
  countdown = new Countdown(
    $("question-timer"),
    () => view.now(),
    () => {
      if (state.round && shownRoundId === state.round.round_id) lockForm(true);
    },
  );
  board = new Leaderboard($("leaderboard"), { me: seat.participant_id });
  answerBox.addEventListener("keydown", answerKeys);
  answerBox.addEventListener("input", answerEdited);
  answerBox.addEventListener("blur", () => {
    tabReleased = false;
  });
  $("answer-form").addEventListener("submit", submitAnswer);
  $("answer-form").addEventListener("keydown", submitKeys, { capture: true });
  attachRunPanel({ form: $("answer-form"), source: () => answer.value, runner });
  watchIntegrity($("answer-form"), reportSignal);
  watchDrafts();
}

function main() {
  if (config.finished) {
    // Said at once, and no name asked: candidates cannot join a finished session.
    showFinishedNotice(code, config);
    return;
  }
  editorInstead();
  view.start({
    seat: () => seatByName(code, ROLE),
    ready,
    welcomed() {
      renderAll();
      draftSoon(); // what was typed while the socket was down
      reportPresence();
    },
    renderers: RENDERERS,
    async reseat() {
      // The seat is gone (a reset database, a cleared session): join again with a name.
      const fresh = await reseatByName(code, ROLE);
      board.me = fresh.participant_id;
      return fresh;
    },
  });
}

main();
