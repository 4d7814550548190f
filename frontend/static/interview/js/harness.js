// An exercise's tests, run in the sandbox (runner.js) against someone's code: the candidate's
// "Run examples" and the panel's verdicts (verdicts.js). The harness is the server's own
// interview/content/exercises.py, served unchanged at /sandbox/exercises.py and fetched once: the
// same file that checks the bank in CPython gives the verdicts here.
//
//   const { status, results } = await runTests(runner, code, tests);
//   // results: [{name, passed, message}], one per test, in order
//
// The run's status is the runner's: when it is not "ok" (5 s gone, memory blown, Python
// failed) every test fails, with that as its message. The harness runs in the interpreter
// the code runs in, so the code could skew its own results: they are believed as far as
// their shape goes (docs/protocol.md, "Verdicts").

import { LIMITS } from "./runner.js";

const HARNESS_URL = "/sandbox/exercises.py";
let harness = null;

const STOPPED = {
  error: "the tests could not run: the harness raised an error",
  timeout: `stopped after ${LIMITS.seconds} s: the code was still running`,
  memory: `stopped: the code ran out of memory (over ${LIMITS.memoryMb} MB)`,
  crashed: "stopped: Python itself failed",
};

/** The harness's source, fetched on first use (again after a failure). */
function harnessSource() {
  harness ??= fetch(HARNESS_URL, { credentials: "omit" }).then((response) => {
    if (!response.ok) throw new Error(`the tests' harness: HTTP ${response.status}`);
    return response.text();
  });
  harness.catch(() => {
    harness = null;
  });
  return harness;
}

/** The harness's results if they are one per test, with the tests' names; else null. */
function checkedResults(text, tests) {
  let results;
  try {
    results = JSON.parse(text);
  } catch {
    return null;
  }
  if (!Array.isArray(results) || results.length !== tests.length) return null;
  const fits = results.every(
    (r) => r && typeof r.passed === "boolean" && typeof r.message === "string",
  );
  if (!fits) return null;
  // The names are the tests' own, whatever came back.
  return results.map((r, i) => ({ name: tests[i].name, passed: r.passed, message: r.message }));
}

/** Run `code` against `tests` in the runner's sandbox: `{status, seconds, results}`. */
export async function runTests(runner, code, tests) {
  const source = await harnessSource();
  // JSON's string literals are Python's: the code and the tests go in as two strings.
  const then = `__result__ = run_tests_json(${JSON.stringify(code)}, ${JSON.stringify(
    JSON.stringify(tests),
  )})`;
  const run = await runner.run(source, { then });
  const results = run.status === "ok" ? checkedResults(run.result, tests) : null;
  const why = STOPPED[run.status] || "the tests gave no result";
  return {
    status: run.status,
    seconds: run.seconds,
    results: results || tests.map((t) => ({ name: t.name, passed: false, message: why })),
  };
}
