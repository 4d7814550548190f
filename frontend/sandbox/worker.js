// One program's Python (frontend/sandbox): the sandbox frame starts this worker with
// Pyodide's files, sends it one program, and ends it when the program is done or out of
// time. The worker reaches nothing: the frame's policy, which a blob: worker inherits, lets
// it connect nowhere and load no script from any address, and its origin is opaque.
"use strict";

// Where Pyodide believes its files are. Nothing is fetched from there: the files came with
// the "start" message, and fetch answers Pyodide from them while it starts (.invalid names
// no host, should anything ask).
const BASE = "https://pyodide.invalid/";
// Enough to say the output was cut; the frame cuts it at the limit.
const OUTPUT_LIMIT = 64 * 1024;

// The program runs as __main__ from main.py, in a fresh interpreter: the worker runs one
// program and is ended. input() says why it cannot read; a traceback leaves out this harness.
const HARNESS = `
import ast, builtins, inspect, linecache, sys, traceback

def _input(prompt=""):
    raise RuntimeError(
        "input() cannot read here: a program run from this page gets no keyboard input. "
        "Put the values in the code instead."
    )

builtins.input = _input
# A line is sent as it is printed, as at a terminal: a program that hangs has shown its output.
sys.stdout.reconfigure(line_buffering=True)
sys.stderr.reconfigure(line_buffering=True)

def _compile(source, filename):
    # Top-level await too, as in a notebook: the browser's event loop is Python's.
    return compile(source, filename, "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)

async def _exec(code, namespace):
    awaitable = eval(code, namespace)
    if inspect.isawaitable(awaitable):
        await awaitable

async def run(source, then, filename="main.py"):
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    namespace = {"__name__": "__main__", "__builtins__": builtins}
    status, result = "ok", None
    try:
        await _exec(_compile(source, filename), namespace)
        if then:
            await _exec(_compile(then, "<then>"), namespace)
            result = namespace.get("__result__")
    except SystemExit as exc:
        if exc.code not in (None, 0):
            print(exc.code if isinstance(exc.code, str) else f"Exit status {exc.code}", file=sys.stderr)
            status = "error"
    except BaseException as exc:
        _print_traceback(exc)
        status = "memory" if isinstance(exc, MemoryError) else "error"
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
    return status, result if isinstance(result, str) else None

def _print_traceback(exc):
    """The traceback as Python prints it, less this harness's own frames."""
    report = traceback.TracebackException.from_exception(exc)
    report.stack = traceback.StackSummary.from_list(
        [frame for frame in report.stack if frame.filename != "<sandbox>"]
    )
    print("".join(report.format()), end="", file=sys.stderr)

run
`;

// Kept before any program runs: a program may replace self.postMessage, but not this.
const post = self.postMessage.bind(self);
let harness = null;
let running = false; // one program per worker
let printed = 0;

self.onmessage = (event) => {
  const message = event.data;
  if (message?.type === "start" && !harness) start(message);
  else if (message?.type === "run" && harness && !running) {
    running = true;
    run(message);
  }
};

function moduleUrl(text) {
  return URL.createObjectURL(new Blob([text], { type: "text/javascript" }));
}

async function start({ loader, asm, lock, stdlib, wasm }) {
  const files = new Map([
    [`${BASE}pyodide.asm.wasm`, () => new Response(new Uint8Array(0))],
    [`${BASE}python_stdlib.zip`, () => new Response(stdlib)],
  ]);
  const fetchFromNetwork = self.fetch;
  const instantiateStreaming = WebAssembly.instantiateStreaming;
  self.fetch = async (url) => {
    const file = files.get(String(url));
    if (!file) throw new TypeError(`Pyodide asked for ${url}, which the sandbox does not have`);
    return file();
  };
  // The module the frame compiled (with its memory capped) instead of the bytes fetched.
  WebAssembly.instantiateStreaming = async (_response, imports) => ({
    module: wasm,
    instance: await WebAssembly.instantiate(wasm, imports),
  });
  try {
    const { loadPyodide } = await import(moduleUrl(loader));
    const { default: createPyodideModule } = await import(moduleUrl(asm));
    const pyodide = await loadPyodide({
      indexURL: BASE,
      createPyodideModule,
      // Core and standard library only: no package can be installed, and a missing module
      // is a plain ModuleNotFoundError rather than advice to install it.
      lockFileContents: { info: JSON.parse(lock).info, packages: {} },
      packageBaseUrl: BASE,
      env: { HOME: "/home/pyodide" },
    });
    const decoders = { stdout: new TextDecoder(), stderr: new TextDecoder() };
    for (const stream of ["stdout", "stderr"]) {
      const write = (buffer) => {
        emit(stream, decoders[stream].decode(buffer, { stream: true }));
        return buffer.length;
      };
      if (stream === "stdout") pyodide.setStdout({ write });
      else pyodide.setStderr({ write });
    }
    pyodide.setStdin({ error: true });
    harness = pyodide.runPython(HARNESS, { filename: "<sandbox>" });
  } finally {
    self.fetch = fetchFromNetwork;
    WebAssembly.instantiateStreaming = instantiateStreaming;
  }
  post({ type: "ready" });
}

/**
 * Output goes to the frame as it is printed (a line at a time: Python's streams are line
 * buffered), so what a program printed before it hung is seen. Past the limit nothing more
 * is sent: the frame has cut the output there.
 */
function emit(stream, text) {
  if (printed > OUTPUT_LIMIT || !text) return;
  printed += text.length;
  post({ type: "output", stream, text });
}

/** Run the program; `token`, which it cannot see, vouches for the "done" that says how it ended. */
async function run({ code, then, token }) {
  // Python itself may fail outside this call, in a task of its event loop (a program that
  // recurses past the browser's stack, say): that ends the run too, as a crash.
  const crash = (event) => {
    event.preventDefault();
    crashed(event.reason ?? event.error ?? event.message, token);
  };
  self.addEventListener("error", crash);
  self.addEventListener("unhandledrejection", crash);
  try {
    const outcome = await harness(code, then ?? "");
    const [status, result] = outcome.toJs();
    outcome.destroy();
    post({ type: "done", status, result, token });
  } catch (err) {
    crashed(err, token);
  }
}

/** The interpreter cannot go on after this: say why, and how the run ended. */
function crashed(err, token) {
  const message = String(err?.message || err);
  const why = /call stack/i.test(message)
    ? "the program recursed deeper than the browser's stack allows"
    : message;
  emit("stderr", `\nPython stopped: ${why}.\n`);
  post({ type: "done", status: /memory/i.test(message) ? "memory" : "crashed", result: null, token });
}
