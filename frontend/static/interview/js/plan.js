// A session's plan on the panel's page: the questions it was created with
// (`question_ids`) that have not been asked yet, "Up next", the first pushed with one click;
// and "Run again": a new session with another session's questions and settings, created
// through the ordinary session-create API (POST /api/sessions/).

import { api } from "./api.js";
import { $, h, show } from "./dom.js";
import { questionMeta } from "./ui.js";

const CREATED_KEY = "interview:created";

/** The planned questions not yet asked, in order: each push of a question uses up one
 * planned entry of it, whatever the order it was pushed in. */
export function remainingOf(plan, askedIds) {
  const asked = new Map();
  for (const id of askedIds) asked.set(id, (asked.get(id) || 0) + 1);
  return plan.filter((question) => {
    const left = asked.get(question.id) || 0;
    if (left > 0) asked.set(question.id, left - 1);
    return left === 0;
  });
}

/** Another session's questions for a new one: those it asked, in order, then those it
 * planned and did not get to. */
export function questionsOf(detail) {
  const ids = [...detail.asked];
  for (const id of remainingOf(detail.plan, detail.asked).map((q) => q.id)) ids.push(id);
  return ids.slice(0, 200);
}

/** A new session with the questions and settings of session `code`: the create response. */
export async function runAgain(code) {
  const detail = await api(`/api/sessions/${encodeURIComponent(code)}/`);
  const body = { title: `${detail.title} (again)`.slice(0, 200), question_ids: questionsOf(detail) };
  const limit = detail.settings && detail.settings.time_limit_s;
  if (limit) body.time_limit_s = limit;
  if (detail.show_verdicts) body.show_verdicts = true;
  if (detail.ranking) body.ranking = detail.ranking;
  return api("/api/sessions/", { method: "POST", body });
}

/** Hand a created session to the dashboard page, which shows its links (the panel invite
 * is shown only once): kept for this tab only. */
export function createdHandOver(created) {
  sessionStorage.setItem(CREATED_KEY, JSON.stringify(created));
}

/** The created session handed over by another page, once. */
export function createdTakeOver() {
  const raw = sessionStorage.getItem(CREATED_KEY);
  sessionStorage.removeItem(CREATED_KEY);
  try {
    return raw ? JSON.parse(raw) : null;
  } catch {
    return null;
  }
}

export class UpNext {
  /** `onPush(question)` pushes a question. */
  constructor({ code, onPush }) {
    this.code = code;
    this.onPush = onPush;
    this.plan = [];
    this.asked = [];
    this.finished = false;
    this.loaded = false;
  }

  async load() {
    try {
      const detail = await api(`/api/sessions/${encodeURIComponent(this.code)}/`);
      this.plan = detail.plan || [];
    } catch {
      this.plan = []; // the bank still pushes anything
    }
    this.loaded = true;
    this.render();
  }

  welcome(snapshot) {
    this.asked = (snapshot.rounds || []).map((round) => round.question.id);
    this.finished = snapshot.status === "finished";
    this.render();
  }

  apply(frame) {
    if (frame.type === "round.opened") this.asked = [...this.asked, frame.data.question.id];
    else if (frame.type === "session.finished") this.finished = true;
    else return;
    this.render();
  }

  render() {
    const card = $("up-next-card");
    if (!card || !this.loaded) return;
    const remaining = remainingOf(this.plan, this.asked);
    show(card, this.plan.length > 0 || this.finished);
    show($("run-again"), this.finished);
    const list = $("up-next");
    show(list, !this.finished && remaining.length > 0);
    $("up-next-status").textContent = this.finished
      ? "The session has finished: run it again with the same questions and settings."
      : remaining.length
        ? `${remaining.length} of ${this.plan.length} planned question${this.plan.length === 1 ? "" : "s"} left.`
        : "Every planned question has been asked.";
    list.replaceChildren(
      ...remaining.map((question, index) =>
        h(
          "li",
          { class: index === 0 ? "next" : "" },
          h("span", { class: "up-next-title", id: `up-next-${index}` }, question.title),
          h("span", { class: "meta" }, ` ${questionMeta(question)}`),
          index === 0
            ? h(
                "button",
                {
                  type: "button",
                  class: "primary",
                  id: "push-next",
                  "aria-describedby": `up-next-${index}`,
                  onclick: () => this.onPush(question),
                },
                "Push next question",
              )
            : null,
        ),
      ),
    );
  }
}

/** Wire a "Run again" button: a new session like `code`, then its links on the dashboard. */
export function runAgainButton(button, code, error) {
  button.addEventListener("click", async () => {
    button.disabled = true;
    error.textContent = "";
    try {
      createdHandOver(await runAgain(code));
      location.assign("/dashboard/");
    } catch (err) {
      error.textContent = `Could not create the new session: ${err.message}`;
      button.disabled = false;
    }
  });
}
