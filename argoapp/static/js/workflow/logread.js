// Reading a container log for the log viewer (workflow/logs.js), with no DOM: one pass over
// Argo's log stream (`/api/v1/workflows/{ns}/{name}/log`, newline-delimited JSON), and the line
// bookkeeping a resumed read needs. Lines are asked for with timestamps; each becomes
// `{stamp, text, pod}`. A followed read that ends early is resumed from the latest stamp
// (logOptions.sinceTime), and the server answers from that second on, so lines read before it
// (or at that very time and already kept) are dropped rather than shown twice.
//
// Used only by workflow/logs.js. It must not touch the page: errors are returned as ApiError
// for the viewer to show (a 401 is the one exception: it goes to login, as api.js does).

import { ApiError, toLogin } from "../api.js";

const STAMP = /^(\d{4}-\d\d-\d\dT[0-9:.]+(?:Z|[+-]\d\d:?\d\d)) ([\s\S]*)$/;
const RESUME_WINDOW = 1000; // lines looked back over for those at the resume time

/** A log entry ({content, podName}) as a line: its timestamp cut off the text. */
export function toLine(entry) {
  const raw = entry.content ?? "";
  const m = STAMP.exec(raw);
  return { stamp: m ? m[1] : "", text: m ? m[2] : raw, pod: entry.podName || "" };
}

/** Whether `line`, read by a read resumed at `since`, was kept already: earlier than `since`,
 *  or at that time and still counted in `seen` (which it then uses up). */
export function alreadyRead(line, since, seen) {
  if (!since || !line.stamp) return false;
  if (stampKey(line.stamp) < stampKey(since)) return true;
  const key = `${line.pod}\n${line.text}`;
  if (line.stamp !== since || !(seen.get(key) > 0)) return false;
  seen.set(key, seen.get(key) - 1);
  return true;
}

/** The latest time of the lines read (pods of workflow logs interleave), or null. */
export function lastStamp(lines) {
  let last = null;
  for (const l of lines) {
    if (l.stamp && (!last || stampKey(l.stamp) > stampKey(last))) last = l.stamp;
  }
  return last;
}

/** How many of each line (by pod and text) among the last read were read at time `stamp`. */
export function linesAt(lines, stamp) {
  const seen = new Map();
  if (!stamp) return seen;
  for (let i = lines.length - 1; i >= Math.max(0, lines.length - RESUME_WINDOW); i--) {
    const l = lines[i];
    if (l.stamp !== stamp) continue;
    const key = `${l.pod}\n${l.text}`;
    seen.set(key, (seen.get(key) || 0) + 1);
  }
  return seen;
}

/** An RFC 3339 time that sorts as text: its fraction padded to nanoseconds. */
function stampKey(stamp) {
  return stamp.replace(/(:\d\d)(?:\.(\d+))?(?=Z|[+-])/, (_, s, f = "") => `${s}.${f.padEnd(9, "0")}`);
}

/** "1 line", "2 lines". */
export function lineCount(n) {
  return n === 1 ? "1 line" : `${n} lines`;
}

/** Read Argo's newline-delimited JSON stream once, calling onEntry(result) per message; rejects
 *  with an ApiError on an error answer or an `{"error": …}` message. A 401 goes to login. */
export async function readLines(href, signal, onEntry) {
  let resp;
  try {
    const headers = { Accept: "application/json" };
    resp = await fetch(href, { signal, credentials: "same-origin", headers });
  } catch (e) {
    if (signal.aborted) throw e;
    throw new ApiError(`cannot reach the server (${e.message})`, 0);
  }
  if (resp.status === 401) {
    toLogin();
    return;
  }
  if (!resp.ok) throw await answerError(resp);
  const reader = resp.body.pipeThrough(new TextDecoderStream()).getReader();
  let rest = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    const lines = (rest + value).split("\n");
    rest = lines.pop();
    for (const line of lines) deliver(line, onEntry);
  }
  deliver(rest, onEntry);
}

function deliver(line, onEntry) {
  if (!line.trim()) return;
  const msg = JSON.parse(line);
  const err = msg.error;
  if (err) throw streamError(err.http_code || 500, err.message || "stream failed");
  if (msg.result) onEntry(msg.result);
}

async function answerError(resp) {
  let message = resp.statusText;
  try {
    message = (await resp.json()).message || message;
  } catch {
    // not a JSON body: the status text says enough
  }
  return streamError(resp.status, message);
}

function streamError(status, message) {
  return new ApiError(message, status);
}
