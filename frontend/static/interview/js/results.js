// Results: the panel's full view (every answer, every score, a skills map per candidate, the
// session's timeline, CSV), or a candidate's own answers, feedback, skills map and part of the
// timeline beside the model answers once the session is over.

import { ApiError, api } from "./api.js";
import { $, h, keyPoints, pageConfig, showMarkdown } from "./dom.js";
import { playbackSection } from "./playback.js";
import { skillsMap } from "./skills.js";
import { seatLoad } from "./store.js";
import { Timeline } from "./timeline.js";
import { RANKING_RULES, codeBlock, coverageView, formatScore, joinedText } from "./ui.js";
import { passedText, verdictView } from "./verdicts.js";

const config = pageConfig();
const code = config.code;
const root = $("results");
const status = $("results-status");
const enc = encodeURIComponent(code);

// --- the panel's results ---------------------------------------------------------------------

/** The panel's private notes ("Alice: …"), or nothing: results.js shows them to the panel only. */
function privateNotes(notes, label) {
  if (!notes || !notes.length) return null;
  return h(
    "section",
    { class: "private-notes", "aria-label": label },
    h("h5", {}, label),
    h("ul", { class: "result-notes" }, notes.map((note) => h("li", {}, h("strong", {}, `${note.by_name}: `), note.text))),
  );
}

function panelRound(round, keyPointsByRound) {
  const coverage = round.coverage;
  return h(
    "article",
    { class: "result-round", "aria-label": `Q${round.position}: ${round.question_title}` },
    h("p", { class: "eyebrow" }, `Q${round.position} · ${round.category}`),
    h("h4", {}, round.question_title),
    round.text === null
      ? h("p", { class: "muted" }, round.present === false ? "Asked before they joined." : "No answer.")
      : codeBlock(round.text, "answer-text"),
    h(
      "p",
      { class: "score-line" },
      round.score === null ? "Not scored" : h("strong", {}, `${formatScore(round.score)} / 10`),
      round.revision > 1 ? h("span", { class: "meta" }, ` · revision ${round.revision}`) : null,
      round.at_close ? h("span", { class: "meta kept-at-close" }, " · kept at the close") : null,
      round.awaiting
        ? h("span", { class: "meta" }, ` · the candidate sees it once ${round.awaiting} more of the panel score`)
        : null,
    ),
    round.verdict
      ? h(
          "section",
          { class: "verdict", "aria-label": "Tests" },
          verdictView(round.verdict, () => "Another panel member"),
        )
      : null,
    coverage && coverage.points.length
      ? h(
          "section",
          { class: "coverage", "aria-label": "Key points covered" },
          coverageView(coverage, keyPointsByRound.get(round.round_id)),
        )
      : null,
    round.signals
      ? h("p", { class: "meta signal-summary" }, `Focus and pastes: ${round.signals.summary}`)
      : null,
    round.scores.length
      ? h(
          "ul",
          { class: "feedback" },
          round.scores.map((score) =>
            h(
              "li",
              {},
              h("strong", {}, `${score.interviewer}: ${score.score}`),
              score.revision && score.revision < round.revision
                ? h("span", { class: "stale-score" }, ` · scored revision ${score.revision} of ${round.revision}`)
                : "",
              score.feedback ? ` · ${score.feedback}` : "",
            ),
          ),
        )
      : null,
    privateNotes(round.notes, "Private notes"),
  );
}

function renderPanel(results) {
  const { session, candidates } = results;
  const keyPointsByRound = new Map(
    results.rounds.map((round) => [round.round_id, { text: round.key_points || [] }]),
  );
  status.textContent =
    session.status === "finished" ? "Final results." : `The session is ${session.status}: results so far.`;
  status.append(h("span", { class: "ranking-rule" }, ` ${RANKING_RULES[results.ranking] || RANKING_RULES.total}`));
  const download = h(
    "p",
    { class: "actions" },
    h("a", { class: "button", href: `/api/sessions/${enc}/results.csv`, download: `results-${code}.csv` }, "Download CSV"),
    h("a", { class: "button", href: `/dashboard/s/${enc}/` }, "Back to the session"),
  );
  if (!candidates.length) {
    root.replaceChildren(download, h("p", { class: "muted" }, "No candidates took part."));
    return;
  }
  const timeline = h("section", { class: "card", "aria-labelledby": "timeline-heading" });
  root.replaceChildren(
    download,
    ...candidates.map((candidate) =>
      h(
        "section",
        { class: "card", "aria-label": `Results of ${candidate.name}` },
        h(
          "div",
          { class: "card-head" },
          h("h2", {}, h("span", { class: "rank" }, `#${candidate.rank}`), " ", candidate.name),
          h(
            "p",
            { class: "total-big" },
            results.ranking === "mean"
              ? `${formatScore(candidate.mean)} mean · ${formatScore(candidate.total)} pts`
              : `${formatScore(candidate.total)} pts`,
          ),
        ),
        h(
          "p",
          { class: "meta standing-line" },
          `${candidate.answered} of ${candidate.asked} answered`,
          candidate.joined_at > 1 ? ` · joined at question ${candidate.joined_at}` : "",
        ),
        privateNotes(candidate.notes, "Notes on this candidate"),
        h("h3", {}, "Skills map"),
        skillsMap(candidate.skills, candidate.skills_svg, `Mean score per skill area: ${candidate.name}`),
        h("h3", {}, "Answers"),
        candidate.rounds.map((round) => panelRound(round, keyPointsByRound)),
      ),
    ),
    timeline,
  );
  new Timeline(timeline, { code }).load();
  timeline.append(playbackSection(code, results));
}

// --- a candidate's own results ---------------------------------------------------------------

function markdownBlock(className, html, text) {
  const block = h("div", { class: className });
  showMarkdown(block, html, text);
  return block;
}

function candidateRound(round) {
  const answer = round.answer;
  return h(
    "section",
    { class: "card", "aria-label": `Q${round.position}: ${round.question.title}` },
    h("p", { class: "eyebrow" }, `Question ${round.position} · ${round.question.category}`),
    h("h2", { class: "question-title" }, round.question.title),
    markdownBlock("prompt", round.question.prompt_html, round.question.prompt),
    h(
      "div",
      { class: "compare" },
      h(
        "div",
        {},
        h("h3", {}, "Your answer"),
        answer
          ? codeBlock(answer.text, "answer-text")
          : h(
              "p",
              { class: "muted" },
              round.present === false ? "Asked before you joined." : "You did not answer this question.",
            ),
        answer
          ? h(
              "p",
              { class: "score-line" },
              answer.score === null ? "Not scored" : h("strong", {}, `${formatScore(answer.score)} / 10`),
              answer.at_close
                ? h("span", { class: "meta kept-at-close" }, " · kept at the close, as you had typed it")
                : null,
              answer.verdict ? h("span", { class: "meta verdict-passes" }, ` · ${passedText(answer.verdict)}`) : null,
            )
          : null,
        answer && answer.scores.some((x) => x.feedback)
          ? h(
              "ul",
              { class: "feedback" },
              answer.scores
                .filter((x) => x.feedback)
                .map((x) => h("li", {}, h("span", { class: "muted" }, `${x.interviewer}: `), x.feedback)),
            )
          : null,
      ),
      h(
        "div",
        {},
        h("h3", {}, "Model answer"),
        markdownBlock("model-text", round.model_answer_html, round.model_answer),
        h("h4", {}, "Key points"),
        h("ul", { class: "points" }, keyPoints(round.key_points_html, round.key_points)),
      ),
    ),
  );
}

function renderCandidate(results, headers) {
  const me = results.participant.participant_id;
  const row = results.leaderboard.find((r) => r.participant_id === me);
  const joined = results.participant.joined_at > 1 ? ` You joined at question ${results.participant.joined_at}.` : "";
  const value = results.ranking === "mean" ? `a mean of ${formatScore(row && row.mean)}` : `${formatScore(row && row.total)} points`;
  status.textContent = row
    ? `${results.participant.name}: rank ${row.rank} of ${results.leaderboard.length}, ${value}.${joined}`
    : "";
  const timeline = h("section", { class: "card", "aria-labelledby": "timeline-heading" });
  root.replaceChildren(
    h(
      "section",
      { class: "card", "aria-labelledby": "skills-heading" },
      h("h2", { id: "skills-heading" }, "Your skills map"),
      skillsMap(results.skills, results.skills_svg, "Your mean score per skill area"),
    ),
    ...results.rounds.map(candidateRound),
    timeline,
    h(
      "section",
      { class: "card", "aria-labelledby": "final-board" },
      h("h2", { id: "final-board" }, "Final leaderboard"),
      h("p", { class: "hint ranking-rule" }, RANKING_RULES[results.ranking] || RANKING_RULES.total),
      h(
        "ol",
        { class: "leaderboard" },
        results.leaderboard.map((r) =>
          h(
            "li",
            { class: `board-row${r.participant_id === me ? " me" : ""}` },
            h("span", { class: "rank" }, `#${r.rank}`),
            h("span", { class: "name" }, r.name, h("span", { class: "joined meta" }, joinedText(r))),
            h(
              "span",
              { class: "total" },
              results.ranking === "mean" ? `${formatScore(r.mean)} mean` : `${formatScore(r.total)} pts`,
            ),
          ),
        ),
      ),
    ),
  );
  new Timeline(timeline, { code, headers, me }).load();
}

// --- which view ------------------------------------------------------------------------------

async function main() {
  const seat = seatLoad(code, "candidate");
  if (config.interviewer) {
    try {
      renderPanel(await api(`/api/sessions/${enc}/results`));
      return;
    } catch (err) {
      if (!seat) {
        status.textContent = err instanceof ApiError && err.status === 403
          ? "You are not on this session's panel."
          : `Could not load the results: ${err.message}`;
        return;
      }
    }
  }
  if (!seat) {
    status.textContent = "";
    root.replaceChildren(
      h(
        "p",
        { class: "notice" },
        "Results are for the panel (",
        h("a", { href: `/accounts/login/?next=${encodeURIComponent(location.pathname)}` }, "sign in"),
        ") and for the candidates who answered, in the browser they answered in.",
      ),
    );
    return;
  }
  try {
    const headers = { "X-Participant-Token": seat.token };
    const results = await api(`/api/sessions/${enc}/my-results`, { headers });
    renderCandidate(results, headers);
  } catch (err) {
    status.textContent =
      err.code === "not_finished"
        ? "Your results open when the session finishes."
        : `Could not load your results: ${err.message}`;
    if (err.code === "not_finished") {
      root.replaceChildren(h("p", {}, h("a", { href: `/s/${enc}/` }, "Back to the session")));
    }
  }
}

main();
