// The panel's "Extra time": per candidate, more seconds on the open round (time.extend) and a
// standing share of every later round's time limit (time.accommodate). The bounds of both
// are the server's, from the welcome (state.limits).

import { $, h, show } from "./dom.js";
import { clockTime } from "./ui.js";

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

export class ExtraTime {
  /** @param {import("./boot.js").LiveView} view */
  constructor(view) {
    this.view = view;
    this.state = view.state;
    this.rows = new Map(); // participant_id -> {item, parts}
  }

  row(candidate) {
    const { state } = this;
    const { extend_seconds: extend, accommodation_pct: share } = state.limits;
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
      ...extend,
      value: 60,
      error: parts.error,
      onNumber: (seconds) =>
        this.send(parts, "time.extend", { participant_id: pid, seconds }, (ack) =>
          `Extended: ${state.nameOf(pid)} has until ${clockTime(ack.deadline)}.`,
        ),
    });
    parts.pct = numberForm({
      id: `pct-${pid}`,
      label: "Later rounds (+%)",
      button: "Save",
      ...share,
      value: candidate.extra_time_pct || 0,
      error: parts.error,
      onNumber: (pct) =>
        this.send(parts, "time.accommodate", { participant_id: pid, extra_time_pct: pct }, () =>
          `Saved: ${pct}% more time on every later round.`,
        ),
    });
    const fields = [parts.legend, parts.own, parts.extend.form, parts.pct.form, parts.status, parts.error];
    const item = h("li", {}, h("fieldset", { class: "time-row" }, ...fields));
    return { item, parts };
  }

  async send(parts, type, data, saidOnAck) {
    parts.status.textContent = this.view.connected ? "Saving…" : "Waiting for the connection…";
    try {
      const ack = await this.view.send(type, data);
      parts.status.textContent = saidOnAck(ack);
    } catch (err) {
      parts.status.textContent = "";
      parts.error.textContent = err.message;
    }
  }

  render() {
    const { state } = this;
    const candidates = [...state.participants.values()]
      .filter((p) => p.role === "candidate")
      .sort((a, b) => a.name.localeCompare(b.name));
    show($("time-empty"), candidates.length === 0);
    const open = Boolean(state.round) && state.status !== "finished";
    candidates.forEach((candidate, index) => {
      const pid = candidate.participant_id;
      let row = this.rows.get(pid);
      if (!row) {
        row = this.row(candidate);
        this.rows.set(pid, row);
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
}
