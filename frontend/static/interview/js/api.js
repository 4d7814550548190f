// JSON over fetch, with Django's CSRF token and the API's error shape.

export class ApiError extends Error {
  /** `details`: a validation error's messages by field, as the server gave them. */
  constructor(status, code, message, details = null) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

function cookie(name) {
  for (const part of document.cookie.split(";")) {
    const [key, ...rest] = part.trim().split("=");
    if (key === name) return decodeURIComponent(rest.join("="));
  }
  return "";
}

/** Call the API: the parsed JSON, or an ApiError with the server's code and message. */
export async function api(path, { method = "GET", body, headers = {} } = {}) {
  const init = {
    method,
    credentials: "same-origin",
    headers: { Accept: "application/json", ...headers },
  };
  if (body !== undefined) {
    init.body = JSON.stringify(body);
    init.headers["Content-Type"] = "application/json";
  }
  if (method !== "GET" && method !== "HEAD") init.headers["X-CSRFToken"] = cookie("csrftoken");
  let response;
  try {
    response = await fetch(path, init);
  } catch {
    throw new ApiError(0, "network", "The server cannot be reached. Check your connection.");
  }
  let payload = null;
  try {
    payload = await response.json();
  } catch {
    payload = null;
  }
  if (!response.ok) {
    const error = payload && payload.error;
    throw new ApiError(
      response.status,
      (error && error.code) || "error",
      (error && error.message) || `The request failed (${response.status}).`,
      (error && error.details) || null,
    );
  }
  return payload;
}

/** POST /api/sessions/{code}/join: {participant_id, role, display_name, token, ws_url}. */
export function joinSession(code, body) {
  return api(`/api/sessions/${encodeURIComponent(code)}/join`, { method: "POST", body });
}
