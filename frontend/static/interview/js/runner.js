// Running Python in the browser, for any page: the candidate's Run button today, the panel's
// checks of an answer tomorrow. Nothing runs on the server, and nothing runs in this page:
// a PythonRunner frames the sandbox page (/sandbox/, frontend/sandbox), which has an opaque
// origin and may reach no address at all, and talks to it through one MessagePort. This
// module fetches Pyodide's files (a folder per version, cached for good) when the first run
// needs them and hands them over; every message back is checked before it is believed.
//
//   const runner = new PythonRunner();
//   const { status, output, truncated, seconds } = await runner.run("print(1)");
//
// status: "ok", "error" (an exception: its traceback is in the output), "timeout" (stopped
// after LIMITS.seconds), "memory" (more than LIMITS.memoryMb), "crashed" (Python itself
// failed). Each run starts from a fresh interpreter; runs queue, one at a time.

export const PYODIDE_VERSION = "314.0.8";
const PYODIDE_URL = `/static/interview/vendor/pyodide/${PYODIDE_VERSION}/`;
const SANDBOX_URL = "/sandbox/";
// What the sandbox gets: the loader and the runtime's modules as text, the runtime and the
// standard library as bytes, the lockfile for its ABI information.
const PYODIDE_FILES = {
  loader: ["pyodide.mjs", "text"],
  asm: ["pyodide.asm.mjs", "text"],
  wasm: ["pyodide.asm.wasm", "arrayBuffer"],
  stdlib: ["python_stdlib.zip", "arrayBuffer"],
  lock: ["pyodide-lock.json", "text"],
};

export const LIMITS = Object.freeze({ seconds: 5, memoryMb: 256, outputBytes: 64 * 1024 });
export const STATUSES = Object.freeze(["ok", "error", "timeout", "memory", "crashed"]);
// The sandbox's own clock stops a run; this one, later, stands in if the sandbox falls silent.
const SILENCE_MS = LIMITS.seconds * 1000 + 5000;
const LOAD_MS = 120_000;

const MESSAGE_SHAPES = {
  ready: {},
  failed: { message: "string" },
  output: { id: "integer", stream: ["stdout", "stderr"], text: "string" },
  done: {
    id: "integer",
    status: STATUSES,
    seconds: "number",
    result: "string?",
    truncated: "boolean",
  },
};

/** The sandbox's message as it was sent if its shape, types and sizes are right; else null. */
export function checkedMessage(data) {
  if (!data || typeof data !== "object" || Array.isArray(data)) return null;
  if (typeof data.type !== "string" || !Object.hasOwn(MESSAGE_SHAPES, data.type)) return null;
  const shape = MESSAGE_SHAPES[data.type];
  const keys = Object.keys(data);
  if (keys.length !== Object.keys(shape).length + 1) return null;
  for (const [key, kind] of Object.entries(shape)) {
    const value = data[key];
    const fits =
      Array.isArray(kind) ? kind.includes(value)
      : kind === "integer" ? Number.isSafeInteger(value)
      : kind === "number" ? Number.isFinite(value) && value >= 0
      : kind === "boolean" ? typeof value === "boolean"
      : kind === "string?" ? value === null || typeof value === "string"
      : typeof value === kind;
    if (!fits) return null;
    if (typeof value === "string" && value.length > LIMITS.outputBytes) return null;
  }
  return data;
}

async function fetchPyodide() {
  const entries = await Promise.all(
    Object.entries(PYODIDE_FILES).map(async ([key, [name, as]]) => {
      const response = await fetch(PYODIDE_URL + name, { credentials: "omit" });
      if (!response.ok) throw new Error(`${name}: HTTP ${response.status}`);
      return [key, await response[as]()];
    }),
  );
  return Object.fromEntries(entries);
}

/** Output of one run, kept to LIMITS.outputBytes whatever the sandbox sends. */
class Output {
  constructor(onOutput) {
    this.onOutput = onOutput;
    this.parts = [];
    this.bytes = 0;
    this.truncated = false;
  }

  add(stream, text) {
    const size = new TextEncoder().encode(text).length;
    if (this.truncated) return;
    if (this.bytes + size > LIMITS.outputBytes) {
      this.truncated = true;
      return;
    }
    this.bytes += size;
    this.parts.push(text);
    this.onOutput?.(stream, text);
  }

  get text() {
    return this.parts.join("");
  }
}

export class PythonRunner {
  constructor({ parent = document.body } = {}) {
    this.parent = parent;
    this.frame = null;
    this.port = null;
    this.starting = null; // the promise of a ready sandbox
    this.runs = new Map(); // id -> {output, resolve, timer}
    this.nextId = 1;
    this.queue = Promise.resolve();
  }

  /** Whether the sandbox has Pyodide loaded (the next run will not wait for the download). */
  get loaded() {
    return this.port !== null && this.starting === null;
  }

  /** Load the sandbox and Pyodide now, rather than on the first run. */
  start() {
    if (this.port) return Promise.resolve();
    this.starting ??= this.#open().finally(() => {
      this.starting = null;
    });
    return this.starting;
  }

  /**
   * Run `code` as a program (its own fresh interpreter). `then`, if given, is Python run
   * after it in the same namespace; what it leaves in `__result__` (a str) comes back as
   * `result`. `onOutput(stream, text)` sees the output as it arrives.
   */
  run(code, { then = null, onOutput = null } = {}) {
    const turn = this.queue.then(() => this.#run(code, then, onOutput));
    this.queue = turn.catch(() => {});
    return turn;
  }

  /** End the sandbox and whatever runs in it; the next run starts a new one. */
  close() {
    this.frame?.remove();
    this.frame = null;
    this.port?.close();
    this.port = null;
    for (const [id, pending] of this.runs) this.#settle(id, pending, "crashed", null);
  }

  async #run(code, then, onOutput) {
    await this.start();
    const id = this.nextId++;
    const output = new Output(onOutput);
    return new Promise((resolve) => {
      const pending = { output, resolve, timer: null };
      // Stopped by the sandbox after LIMITS.seconds; if it says nothing at all, by this page.
      pending.timer = setTimeout(() => {
        this.#settle(id, pending, "timeout", null);
        this.close();
      }, SILENCE_MS);
      this.runs.set(id, pending);
      this.port.postMessage({ type: "run", id, code: String(code), then });
    });
  }

  #settle(id, pending, status, done) {
    if (this.runs.get(id) !== pending) return;
    this.runs.delete(id);
    clearTimeout(pending.timer);
    pending.resolve({
      status,
      output: pending.output.text,
      truncated: pending.output.truncated || Boolean(done?.truncated),
      seconds: done ? done.seconds : LIMITS.seconds,
      result: done ? done.result : null,
    });
  }

  #fromSandbox(data) {
    const message = checkedMessage(data);
    if (!message) return;
    const pending = this.runs.get(message.id);
    if (!pending) return;
    if (message.type === "output") pending.output.add(message.stream, message.text);
    else if (message.type === "done") this.#settle(message.id, pending, message.status, message);
  }

  async #open() {
    const files = fetchPyodide();
    const frame = document.createElement("iframe");
    // Scripts only: an opaque origin, no forms, pop-ups, navigation of this page or
    // same-origin access. The page's own policy says the same (frontend/sandbox).
    frame.setAttribute("sandbox", "allow-scripts");
    frame.setAttribute("title", "Python sandbox");
    frame.setAttribute("referrerpolicy", "no-referrer");
    frame.hidden = true;
    const loaded = new Promise((resolve) => frame.addEventListener("load", resolve, { once: true }));
    frame.src = SANDBOX_URL;
    this.parent.append(frame);
    this.frame = frame;
    try {
      await loaded;
      const channel = new MessageChannel();
      // An opaque origin has no name to address it by: "*", to this frame's window only.
      frame.contentWindow.postMessage("sandbox.connect", "*", [channel.port2]);
      const ready = new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error("Python did not load in time")), LOAD_MS);
        channel.port1.onmessage = (event) => {
          const message = checkedMessage(event.data);
          if (message?.type === "ready") resolve();
          else if (message?.type === "failed") reject(new Error(message.message));
          if (message?.type === "ready" || message?.type === "failed") clearTimeout(timer);
        };
      });
      const given = await files;
      channel.port1.postMessage({ type: "load", files: given, limits: { ...LIMITS } }, [
        given.wasm,
        given.stdlib,
      ]);
      await ready;
      channel.port1.onmessage = (event) => this.#fromSandbox(event.data);
      this.port = channel.port1;
    } catch (err) {
      frame.remove();
      if (this.frame === frame) this.frame = null;
      throw err;
    }
  }
}
