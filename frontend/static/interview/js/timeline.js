// The session's timeline on the results page: pages of items from the server (GET
// /api/sessions/{code}/timeline?after=<seq>), shown round by round, loaded on demand.
// Each answer revision shows what changed since the one before, as the server diffed it.

import { api } from "./api.js";
import { h } from "./dom.js";
import { signalText } from "./signals.js";
import { clockTime, formatScore } from "./ui.js";

const PAGE = 50;

const CLOSE_REASONS = {
  interviewer: "closed by the panel",
  deadline: "time ran out",
  next_question: "closed by the next question",
};

/** "+1:05" since the round opened; the absolute time when the item has no round. */
function when(item) {
  if (item.t === null || item.t === undefined) return new Date(item.at).toLocaleTimeString();
  const seconds = Math.max(0, Math.floor(item.t));
  return `+${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, "0")}`;
}

/** A revision's diff as text with removed and added runs marked. */
export function diffBlock(diff) {
  return h(
    "pre",
    { class: "diff" },
    diff.map(([op, text, added]) => {
      if (op === "+") return h("ins", {}, text);
      if (op === "-") return h("del", {}, text);
      if (op === "~") return h("span", { class: "diff-skip" }, `… ${text} unchanged characters …`);
      if (op === "*") {
        return h("span", { class: "diff-skip" }, `… rewritten: ${text} characters replaced by ${added} …`);
      }
      return text;
    }),
  );
}

function who(data, me) {
  if (me !== null && data.participant_id === me) return "You";
  return data.name || `Participant ${data.participant_id}`;
}

function describe(item, me) {
  const data = item.data;
  switch (item.type) {
    case "round.opened":
      return [h("strong", {}, `Q${data.position} pushed`), `: ${data.question.title}`];
    case "round.closed":
      return [h("strong", {}, "Round closed"), ` (${CLOSE_REASONS[data.reason] || data.reason})`];
    case "answer.submitted": {
      const head = [
        h("strong", {}, who(data, me)),
        data.at_close
          ? `: revision ${data.revision} kept at the close, as typed`
          : ` submitted revision ${data.revision}`,
        data.chars !== undefined ? ` (${data.chars} characters)` : "",
      ];
      return data.diff ? [h("p", { class: "timeline-what" }, head), diffBlock(data.diff)] : head;
    }
    case "candidate.signal":
      return [h("strong", {}, who(data, me)), ` ${signalText(data)}`];
    case "score.updated": {
      const parts = [h("strong", {}, data.by_name || "The panel")];
      parts.push(
        data.by_score !== undefined
          ? ` scored ${who(data, me)}'s answer ${data.by_score}`
          : ` scored ${me !== null ? "your" : `${who(data, me)}'s`} answer`,
      );
      parts.push(` · panel mean ${formatScore(data.score)}`);
      if (data.revision !== undefined) parts.push(` · revision ${data.revision}`);
      return parts;
    }
    case "feedback.updated": {
      // The interviewer's words, with their name: never beside a score.
      const to = me !== null ? "you" : who(data, me);
      return [
        h("strong", {}, data.by_name || "The panel"),
        ` wrote to ${to}: `,
        h("span", { class: "timeline-feedback" }, data.feedback ? `“${data.feedback}”` : "(no feedback)"),
      ];
    }
    case "round.extended": {
      const given = me !== null && data.participant_id === me ? "were" : "was";
      const extra = data.extra_s !== undefined ? ` (+${data.extra_s} s)` : "";
      return [h("strong", {}, who(data, me)), ` ${given} given until ${clockTime(data.deadline)}${extra}`];
    }
    case "time.accommodated":
      return [h("strong", {}, who(data, me)), ` gets +${data.extra_time_pct}% time on later rounds`];
    case "note.updated": {
      // The panel's alone: a candidate's timeline never holds one.
      const about = data.answer_id ? `${who(data, me)}'s answer` : who(data, me);
      const said = data.text ? [h("span", { class: "timeline-note" }, ` · “${data.text}”`)] : [" (cleared)"];
      return [h("strong", {}, data.by_name || "The panel"), ` noted privately on ${about}`, ...said];
    }
    case "answer.verdict": {
      // The panel's browsers ran the answer against the tests; the room sees only the count.
      const whose = me !== null && data.participant_id === me ? "your" : `${who(data, me)}'s`;
      const parts = [
        h("strong", {}, `Tests: ${data.passed} of ${data.total} passed`),
        ` on ${whose} revision ${data.revision}`,
      ];
      if (data.by_name) parts.push(` · run by ${data.by_name}`);
      if (data.disagreement) {
        parts.push(` · disagreement: another browser found ${data.disagreement.passed} of ${data.disagreement.total}`);
      }
      return parts;
    }
    case "session.finished":
      return [h("strong", {}, "Session finished")];
    default:
      return [h("strong", {}, item.type)];
  }
}

export class Timeline {
  /** A timeline card in ``root``; ``me`` is the candidate's participant id, or null for the panel. */
  constructor(root, { code, headers = {}, me = null }) {
    this.url = `/api/sessions/${encodeURIComponent(code)}/timeline`;
    this.headers = headers;
    this.me = me;
    this.after = 0;
    this.list = h("ol", { class: "timeline", "aria-labelledby": "timeline-heading" });
    this.status = h("p", { class: "muted", role: "status" });
    this.more = h("button", { type: "button", hidden: true }, "Load more");
    this.more.addEventListener("click", () => this.load());
    root.replaceChildren(
      h("h2", { id: "timeline-heading" }, "Timeline"),
      h("p", { class: "hint" }, "Times are since each question was pushed."),
      this.list,
      this.status,
      this.more,
    );
  }

  /** The next page, appended; the button stays while more remain. */
  async load() {
    this.more.disabled = true;
    this.status.textContent = "Loading…";
    try {
      const query = `?after=${this.after}&limit=${PAGE}`;
      const page = await api(this.url + query, { headers: this.headers });
      for (const item of page.results) this.list.append(this.row(item));
      if (page.results.length) this.after = page.results[page.results.length - 1].seq;
      if (page.next) this.after = Number(new URL(page.next, location.href).searchParams.get("after"));
      this.more.hidden = !page.next;
      this.status.textContent = this.list.children.length ? "" : "Nothing happened yet.";
    } catch (err) {
      this.status.textContent = `Could not load the timeline: ${err.message}`;
    } finally {
      this.more.disabled = false;
    }
  }

  row(item) {
    return h(
      "li",
      { class: `timeline-item ${item.type.replace(".", "-")}`, "data-seq": item.seq },
      h("span", { class: "timeline-time" }, when(item)),
      h("div", { class: "timeline-body" }, describe(item, this.me)),
    );
  }
}
