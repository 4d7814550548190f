// Pieces the views share: countdown, leaderboard, presence, the join form, labels, code.

import { ApiError, joinSession } from "./api.js";
import { $, h, setTrustedHtml, show } from "./dom.js";
import { seatSave } from "./store.js";

export const DIFFICULTY = { 1: "Easy", 2: "Medium", 3: "Hard" };

export function questionMeta(question) {
  const level = DIFFICULTY[question.difficulty] || `Level ${question.difficulty}`;
  return `${question.category} · ${level}`;
}

/** A server time as the local wall clock shows it: "14:05:30". */
export function clockTime(iso) {
  return new Date(iso).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit" });
}

export function formatScore(value) {
  if (value === null || value === undefined) return "–";
  return Number(value).toFixed(Number.isInteger(Number(value)) ? 0 : 1);
}

/** mm:ss of a number of milliseconds, never negative. */
export function clockText(ms) {
  const total = Math.max(0, Math.ceil(ms / 1000));
  const minutes = Math.floor(total / 60);
  const seconds = String(total % 60).padStart(2, "0");
  return `${minutes}:${seconds}`;
}

/** A countdown to a server deadline, ticking on the server's clock. */
export class Countdown {
  /** @param {() => void} [onExpired] called once when a deadline it counts down to passes */
  constructor(el, serverNow, onExpired = null) {
    this.el = el;
    this.serverNow = serverNow;
    this.onExpired = onExpired;
    this.deadline = null;
    this.timer = null;
  }

  /** Whether the deadline it counts down to has passed. */
  get expired() {
    return this.deadline !== null && this.deadline <= this.serverNow();
  }

  /** Count down to the deadline; never above the round's limit (the clock offset is approximate). */
  set(deadlineIso, limitSeconds = null) {
    this.deadline = deadlineIso ? Date.parse(deadlineIso) : null;
    this.limitMs = limitSeconds ? limitSeconds * 1000 : Infinity;
    clearInterval(this.timer);
    show(this.el, this.deadline !== null);
    if (this.deadline === null) return;
    this.tick();
    this.timer = setInterval(() => this.tick(), 250);
  }

  tick() {
    const left = Math.min(this.limitMs, this.deadline - this.serverNow());
    const text = left > 0 ? clockText(left) : "Time's up";
    if (this.el.textContent !== text) this.el.textContent = text;
    this.el.classList.toggle("urgent", left > 0 && left <= 30_000);
    this.el.classList.toggle("expired", left <= 0);
    if (left <= 0) {
      clearInterval(this.timer);
      if (this.onExpired) this.onExpired();
    }
  }

  stop() {
    this.set(null);
  }
}

/**
 * The leaderboard as an ordered list of rows keyed by participant. When the order changes
 * the rows slide to their new places (FLIP: measure, reorder, invert, let CSS transition).
 */
export class Leaderboard {
  constructor(el, { me = null } = {}) {
    this.el = el;
    this.me = me;
    this.rows = new Map();
    this.ranking = null;
    // Which rule ranks the rows: said above them, in words.
    this.rule = h("p", { class: "hint ranking-rule" });
    el.before(this.rule);
  }

  /** The rows in rank order; `ranking` is the session's rule, "total" or "mean". */
  render(rows, ranking = "total") {
    if (ranking !== this.ranking) {
      this.ranking = ranking;
      this.rule.textContent = RANKING_RULES[ranking] || RANKING_RULES.total;
      this.el.dataset.ranking = ranking;
    }
    const before = new Map();
    for (const [id, li] of this.rows) before.set(id, li.getBoundingClientRect().top);
    const ordered = rows.map((row) => this.row(row));
    const current = new Set(rows.map((row) => row.participant_id));
    for (const id of [...this.rows.keys()]) {
      if (!current.has(id)) this.rows.delete(id);
    }
    this.el.replaceChildren(...ordered);
    if (!rows.length) this.el.append(h("li", { class: "empty muted" }, "No candidates yet."));
    if (matchMedia("(prefers-reduced-motion: reduce)").matches) return;
    // FLIP: each moved row starts where it was and slides (CSS transition) to where it is.
    for (const row of rows) {
      const li = this.rows.get(row.participant_id);
      if (!before.has(row.participant_id)) continue;
      const delta = before.get(row.participant_id) - li.getBoundingClientRect().top;
      if (!delta) continue;
      li.classList.remove("moving");
      li.style.transform = `translateY(${delta}px)`;
      requestAnimationFrame(() => {
        requestAnimationFrame(() => {
          li.classList.add("moving");
          li.style.transform = "";
        });
      });
      li.addEventListener("transitionend", () => li.classList.remove("moving"), { once: true });
    }
  }

  /** The row of one candidate, made once and updated in place. */
  row(row) {
    let li = this.rows.get(row.participant_id);
    if (!li) {
      li = h(
        "li",
        { class: "board-row" },
        h("span", { class: "rank" }),
        h("span", { class: "name" }, h("span", { class: "joined meta" })),
        h("span", { class: "passes" }),
        h("span", { class: "total" }),
      );
      // The name's text, before the "joined at" note, changes alone.
      li.querySelector(".name").prepend(document.createTextNode(""));
      this.rows.set(row.participant_id, li);
    }
    li.querySelector(".rank").textContent = `#${row.rank}`;
    li.querySelector(".name").firstChild.textContent = row.name;
    li.querySelector(".joined").textContent = joinedText(row);
    // The open round's pass count, when the session shows the room verdicts (state.board()).
    const passes = li.querySelector(".passes");
    passes.textContent = row.passes ? `✓ ${row.passes.passed}/${row.passes.total}` : "";
    if (row.passes) passes.title = `${row.passes.passed} of ${row.passes.total} tests passed`;
    else passes.removeAttribute("title");
    const total = li.querySelector(".total");
    const text =
      this.ranking === "mean" ? `${formatScore(row.mean || 0)} mean · ${formatScore(row.total)} pts` : `${formatScore(row.total)} pts`;
    if (total.textContent && total.textContent !== text) flash(li);
    total.textContent = text;
    li.classList.toggle("me", row.participant_id === this.me);
    li.dataset.rank = row.rank;
    return li;
  }
}

/** What each ranking rule says above the leaderboard. */
export const RANKING_RULES = {
  total: "Ranked by total score. Ties go to more questions answered.",
  mean: "Ranked by mean score over the questions asked while each candidate was present. Ties go to more questions answered.",
};

/** " · joined at question 2" for a candidate who joined after the first question; else "". */
export function joinedText(row) {
  return row.joined_at > 1 ? ` · joined at question ${row.joined_at}` : "";
}

function flash(el) {
  el.classList.remove("changed");
  // Reading layout restarts the CSS animation on the same element.
  void el.offsetWidth;
  el.classList.add("changed");
}

const ROLE_LABEL = { interviewer: "Interviewer", candidate: "Candidate", spectator: "Spectator" };
const ROLE_ORDER = { interviewer: 0, candidate: 1, spectator: 2 };

/** Who is in the session, online first. */
export function renderPresence(el, participants, me) {
  const people = [...participants.values()].sort(
    (a, b) =>
      Number(b.online) - Number(a.online) ||
      ROLE_ORDER[a.role] - ROLE_ORDER[b.role] ||
      a.name.localeCompare(b.name),
  );
  el.replaceChildren(
    ...people.map((p) =>
      h(
        "li",
        { class: `person ${p.online ? "online" : "offline"}` },
        h("span", { class: "dot", "aria-hidden": "true" }),
        h("span", { class: "name" }, p.name, p.participant_id === me ? " (you)" : ""),
        h("span", { class: "role" }, ROLE_LABEL[p.role] || p.role),
        h("span", { class: "visually-hidden" }, p.online ? ", online" : ", offline"),
      ),
    ),
  );
}

/** How many watch: spectators are counted, not listed, outside the panel. */
export function renderWatching(el, counts) {
  const n = counts.spectators;
  el.textContent = n === 0 ? "Nobody is watching." : `${n} ${n === 1 ? "person is" : "people are"} watching.`;
}

/** The "Display name + Join" card of the candidate and spectator pages; resolves the seat. */
export function joinWithName(code, role) {
  const card = $("join-card");
  const form = $("join-form");
  const input = $("join-name");
  const error = $("join-error");
  show(card);
  input.focus();
  return new Promise((resolve) => {
    // One handler at a time: a second call (a re-join after 4401) replaces the first.
    form.onsubmit = async (event) => {
      event.preventDefault();
      error.textContent = "";
      const name = input.value.trim();
      if (!name) {
        error.textContent = "Enter a display name.";
        input.focus();
        return;
      }
      const button = form.querySelector("button[type=submit]");
      button.disabled = true;
      try {
        const joined = await joinSession(code, { display_name: name, role });
        const seat = {
          token: joined.token,
          participant_id: joined.participant_id,
          name: joined.display_name,
        };
        seatSave(code, role, seat);
        show(card, false);
        form.onsubmit = null;
        button.disabled = false; // ready for a re-join, should this seat ever be refused
        resolve(seat);
      } catch (err) {
        error.textContent = err instanceof ApiError ? err.message : "Could not join.";
        button.disabled = false;
        input.focus();
      }
    };
  });
}

/**
 * The candidate's or spectator's page once they have joined (or, with false, while they join
 * again): the session and, in the header, their name and the connection's state; nothing of
 * the connection shows before they have joined.
 */
export function showJoined(joined = true) {
  show($("live"), joined);
  show($("session-meta"), joined);
}

export function setStatusPill(el, status) {
  const words = { lobby: "lobby", live: "live", finished: "finished" };
  el.textContent = words[status] || status;
  el.dataset.status = status;
}

let codeModule = null;
const shownCode = new WeakMap(); // pre -> the text it shows

/** code.js (the editor, the highlighter), loaded once on first need; null if it fails. */
export function loadCode() {
  codeModule ??= import("./code.js").catch(() => null);
  return codeModule;
}

/** An answer as code: monospaced text at once, highlighted as Python when code.js is in. */
export function showCode(pre, text) {
  if (shownCode.has(pre) && shownCode.get(pre) === text) return;
  shownCode.set(pre, text);
  pre.textContent = text || "(empty)";
  if (!text) return;
  loadCode().then((code) => {
    if (code && shownCode.get(pre) === text) code.highlightInto(pre, text);
  });
}

/** A new element showing an answer as code (see showCode). */
export function codeBlock(text, className) {
  // Long answers scroll inside the block: focusable, so the keyboard scrolls them too.
  const pre = h("pre", { class: `code-block ${className}`, tabindex: 0 });
  showCode(pre, text);
  return pre;
}

/**
 * An answer's key-point coverage (the panel's): "Key points: 3 of 4 covered · suggested score
 * 8" and each key point ticked or not. `known` is the round's key points, `{text, html?}`;
 * without them the points are numbered.
 */
export function coverageView(coverage, known) {
  const covered = coverage.points.filter(Boolean).length;
  const items = coverage.points.map((hit, i) => {
    const label = h("span", { class: "md" });
    if (known && known.html && typeof known.html[i] === "string") setTrustedHtml(label, known.html[i]);
    else label.textContent = known && known.text[i] !== undefined ? known.text[i] : `Key point ${i + 1}`;
    return h(
      "li",
      { class: hit ? "covered" : "missed" },
      h("span", { class: "tick", "aria-hidden": "true" }, hit ? "✓" : "·"),
      h("span", { class: "visually-hidden" }, hit ? "Covered: " : "Not covered: "),
      label,
    );
  });
  const suggested = coverage.suggested_score;
  return [
    h(
      "p",
      { class: "coverage-summary" },
      h("strong", {}, `Key points: ${covered} of ${coverage.points.length} covered`),
      suggested === null ? "" : ` · suggested score ${suggested}`,
    ),
    h("ul", { class: "coverage-points" }, items),
  ];
}
