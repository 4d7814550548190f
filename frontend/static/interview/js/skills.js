// The skills map: a candidate's mean score per skill area asked, as the server's chart (a
// radar from three areas, a bar per area below) beside a table of the same numbers; and, on
// the dashboard, every candidate per area asked, drawn the same way.

import { h, s, setTrustedSvg } from "./dom.js";
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
 * answers' panel means. The same rule as the results (interview/domain/standings.py skill_means):
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

  /** The chart and table for the state's candidates (leaderboard order) and answers. */
  render(state) {
    const areas = [...new Set(this.areaOfRound.values())];
    const means = meansByCandidate(state.answers.values(), this.areaOfRound);
    const rows = state.board();
    this.el.replaceChildren(
      ...(areas.length && rows.length ? [comparisonChart(rows, areas, means)] : []),
      comparisonTable(rows, areas, means),
    );
  }
}

const RADAR_MIN_AREAS = 3; // fewer areas make a line or a point: bars say more
const COLOURS = ["#1c5bb8", "#b8451c", "#2e7d32", "#7b1fa2", "#8d6e00", "#00838f"];

/**
 * Every candidate's means over the areas asked so far, drawn: a radar (a shape per
 * candidate) from three areas, a labelled bar per area and candidate below. The numbers are
 * the table's, which follows it.
 */
export function comparisonChart(rows, areas, means) {
  const radar = areas.length >= RADAR_MIN_AREAS;
  const label = `Skills by area asked: ${radar ? "radar" : "bars"} of ${rows.length} candidate${rows.length === 1 ? "" : "s"}`;
  const chart = radar ? comparisonRadar(rows, areas, means) : comparisonBars(rows, areas, means);
  chart.setAttribute("role", "img");
  chart.setAttribute("aria-label", label);
  chart.setAttribute("class", `skills-chart ${radar ? "radar" : "bars"}`);
  const legend = h(
    "ul",
    { class: "chart-legend", "aria-hidden": "true" },
    rows.map((row, i) =>
      h("li", {}, s("svg", { width: 12, height: 12, viewBox: "0 0 12 12" }, s("rect", { width: 12, height: 12, fill: COLOURS[i % COLOURS.length] })), ` ${row.name}`),
    ),
  );
  return h("figure", { class: "skills-compare-chart" }, chart, radar ? legend : null);
}

function comparisonRadar(rows, areas, means) {
  const size = 360;
  const centre = size / 2;
  const radius = 120;
  const at = (index, distance) => {
    const angle = -Math.PI / 2 + (2 * Math.PI * index) / areas.length;
    return [centre + distance * Math.cos(angle), centre + distance * Math.sin(angle)];
  };
  const points = (pairs) => pairs.map(([x, y]) => `${x.toFixed(1)},${y.toFixed(1)}`).join(" ");
  const svg = s("svg", { viewBox: `-90 -10 ${size + 180} ${size + 20}`, width: size + 180 });
  for (const ring of [2, 4, 6, 8, 10]) {
    svg.append(
      s("polygon", {
        points: points(areas.map((_, i) => at(i, (radius * ring) / 10))),
        fill: "none",
        stroke: "#d3d9e0",
      }),
    );
  }
  areas.forEach((area, i) => {
    const [x, y] = at(i, radius + 14);
    const anchor = Math.abs(x - centre) < 1 ? "middle" : x > centre ? "start" : "end";
    svg.append(s("text", { x: x.toFixed(1), y: y.toFixed(1), "text-anchor": anchor, "font-size": 12, class: "axis-label" }, area));
  });
  rows.forEach((row, n) => {
    const mine = means.get(row.participant_id) || new Map();
    const colour = COLOURS[n % COLOURS.length];
    svg.append(
      s("polygon", {
        class: "candidate-area",
        "data-candidate": row.name,
        points: points(areas.map((area, i) => at(i, (radius * (mine.get(area) || 0)) / 10))),
        fill: colour,
        "fill-opacity": 0.15,
        stroke: colour,
        "stroke-width": 2,
      }),
    );
  });
  return svg;
}

function comparisonBars(rows, areas, means) {
  const rowHeight = 22;
  const labelWidth = 150;
  const barLength = 300;
  const lines = [];
  let y = 0;
  for (const area of areas) {
    lines.push(s("text", { x: 0, y: y + 14, "font-size": 13, "font-weight": 600, class: "area-label" }, area));
    y += rowHeight;
    rows.forEach((row, n) => {
      const mean = (means.get(row.participant_id) || new Map()).get(area);
      const colour = COLOURS[n % COLOURS.length];
      const shown = mean === undefined ? "not scored" : `${formatScore(mean)} / 10`;
      lines.push(
        s(
          "g",
          { class: "bar", "data-area": area, "data-candidate": row.name },
          s("text", { x: 8, y: y + 14, "font-size": 12 }, row.name),
          s("rect", { x: labelWidth, y: y + 3, width: barLength, height: 14, fill: "#eef1f5" }),
          s("rect", { x: labelWidth, y: y + 3, width: ((mean || 0) * barLength) / 10, height: 14, fill: colour }),
          s("text", { x: labelWidth + barLength + 8, y: y + 14, "font-size": 12, class: "bar-label" }, shown),
        ),
      );
      y += rowHeight;
    });
    y += 6;
  }
  const width = labelWidth + barLength + 90;
  return s("svg", { viewBox: `0 0 ${width} ${y}`, width }, ...lines);
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
