// api.js: every call the UI makes to the server: Argo's REST API (get/post/put/del), its
// newline-delimited JSON streams (stream), and URLs for downloads (url). Used by every page.
// Errors become ApiError with Argo's message; a 401 sends the browser to the login page (so a
// page never has to handle it). No caching and no retries here, except a stream's reconnects.

import { appPath, fullPath } from "./dom.js";

/** An error answer (or no answer) from the server; message is Argo's error message. */
export class ApiError extends Error {
  /**
   * @param {string} message
   * @param {number} status HTTP status, 0 when the server could not be reached
   * @param {number} [code] the gRPC code of Argo's error body
   */
  constructor(message, status, code = 0) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
  }
}

/**
 * An absolute URL for `path` with `query` (arrays repeat the key; null/undefined skipped).
 * @param {string} path
 * @param {object} [query]
 * @returns {string}
 */
export function url(path, query = {}) {
  const u = new URL(fullPath(path), window.location.origin);
  for (const [key, value] of Object.entries(query || {})) {
    if (value === null || value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) u.searchParams.append(key, String(v));
  }
  return u.toString();
}

/** Send the browser to the login page, which comes back here once the token is in. */
export function toLogin() {
  const pathname = appPath(window.location.pathname);
  if (pathname === "/login") return;
  const back = pathname + window.location.search;
  window.location.assign(fullPath("/login") + "?redirect=" + encodeURIComponent(back));
}

async function errorOf(resp) {
  let message = resp.statusText || `HTTP ${resp.status}`;
  let code = 0;
  try {
    const body = JSON.parse(await resp.text());
    if (body && typeof body.message === "string" && body.message) message = body.message;
    if (body && typeof body.code === "number") code = body.code;
  } catch {
    // not Argo's JSON error body: the status text says enough
  }
  return new ApiError(message, resp.status, code);
}

function unreachable(e) {
  return new ApiError(`cannot reach the server (${e && e.message ? e.message : e})`, 0, 14);
}

async function request(method, path, { query, body } = {}) {
  const headers = { Accept: "application/json" };
  const init = { method, headers, credentials: "same-origin" };
  if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  let resp;
  try {
    resp = await fetch(url(path, query), init);
  } catch (e) {
    throw unreachable(e);
  }
  if (resp.status === 401) {
    toLogin();
    // The page is going away: settle never, so no error box flashes before it does.
    return new Promise(() => {});
  }
  if (!resp.ok) throw await errorOf(resp);
  const text = await resp.text();
  return text.trim() ? JSON.parse(text) : {};
}

/**
 * GET `path` with `query`; resolves to the JSON answer.
 * @param {string} path e.g. "/api/v1/workflows/argo"
 * @param {object} [query] values string|number|bool|string[]
 */
export async function get(path, query = {}) {
  return request("GET", path, { query });
}

/** POST `body` as JSON to `path`; resolves to the JSON answer. */
export async function post(path, body) {
  return request("POST", path, { body: body === undefined ? {} : body });
}

/** PUT `body` as JSON to `path`; resolves to the JSON answer. */
export async function put(path, body) {
  return request("PUT", path, { body: body === undefined ? {} : body });
}

/** DELETE `path` with `query`; resolves to the JSON answer. */
export async function del(path, query = {}) {
  return request("DELETE", path, { query });
}

/**
 * Read one of Argo's streams (workflow-events, stream/events, log): newline-delimited JSON
 * messages `{"result": …}` (or `{"error": …}`), calling onMessage(result) for each.
 * A failure (no answer, an error status, a dropped connection, an `{"error"}` message) and a
 * clean end (a server restarting, a proxy's read timeout) both call onError(ApiError) and
 * reopen the stream after a backoff (1 s doubling to 10 s); once it is open again onOpen() and
 * then onReopen() run (a page GETs once there, to catch up on what it missed). Only a `final`
 * stream (a one-shot read, such as a finished container's logs) ends for good at a clean end,
 * calling onEnd(). A 401 goes to the login page instead. An exception thrown by onMessage is the
 * caller's bug, not the network's: it is logged (console.warn) and the stream goes on.
 * Returns close(), which stops it for good.
 * @param {string} path
 * @param {object} query
 * @param {(result: any) => void} onMessage
 * @param {{onError?: (e: ApiError) => void, onOpen?: () => void, onEnd?: () => void,
 *          onReopen?: () => void, final?: boolean}} [opts]
 * @returns {() => void}
 */
export function stream(path, query, onMessage, { onError, onOpen, onEnd, onReopen, final = false } = {}) {
  let closed = false;
  let controller = null;
  let timer = null;
  let delay = 1000;
  let opened = false; // opened at least once: the next open is a reopen

  const deliver = (result) => {
    try {
      onMessage(result);
    } catch (e) {
      console.warn(`argoapp: a message handler of ${path} failed:`, e);
    }
  };

  const handle = (line) => {
    const text = line.startsWith("data:") ? line.slice(5).trim() : line;
    if (!text || text.startsWith(":")) return;
    let message;
    try {
      message = JSON.parse(text);
    } catch {
      return; // a keep-alive or a partial line from a broken connection
    }
    if (message && message.error) {
      const err = message.error;
      throw new ApiError(err.message || "stream error", err.http_code || 500, err.grpc_code || err.code || 0);
    }
    if (message && "result" in message) {
      delay = 1000;
      deliver(message.result);
    }
  };

  /** Read the open response to its end; false when the stream was closed meanwhile. */
  const read = async (resp) => {
    const reader = resp.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += value;
      let nl;
      while ((nl = buffer.indexOf("\n")) >= 0) {
        const line = buffer.slice(0, nl).trim();
        buffer = buffer.slice(nl + 1);
        if (closed) return false;
        handle(line);
      }
    }
    if (closed) return false;
    if (buffer.trim()) handle(buffer.trim());
    return true;
  };

  const run = async () => {
    timer = null;
    controller = new AbortController();
    try {
      const resp = await fetch(url(path, query), {
        headers: { Accept: "application/json" },
        credentials: "same-origin",
        signal: controller.signal,
      });
      if (resp.status === 401) {
        closed = true;
        toLogin();
        return;
      }
      if (!resp.ok) throw await errorOf(resp);
      if (onOpen) onOpen();
      if (opened && onReopen) onReopen();
      opened = true;
      if (!(await read(resp))) return;
      if (final) {
        closed = true;
        if (onEnd) onEnd();
        return;
      }
      // A watch has no natural end: the server went away or a proxy cut it. Come back.
      if (onError) onError(new ApiError("the server ended the stream", 0, 14));
    } catch (e) {
      if (closed) return;
      if (onError) onError(e instanceof ApiError ? e : unreachable(e));
    }
    if (!closed) {
      timer = setTimeout(run, delay);
      delay = Math.min(delay * 2, 10000);
    }
  };

  run();
  return () => {
    closed = true;
    if (timer) clearTimeout(timer);
    if (controller) controller.abort();
  };
}
