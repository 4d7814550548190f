// The landing page: join a session by code as a candidate or a spectator.

import { ApiError, joinSession } from "./api.js";
import { $ } from "./dom.js";
import { seatSave } from "./store.js";

const form = $("join-form");
const error = $("join-error");

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  error.textContent = "";
  const code = $("join-code").value.trim().toUpperCase().replace(/[\s-]/g, "");
  const name = $("join-name").value.trim();
  const role = new FormData(form).get("role");
  if (!code) {
    error.textContent = "Enter the join code.";
    $("join-code").focus();
    return;
  }
  if (!name) {
    error.textContent = "Enter a display name.";
    $("join-name").focus();
    return;
  }
  const button = form.querySelector("button[type=submit]");
  button.disabled = true;
  try {
    const joined = await joinSession(code, { display_name: name, role });
    seatSave(code, role, {
      token: joined.token,
      participant_id: joined.participant_id,
      name: joined.display_name,
    });
    location.assign(role === "spectator" ? `/s/${code}/watch` : `/s/${code}/`);
  } catch (err) {
    error.textContent =
      err instanceof ApiError && err.status === 404
        ? "There is no session with this code."
        : err.message;
    button.disabled = false;
  }
});
