// The panel's private notes on the dashboard: a "Private note" under each answer's score
// form and "Notes on this candidate" per candidate. Each interviewer writes their own; the
// panel reads everyone's. They travel as `note.save` / `note.updated`, which the server sends
// to the panel alone: no candidate or spectator ever receives one.

import { h, show } from "./dom.js";

const noteKey = (answerId, participantId, by) => `${answerId ?? "-"}:${participantId}:${by}`;

export class PanelNotes {
  /** `send(type, data)` sends a command and resolves with its ack; `nameOf(id)` names people;
   * `limits()` is the welcome's `limits` (a note's length is the server's). */
  constructor({ send, nameOf, connected, limits }) {
    this.send = send;
    this.nameOf = nameOf;
    this.connected = connected;
    this.limits = limits;
    this.me = null;
    this.notes = new Map(); // noteKey -> note.updated data
    this.fields = new Map(); // `answer:${id}` or `candidate:${id}` -> {textarea, others, status, error}
  }

  welcome(welcome) {
    this.me = welcome.participant.participant_id;
    this.notes = new Map(
      (welcome.snapshot.notes || []).map((note) => [noteKey(note.answer_id, note.participant_id, note.by), note]),
    );
    for (const [key, field] of this.fields) this.refresh(key, field);
  }

  apply(frame) {
    if (frame.type !== "note.updated") return;
    const note = frame.data;
    this.notes.set(noteKey(note.answer_id, note.participant_id, note.by), note);
    const key = note.answer_id ? `answer:${note.answer_id}` : `candidate:${note.participant_id}`;
    const field = this.fields.get(key);
    if (field) this.refresh(key, field);
  }

  /** The notes on an answer (`answer_id`) or on a candidate (`participant_id`), mine first. */
  notesOn({ answerId = null, participantId = null }) {
    return [...this.notes.values()].filter((note) =>
      answerId !== null ? note.answer_id === answerId : note.answer_id === null && note.participant_id === participantId,
    );
  }

  /** The "Private note" field of an answer's card. */
  answerField(answer) {
    return this.field(`answer:${answer.answer_id}`, {
      id: `note-answer-${answer.answer_id}`,
      label: "Private note",
      target: { answer_id: answer.answer_id },
      rows: 2,
    });
  }

  /** The "Notes on this candidate" field of one candidate. */
  candidateField(participantId) {
    return this.field(`candidate:${participantId}`, {
      id: `note-candidate-${participantId}`,
      label: "Notes on this candidate",
      target: { participant_id: participantId },
      rows: 3,
    });
  }

  field(key, { id, label, target, rows }) {
    const known = this.fields.get(key);
    if (known) return known.root;
    const limits = this.limits();
    const maxlength = limits ? limits.note_chars : null;
    const parts = {
      textarea: h("textarea", { id, rows, maxlength, "aria-describedby": `${id}-hint` }),
      others: h("ul", { class: "notes-others", "aria-label": "The rest of the panel's notes" }),
      status: h("p", { class: "save-status", role: "status" }),
      error: h("p", { class: "error", role: "alert" }),
    };
    const form = h(
      "form",
      { class: "note-form", novalidate: true },
      h("div", { class: "field grow" }, h("label", { for: id }, label), parts.textarea),
      h("div", { class: "field" }, h("button", { type: "submit" }, "Save note")),
    );
    parts.root = h(
      "div",
      { class: "private-note" },
      form,
      h("p", { class: "hint", id: `${id}-hint` }, "Only the panel sees this."),
      parts.others,
      parts.status,
      parts.error,
    );
    parts.saved = "";
    const save = () => this.save(target, parts);
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      save();
    });
    // Leaving the field saves what changed: a note is never lost to a forgotten button.
    parts.textarea.addEventListener("change", save);
    this.fields.set(key, parts);
    this.refresh(key, parts);
    return parts.root;
  }

  /** Show the panel's notes in a field: mine in the box (unless being typed in), the rest listed. */
  refresh(key, parts) {
    const [kind, raw] = key.split(":");
    const id = Number(raw);
    const notes = this.notesOn(kind === "answer" ? { answerId: id } : { participantId: id });
    const mine = notes.find((note) => note.by === this.me);
    const text = mine ? mine.text : "";
    if (document.activeElement !== parts.textarea && parts.textarea.value === parts.saved) {
      parts.textarea.value = text;
    }
    parts.saved = text;
    const others = notes.filter((note) => note.by !== this.me && note.text);
    parts.others.replaceChildren(
      ...others.map((note) => h("li", {}, h("strong", {}, `${this.nameOf(note.by)}: `), note.text)),
    );
    show(parts.others, others.length > 0);
  }

  async save(target, parts) {
    const text = parts.textarea.value;
    if (text === parts.saved) return;
    parts.error.textContent = "";
    parts.status.textContent = this.connected() ? "Saving…" : "Waiting for the connection…";
    try {
      await this.send("note.save", { ...target, text });
      parts.saved = text;
      parts.status.textContent = text ? "Note saved: the panel alone sees it." : "Note cleared.";
    } catch (err) {
      parts.status.textContent = "";
      parts.error.textContent = `The note was not saved: ${err.message}`;
    }
  }

  /** "Notes on this candidate" for every candidate, by name, in `list`: a region per
   * candidate ("Notes on Ann"; not a fieldset, whose group the extra-time card has). */
  renderCandidates(list, candidates) {
    show(list.previousElementSibling, candidates.length === 0);
    candidates.forEach((candidate, index) => {
      const parts = this.fields.get(`candidate:${candidate.participant_id}`) || {};
      if (!parts.item) {
        const field = this.candidateField(candidate.participant_id);
        const named = this.fields.get(`candidate:${candidate.participant_id}`);
        named.heading = h("h3", {});
        named.section = h("section", { class: "candidate-notes" }, named.heading, field);
        named.item = h("li", {}, named.section);
      }
      const named = this.fields.get(`candidate:${candidate.participant_id}`);
      named.heading.textContent = candidate.name;
      named.section.setAttribute("aria-label", `Notes on ${candidate.name}`);
      const here = list.children[index];
      if (here !== named.item) list.insertBefore(named.item, here || null);
    });
  }
}
