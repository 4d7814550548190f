// What a tab keeps in localStorage, per session code: the participant token of each role
// (so a refreshed tab resumes), the last event seq applied, and answer drafts.
// Storage can be unavailable (private modes, quotas): then everything lasts as long as the tab.

const PREFIX = "mock-interview";
const memory = new Map();

function read(key) {
  try {
    return localStorage.getItem(key);
  } catch {
    return memory.has(key) ? memory.get(key) : null;
  }
}

function write(key, value) {
  try {
    if (value === null) localStorage.removeItem(key);
    else localStorage.setItem(key, value);
  } catch {
    if (value === null) memory.delete(key);
    else memory.set(key, value);
  }
}

function readJson(key, fallback) {
  const raw = read(key);
  if (raw === null) return fallback;
  try {
    return JSON.parse(raw);
  } catch {
    return fallback;
  }
}

const key = (code, ...parts) => [PREFIX, code, ...parts].join(":");

/** {token, participant_id, name} of this browser's seat in the session in that role, or null. */
export function seatLoad(code, role) {
  const seat = readJson(key(code, role, "seat"), null);
  return seat && typeof seat.token === "string" ? seat : null;
}

export function seatSave(code, role, seat) {
  write(key(code, role, "seat"), JSON.stringify(seat));
  // A new token is a new participant: what the old one had seen says nothing.
  write(key(code, role, "last-seq"), null);
}

export function seatForget(code, role) {
  write(key(code, role, "seat"), null);
  write(key(code, role, "last-seq"), null);
}

export function lastSeqLoad(code, role) {
  const value = Number(read(key(code, role, "last-seq")));
  return Number.isInteger(value) && value > 0 ? value : 0;
}

export function lastSeqSave(code, role, seq) {
  write(key(code, role, "last-seq"), String(seq));
}

export function draftLoad(code, roundId) {
  return read(key(code, "draft", roundId));
}

export function draftSave(code, roundId, text) {
  write(key(code, "draft", roundId), text);
}

export function draftForget(code, roundId) {
  write(key(code, "draft", roundId), null);
}

/** The panel invite of a session, kept in this tab only while its holder signs in. */
export function inviteStash(code, invite) {
  try {
    if (invite === null) sessionStorage.removeItem(key(code, "invite"));
    else sessionStorage.setItem(key(code, "invite"), invite);
  } catch {
    // Without sessionStorage the invite lives only in the URL fragment.
  }
}

export function inviteUnstash(code) {
  try {
    return sessionStorage.getItem(key(code, "invite"));
  } catch {
    return null;
  }
}
