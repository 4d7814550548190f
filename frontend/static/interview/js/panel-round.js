// The panel's open round: its question, model answer and key points, its clock and who has
// answered; pushing a question, closing the round and finishing the session, asked first
// while the open round has time left.

import { confirmFirst } from "./confirm.js";
import { $, keyPoints, show, showMarkdown } from "./dom.js";
import { Countdown, clockText, questionMeta } from "./ui.js";

export class OpenRound {
  /** @param {import("./boot.js").LiveView} view */
  constructor(view) {
    this.view = view;
    this.state = view.state;
    this.countdown = new Countdown($("round-timer"), () => view.now());
  }

  render() {
    const round = this.state.round;
    const finished = this.state.status === "finished";
    show($("round-empty"), !round);
    show($("round-body"), Boolean(round));
    $("round-empty").textContent = finished
      ? "The session has finished."
      : "No question is open. Push one from the question bank.";
    $("close-round").disabled = !round || finished;
    if (!round) {
      this.countdown.stop();
      return;
    }
    $("round-title").textContent = `Q${round.position} · ${round.question.title}`;
    $("round-meta").textContent = `${questionMeta(round.question)} · ${round.time_limit_s} s`;
    showMarkdown($("round-prompt"), round.question.prompt_html, round.question.prompt);
    showMarkdown($("round-model"), round.model_answer_html, round.model_answer);
    $("round-points").replaceChildren(...keyPoints(round.key_points_html, round.key_points));
    this.countdown.set(round.deadline, round.time_limit_s);
    this.renderAnswered();
  }

  renderAnswered() {
    const { state } = this;
    if (!state.round) return;
    const candidates = [...state.participants.values()].filter((p) => p.role === "candidate");
    $("round-answered").textContent =
      `${state.round.answered.length} of ${candidates.length} candidates answered`;
  }

  // --- asking before the open round ends ------------------------------------------------------

  /** The open round's time left, in ms, to its last deadline (a candidate's extra time included). */
  leftMs() {
    const round = this.state.round;
    const deadlines = [round.deadline, ...Object.values(round.deadlines)].map((d) => Date.parse(d));
    return Math.max(...deadlines) - this.view.now();
  }

  /** "1 candidate has not answered", "every candidate has answered", or "" without candidates. */
  unansweredText() {
    const { state } = this;
    const candidates = [...state.participants.values()].filter((p) => p.role === "candidate");
    const waiting = candidates.filter((p) => !state.round.answered.includes(p.participant_id)).length;
    if (!candidates.length) return "";
    if (!waiting) return "every candidate has answered";
    return `${waiting} candidate${waiting === 1 ? " has" : "s have"} not answered`;
  }

  /** "Question 1 has 3:31 left and 1 candidate has not answered", of the open round. */
  text() {
    const left = this.leftMs();
    const time = left > 0 ? `has ${clockText(left)} left` : "is open, its time up";
    const waiting = this.unansweredText();
    return `Question ${this.state.round.position} ${time}${waiting ? ` and ${waiting}` : ""}`;
  }

  /** With time left on the open round, whether to close it for the next question. */
  async pushConfirmed() {
    const { state } = this;
    if (!state.round || this.leftMs() <= 0) return true;
    const next = state.round.position + 1;
    return confirmFirst({
      title: "Close the open question?",
      describe: () =>
        state.round ? `${this.text()}. Close it and push question ${next}?` : `Push question ${next}?`,
      confirm: "Close it and push",
    });
  }

  finishConfirmed() {
    return confirmFirst({
      title: "Finish the session?",
      describe: () =>
        this.state.round
          ? `${this.text()}. Finishing closes it and ends the session; ` +
            "answers can still be scored afterwards."
          : "No question is open. Finishing ends the session; answers can still be scored afterwards.",
      confirm: "Finish session",
    });
  }

  // --- the commands ---------------------------------------------------------------------------

  /** Push a question of the bank or the plan, with the time limit typed beside the bank. */
  async push(question) {
    const error = $("push-error");
    error.textContent = "";
    const data = { question_id: question.id };
    const limit = $("push-limit").value.trim();
    const bounds = this.state.limits && this.state.limits.time_limit_s;
    if (limit) {
      const seconds = Number(limit);
      const outside = bounds && (seconds < bounds.min || seconds > bounds.max);
      if (!Number.isInteger(seconds) || outside) {
        error.textContent = bounds
          ? `The time limit is a whole number of seconds from ${bounds.min} to ${bounds.max}.`
          : "The time limit is a whole number of seconds.";
        $("push-limit").focus();
        return;
      }
      data.time_limit_s = seconds;
    }
    if (!(await this.pushConfirmed())) return;
    try {
      await this.view.send("question.push", data);
    } catch (err) {
      error.textContent = `Could not push “${question.title}”: ${err.message}`;
    }
  }

  /** The "Close round" and "Finish session" buttons. */
  wire() {
    $("close-round").addEventListener("click", async () => {
      $("round-error").textContent = "";
      try {
        await this.view.send("question.close");
      } catch (err) {
        $("round-error").textContent = err.message;
      }
    });
    $("finish").addEventListener("click", async () => {
      $("finish-error").textContent = "";
      if (!(await this.finishConfirmed())) return;
      try {
        await this.view.send("session.finish");
      } catch (err) {
        $("finish-error").textContent = err.message;
      }
    });
  }
}
