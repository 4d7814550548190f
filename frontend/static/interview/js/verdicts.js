// Verdicts on exercise answers, for the panel: each revision of an answer to an exercise
// (submitted, or a draft kept at the close) is run in this browser's sandbox against the
// round's examples and hidden tests (harness.js), and the result is sent as answer.verdict.
// The server keeps the first report per revision and tells the panel (answer.verdict); the
// card shows the kept one, "5 of 7 tests passed" with each failing test's name and message,
// and says so when another panel member's browser found otherwise (docs/protocol.md,
// "Verdicts"). Nothing here is believed beyond this panel: a verdict informs a score.

import { h } from "./dom.js";
import { runTests } from "./harness.js";
import { PythonRunner } from "./runner.js";

/** "5 of 7 tests passed". */
export function passedText(verdict) {
  return `${verdict.passed} of ${verdict.total} tests passed`;
}

/** A verdict as a card or the results show it to the panel: the count, each failing test
 * with its message, a disagreement, the suggested score with the tests. */
export function verdictView(verdict, nameOf) {
  const all = verdict.passed === verdict.total;
  const failures = verdict.failures || [];
  const missing = verdict.total - verdict.passed - failures.length;
  const disagreement = verdict.disagreement;
  return [
    h(
      "p",
      { class: "verdict-summary", dataset: { all: String(all) } },
      h("strong", {}, passedText(verdict)),
      verdict.suggested_score !== undefined && verdict.suggested_score !== null
        ? ` · suggested score with the tests ${verdict.suggested_score}`
        : "",
    ),
    failures.length
      ? h(
          "ul",
          { class: "verdict-failures", "aria-label": "Failing tests" },
          failures.map((f) =>
            h("li", {}, h("span", { class: "test-name" }, f.name), f.message ? `: ${f.message}` : ""),
          ),
          missing > 0 ? h("li", { class: "muted" }, `and ${missing} more`) : null,
        )
      : null,
    disagreement
      ? h(
          "p",
          { class: "verdict-disagreement", role: "note" },
          `Disagreement: ${nameOf(disagreement.by)}'s browser found ${passedText(disagreement)}. `,
          "The verdict above was the first reported; the panel decides.",
        )
      : null,
  ].filter(Boolean);
}

export class PanelVerdicts {
  /**
   * `state`: the SessionState (its verdicts, answers, round); `send(type, data)`: the live
   * socket's; `onJudging()`: called when a run starts or ends, for the cards to re-render.
   */
  constructor({ state, send, onJudging }) {
    this.state = state;
    this.send = send;
    this.onJudging = onJudging;
    this.runner = null;
    this.tests = new Map(); // round_id -> the examples then the hidden tests
    this.judging = new Set(); // `${answer_id}:${revision}` being run here
    this.judged = new Set(); // ... run here already (once per revision and page)
  }

  /** Whether this browser is running the tests of that revision now. */
  isJudging(answer) {
    return this.judging.has(`${answer.answer_id}:${answer.revision}`);
  }

  /** The open round's tests from the snapshot; its answers without a verdict are run now. */
  welcome(snapshot) {
    if (snapshot.round) this.#remember(snapshot.round);
    for (const answer of this.state.answers.values()) {
      if (!this.state.verdictOf(answer)) this.#judge(answer);
    }
  }

  apply(frame) {
    const { type, data } = frame;
    if (type === "round.opened") this.#remember(data);
    else if (type === "answer.submitted" && data.text !== undefined) this.#judge(data);
  }

  #remember(round) {
    if (round.question.kind !== "exercise" || !Array.isArray(round.tests)) return;
    this.tests.set(round.round_id, [...(round.examples || []), ...round.tests]);
    // Loaded now, so that an answer's verdict need not wait for Python to load.
    this.runner ??= new PythonRunner();
    this.runner.start().catch(() => {});
  }

  async #judge(answer) {
    const tests = this.tests.get(answer.round_id);
    const key = `${answer.answer_id}:${answer.revision}`;
    if (!tests || !tests.length || answer.text === undefined || this.judged.has(key)) return;
    this.judged.add(key);
    this.judging.add(key);
    this.onJudging();
    try {
      const { results } = await runTests(this.runner, answer.text, tests);
      const failures = results
        .filter((r) => !r.passed)
        .map((r) => ({ name: r.name.slice(0, 120), message: r.message.slice(0, 500) }))
        .slice(0, 100);
      await this.send("answer.verdict", {
        answer_id: answer.answer_id,
        revision: answer.revision,
        passed: results.filter((r) => r.passed).length,
        total: results.length,
        failures,
      });
    } catch {
      // Python did not start, or the socket refused: another panel member's browser, or the
      // next revision, will say; this one may run it again on a reload.
      this.judged.delete(key);
    } finally {
      this.judging.delete(key);
      this.onJudging();
    }
  }
}
