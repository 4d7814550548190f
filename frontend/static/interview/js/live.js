// The one module that owns a session's WebSocket, for all three views.
//
// It connects, says hello with the token and the last seq it applied, and resumes after any
// drop with exponential backoff and jitter. The welcome snapshot is the state as of its
// last_seq, so every event numbered up to that is already applied; after that each seq is
// applied once (replays can repeat events the tab has seen). Commands carry a random id and
// resolve on the matching ack or error; a command sent while the socket is down waits, and
// is sent again after a reconnect: the server runs an id once, so a retry is harmless. A
// command about the moment (`{ queue: false }`: an integrity signal) is never kept for later:
// sent late it would arrive in a burst (the server's rate limit counts it, and could refuse
// the answer behind it) and be timed by the server at the reconnect, not when it happened.

import { $ } from "./dom.js";
import { lastSeqLoad, lastSeqSave } from "./store.js";

const PING_EVERY_MS = 20_000;
const PONG_TIMEOUT_MS = 10_000;
const BACKOFF_BASE_MS = 500;
const BACKOFF_CAP_MS = 15_000;
const CLOSE_SERVICE_RESTART = 4012; // the process is shutting down: another one answers now
const CLOSE_UNAUTHENTICATED = 4401;
const CLOSE_SESSION_NOT_FOUND = 4404;
// This person opened the session in more tabs than the server keeps (3): the oldest closes.
// Coming back on its own would close another of them, and so on: it waits for a reload.
const CLOSE_DISPLACED = 4409;
const RECONNECTING = 4000; // this client closes a socket to open another: not leaving

/**
 * ws(s)://this host/ws/sessions/{code}/, or /ws/watch/{code}/ for spectators: the same
 * socket, which the proxy may spread over the server processes (docs/deploy.md).
 */
export function socketUrl(code, role) {
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  const path = role === "spectator" ? "watch" : "sessions";
  return `${scheme}//${location.host}/ws/${path}/${encodeURIComponent(code)}/`;
}

/** A command id unique across reloads: the server keeps ids per participant for good. */
export function commandId() {
  const bytes = new Uint8Array(12);
  crypto.getRandomValues(bytes);
  return "c" + Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

export class CommandError extends Error {
  constructor(code, message) {
    super(message);
    this.code = code;
  }
}

function tooLargeError() {
  return new CommandError("too_large", "This is too large to send.");
}

const BANNER_TEXT = {
  connecting: "Connecting…",
  reconnecting: "Connection lost. Reconnecting…",
  offline: "You are offline. Your work is kept; it reconnects when the network is back.",
  gone: "This session no longer exists.",
  rejected: "This browser's seat in the session is no longer valid.",
  displaced:
    "This session is open in other tabs or windows, so this one has stopped. Reload it to continue here.",
};

export class LiveSession {
  /**
   * @param {object} options
   * @param {string} options.code join code
   * @param {string} options.role the seat's role (keys the stored last seq)
   * @param {string} options.token participant token
   * @param {(welcome: object) => void} options.onWelcome the snapshot, on every (re)connect
   * @param {(frame: object) => void} options.onEvent each event once, in order; presence too
   * @param {(status: string) => void} [options.onStatus]
   * @param {() => Promise<string|null>} [options.onRejected] a new token after a 4401, or null
   */
  constructor({ code, role, token, onWelcome, onEvent, onStatus, onRejected }) {
    Object.assign(this, { code, role, token, onWelcome, onEvent, onStatus, onRejected });
    this.lastSeq = lastSeqLoad(code, role);
    // The server's bound on a frame's bytes, from the welcome's `limits`: null before it.
    this.maxFrameBytes = null;
    this.clockOffsetMs = 0;
    this.socket = null;
    this.welcomed = false;
    this.attempt = 0;
    this.retryTimer = null;
    this.pingTimer = null;
    this.pongTimer = null;
    this.pending = new Map();
    this.status = "connecting";
    this.stopped = false;
    this.banner = $("connection-banner");
    addEventListener("offline", () => this.wentOffline());
    addEventListener("online", () => {
      if (!this.welcomed) this.reconnectNow();
    });
  }

  start() {
    this.connect();
    return this;
  }

  /** The server's clock now, in ms since the epoch (countdowns use it, not the local clock). */
  serverNow() {
    return Date.now() + this.clockOffsetMs;
  }

  /**
   * Send a command; resolves with the ack's data, rejects with a CommandError. With
   * `queue: false` it goes now or never: while the socket is down it is refused at once
   * (`offline`), and one still unanswered when the socket drops is not sent again.
   */
  send(type, data = {}, { queue = true } = {}) {
    const frame = { type, id: commandId(), data };
    // A frame over the server's limit is dropped with the connection, not refused: say so
    // here (before the first welcome, once it tells the limit).
    if (this.tooLarge(frame)) return Promise.reject(tooLargeError());
    if (!queue && !this.welcomed) {
      return Promise.reject(new CommandError("offline", "Not connected: not sent."));
    }
    return new Promise((resolve, reject) => {
      this.pending.set(frame.id, { frame, queue, resolve, reject });
      if (this.welcomed) this.transmit(frame);
    });
  }

  /** Whether the frame is over the server's limit on a frame's bytes, as far as known. */
  tooLarge(frame) {
    if (this.maxFrameBytes === null) return false;
    return new TextEncoder().encode(JSON.stringify(frame)).length > this.maxFrameBytes;
  }

  /** Whether commands go out now (otherwise they wait for the reconnect). */
  get connected() {
    return this.welcomed;
  }

  // --- the socket's life -------------------------------------------------------------------

  connect() {
    clearTimeout(this.retryTimer);
    if (this.stopped || this.socket) return;
    if (navigator.onLine === false) {
      this.setStatus("offline");
      return;
    }
    this.setStatus(this.attempt === 0 && this.status === "connecting" ? "connecting" : "reconnecting");
    const socket = new WebSocket(socketUrl(this.code, this.role));
    this.socket = socket;
    socket.addEventListener("open", () => {
      if (this.socket !== socket) return;
      this.transmit({ type: "hello", data: { token: this.token, last_seq: this.lastSeq } });
    });
    socket.addEventListener("message", (message) => {
      if (this.socket !== socket) return;
      let frame;
      try {
        frame = JSON.parse(message.data);
      } catch {
        return;
      }
      this.receive(frame);
    });
    socket.addEventListener("close", (closed) => {
      if (this.socket !== socket) return;
      this.dropped(closed.code);
    });
  }

  /**
   * Forget the current socket (it may take long to close on a dead network) and go on.
   * Closed with 4000 to reconnect: the server keeps a socket closed with anything but 1000
   * or 1001 online for its grace period, so nobody sees this participant leave and return.
   */
  abandon(code = RECONNECTING) {
    const socket = this.socket;
    this.socket = null;
    this.welcomed = false;
    this.stopPing();
    if (socket) {
      try {
        socket.close(code, code === RECONNECTING ? "client reconnects" : "client leaves");
      } catch {
        // Already closing.
      }
    }
  }

  wentOffline() {
    if (this.stopped) return;
    this.abandon();
    clearTimeout(this.retryTimer);
    this.setStatus("offline");
  }

  reconnectNow() {
    if (this.stopped) return;
    this.abandon();
    this.attempt = 0;
    this.setStatus("reconnecting");
    this.connect();
  }

  async dropped(code) {
    this.socket = null;
    this.welcomed = false;
    this.stopPing();
    if (code === CLOSE_SESSION_NOT_FOUND) {
      this.stop("gone");
      return;
    }
    if (code === CLOSE_DISPLACED) {
      this.stop("displaced");
      return;
    }
    if (code === CLOSE_UNAUTHENTICATED) {
      const token = this.onRejected ? await this.onRejected() : null;
      if (!token) {
        this.stop("rejected");
        return;
      }
      this.token = token;
      this.lastSeq = 0;
      this.attempt = 0;
      this.connect();
      return;
    }
    if (navigator.onLine === false) {
      this.setStatus("offline");
      return;
    }
    if (code === CLOSE_SERVICE_RESTART) this.attempt = 0;
    // Exponential backoff with "equal jitter": half the step fixed, half random, so a
    // room of clients dropped by one restart does not come back in one burst.
    const step = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** this.attempt);
    const delay = step / 2 + Math.random() * (step / 2);
    this.attempt += 1;
    this.setStatus("reconnecting");
    this.retryTimer = setTimeout(() => this.connect(), delay);
  }

  stop(status) {
    this.stopped = true;
    this.abandon(1000);
    clearTimeout(this.retryTimer);
    for (const { reject } of this.pending.values()) {
      reject(new CommandError("disconnected", BANNER_TEXT[status] || "Disconnected."));
    }
    this.pending.clear();
    this.setStatus(status);
  }

  // --- frames ------------------------------------------------------------------------------

  transmit(frame) {
    try {
      this.socket.send(JSON.stringify(frame));
    } catch {
      // The close event follows; pending commands are sent again after the welcome.
    }
  }

  receive(frame) {
    const { type, seq, data } = frame;
    if (type === "welcome") {
      this.welcome(data);
      return;
    }
    if (type === "pong") {
      clearTimeout(this.pongTimer);
      return;
    }
    if (type === "ack" || type === "error") {
      this.settle(frame);
      return;
    }
    if (seq === null || seq === undefined) {
      this.onEvent(frame); // presence: about now, never replayed
      return;
    }
    if (seq <= this.lastSeq) return; // already applied (snapshot or an earlier copy)
    // `prev` may be below lastSeq: the welcome's snapshot already covered events up to its
    // last_seq, some of them replayed (and dropped here), the last ones not for this viewer.
    const explained = frame.prev !== undefined && frame.prev <= this.lastSeq;
    if (seq > this.lastSeq + 1 && !explained) {
      // A gap means lost frames, unless the frame says (prev) that the events numbered in
      // between were not for this participant: reconnect from the last seq applied, and
      // the welcome's snapshot fills it in.
      this.reconnectNow();
      return;
    }
    this.lastSeq = seq;
    lastSeqSave(this.code, this.role, seq);
    this.onEvent(frame);
  }

  welcome(data) {
    this.welcomed = true;
    this.attempt = 0;
    this.clockOffsetMs = Date.parse(data.server_now) - Date.now();
    // The snapshot already holds every event up to the session's last_seq, whatever this
    // tab had applied before; a last_seq beyond it belongs to a database that was reset.
    this.lastSeq = data.last_seq;
    lastSeqSave(this.code, this.role, data.last_seq);
    const limits = data.snapshot && data.snapshot.limits;
    if (limits) this.maxFrameBytes = limits.frame_bytes;
    this.setStatus("online");
    this.onWelcome(data);
    for (const [id, { frame, queue, reject }] of this.pending) {
      if (this.tooLarge(frame)) {
        this.pending.delete(id);
        reject(tooLargeError());
      } else if (queue) {
        this.transmit(frame);
      } else {
        this.pending.delete(id);
        reject(new CommandError("offline", "The connection dropped: not sent again."));
      }
    }
    this.startPing();
  }

  settle(frame) {
    const waiting = this.pending.get(frame.id);
    if (!waiting) return;
    this.pending.delete(frame.id);
    if (frame.type === "ack") waiting.resolve(frame.data || {});
    else waiting.reject(new CommandError(frame.data.code, frame.data.message));
  }

  // --- keep-alive: a ping every 20 s; no pong within 10 s means the socket is dead --------

  startPing() {
    this.stopPing();
    this.pingTimer = setInterval(() => {
      if (!this.welcomed) return;
      this.transmit({ type: "ping", data: {} });
      clearTimeout(this.pongTimer);
      this.pongTimer = setTimeout(() => {
        this.abandon();
        this.dropped(1006);
      }, PONG_TIMEOUT_MS);
    }, PING_EVERY_MS);
  }

  stopPing() {
    clearInterval(this.pingTimer);
    clearTimeout(this.pongTimer);
  }

  setStatus(status) {
    this.status = status;
    if (this.banner) {
      const text = status === "online" ? "" : BANNER_TEXT[status] || "";
      this.banner.textContent = text;
      this.banner.hidden = !text;
      this.banner.dataset.status = status;
    }
    if (this.onStatus) this.onStatus(status);
  }
}
