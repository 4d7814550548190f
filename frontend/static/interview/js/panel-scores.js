// The scoring part of the panel's answer cards: the score form (score and feedback), the
// scores given to older revisions, and the key-point coverage and test verdict, whose
// suggested score fills an empty form. The score's bounds are the server's (state.limits).

import { h, show } from "./dom.js";
import { coverageView, formatScore } from "./ui.js";
import { verdictView } from "./verdicts.js";

/** What the candidate and the room wait for before they see a new mean of this answer. */
export function awaitingText(awaiting) {
  if (!awaiting) return "";
  return ` · the candidate and the room see the panel's mean once ${awaiting} more of the panel ${
    awaiting === 1 ? "saves a score" : "save scores"
  }`;
}

export class Scoring {
  /**
   * @param {object} o
   * @param {import("./boot.js").LiveView} o.view
   * @param {import("./notes.js").PanelNotes} o.notes each answer's private notes field
   * @param {import("./verdicts.js").PanelVerdicts} o.verdicts the tests run here
   */
  constructor({ view, notes, verdicts }) {
    Object.assign(this, { view, notes, verdicts, state: view.state });
  }

  myScore(answer) {
    return answer.scores.find((entry) => entry.by === this.state.me.participant_id);
  }

  /** The score form of an answer, added to its card once the answer is there. */
  form(answer, parts) {
    const id = answer.answer_id;
    const mine = this.myScore(answer);
    const { min, max } = this.state.limits.score;
    Object.assign(parts, {
      score: h("input", {
        id: `score-${id}`,
        type: "number",
        min,
        max,
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
      this.save(id, parts);
    });
    parts.scoring.replaceChildren(form, parts.status, parts.error, this.notes.answerField(answer));
  }

  async save(answerId, parts) {
    const { state, view } = this;
    parts.error.textContent = "";
    const raw = parts.score.value.trim();
    const score = Number(raw);
    const { min, max } = state.limits.score;
    if (raw === "" || !Number.isInteger(score) || score < min || score > max) {
      parts.error.textContent = `The score is a whole number from ${min} to ${max}.`;
      parts.score.focus();
      return;
    }
    const feedback = parts.feedback.value;
    parts.status.textContent = view.connected ? "Saving…" : "Waiting for the connection…";
    try {
      const ack = await view.send("answer.score", { answer_id: answerId, score, feedback });
      const answer = state.answers.get(answerId);
      if (answer) {
        const me = state.me.participant_id;
        const others = answer.scores.filter((e) => e.by !== me);
        answer.scores = [...others, { by: me, score, feedback, revision: answer.revision }];
      }
      parts.status.textContent = `Saved: your score ${score}, panel mean ${formatScore(ack.mean)}.`;
    } catch (err) {
      parts.status.textContent = "";
      parts.error.textContent = err.message;
    }
  }

  /** The mean, the stale scores, the coverage and the verdict of an answer on its card. */
  render(answer, parts) {
    parts.mean.textContent =
      answer.score === null || answer.score === undefined
        ? "Not scored yet."
        : `Panel mean: ${formatScore(answer.score)} / 10${awaitingText(answer.awaiting)}`;
    this.renderStale(answer, parts);
    this.renderCoverage(answer, parts);
    this.renderVerdict(answer, parts);
  }

  /** Each score given to an older revision than the answer's newest: "scored revision 1 of 2". */
  renderStale(answer, parts) {
    const { state } = this;
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

  /** A suggested score fills the form while this interviewer has neither saved nor typed one. */
  suggest(answer, parts, suggested) {
    const mine = this.myScore(answer);
    const scored = mine && mine.score !== undefined;
    if (suggested !== undefined && suggested !== null && !scored && !parts.score.dataset.typed) {
      parts.score.value = String(suggested);
      parts.score.dataset.suggested = String(suggested);
    }
  }

  /** The key points this answer covers, ticked; the score they suggest fills an empty form. */
  renderCoverage(answer, parts) {
    const coverage = answer.coverage;
    show(parts.coverage, Boolean(coverage && coverage.points.length));
    if (!coverage || !coverage.points.length) return;
    parts.coverage.replaceChildren(...coverageView(coverage, this.state.keyPoints[answer.round_id]));
    // A suggestion, never saved by itself: the interviewer presses the button.
    this.suggest(answer, parts, coverage.suggested_score);
  }

  /** An exercise answer's verdict against the round's tests, or that it is being run; the
   * score it suggests fills an empty form, over the coverage's. */
  renderVerdict(answer, parts) {
    const { state } = this;
    const verdict = state.verdictOf(answer);
    const judging = this.verdicts.isJudging(answer);
    show(parts.verdict, Boolean(verdict || judging));
    if (!verdict) {
      parts.verdict.replaceChildren(judging ? h("p", { class: "muted" }, "Running the tests…") : "");
      return;
    }
    parts.verdict.replaceChildren(...verdictView(verdict, (id) => state.nameOf(id)));
    this.suggest(answer, parts, verdict.suggested_score);
  }
}
