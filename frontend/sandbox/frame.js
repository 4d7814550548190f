// The sandbox frame (frontend/sandbox): it runs nobody's code itself. It takes one
// MessagePort from the page that frames it, gets Pyodide's files through it, and runs each
// program in a worker of its own, which it ends when the program is done or out of time and
// replaces with a fresh one. What a worker says is checked before it goes on to the page
// (which checks it again): a worker runs untrusted code and may say anything.
"use strict";

(() => {
  const STREAMS = new Set(["stdout", "stderr"]);
  // How a program may end as its worker tells it; "timeout" is the frame's to say.
  const ENDINGS = new Set(["ok", "error", "memory", "crashed"]);
  const workerSource = document.getElementById("worker-source").textContent;
  const workerUrl = URL.createObjectURL(new Blob([workerSource], { type: "text/javascript" }));
  const encoder = new TextEncoder();

  let port = null;
  let runtime = null; // what every worker starts from: Pyodide's files, memory capped
  let limits = null; // {seconds, memoryMb, outputBytes}
  let spare = null; // the next worker: {worker, ready}
  let current = null; // the run in progress
  const queue = [];

  window.addEventListener("message", (event) => {
    // The port comes once, from the framing page; nothing else is listened to.
    if (port || event.source !== window.parent || event.data !== "sandbox.connect") return;
    if (event.ports.length !== 1) return;
    port = event.ports[0];
    port.onmessage = (message) => fromPage(message.data);
  });

  function fromPage(data) {
    if (data?.type === "load" && !runtime) load(data);
    else if (data?.type === "run" && runtime && validRun(data)) {
      queue.push(data);
      next();
    }
  }

  function validRun(data) {
    return (
      Number.isSafeInteger(data.id) &&
      typeof data.code === "string" &&
      (data.then === null || typeof data.then === "string")
    );
  }

  async function load(data) {
    try {
      limits = data.limits;
      const files = data.files;
      runtime = {
        loader: files.loader,
        asm: files.asm,
        lock: files.lock,
        stdlib: files.stdlib,
        wasm: await WebAssembly.compile(capMemory(new Uint8Array(files.wasm), limits.memoryMb)),
      };
      spare = startWorker();
      await spare.ready;
      port.postMessage({ type: "ready" });
    } catch (err) {
      runtime = null;
      port.postMessage({ type: "failed", message: String(err?.message || err).slice(0, 500) });
    }
  }

  /**
   * Lower the maximum of the module's memory to memoryMb: growing past it fails, so Python
   * raises MemoryError instead of taking gigabytes of the viewer's machine. The limit is
   * rewritten in place, as a LEB128 number of the same width as the one it replaces.
   */
  function capMemory(bytes, memoryMb) {
    const pages = (memoryMb * 1024 * 1024) / 65536;
    let at = 8; // past the magic number and the version
    const leb = () => {
      let value = 0;
      let scale = 1;
      let byte;
      do {
        byte = bytes[at++];
        value += (byte & 0x7f) * scale;
        scale *= 128;
      } while (byte & 0x80);
      return value;
    };
    while (at < bytes.length) {
      const id = bytes[at++];
      const size = leb();
      const end = at + size;
      if (id === 5) {
        leb(); // how many memories: Pyodide's module has one
        const flags = bytes[at++];
        if (!(flags & 1)) throw new Error("Pyodide's memory has no maximum to lower");
        const initial = leb();
        const start = at;
        leb();
        const width = at - start;
        let value = Math.max(pages, initial);
        for (let i = 0; i < width; i++) {
          bytes[start + i] = (value & 0x7f) | (i < width - 1 ? 0x80 : 0);
          value = Math.floor(value / 128);
        }
        if (value) throw new Error("the memory limit does not fit in place");
        return bytes;
      }
      at = end;
    }
    throw new Error("Pyodide's module declares no memory");
  }

  function startWorker() {
    const worker = new Worker(workerUrl, { name: "python" });
    const ready = new Promise((resolve, reject) => {
      worker.onmessage = (event) =>
        event.data?.type === "ready" ? resolve() : reject(new Error("Python did not start"));
      worker.onerror = (event) => {
        event.preventDefault();
        reject(new Error(event.message || "Python did not start"));
      };
    });
    // Copies: each worker gets its own, and the compiled module is shared, not compiled again.
    worker.postMessage({ type: "start", ...runtime });
    return { worker, ready };
  }

  async function next() {
    if (current || !queue.length) return;
    const { id, code, then } = queue.shift();
    const { worker, ready } = spare;
    spare = null;
    // The worker's harness says how the run ended with this token, which the program cannot
    // read: a program that posts a "done" of its own does not end its run, or forge a result.
    const token = crypto.randomUUID();
    const run = { id, worker, token, printed: 0, cut: false, started: 0, timer: null };
    current = run;
    try {
      await ready;
    } catch (err) {
      forward(run, "stderr", `${err.message}\n`);
      finish(run, "crashed", null);
      return;
    }
    worker.onmessage = (event) => fromWorker(run, event.data);
    worker.onerror = (event) => {
      event.preventDefault();
      finish(run, "crashed", null);
    };
    run.started = performance.now();
    run.timer = setTimeout(() => finish(run, "timeout", null), limits.seconds * 1000);
    worker.postMessage({ type: "run", code, then, token });
  }

  function fromWorker(run, data) {
    if (run !== current || !data || typeof data !== "object") return;
    if (data.type === "output" && STREAMS.has(data.stream) && typeof data.text === "string") {
      forward(run, data.stream, data.text);
    } else if (data.type === "done" && data.token === run.token && ENDINGS.has(data.status)) {
      const result =
        typeof data.result === "string" && data.result.length <= limits.outputBytes
          ? data.result
          : null;
      finish(run, data.status, result);
    }
  }

  /** Pass output on, up to the limit; what is beyond it is dropped and the run marked cut. */
  function forward(run, stream, text) {
    if (run.cut || !text) return;
    const bytes = encoder.encode(text);
    const room = limits.outputBytes - run.printed;
    if (bytes.length > room) {
      run.cut = true;
      // Cut on a character: a sequence split at the limit decodes to U+FFFD, dropped.
      text = new TextDecoder().decode(bytes.subarray(0, room)).replace(/\uFFFD$/, "");
    }
    run.printed += Math.min(bytes.length, room);
    if (text) port.postMessage({ type: "output", id: run.id, stream, text });
  }

  /** The run is over: its worker ends (whatever it was doing), a fresh one starts. */
  function finish(run, status, result) {
    if (run !== current) return;
    clearTimeout(run.timer);
    run.worker.terminate();
    const seconds = run.started ? (performance.now() - run.started) / 1000 : 0;
    port.postMessage({ type: "done", id: run.id, status, seconds, result, truncated: run.cut });
    current = null;
    spare = startWorker();
    next();
  }
})();
