// The start of every live view (the candidate's page, the room's screen, the panel): take a
// seat, open the session's socket (live.js), keep a SessionState (state.js) from its welcome
// and events, say so when the seat is refused, and hand each event to the view's renderer
// for its type: a table `{ "round.opened": (data, frame) => …, … }`, one per view.

import { $ } from "./dom.js";
import { LiveSession } from "./live.js";
import { SessionState } from "./state.js";
import { seatForget, seatLoad } from "./store.js";
import { joinWithName, setStatusPill, showJoined } from "./ui.js";

/** Call the table's renderer for the frame's type, if it has one: `(data, frame)`. */
export function dispatch(renderers, frame) {
  const render = Object.hasOwn(renderers, frame.type) ? renderers[frame.type] : null;
  if (render) render(frame.data, frame);
}

/** The seat this browser keeps in the session in that role, or one taken with a display name
 * (the join form); then the page shows the live view. */
export async function seatByName(code, role) {
  const seat = seatLoad(code, role) || (await joinWithName(code, role));
  showJoined();
  return seat;
}

/** After the server refused the kept seat (a reset database, a cleared session): forget it
 * and join again with a name. */
export async function reseatByName(code, role) {
  seatForget(code, role);
  showJoined(false);
  const fresh = await joinWithName(code, role);
  showJoined();
  return fresh;
}

/** Why the page has no seat, said where the view shows it; the status pill says "error". */
export function showRefusal(el, text) {
  setStatusPill($("session-status"), "error");
  el.textContent = text;
}

/** One viewer's live session: its state, and its socket once started. */
export class LiveView {
  constructor({ code, role }) {
    this.code = code;
    this.role = role;
    this.state = new SessionState(code);
    this.live = null;
  }

  /** The server's clock (before the first welcome, the local one). */
  now() {
    return this.live ? this.live.serverNow() : Date.now();
  }

  /** Whether commands go out now (otherwise they wait for the reconnect). */
  get connected() {
    return Boolean(this.live && this.live.connected);
  }

  send(type, data, options) {
    return this.live.send(type, data, options);
  }

  /**
   * Take a seat, then open the socket; resolves with the LiveSession, or null without a seat.
   * @param {object} o
   * @param {() => Promise<{token: string}>} o.seat the seat to use
   * @param {() => Promise<{token: string}|null>} [o.reseat] a new seat after a 4401, or null
   * @param {(error: Error) => void} [o.refused] no seat could be taken (else it throws)
   * @param {(seat: object) => void} [o.ready] with the seat, before the socket opens
   * @param {(welcome: object) => void} o.welcomed after the state took in each welcome
   * @param {(frame: object) => void} [o.before] each event, after the state, before its renderer
   * @param {object} o.renderers event type -> (data, frame) => void
   */
  async start({ seat, reseat, refused, ready, welcomed, before, renderers }) {
    let taken;
    try {
      taken = await seat();
    } catch (err) {
      if (!refused) throw err;
      refused(err);
      return null;
    }
    if (ready) ready(taken);
    const { state } = this;
    this.live = new LiveSession({
      code: this.code,
      role: this.role,
      token: taken.token,
      onWelcome(welcome) {
        state.welcome(welcome);
        welcomed(welcome);
      },
      onEvent(frame) {
        state.apply(frame);
        if (before) before(frame);
        dispatch(renderers, frame);
      },
      onRejected: reseat
        ? async () => {
            const fresh = await reseat();
            return fresh ? fresh.token : null;
          }
        : undefined,
    }).start();
    return this.live;
  }
}
