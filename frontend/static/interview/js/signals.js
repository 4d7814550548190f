// Integrity signals: what the candidate's page reports while a round is open (the tab hidden
// and shown again, the window losing and regaining focus, the size of each paste into the
// answer, never its text), and how the panel reads them. The server sums them up for the
// results in the same words (interview/content/signal_prose.py).

/**
 * Report the candidate's signals through `report(kind, extra)`: the page's visibility, the
 * window's focus, and pastes into `answerArea` (counted in characters, the text unread).
 * `report` decides whether a round is open; this only listens.
 */
export function watchIntegrity(answerArea, report) {
  document.addEventListener("visibilitychange", () => {
    report(document.visibilityState === "hidden" ? "hidden" : "visible");
  });
  addEventListener("blur", () => report("blur"));
  addEventListener("focus", () => report("focus"));
  // On the form around the answer: the textarea and the code editor alike (paste bubbles).
  answerArea.addEventListener(
    "paste",
    (event) => {
      const text = event.clipboardData ? event.clipboardData.getData("text/plain") : "";
      report("paste", { chars: [...text].length });
    },
    { capture: true },
  );
}

/** How this page came to be: reloaded in the same tab (`reloaded`), or `opened` anew. */
export function pageLoad() {
  const [navigation] = performance.getEntriesByType("navigation");
  return navigation && navigation.type === "reload" ? "reloaded" : "opened";
}

function durationText(seconds) {
  const minutes = Math.floor(seconds / 60);
  const rest = seconds % 60;
  return minutes ? `${minutes} min ${rest} s` : `${rest} s`;
}

/**
 * One candidate's signals of one round (the `candidate.signal` data, in order), summed up:
 * `{left_tab, away_s, reloads, lost_focus, pastes, pasted_chars, signals_dropped, summary}`
 * as the results give it. A `hidden` opens a spell away; the next `visible` or `focus`
 * closes it, and one still open closes at `until` (ms since the epoch: the round's close, or
 * now). A spell closed by a reload (`visible` with `load: "reloaded"`) is a reload, not the
 * tab left; `away_s` is the time of both, each kind rounded to whole seconds.
 */
export function signalSummary(signals, { dropped = 0, until = Date.now() } = {}) {
  let left = 0;
  let reloads = 0;
  let lostFocus = 0;
  let pastes = 0;
  let pasted = 0;
  let leftMs = 0;
  let reloadMs = 0;
  let hiddenSince = null;
  let hiddens = 0; // the `hidden` signals of the open spell
  for (const signal of signals) {
    const at = Date.parse(signal.at);
    if (signal.kind === "hidden") {
      hiddens += 1;
      if (hiddenSince === null) hiddenSince = at;
      continue;
    }
    if (signal.kind === "visible" && signal.load === "reloaded") {
      reloads += 1;
      if (hiddenSince !== null) {
        reloadMs += Math.max(0, at - hiddenSince);
        hiddenSince = null;
        hiddens = 0;
      }
    } else if ((signal.kind === "visible" || signal.kind === "focus") && hiddenSince !== null) {
      left += hiddens;
      leftMs += Math.max(0, at - hiddenSince);
      hiddenSince = null;
      hiddens = 0;
    }
    if (signal.kind === "blur") {
      lostFocus += 1;
    } else if (signal.kind === "paste") {
      pastes += 1;
      pasted += signal.chars || 0;
    }
  }
  if (hiddenSince !== null) {
    left += hiddens;
    leftMs += Math.max(0, until - hiddenSince);
  }
  const leftS = Math.floor((leftMs + 500) / 1000);
  const reloadS = Math.floor((reloadMs + 500) / 1000);
  const parts = [];
  if (left) parts.push(`left the tab ${left}× (${durationText(leftS)})`);
  if (reloads) parts.push(`reloaded the page ${reloads}× (${durationText(reloadS)})`);
  if (lostFocus) parts.push(`lost focus ${lostFocus}×`);
  if (pastes) parts.push(`pasted ${pasted} character${pasted === 1 ? "" : "s"}`);
  if (dropped) parts.push(`${dropped} more signal${dropped === 1 ? "" : "s"} not kept`);
  return {
    left_tab: left,
    away_s: leftS + reloadS,
    reloads,
    lost_focus: lostFocus,
    pastes,
    pasted_chars: pasted,
    signals_dropped: dropped,
    summary: parts.join(", ") || "no signals",
  };
}

const SAID = {
  hidden: "left the tab",
  visible: "came back to the tab",
  blur: "left the window",
  focus: "came back to the window",
};

const LOADED = { opened: "opened the page", reloaded: "reloaded the page" };

/** One signal in words, after the candidate's name or a time: "pasted 380 characters". */
export function signalText(signal) {
  if (signal.kind === "visible" && LOADED[signal.load]) return LOADED[signal.load];
  if (signal.kind === "paste") return `pasted ${signal.chars} character${signal.chars === 1 ? "" : "s"}`;
  return SAID[signal.kind] || signal.kind;
}
