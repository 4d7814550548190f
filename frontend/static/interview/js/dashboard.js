// The interviewer's dashboard: their sessions, and a new one with its invite links.

import { api } from "./api.js";
import { $, h, show } from "./dom.js";
import { createdTakeOver, runAgain } from "./plan.js";
import { seatSave } from "./store.js";

const STATUS = { lobby: "Lobby", live: "Live", finished: "Finished" };

async function copy(text, button) {
  try {
    await navigator.clipboard.writeText(text);
  } catch {
    // No clipboard API outside secure contexts: select the field for Ctrl-C instead.
    const field = button.previousElementSibling;
    field.select();
    document.execCommand("copy");
  }
  const label = button.textContent;
  button.textContent = "Copied";
  setTimeout(() => {
    button.textContent = label;
  }, 1500);
}

function linkField(id, label, url) {
  return h(
    "div",
    { class: "field" },
    h("label", { for: id }, label),
    h(
      "div",
      { class: "copy-row" },
      h("input", { id, value: url, readonly: true, class: "code-input", spellcheck: "false" }),
      h(
        "button",
        {
          type: "button",
          "aria-label": `Copy ${label.toLowerCase()}`,
          onclick: (event) => copy(url, event.currentTarget),
        },
        "Copy",
      ),
    ),
  );
}

function showCreated(created) {
  $("created-code").textContent = created.code;
  $("created-title").textContent = created.title;
  $("created-links").replaceChildren(
    linkField("link-candidate", "Candidate link", created.join_url),
    linkField("link-spectator", "Spectator link", created.spectate_url),
    linkField("link-panel", "Panel invite link", created.panel_invite_url),
  );
  $("created-open").href = `/dashboard/s/${created.code}/`;
  show($("created"));
  $("created-heading").setAttribute("tabindex", "-1");
  $("created-heading").focus();
}

async function loadSessions() {
  const status = $("sessions-status");
  const table = $("sessions-table");
  try {
    const page = await api("/api/sessions/?page_size=100");
    const sessions = page.results || page;
    const rows = sessions.map((session) =>
      h(
        "tr",
        {},
        h("td", {}, session.title),
        h("td", {}, h("span", { class: "code" }, session.code)),
        h("td", {}, h("span", { class: "status-pill", "data-status": session.status }, STATUS[session.status] || session.status)),
        h("td", {}, new Date(session.created_at).toLocaleString()),
        h(
          "td",
          { class: "row-actions" },
          h("a", { href: `/dashboard/s/${session.code}/`, "aria-label": `Open ${session.title}` }, "Open"),
          h("a", { href: `/s/${session.code}/results`, "aria-label": `Results of ${session.title}` }, "Results"),
          h(
            "button",
            {
              type: "button",
              class: "button-link",
              "aria-label": `Run again: ${session.title}`,
              onclick: (event) => again(session, event.currentTarget),
            },
            "Run again",
          ),
        ),
      ),
    );
    table.tBodies[0].replaceChildren(...rows);
    show(table, rows.length > 0);
    status.textContent = rows.length ? "" : "No sessions yet: create one above.";
  } catch (err) {
    status.textContent = `Could not load your sessions: ${err.message}`;
  }
}

/** A created session: its seat kept, its links shown (the panel invite only now). */
function created(session) {
  seatSave(session.code, "interviewer", {
    token: session.interviewer_token,
    participant_id: session.participant_id,
  });
  showCreated(session);
  // A session "Run again" created on its own page comes here to show its links.
const handedOver = createdTakeOver();
if (handedOver) created(handedOver);
else loadSessions();
}

/** "Run again": a new session with this one's questions and settings. */
async function again(session, button) {
  const status = $("sessions-status");
  button.disabled = true;
  status.textContent = "";
  try {
    created(await runAgain(session.code));
  } catch (err) {
    status.textContent = `Could not run ${session.title} again: ${err.message}`;
  } finally {
    button.disabled = false;
  }
}

$("create-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const error = $("create-error");
  error.textContent = "";
  const title = $("session-title").value.trim();
  const limit = $("session-limit").value.trim();
  if (!title) {
    error.textContent = "Give the session a title.";
    $("session-title").focus();
    return;
  }
  const body = {
    title,
    ranking: event.target.elements.ranking.value || "total",
    show_verdicts: $("session-show-verdicts").checked,
  };
  if (limit) body.time_limit_s = Number(limit);
  const button = event.submitter || event.target.querySelector("button[type=submit]");
  button.disabled = true;
  try {
    created(await api("/api/sessions/", { method: "POST", body }));
    event.target.reset();
  } catch (err) {
    error.textContent = err.message;
  } finally {
    button.disabled = false;
  }
});

// A session "Run again" created on its own page comes here to show its links.
const handedOver = createdTakeOver();
if (handedOver) created(handedOver);
else loadSessions();
