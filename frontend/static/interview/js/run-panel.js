// The Run button and its Output region (templates/frontend/run_panel.html): runs a page's
// code as Python in the sandbox (runner.js), loading Pyodide on the first run only, and shows
// what the program printed, its traceback, and how it ended. Ctrl+' runs it from within
// `form`. The output goes in as text.

import { $, h, show } from "./dom.js";
import { LIMITS, PythonRunner } from "./runner.js";

const ENDINGS = {
  ok: (seconds) => `Finished in ${seconds.toFixed(2)} s.`,
  error: () => "Finished with an error: the traceback is above.",
  timeout: () => `Stopped after ${LIMITS.seconds} s: the program was still running.`,
  memory: () => `Stopped: the program ran out of memory (over ${LIMITS.memoryMb} MB).`,
  crashed: () => "Stopped: Python itself failed. Run it again to start afresh.",
};

/** Wire the Run button: `source()` is the code to run when it is pressed, in `runner` (one
 * of its own unless given: a page that also runs tests shares one sandbox). */
export function attachRunPanel({ form, source, runner = null }) {
  const button = $("run-code");
  const panel = $("run-panel");
  const status = $("run-status");
  const output = $("run-output");
  let running = false;

  function say(text, state = "") {
    status.textContent = text;
    status.dataset.state = state;
  }

  async function run() {
    if (running) return;
    running = true;
    button.setAttribute("aria-disabled", "true");
    show(panel);
    output.replaceChildren();
    runner ??= new PythonRunner();
    try {
      if (!runner.loaded) {
        say("Loading Python (the first run only)…");
        await runner.start();
      }
      say("Running…");
      const result = await runner.run(source(), {
        onOutput: (stream, text) =>
          output.append(stream === "stderr" ? h("span", { class: "stderr" }, text) : text),
      });
      if (result.truncated) {
        output.append(h("span", { class: "note" }, `\n[Output cut at ${LIMITS.outputBytes / 1024} KB.]`));
      }
      say(ENDINGS[result.status](result.seconds), result.status === "ok" ? "ok" : "stopped");
    } catch (err) {
      say(`Python could not start: ${err.message}`, "stopped");
    } finally {
      running = false;
      button.removeAttribute("aria-disabled");
    }
  }

  button.addEventListener("click", run);
  form.addEventListener("keydown", (event) => {
    if (event.key === "'" && event.ctrlKey && !event.altKey && !event.metaKey) {
      event.preventDefault();
      run();
    }
  });
}
