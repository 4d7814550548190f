// The spectator's big screen: the question, the clock, who has answered, the leaderboard.

import { $, announce, h, pageConfig, show, showMarkdown } from "./dom.js";
import { LiveSession } from "./live.js";
import { renderPodium, showFinishedNotice } from "./room.js";
import { seatForget, seatLoad } from "./store.js";
import { SessionState } from "./state.js";
import {
  Countdown,
  Leaderboard,
  formatScore,
  joinWithName,
  showJoined,
  questionMeta,
  renderPresence,
  renderWatching,
  setStatusPill,
} from "./ui.js";

const config = pageConfig();
const code = config.code;
const ROLE = "spectator";
const state = new SessionState(code);
let live = null;
let countdown = null;
let board = null;

/** Before the first push the lobby (join code and QR code, when the page has them), at the
 * finish the podium; the question's stage in between. */
function renderRoom() {
  const lobby = state.status === "lobby" && $("room-lobby") !== null;
  const finished = state.status === "finished";
  if ($("room-lobby")) show($("room-lobby"), lobby);
  if ($("finished-notice")) show($("finished-notice"), !finished);
  show($("podium"), finished);
  show($("stage-card"), !lobby && !finished);
  show($("answered-card"), !finished);
  if (finished) renderPodium($("podium-places"), state.board());
}

function renderStage() {
  const round = state.round;
  setStatusPill($("session-status"), state.status);
  renderRoom();
  if (!round) {
    countdown.stop();
    $("stage-meta").textContent = "";
    $("stage-title").textContent =
      state.status === "finished"
        ? "The session has finished"
        : state.status === "live"
          ? "Round closed: the next question is coming"
          : "Waiting for the first question";
    $("stage-prompt").replaceChildren();
  } else {
    $("stage-meta").textContent = `Question ${round.position} · ${questionMeta(round.question)}`;
    $("stage-title").textContent = round.question.title;
    showMarkdown($("stage-prompt"), round.question.prompt_html, round.question.prompt);
    countdown.set(round.deadline, round.time_limit_s);
  }
  renderAnswered();
}

function renderAnswered() {
  const round = state.round;
  const candidates = [...state.participants.values()]
    .filter((p) => p.role === "candidate")
    .sort((a, b) => a.name.localeCompare(b.name));
  const answered = new Set(round ? round.answered : []);
  $("answered").replaceChildren(
    ...candidates.map((p) =>
      h(
        "li",
        { class: answered.has(p.participant_id) ? "done" : "waiting" },
        h("span", { class: "tick", "aria-hidden": "true" }, answered.has(p.participant_id) ? "✓" : "…"),
        h("span", { class: "name" }, p.name),
        h("span", { class: "state" }, answered.has(p.participant_id) ? "answered" : round ? "thinking" : ""),
      ),
    ),
  );
  if (!candidates.length) $("answered").append(h("li", { class: "muted" }, "No candidates yet."));
}

function onEvent(frame) {
  state.apply(frame);
  const { type, data } = frame;
  switch (type) {
    case "presence.counts":
      renderWatching($("watching"), state.counts);
      break;
    case "participant.joined":
    case "participant.left":
      renderPresence($("presence"), state.participants, state.me.participant_id);
      renderAnswered();
      board.render(state.board(), state.ranking);
      break;
    case "round.opened":
      announce(`New question: ${data.question.title}`);
      renderStage();
      board.render(state.board(), state.ranking); // ranked by mean, a push moves it
      break;
    case "answer.submitted":
      renderAnswered();
      board.render(state.board(), state.ranking); // a new revision has no pass count yet
      break;
    case "answer.verdict":
      board.render(state.board(), state.ranking); // "✓ 5/7", when the session shows them
      break;
    case "round.closed":
      renderStage();
      board.render(state.board(), state.ranking);
      break;
    case "score.updated": {
      const leader = state.leaderboard[0];
      announce(
        `${state.nameOf(data.participant_id)} scored ${formatScore(data.score)}.` +
          (leader ? ` ${leader.name} leads with ${formatScore(leader.total)} points.` : ""),
      );
      board.render(state.board(), state.ranking);
      break;
    }
    case "session.finished": {
      const winner = state.board()[0];
      announce(`The session has finished.${winner ? ` ${winner.name} takes first place.` : ""}`);
      renderStage();
      board.render(state.board(), state.ranking);
      break;
    }
    default:
      break;
  }
}

async function main() {
  let seat = seatLoad(code, ROLE);
  if (config.finished) {
    // Said at once, and no name asked; a screen that already watched shows the podium.
    showFinishedNotice(code, config);
    if (!seat) return;
  }
  if (!seat) seat = await joinWithName(code, ROLE);
  showJoined();
  countdown = new Countdown($("stage-timer"), () => (live ? live.serverNow() : Date.now()));
  board = new Leaderboard($("leaderboard"));
  live = new LiveSession({
    code,
    role: ROLE,
    token: seat.token,
    onWelcome(welcome) {
      state.welcome(welcome);
      renderStage();
      board.render(state.board(), state.ranking);
      renderPresence($("presence"), state.participants, state.me.participant_id);
      renderWatching($("watching"), state.counts);
    },
    onEvent,
    async onRejected() {
      seatForget(code, ROLE);
      showJoined(false);
      const fresh = await joinWithName(code, ROLE);
      showJoined();
      return fresh.token;
    },
  }).start();
}

main();
