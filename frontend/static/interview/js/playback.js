// Playback on the results timeline (the panel's alone): how a candidate's answer was written.
// The server keeps a snapshot of each candidate's draft at most every 5 s, and every revision
// (GET /api/sessions/{code}/playback?round_id=&participant_id=); a slider named "Playback"
// steps through them, each timed from the question's push.

import { api } from "./api.js";
import { h } from "./dom.js";
import { codeBlock, showCode } from "./ui.js";

/** "+1:05": seconds since the push. */
function sincePush(t) {
  const seconds = Math.max(0, Math.floor(t));
  return `+${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, "0")}`;
}

function stepText(step, index, count) {
  const what =
    step.kind === "draft"
      ? "draft, as typed"
      : step.at_close
        ? `revision ${step.revision}, kept at the close`
        : `revision ${step.revision}, submitted`;
  return `${sincePush(step.t)} · ${what} · step ${index + 1} of ${count}`;
}

/** The playback's section, for the panel's results (`results` as the API gives them). */
export function playbackSection(code, results) {
  const url = `/api/sessions/${encodeURIComponent(code)}/playback`;
  const choice = h("select", { id: "playback-answer" });
  for (const round of results.rounds) {
    for (const candidate of results.candidates) {
      const value = `${round.round_id}:${candidate.participant_id}`;
      choice.append(h("option", { value }, `Q${round.position} · ${candidate.name}`));
    }
  }
  const slider = h("input", {
    id: "playback-slider",
    type: "range",
    min: 0,
    max: 0,
    step: 1,
    value: 0,
    disabled: true,
  });
  const when = h("p", { class: "playback-when", role: "status" });
  const text = codeBlock("", "playback-text");
  let steps = [];
  let request = 0;

  function showStep() {
    const index = Number(slider.value);
    const step = steps[index];
    if (!step) return;
    const said = stepText(step, index, steps.length);
    when.textContent = said;
    slider.setAttribute("aria-valuetext", said);
    showCode(text, step.text);
  }

  async function load() {
    const [roundId, participantId] = choice.value.split(":");
    const mine = ++request;
    slider.disabled = true;
    when.textContent = "Loading…";
    try {
      const played = await api(`${url}?round_id=${roundId}&participant_id=${participantId}`);
      if (mine !== request) return; // another answer was chosen meanwhile
      steps = played.steps;
      slider.max = String(Math.max(0, steps.length - 1));
      slider.value = "0";
      slider.disabled = steps.length < 2;
      if (steps.length) showStep();
      else {
        when.textContent = "Nothing was typed.";
        slider.removeAttribute("aria-valuetext");
        showCode(text, "");
      }
    } catch (err) {
      if (mine === request) when.textContent = `Could not load the playback: ${err.message}`;
    }
  }

  choice.addEventListener("change", load);
  slider.addEventListener("input", showStep);
  if (choice.options.length) load();
  return h(
    "section",
    { class: "playback", "aria-labelledby": "playback-heading" },
    h("h3", { id: "playback-heading" }, "How each answer was written"),
    h(
      "p",
      { class: "hint" },
      "The draft as the candidate typed it (a snapshot at most every 5 s) and each revision, timed from the push. The panel's alone.",
    ),
    h(
      "div",
      { class: "playback-controls" },
      h("div", { class: "field" }, h("label", { for: choice.id }, "Answer to play back"), choice),
      h("div", { class: "field grow" }, h("label", { for: slider.id }, "Playback"), slider),
    ),
    when,
    text,
  );
}
