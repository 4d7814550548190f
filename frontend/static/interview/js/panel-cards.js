// The panel's answer cards: a card per candidate and round, with their answer to score, their
// draft while they type, and beside it their focus changes and pastes. A candidate's signals
// or draft show before they answer, on a card that says so; the same card becomes the answer
// card when the answer comes. Scoring on the card: panel-scores.js.

import { $, h, show } from "./dom.js";
import { signalSummary, signalText } from "./signals.js";
import { codeBlock, showCode } from "./ui.js";

function cardKey(roundId, participantId) {
  return `${roundId}:${participantId}`;
}

function answerCard(name) {
  const parts = {
    round: h("p", { class: "eyebrow" }),
    revision: h("span", { class: "meta" }),
    waiting: h("p", { class: "muted" }),
    text: codeBlock("", "answer-text"),
    mean: h("p", { class: "meta" }),
    // "You scored revision 1 of 2": a score given to an older revision than the newest.
    stale: h("ul", { class: "meta stale-scores", "aria-label": "Given to an older revision" }),
    verdict: h("section", { class: "verdict", "aria-label": "Tests", hidden: true }),
    coverage: h("section", { class: "coverage", "aria-label": "Key points covered", hidden: true }),
    scoring: h("div", { class: "scoring" }),
    draft: h("section", { class: "draft", "aria-label": "Draft, not submitted", hidden: true }),
    signals: h("p", { class: "meta signal-summary" }),
    timeline: h("ol", { class: "signal-timeline", "aria-label": "Focus and paste timeline" }),
  };
  const article = h(
    "article",
    { class: "answer-card", "aria-label": `Answer by ${name}` },
    parts.round,
    h("header", { class: "answer-head" }, h("h3", {}, name), parts.revision),
    parts.waiting,
    parts.text,
    parts.draft,
    parts.signals,
    h("details", { class: "signals" }, h("summary", {}, "Focus and paste timeline"), parts.timeline),
    parts.mean,
    parts.stale,
    parts.verdict,
    parts.coverage,
    parts.scoring,
  );
  return { article, parts, answerId: null };
}

/**
 * The candidate's draft on their card while the round is open and they type something they
 * have not submitted: "typing…" and the text, under their last submitted answer if they have
 * one, or in place of "No answer yet."
 */
function renderDraft(draft, answer, parts) {
  show(parts.draft, Boolean(draft));
  show(parts.waiting, !answer && !draft);
  if (!draft) {
    // Gone from the card, not only hidden: the card's code is then its answer alone.
    parts.draft.replaceChildren();
    parts.draftText = null;
    return;
  }
  if (!parts.draftText) {
    parts.draftLabel = h("p", { class: "draft-label" });
    parts.draftText = codeBlock("", "draft-text");
    parts.draft.replaceChildren(parts.draftLabel, parts.draftText);
  }
  parts.draftLabel.replaceChildren(
    h("strong", {}, "typing…"),
    ` ${answer ? "changes not submitted yet" : "not submitted yet"} · ${new Date(draft.at).toLocaleTimeString()}`,
  );
  showCode(parts.draftText, draft.text);
}

export class AnswerCards {
  /**
   * @param {object} o
   * @param {import("./boot.js").LiveView} o.view
   * @param {import("./panel-scores.js").Scoring} o.scoring
   */
  constructor({ view, scoring }) {
    Object.assign(this, { view, scoring, state: view.state });
    this.cards = new Map(); // `${round_id}:${participant_id}` -> {article, parts, answerId}
  }

  /** The cards to show: every answer, and every candidate with signals or a draft in a round
   * they have not answered; the open round's first, then the newest rounds, by name. */
  slots() {
    const { state } = this;
    const slots = new Map();
    for (const answer of state.answers.values()) {
      if (answer.text === undefined) continue;
      const { round_id, participant_id } = answer;
      slots.set(cardKey(round_id, participant_id), { round_id, participant_id, answer });
    }
    for (const { round_id, participant_id } of [...state.signalled(), ...state.drafts.values()]) {
      const key = cardKey(round_id, participant_id);
      if (!slots.has(key)) slots.set(key, { round_id, participant_id, answer: null });
    }
    const currentRound = state.round ? state.round.round_id : null;
    return [...slots.entries()].sort(
      ([, a], [, b]) =>
        Number(b.round_id === currentRound) - Number(a.round_id === currentRound) ||
        b.round_id - a.round_id ||
        state.nameOf(a.participant_id).localeCompare(state.nameOf(b.participant_id)),
    );
  }

  render() {
    const list = $("answers");
    const slots = this.slots();
    show($("answers-empty"), slots.length === 0);
    slots.forEach(([key, slot], index) => {
      let card = this.cards.get(key);
      if (!card) {
        card = answerCard(this.state.nameOf(slot.participant_id));
        this.cards.set(key, card);
      }
      this.renderCard(card, slot);
      // Insert in place without moving the cards already shown: a card being typed in keeps focus.
      const here = list.children[index];
      if (here !== card.article) list.insertBefore(card.article, here || null);
    });
  }

  renderCard(card, slot) {
    const { state } = this;
    const { parts } = card;
    const { answer } = slot;
    const open = Boolean(state.round) && slot.round_id === state.round.round_id;
    parts.round.textContent = `${state.roundLabel(slot.round_id)}${open ? " · open" : ""}`;
    const draft = open ? state.draftOf(slot.round_id, slot.participant_id) : null;
    renderDraft(draft, answer, parts);
    show(parts.text, Boolean(answer));
    if (!answer) {
      parts.waiting.textContent = open ? "No answer yet." : "No answer.";
    } else {
      if (card.answerId === null) {
        card.answerId = answer.answer_id;
        this.scoring.form(answer, parts);
      }
      parts.revision.textContent = [
        answer.revision > 1 ? `revision ${answer.revision}` : "",
        answer.at_close ? "kept at the close" : "",
      ]
        .filter(Boolean)
        .join(" · ");
      showCode(parts.text, answer.text);
      this.scoring.render(answer, parts);
    }
    this.renderSignals(slot.round_id, slot.participant_id, parts);
  }

  /** A draft came: its card alone changes, or their first card appears. */
  draftArrived(draft) {
    const { state } = this;
    const card = this.cards.get(cardKey(draft.round_id, draft.participant_id));
    if (!card) {
      this.render();
      return;
    }
    const answer = card.answerId === null ? null : state.answers.get(card.answerId);
    const open = Boolean(state.round) && state.round.round_id === draft.round_id;
    const shown = open ? state.draftOf(draft.round_id, draft.participant_id) : null;
    renderDraft(shown, answer, card.parts);
  }

  /** A card's line on its candidate's focus changes and pastes in the round, and their timeline. */
  renderSignals(roundId, participantId, parts) {
    const { state } = this;
    const { signals, dropped } = state.signalsOf(roundId, participantId);
    const open = state.round && state.round.round_id === roundId;
    const last = signals.length ? Date.parse(signals[signals.length - 1].at) : 0;
    const until = open ? this.view.now() : state.closedAt.get(roundId) || last;
    parts.signals.textContent = `Focus and pastes: ${signalSummary(signals, { dropped, until }).summary}`;
    parts.timeline.replaceChildren(
      ...signals.map((signal) =>
        h("li", {}, h("time", { datetime: signal.at }, new Date(signal.at).toLocaleTimeString()), " ", signalText(signal)),
      ),
    );
    if (!signals.length) parts.timeline.append(h("li", { class: "muted" }, "Nothing reported."));
  }

  /** A signal came: its card's line and timeline, or their first card (answered or not). */
  signalArrived(signal) {
    const card = this.cards.get(cardKey(signal.round_id, signal.participant_id));
    if (card) this.renderSignals(signal.round_id, signal.participant_id, card.parts);
    else this.render();
  }
}
