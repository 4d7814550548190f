// The room around a session: what its candidate and spectator pages say once it has finished,
// and the spectators' podium at the finish.

import { $, h, show } from "./dom.js";
import { seatLoad } from "./store.js";
import { formatScore, setStatusPill } from "./ui.js";

const PLACES = { 1: "1st", 2: "2nd", 3: "3rd" };

/**
 * The notice of a finished session (the server renders it): its link to the results shows
 * for a candidate whose token is in this browser (store.js), and for the panel.
 */
export function showFinishedNotice(code, config) {
  setStatusPill($("session-status"), "finished"); // no socket to say so: nothing to join
  const results = seatLoad(code, "candidate") !== null || Boolean(config.interviewer);
  show($("finished-results"), results);
  show($("finished-no-results"), !results);
}

/** The top three of the final leaderboard, first place in the middle (CSS orders the steps). */
export function renderPodium(el, rows) {
  const top = rows.filter((row) => row.rank <= 3);
  el.replaceChildren(
    ...top.map((row) =>
      h(
        "li",
        { class: "podium-place", "data-place": row.rank },
        h("span", { class: "podium-rank" }, PLACES[row.rank]),
        h("span", { class: "podium-name" }, row.name),
        h("span", { class: "podium-total" }, `${formatScore(row.total)} pts`),
        h("span", { class: "podium-step", "aria-hidden": "true" }, String(row.rank)),
      ),
    ),
  );
  if (!top.length) el.append(h("li", { class: "muted" }, "No candidates took part."));
}
