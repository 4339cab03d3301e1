// HTTP for the playground: the public API with the user's token, the controls (/__mock) with the admin
// token when the server has one. Every call answers {ok, status, body, decision, retryAfter} and never
// throws, so a refused connection or a fault shows on the page instead of breaking it.
// Paths are relative: the page only ever talks to the server that served it.

const TOKEN_KEY = "kling-mock.token";
const ADMIN_TOKEN_KEY = "kling-mock.admin-token";

export const storage = {
  token() {
    return localStorage.getItem(TOKEN_KEY) || "";
  },
  setToken(value) {
    localStorage.setItem(TOKEN_KEY, value);
  },
  adminToken() {
    return localStorage.getItem(ADMIN_TOKEN_KEY) || "";
  },
  setAdminToken(value) {
    if (value) localStorage.setItem(ADMIN_TOKEN_KEY, value);
    else localStorage.removeItem(ADMIN_TOKEN_KEY);
  },
};

/** A fresh account name for a first visit: every bearer token is an account of its own. */
export function newToken() {
  const bytes = new Uint8Array(6);
  crypto.getRandomValues(bytes);
  return "playground-" + Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

export async function call(method, path, { token, body } = {}) {
  const headers = {};
  if (token) headers.Authorization = `Bearer ${token}`;
  const init = { method, headers, cache: "no-store" };
  if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(path, init);
  } catch (err) {
    return { ok: false, status: 0, body: null, decision: null, retryAfter: null, network: String(err) };
  }
  const text = await response.text();
  let parsed = null;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    parsed = text; // an HTML page from a simulated CDN error, say
  }
  return {
    ok: response.ok,
    status: response.status,
    body: parsed,
    decision: response.headers.get("X-Mock-Decision"),
    retryAfter: response.headers.get("Retry-After"),
  };
}

/** The public API, as the user's account. */
export function api(method, path, body) {
  return call(method, path, { token: storage.token(), body });
}

/** The controls; they need the admin token only if the server was started with one. */
export function controls(method, path, body) {
  return call(method, path, { token: storage.adminToken(), body });
}

/** One line for an answer that went wrong: "HTTP 503 · 503001 · Service unavailable". */
export function describeError(res) {
  if (res.status === 0) return `No answer from the server (${res.network})`;
  const body = res.body;
  if (body && typeof body === "object" && "error_code" in body) {
    return `HTTP ${res.status} · ${body.error_code} · ${body.error_message}`;
  }
  const excerpt = typeof body === "string" ? body.replace(/<[^>]*>/g, " ").replace(/\s+/g, " ").trim().slice(0, 120) : "";
  return `HTTP ${res.status}${excerpt ? " · " + excerpt : ""}`;
}

export function encodePath(value) {
  return value.split("/").map(encodeURIComponent).join("/");
}
