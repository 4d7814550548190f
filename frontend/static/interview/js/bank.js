// The question bank on the panel's page: filters, a row per question with "Preview" and
// "Push" (and "Edit" for one's own questions), the preview and the question form in dialogs.
// Questions are written through the bank's API (POST/PATCH /api/questions/) and its
// validation: its errors show beside their fields, and nothing typed is lost.

import { ApiError, api } from "./api.js";
import { $, announce, h, keyPoints, showMarkdown } from "./dom.js";
import { DIFFICULTY, questionMeta } from "./ui.js";

function debounce(fn, ms) {
  let timer = null;
  return () => {
    clearTimeout(timer);
    timer = setTimeout(fn, ms);
  };
}

/** A slug from a title: "What is the GIL?" -> "what-is-the-gil". */
function slugOf(title) {
  return title
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 80)
    .replace(/-+$/, "");
}

/** A modal dialog named by its heading, closed by its "Close" button or Escape. */
function dialog(id, title) {
  const heading = h("h2", { id: `${id}-heading` }, title);
  const body = h("div", { class: "dialog-body" });
  const close = h("button", { type: "button", class: "dialog-close" }, "Close");
  const root = h("dialog", { id, class: "panel-dialog", "aria-labelledby": heading.id }, h("div", { class: "dialog-head" }, heading, close), body);
  close.addEventListener("click", () => root.close());
  document.body.append(root);
  return { root, heading, body };
}

// The question form's fields: [name, label, kind, hint].
const FORM_FIELDS = [
  ["title", "Title", "text", ""],
  ["slug", "Slug", "text", "Letters, digits and dashes; made from the title when left empty."],
  ["kind", "Kind", "select", ""],
  ["category", "Category", "select", ""],
  ["difficulty", "Difficulty", "select", ""],
  ["time_limit_s", "Time limit (seconds)", "number", "10 to 3600."],
  ["prompt", "Prompt", "textarea", "Markdown: what the candidates read."],
  ["model_answer", "Model answer", "textarea", "Markdown: the panel's alone while the session runs."],
  ["key_points", "Key points", "textarea", "One per line, 1 to 10."],
  ["tags", "Tags", "text", "Optional, separated by commas."],
];

export class Bank {
  /** `onPush(question)` pushes a question; `username` names the questions this user may edit. */
  constructor({ username, categories, onPush }) {
    this.username = username;
    this.categories = categories || [];
    this.onPush = onPush;
    this.finished = false;
    this.request = 0;
    this.preview = null;
    this.form = null;
  }

  start() {
    const filters = $("bank-filters");
    filters.addEventListener("submit", (event) => {
      event.preventDefault();
      this.load();
    });
    filters.elements.category.addEventListener("change", () => this.load());
    filters.elements.difficulty.addEventListener("change", () => this.load());
    filters.elements.search.addEventListener("input", debounce(() => this.load(), 250));
    $("new-question").addEventListener("click", () => this.openForm(null));
    this.load();
  }

  async load({ reveal = null } = {}) {
    const form = $("bank-filters");
    const params = new URLSearchParams({ page_size: "100" });
    for (const name of ["category", "difficulty", "search"]) {
      const value = form.elements[name].value.trim();
      if (value) params.set(name, value);
    }
    const request = ++this.request;
    $("bank-status").textContent = "Loading questions…";
    try {
      const page = await api(`/api/questions/?${params}`);
      if (request !== this.request) return; // a newer filter won
      const questions = page.results || [];
      $("bank").replaceChildren(...questions.map((question) => this.row(question)));
      const more = page.count > questions.length ? ` (first ${questions.length} shown)` : "";
      $("bank-status").textContent = `${page.count} question${page.count === 1 ? "" : "s"}${more}`;
      this.setFinished(this.finished);
      const shown = reveal && $(`q-${reveal}-title`);
      if (shown) shown.closest("li").scrollIntoView({ block: "nearest" });
    } catch (err) {
      if (request === this.request) $("bank-status").textContent = `Could not load the bank: ${err.message}`;
    }
  }

  row(question) {
    const titleId = `q-${question.id}-title`;
    // Each button shows a short word; its accessible name says what it does, its
    // description which question.
    const button = (label, name, onclick, extra = {}) =>
      h("button", { type: "button", "aria-label": name, "aria-describedby": titleId, onclick, ...extra }, label);
    return h(
      "li",
      { class: "bank-row" },
      h(
        "div",
        { class: "bank-text" },
        h("p", { class: "bank-title", id: titleId }, question.title),
        h(
          "p",
          { class: "meta" },
          `${question.category} · ${DIFFICULTY[question.difficulty] || question.difficulty}`,
          question.kind === "challenge" ? " · scenario" : "",
          ` · ${question.time_limit_s} s`,
          question.owner === this.username ? " · yours" : "",
        ),
      ),
      h(
        "div",
        { class: "bank-actions" },
        button("Preview", "Preview question", () => this.showPreview(question), { class: "secondary" }),
        question.owner && question.owner === this.username
          ? button("Edit", "Edit question", () => this.openForm(question), { class: "secondary" })
          : null,
        button("Push", "Push question", () => this.onPush(question), {
          class: "push",
          "data-question": question.id,
        }),
      ),
    );
  }

  /** After the finish nothing can be pushed. */
  setFinished(finished) {
    this.finished = finished;
    for (const push of $("bank").querySelectorAll("button.push")) push.disabled = finished;
    if (this.preview) this.preview.push.disabled = finished;
  }

  // --- the preview ---------------------------------------------------------------------------

  /** The question as a round would show it, rendered, without pushing anything. */
  async showPreview(question) {
    if (!this.preview) {
      const { root, heading, body } = dialog("preview-dialog", "Preview");
      this.preview = { root, heading, body, push: h("button", { type: "button", class: "primary" }, "Push this question") };
      this.preview.push.addEventListener("click", () => {
        root.close();
        this.onPush(this.preview.question);
      });
    }
    const preview = this.preview;
    preview.question = question;
    preview.heading.textContent = `Preview: ${question.title}`;
    preview.body.replaceChildren(h("p", { class: "muted", role: "status" }, "Loading…"));
    preview.push.disabled = this.finished;
    if (!preview.root.open) preview.root.showModal();
    try {
      const full = await api(`/api/questions/${question.id}/preview/`);
      if (preview.question !== question) return;
      const block = (className, html, text) => {
        const el = h("div", { class: className });
        showMarkdown(el, html, text);
        return el;
      };
      preview.body.replaceChildren(
        h("p", { class: "meta" }, `${questionMeta(full)} · ${full.time_limit_s} s`),
        h("h3", {}, "Prompt"),
        block("prompt", full.prompt_html, full.prompt),
        h("h3", {}, "Model answer"),
        block("model-answer", full.model_answer_html, full.model_answer),
        h("h3", {}, "Key points"),
        h("ul", { class: "points" }, keyPoints(full.key_points_html, full.key_points)),
        h("p", { class: "hint" }, "Nothing is pushed until you push it."),
        h("div", { class: "actions" }, preview.push),
      );
    } catch (err) {
      preview.body.replaceChildren(h("p", { class: "error", role: "alert" }, `Could not load the question: ${err.message}`));
    }
  }

  // --- the question form ---------------------------------------------------------------------

  buildForm() {
    const { root, heading, body } = dialog("question-dialog", "New question");
    const inputs = {};
    const errors = {};
    const fields = FORM_FIELDS.map(([name, label, kind, hint]) => {
      const id = `qf-${name}`;
      const described = [hint ? `${id}-hint` : null, `${id}-error`].filter(Boolean).join(" ");
      let input;
      if (kind === "select") {
        input = h("select", { id, name, "aria-describedby": described }, this.options(name));
      } else if (kind === "textarea") {
        input = h("textarea", { id, name, rows: name === "key_points" ? 4 : 5, "aria-describedby": described });
      } else {
        input = h("input", { id, name, type: kind, "aria-describedby": described });
      }
      if (name === "time_limit_s") Object.assign(input, { min: 10, max: 3600, step: 1, value: "300" });
      inputs[name] = input;
      errors[name] = h("p", { class: "error", id: `${id}-error` });
      return h(
        "div",
        { class: `field${kind === "textarea" || name === "title" || name === "tags" ? " wide" : ""}` },
        h("label", { for: id }, label),
        input,
        hint ? h("p", { class: "hint", id: `${id}-hint` }, hint) : null,
        errors[name],
      );
    });
    const summary = h("p", { class: "error", role: "alert" });
    const status = h("p", { class: "save-status", role: "status" });
    const submit = h("button", { type: "submit", class: "primary" }, "Add to the bank");
    const form = h("form", { class: "question-form", novalidate: true }, summary, h("div", { class: "form-grid" }, fields), h("div", { class: "actions" }, submit), status);
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.submitForm();
    });
    body.append(form);
    return { root, heading, form, inputs, errors, summary, status, submit, editing: null };
  }

  options(name) {
    if (name === "kind") return [h("option", { value: "question" }, "Question"), h("option", { value: "challenge" }, "Scenario")];
    if (name === "difficulty") return [1, 2, 3].map((level) => h("option", { value: level }, `${level} · ${DIFFICULTY[level]}`));
    return this.categories.map((category) => h("option", { value: category.value }, category.label));
  }

  /** The form for a new question (kept as it was left: nothing typed is lost) or for editing one. */
  openForm(question) {
    if (!this.form) this.form = this.buildForm();
    const form = this.form;
    const wasEditing = form.editing;
    form.editing = question;
    form.heading.textContent = question ? `Edit: ${question.title}` : "New question";
    form.submit.textContent = question ? "Save question" : "Add to the bank";
    if (question || wasEditing) {
      this.clearErrors();
      const values = question || { kind: "question", difficulty: 1, time_limit_s: 300 };
      for (const [name, input] of Object.entries(form.inputs)) {
        const value = values[name];
        if (name === "key_points" || name === "tags") {
          input.value = (value || []).join(name === "tags" ? ", " : "\n");
        } else if (name === "category" && !value) {
          input.selectedIndex = 0;
        } else {
          input.value = value === undefined || value === null ? "" : String(value);
        }
      }
    }
    form.status.textContent = "";
    if (!form.root.open) form.root.showModal();
    form.inputs.title.focus();
  }

  clearErrors() {
    const form = this.form;
    form.summary.textContent = "";
    for (const [name, error] of Object.entries(form.errors)) {
      error.textContent = "";
      form.inputs[name].removeAttribute("aria-invalid");
    }
  }

  body() {
    const { inputs } = this.form;
    const lines = (text, separator) =>
      text
        .split(separator)
        .map((item) => item.trim())
        .filter(Boolean);
    const title = inputs.title.value.trim();
    return {
      title,
      slug: inputs.slug.value.trim() || slugOf(title),
      kind: inputs.kind.value,
      category: inputs.category.value,
      difficulty: Number(inputs.difficulty.value),
      time_limit_s: inputs.time_limit_s.value.trim() === "" ? null : Number(inputs.time_limit_s.value),
      prompt: inputs.prompt.value,
      model_answer: inputs.model_answer.value,
      key_points: lines(inputs.key_points.value, "\n"),
      tags: lines(inputs.tags.value, ","),
    };
  }

  async submitForm() {
    const form = this.form;
    this.clearErrors();
    const body = this.body();
    if (body.time_limit_s === null) delete body.time_limit_s;
    form.sentSlug = body.slug;
    const editing = form.editing;
    form.submit.disabled = true;
    form.status.textContent = "Saving…";
    try {
      const saved = editing
        ? await api(`/api/questions/${editing.id}/`, { method: "PATCH", body })
        : await api("/api/questions/", { method: "POST", body });
      form.status.textContent = "";
      form.editing = null;
      form.form.reset();
      form.inputs.time_limit_s.value = "300";
      form.root.close();
      announce(editing ? `Saved “${saved.title}”.` : `“${saved.title}” is in the bank.`);
      $("bank-status").textContent = editing ? `Saved “${saved.title}”.` : `Added “${saved.title}” to the bank.`;
      await this.load({ reveal: saved.id });
    } catch (err) {
      form.status.textContent = "";
      this.showErrors(err);
    } finally {
      form.submit.disabled = false;
    }
  }

  /** The server's validation errors beside their fields; the first such field gets focus. */
  showErrors(err) {
    const form = this.form;
    const details = err instanceof ApiError && err.details && typeof err.details === "object" ? err.details : {};
    let first = null;
    const unplaced = [];
    for (const [name, messages] of Object.entries(details)) {
      const text = [].concat(messages).join(" ");
      if (name === "slug" && !form.inputs.slug.value.trim()) {
        form.inputs.slug.value = form.sentSlug || ""; // the one made from the title
      }
      if (form.errors[name]) {
        form.errors[name].textContent = text;
        form.inputs[name].setAttribute("aria-invalid", "true");
        first = first || form.inputs[name];
      } else {
        unplaced.push(text);
      }
    }
    const count = Object.keys(details).length;
    form.summary.textContent =
      count > 0
        ? `The question was not saved: ${count === 1 ? "one field needs" : `${count} fields need`} attention. ${unplaced.join(" ")}`.trim()
        : `The question was not saved: ${err.message}`;
    (first || form.inputs.title).focus();
  }
}
