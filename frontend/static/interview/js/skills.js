// The skills map: a candidate's mean score per skill area of the bank, as the server's radar
// chart beside a table of the same numbers; and, on the dashboard, every candidate per area.

import { h, setTrustedSvg } from "./dom.js";
import { formatScore } from "./ui.js";

/** A table of one candidate's means per area: the radar's numbers, for every reader. */
export function skillsTable(skills, caption) {
  return h(
    "div",
    { class: "table-wrap" },
    h(
      "table",
      { class: "skills-table" },
      h("caption", {}, caption),
      h(
        "thead",
        {},
        h(
          "tr",
          {},
          ["Skill area", "Mean score", "Scored answers"].map((label) => h("th", { scope: "col" }, label)),
        ),
      ),
      h(
        "tbody",
        {},
        skills.map((skill) =>
          h(
            "tr",
            { class: skill.mean === null ? "unscored" : null },
            h("th", { scope: "row" }, skill.area),
            h("td", {}, skill.mean === null ? "–" : `${formatScore(skill.mean)} / 10`),
            h("td", {}, skill.asked ? `${skill.scored} of ${skill.asked}` : "not asked"),
          ),
        ),
      ),
    ),
  );
}

/** The radar (server-drawn SVG) and its table, for one candidate. */
export function skillsMap(skills, svg, caption) {
  const chart = h("div", { class: "radar-wrap" });
  setTrustedSvg(chart, svg);
  return h("figure", { class: "skills" }, chart, h("figcaption", {}, skillsTable(skills, caption)));
}

/**
 * Each candidate's mean per area from the dashboard's state: the rounds' areas and the
 * answers' panel means. The same rule as the results (interview/selectors.py skill_means):
 * an area's mean is the mean of its scored answers.
 */
export function meansByCandidate(answers, areaOfRound) {
  const sums = new Map(); // participant_id -> Map(area -> [total, count])
  for (const answer of answers) {
    const area = areaOfRound.get(answer.round_id);
    if (!area || answer.score === null || answer.score === undefined) continue;
    if (!sums.has(answer.participant_id)) sums.set(answer.participant_id, new Map());
    const areas = sums.get(answer.participant_id);
    const [total, count] = areas.get(area) || [0, 0];
    areas.set(area, [total + answer.score, count + 1]);
  }
  const means = new Map();
  for (const [participant, areas] of sums) {
    const byArea = [...areas].map(([area, [total, count]]) => [area, total / count]);
    means.set(participant, new Map(byArea));
  }
  return means;
}

/** The dashboard's comparison of candidates per area, kept up to date from the live state. */
export class SkillsComparison {
  constructor(el) {
    this.el = el;
    this.areaOfRound = new Map(); // round_id -> skill area (the question's category)
  }

  /** The areas of the rounds asked so far, from the welcome snapshot. */
  welcome(snapshot) {
    const rounds = snapshot.rounds || [];
    this.areaOfRound = new Map(rounds.map((r) => [r.round_id, r.question.category]));
  }

  /** A pushed round adds its area. */
  apply(frame) {
    if (frame.type !== "round.opened") return;
    this.areaOfRound.set(frame.data.round_id, frame.data.question.category);
  }

  /** The table for the state's candidates (leaderboard order) and answers. */
  render(state) {
    const areas = [...new Set(this.areaOfRound.values())];
    const means = meansByCandidate(state.answers.values(), this.areaOfRound);
    this.el.replaceChildren(comparisonTable(state.board(), areas, means));
  }
}

/** The dashboard's comparison: a row per candidate, a column per area asked so far. */
export function comparisonTable(rows, areas, means) {
  if (!areas.length || !rows.length) {
    return h("p", { class: "muted" }, "Scores per skill area appear here as answers are scored.");
  }
  return h(
    "div",
    { class: "table-wrap" },
    h(
      "table",
      { class: "skills-compare" },
      h("caption", { class: "visually-hidden" }, "Mean score of each candidate per skill area"),
      h(
        "thead",
        {},
        h("tr", {}, ["Candidate", ...areas].map((label) => h("th", { scope: "col" }, label))),
      ),
      h(
        "tbody",
        {},
        rows.map((row) => {
          const mine = means.get(row.participant_id) || new Map();
          return h(
            "tr",
            {},
            h("th", { scope: "row" }, row.name),
            areas.map((area) => {
              const mean = mine.get(area);
              return h("td", { class: "num" }, mean === undefined ? "–" : formatScore(mean));
            }),
          );
        }),
      ),
    ),
  );
}
