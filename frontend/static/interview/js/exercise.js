// An exercise on the candidate's page: the editor starts with its starter code, and its
// examples (the tests a candidate may see) are listed under the prompt, with a "Run examples"
// button that runs the editor's code against them in the sandbox and marks each passed or
// failed. The hidden tests never reach this page: round.opened carries them to the panel only.

import { h, show } from "./dom.js";

/** What the answer box starts with when a round is shown: the candidate's own text (a draft
 * or their last answer) when they have one, else an exercise's starter code, else nothing. */
export function startingText(round, own) {
  if (own !== null && own !== undefined) return own;
  return round.question.kind === "exercise" ? round.starter_code || "" : "";
}

/** One example as a list item: its name, then its call and what it should give, as code. */
function exampleItem(example, index) {
  const outcome =
    example.raises !== undefined
      ? ["raises ", h("code", {}, example.raises)]
      : ["→ ", h("code", {}, example.expected)];
  return h(
    "li",
    { class: "example", dataset: { example: String(index) } },
    h("p", { class: "example-name" }, example.name),
    example.setup ? h("pre", { class: "example-setup" }, h("code", {}, example.setup)) : null,
    h("p", { class: "example-call" }, h("code", {}, example.call), " ", h("span", {}, ...outcome)),
  );
}

/** Mark each example passed, or failed with its message; none when `results` is null. */
function markExamples(list, results) {
  for (const item of list.querySelectorAll(".example")) {
    item.querySelector(".example-verdict")?.remove();
    const result = results?.[Number(item.dataset.example)];
    if (!result) continue;
    item.append(
      h(
        "p",
        { class: "example-verdict", dataset: { passed: String(result.passed) } },
        result.passed ? "✓ Passed" : `✗ Failed: ${result.message}`,
      ),
    );
  }
}

/** Fill the container with the round's examples, or hide it when the round has none.
 * `run(examples)`, when given, runs them (harness.js's runTests) for "Run examples". */
export function showExamples(container, round, { run = null } = {}) {
  const examples = round && round.question.kind === "exercise" ? round.examples || [] : [];
  container.replaceChildren();
  show(container, examples.length > 0);
  if (!examples.length) return;
  container.append(
    h("h3", { id: "examples-heading" }, "Examples"),
    h(
      "p",
      { class: "hint" },
      "Your code should pass these; the panel also runs tests you do not see.",
    ),
    h("ol", { class: "examples", "aria-labelledby": "examples-heading" }, examples.map(exampleItem)),
  );
  if (!run) return;
  const list = container.querySelector(".examples");
  const status = h("p", { id: "examples-status", class: "examples-status", role: "status" });
  const button = h("button", { type: "button", id: "run-examples" }, "Run examples");
  let running = false;
  button.addEventListener("click", async () => {
    if (running) return;
    running = true;
    button.setAttribute("aria-disabled", "true");
    markExamples(list, null);
    status.textContent = "Running the examples (Python loads on the first run)…";
    try {
      const { results } = await run(examples);
      markExamples(list, results);
      const passed = results.filter((r) => r.passed).length;
      status.textContent = `${passed} of ${results.length} examples passed.`;
    } catch (err) {
      status.textContent = `Python could not start: ${err.message}`;
    } finally {
      running = false;
      button.removeAttribute("aria-disabled");
    }
  });
  container.append(h("div", { class: "run-bar" }, button, status));
}
