// The spectator's big screen: the question, the clock, who has answered, the leaderboard.

import { $, announce, h, pageConfig, show, showMarkdown } from "./dom.js";
import { LiveView, reseatByName, seatByName } from "./boot.js";
import { renderPodium, showFinishedNotice } from "./room.js";
import { seatLoad } from "./store.js";
import {
  Countdown,
  Leaderboard,
  formatScore,
  questionMeta,
  renderPresence,
  renderWatching,
  setStatusPill,
} from "./ui.js";

const config = pageConfig();
const code = config.code;
const ROLE = "spectator";
const view = new LiveView({ code, role: ROLE });
const { state } = view;
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

const renderBoard = () => board.render(state.board(), state.ranking);

function renderPeople() {
  renderPresence($("presence"), state.participants, state.me.participant_id);
  renderAnswered();
  renderBoard();
}

/** What each event changes on the screen, and what it says to a screen reader. */
const RENDERERS = {
  "presence.counts": () => renderWatching($("watching"), state.counts),
  "participant.joined": renderPeople,
  "participant.left": renderPeople,
  "round.opened": (data) => {
    announce(`New question: ${data.question.title}`);
    renderStage();
    renderBoard(); // ranked by mean, a push moves it
  },
  "answer.submitted": () => {
    renderAnswered();
    renderBoard(); // a new revision has no pass count yet
  },
  "answer.verdict": renderBoard, // "✓ 5/7", when the session shows them
  "round.closed": () => {
    renderStage();
    renderBoard();
  },
  "score.updated": (data) => {
    const leader = state.leaderboard[0];
    announce(
      `${state.nameOf(data.participant_id)} scored ${formatScore(data.score)}.` +
        (leader ? ` ${leader.name} leads with ${formatScore(leader.total)} points.` : ""),
    );
    renderBoard();
  },
  "session.finished": () => {
    const winner = state.board()[0];
    announce(`The session has finished.${winner ? ` ${winner.name} takes first place.` : ""}`);
    renderStage();
    renderBoard();
  },
};

function main() {
  if (config.finished) {
    // Said at once, and no name asked; a screen that already watched shows the podium.
    showFinishedNotice(code, config);
    if (!seatLoad(code, ROLE)) return;
  }
  view.start({
    seat: () => seatByName(code, ROLE),
    ready() {
      countdown = new Countdown($("stage-timer"), () => view.now());
      board = new Leaderboard($("leaderboard"));
    },
    welcomed() {
      renderStage();
      renderBoard();
      renderPresence($("presence"), state.participants, state.me.participant_id);
      renderWatching($("watching"), state.counts);
    },
    renderers: RENDERERS,
    reseat: () => reseatByName(code, ROLE),
  });
}

main();
