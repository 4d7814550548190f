// The interviewer's live session: the bank, the open round, answers to score, the room.
// Each panel is its own module: the bank (bank.js), the plan (plan.js), the open round
// (panel-round.js), the answer cards (panel-cards.js) and their scoring (panel-scores.js),
// extra time (panel-time.js), private notes (notes.js), the tests run here (verdicts.js).

import { api } from "./api.js";
import { Bank } from "./bank.js";
import { LiveView, showRefusal } from "./boot.js";
import { $, announce, h, pageConfig, show } from "./dom.js";
import { PanelNotes } from "./notes.js";
import { AnswerCards } from "./panel-cards.js";
import { OpenRound } from "./panel-round.js";
import { Scoring } from "./panel-scores.js";
import { ExtraTime } from "./panel-time.js";
import { UpNext, runAgainButton } from "./plan.js";
import { seatLoad, seatSave } from "./store.js";
import { SkillsComparison } from "./skills.js";
import { PanelVerdicts } from "./verdicts.js";
import { Leaderboard, formatScore, renderPresence, setStatusPill } from "./ui.js";

const config = pageConfig();
const code = config.code;
const ROLE = "interviewer";
const view = new LiveView({ code, role: ROLE });
const { state } = view;
let board = null;
let skills = null;
const round = new OpenRound(view);
const bank = new Bank({ username: config.username, categories: config.categories, onPush: (q) => round.push(q) });
const upNext = new UpNext({ code, onPush: (q) => round.push(q) });
const notes = new PanelNotes({
  send: (type, data) => view.send(type, data),
  nameOf: (id) => state.nameOf(id),
  connected: () => view.connected,
  limits: () => state.limits,
});
// Each exercise answer's revision run against the round's tests here (verdicts.js).
const verdicts = new PanelVerdicts({
  state,
  send: (type, data) => view.send(type, data),
  onJudging: () => cards.render(),
});
const cards = new AnswerCards({ view, scoring: new Scoring({ view, notes, verdicts }) });
const extraTime = new ExtraTime(view);

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
  bank.setFinished(finished);
}

function renderCandidateNotes() {
  const candidates = [...state.participants.values()]
    .filter((p) => p.role === "candidate")
    .sort((a, b) => a.name.localeCompare(b.name));
  notes.renderCandidates($("candidate-notes"), candidates);
}

const renderBoard = () => board.render(state.board(), state.ranking);
const renderSkills = () => skills.render(state);

function renderAll() {
  renderSession();
  round.render();
  cards.render();
  renderBoard();
  renderSkills();
  renderPresence($("presence"), state.participants, state.me.participant_id);
  extraTime.render();
  renderCandidateNotes();
}

function renderPeople() {
  renderPresence($("presence"), state.participants, state.me.participant_id);
  renderBoard();
  renderSkills();
  round.renderAnswered();
  extraTime.render();
  renderCandidateNotes();
}

/** What each event changes on the panel, and what it says to a screen reader. */
const RENDERERS = {
  "participant.joined": renderPeople,
  "participant.left": renderPeople,
  "round.opened": (data) => {
    announce(`Question ${data.position} is open: ${data.question.title}`);
    round.render();
    cards.render();
    renderSession();
    extraTime.render();
    renderSkills();
    renderBoard(); // ranked by mean, a push moves it
  },
  "round.extended": () => extraTime.render(),
  "time.accommodated": () => extraTime.render(),
  "answer.submitted": (data) => {
    announce(`${state.nameOf(data.participant_id)} submitted an answer.`);
    round.renderAnswered();
    cards.render();
  },
  "candidate.signal": (data) => cards.signalArrived(data),
  "answer.verdict": () => {
    cards.render();
    renderBoard();
  },
  "answer.drafted": (data) => cards.draftArrived(data),
  "round.closed": () => {
    announce("The round is closed.");
    round.render();
    cards.render();
    renderBoard();
    extraTime.render();
  },
  "score.updated": (data) => {
    announce(`${state.nameOf(data.participant_id)} now has a mean of ${formatScore(data.score)} on that answer.`);
    cards.render();
    renderBoard();
    renderSkills();
  },
  "session.finished": () => {
    announce("The session has finished.");
    renderAll();
  },
};

async function main() {
  const live = await view.start({
    seat: () => panelSeat(),
    refused: (err) => showRefusal($("round-error"), `Could not take your seat on the panel: ${err.message}`),
    ready() {
      board = new Leaderboard($("leaderboard"));
      skills = new SkillsComparison($("skills-compare"));
    },
    welcomed(welcome) {
      skills.welcome(welcome.snapshot);
      notes.welcome(welcome);
      upNext.welcome(welcome.snapshot);
      renderAll();
      verdicts.welcome(welcome.snapshot);
    },
    // The other panels' tools learn of each event before the cards render it.
    before(frame) {
      skills.apply(frame);
      upNext.apply(frame);
      notes.apply(frame);
      verdicts.apply(frame);
    },
    renderers: RENDERERS,
    async reseat() {
      // Another tab or device joined the panel again, which replaced this token.
      try {
        return await panelSeat({ renew: true });
      } catch {
        return null;
      }
    },
  });
  if (!live) return;
  round.wire();
  bank.start();
  upNext.load();
  runAgainButton($("run-again"), code, $("run-again-error"));
}

main();
