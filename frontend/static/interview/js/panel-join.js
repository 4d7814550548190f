// /dashboard/join/{code}/#invite=…: join a session's panel with the owner's invite.

import { api } from "./api.js";
import { $, pageConfig } from "./dom.js";
import { inviteStash, inviteUnstash, seatSave } from "./store.js";

const config = pageConfig();
const code = config.code;
const fragment = new URLSearchParams(location.hash.slice(1));

// The invite is a secret: keep it in this tab only and take it off the address bar.
if (fragment.get("invite")) {
  inviteStash(code, fragment.get("invite"));
  history.replaceState(null, "", location.pathname);
}

async function join() {
  const invite = inviteUnstash(code) || "";
  try {
    const joined = await api(`/api/sessions/${encodeURIComponent(code)}/join`, {
      method: "POST",
      body: { role: "interviewer", invite },
    });
    seatSave(code, "interviewer", { token: joined.token, participant_id: joined.participant_id });
    inviteStash(code, null);
    location.replace(`/dashboard/s/${code}/`);
  } catch (err) {
    $("panel-join-status").textContent = "";
    $("panel-join-error").textContent =
      err.code === "forbidden"
        ? "This invite link is not valid. Ask the session's owner for a new one."
        : err.message;
  }
}

if (config.signed_in) join();
