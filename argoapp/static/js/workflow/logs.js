// The log viewer of the workflow page: one node's container log, or every pod of the workflow
// together ("workflow logs"), read from Argo's log stream (`/api/v1/workflows/{ns}/{name}/log`,
// which also serves the kept logs of pods that are gone). Used by workflow/nodepanel.js.
//
// Long logs stay fast: lines arrive into an array (the whole text, for download and search) and
// are drawn in batches once per animation frame, keeping at most MAX_DOM lines in the DOM. While
// following, the view sticks to the end until the user scrolls up; scrolling back down (or the
// "Follow" button) sticks it again. Lines are asked for with timestamps, which the viewer cuts
// off unless the toggle shows them, so the toggle needs no new request. A followed log ends when
// its container does; if it ends while the node still runs (a server restart, a proxy's
// timeout), the viewer follows again from the last line's timestamp (logOptions.sinceTime),
// dropping what it already has. An archived workflow whose log the API no longer has falls back
// to the node's `<container>-logs` artifact, as Argo's UI does.

import { h, clear } from "../dom.js";
import { url, ApiError, toLogin } from "../api.js";
import { errorBox, download } from "../components.js";
import { isFinished, artifactPath, containersOf, nodeLabel, podName } from "./model.js";

const MAX_DOM = 10000;
const STAMP = /^(\d{4}-\d\d-\d\dT[0-9:.]+(?:Z|[+-]\d\d:?\d\d)) ([\s\S]*)$/;

/** A log viewer in `container` for `node` of `wf` (null node: every pod of the workflow). */
export class LogViewer {
  constructor(container, { wf, node = null, archived = false }) {
    this.wf = wf;
    this.node = node;
    this.archived = archived;
    this.lines = [];
    this.pending = [];
    this.query = "";
    this.showStamps = false;
    this.stick = true;
    this.frame = 0;
    this.abort = null;
    this.container = node ? containersOf(wf, node)[0] : "main";
    this.podLabels = node ? null : podLabels(wf);
    this.el = this.build();
    container.append(this.el);
    this.start();
  }

  build() {
    const containers = this.node ? containersOf(this.wf, this.node) : ["main", "init", "wait"];
    this.select = h(
      "select",
      { "aria-label": "Container", onchange: () => this.switchContainer(this.select.value) },
      containers.map((c) => h("option", { value: c }, c)),
    );
    this.search = h("input", {
      type: "search",
      placeholder: "Filter lines",
      "aria-label": "Filter log lines",
      class: "wf-log-search",
      oninput: () => this.setQuery(this.search.value),
    });
    const stamps = h("input", {
      type: "checkbox",
      onchange: () => {
        this.showStamps = stamps.checked;
        this.redraw();
      },
    });
    this.followBtn = h(
      "button",
      { class: "btn", type: "button", hidden: true, onclick: () => this.jumpToEnd() },
      "Follow ↓",
    );
    this.status = h("span", { class: "muted wf-log-status", "aria-live": "polite" });
    this.body = h("div", {
      class: "wf-log",
      role: "log",
      tabindex: "0",
      "aria-label": "Log lines",
      onscroll: () => this.onScroll(),
    });
    const bar = h(
      "div",
      { class: "toolbar wf-log-bar" },
      h("label", { class: "wf-inline" }, "Container ", this.select),
      this.search,
      h("label", { class: "wf-inline" }, stamps, " Timestamps"),
      this.followBtn,
      h("button", { class: "btn", type: "button", onclick: () => this.save() }, "Download"),
      this.status,
    );
    return h("div", { class: "wf-logs" }, bar, this.body);
  }

  /** The log request's path and query (`since`: only lines from that time on). */
  request(since = null) {
    const { namespace, name } = this.wf.metadata;
    const query = {
      "logOptions.container": this.container,
      "logOptions.timestamps": "true",
    };
    if (!isFinished(this.wf) && !this.archived) query["logOptions.follow"] = "true";
    if (since) query["logOptions.sinceTime"] = since;
    if (this.node) query.podName = podName(this.wf, this.node);
    const ns = encodeURIComponent(namespace);
    return url(`/api/v1/workflows/${ns}/${encodeURIComponent(name)}/log`, query);
  }

  async start() {
    this.stop();
    const abort = new AbortController();
    this.abort = abort;
    this.setStatus(isFinished(this.wf) ? "Loading…" : "Following…");
    try {
      // An archived workflow's name may belong to a live one by now: its own saved log first.
      if (this.archived && (await this.fromArtifact(abort.signal))) return;
      await this.follow(abort.signal);
      if (abort.signal.aborted) return;
      if (!this.lines.length) await this.fromArtifact(abort.signal);
      this.setStatus(this.lines.length ? lineCount(this.lines.length) : "No log lines.");
    } catch (err) {
      if (abort.signal.aborted) return;
      if (err.status === 404 && (await this.fromArtifact(abort.signal))) return;
      this.setStatus("");
      this.body.append(errorBox(err, () => this.restart()));
    } finally {
      if (this.abort === abort) this.abort = null;
      this.flush();
    }
  }

  /** Read the log; while a followed read ends before its node does, read on from the last
   *  line's time (lines already shown at that very time are not added twice). */
  async follow(signal) {
    let wait = 1000;
    for (;;) {
      const following = !isFinished(this.wf) && !this.archived;
      const last = this.lastStamp();
      const seen = this.linesAt(last);
      await readLines(this.request(last), signal, (msg) => this.add(msg, last, seen));
      if (signal.aborted || !following || this.nodeDone()) return;
      this.setStatus(`${lineCount(this.lines.length)}; the log stream ended, following again…`);
      await new Promise((resolve) => setTimeout(resolve, wait));
      wait = Math.min(wait * 2, 10000);
      if (signal.aborted) return;
    }
  }

  /** Whether what this viewer shows has finished (its node, or the whole workflow). */
  nodeDone() {
    if (isFinished(this.wf)) return true;
    const node = this.node && this.wf.status?.nodes?.[this.node.id];
    return Boolean(node?.finishedAt);
  }

  /** The latest time of a line read (pods of workflow logs interleave), or null. */
  lastStamp() {
    let last = null;
    for (const l of this.lines) {
      if (l.stamp && (!last || stampKey(l.stamp) > stampKey(last))) last = l.stamp;
    }
    return last;
  }

  /** How many of each line (by pod and text) were read at time `stamp`. */
  linesAt(stamp) {
    const seen = new Map();
    if (!stamp) return seen;
    for (let i = this.lines.length - 1; i >= Math.max(0, this.lines.length - 1000); i--) {
      const l = this.lines[i];
      if (l.stamp !== stamp) continue;
      const key = `${l.pod}\n${l.text}`;
      seen.set(key, (seen.get(key) || 0) + 1);
    }
    return seen;
  }

  /** The node's `<container>-logs` artifact (archived logs); whether it had one. */
  async fromArtifact(signal) {
    const name = `${this.container}-logs`;
    const node = this.node;
    if (!node || !(node.outputs?.artifacts || []).some((a) => a.name === name)) return false;
    const path = artifactPath(this.wf, node.id, "outputs", name, this.archived);
    const resp = await fetch(url(path), { signal, credentials: "same-origin" });
    if (!resp.ok) return false;
    const pod = podName(this.wf, node);
    for (const line of (await resp.text()).split("\n")) this.add({ content: line, podName: pod });
    if (this.lines.length && this.lines[this.lines.length - 1].text === "") this.lines.pop();
    this.setStatus(`${lineCount(this.lines.length)} (from the archived log)`);
    return true;
  }

  restart() {
    this.lines = [];
    this.pending = [];
    clear(this.body);
    this.start();
  }

  switchContainer(name) {
    this.container = name;
    this.restart();
  }

  /** Keep one log entry; after `since` (a read resumed from that time), one already read is
   *  dropped: earlier, or at that time and counted in `seen`. */
  add(entry, since = null, seen = null) {
    const raw = entry.content ?? "";
    const m = STAMP.exec(raw);
    const line = { stamp: m ? m[1] : "", text: m ? m[2] : raw, pod: entry.podName || "" };
    if (since && line.stamp) {
      if (stampKey(line.stamp) < stampKey(since)) return;
      const key = `${line.pod}\n${line.text}`;
      if (line.stamp === since && seen.get(key) > 0) {
        seen.set(key, seen.get(key) - 1);
        return;
      }
    }
    this.lines.push(line);
    this.pending.push(line);
    if (!this.frame) this.frame = requestAnimationFrame(() => this.flush());
  }

  /** Draw what arrived since the last frame, then keep the DOM within MAX_DOM lines. */
  flush() {
    if (this.frame) cancelAnimationFrame(this.frame);
    this.frame = 0;
    const batch = this.pending.filter((l) => this.matches(l));
    this.pending = [];
    if (!batch.length) return;
    const frag = document.createDocumentFragment();
    for (const line of batch.slice(-MAX_DOM)) frag.append(this.lineEl(line));
    this.body.append(frag);
    let extra = this.body.childElementCount - MAX_DOM;
    while (extra-- > 0) this.body.firstElementChild.remove();
    if (this.abort) this.setStatus(`${lineCount(this.lines.length)}, following…`);
    if (this.stick) this.body.scrollTop = this.body.scrollHeight;
  }

  matches(line) {
    return !this.query || line.text.toLowerCase().includes(this.query);
  }

  lineEl(line) {
    const parts = [];
    if (this.showStamps && line.stamp) {
      parts.push(h("span", { class: "wf-log-stamp" }, line.stamp + " "));
    }
    if (!this.node && line.pod) {
      const step = this.podLabel(line.pod);
      parts.push(h("span", { class: "wf-log-pod", title: line.pod }, step + ": "));
    }
    parts.push(...highlight(line.text, this.query));
    return h("div", { class: "wf-log-line" }, parts);
  }

  /** The step a pod ran, by its node's display name (the pod name when it is not known). */
  podLabel(pod) {
    if (!this.podLabels.has(pod)) {
      this.podLabels = podLabels(this.wf); // a pod that started after the viewer opened
      if (!this.podLabels.has(pod)) this.podLabels.set(pod, pod);
    }
    return this.podLabels.get(pod);
  }

  setQuery(text) {
    this.query = text.trim().toLowerCase();
    this.redraw();
  }

  /** Draw again from the kept lines (the filter or the timestamps changed). */
  redraw() {
    clear(this.body);
    this.pending = [];
    const shown = this.lines.filter((l) => this.matches(l)).slice(-MAX_DOM);
    const frag = document.createDocumentFragment();
    for (const line of shown) frag.append(this.lineEl(line));
    this.body.append(frag);
    if (this.query) this.setStatus(`${shown.length} of ${lineCount(this.lines.length)} match`);
    if (this.stick) this.body.scrollTop = this.body.scrollHeight;
  }

  onScroll() {
    const b = this.body;
    this.stick = b.scrollHeight - b.scrollTop - b.clientHeight < 24;
    this.followBtn.hidden = this.stick;
  }

  jumpToEnd() {
    this.stick = true;
    this.followBtn.hidden = true;
    this.body.scrollTop = this.body.scrollHeight;
  }

  setStatus(text) {
    this.status.textContent = text;
  }

  /** Save the whole log (not only the lines drawn). */
  save() {
    const text = this.lines
      .map((l) => {
        const stamp = this.showStamps && l.stamp ? `${l.stamp} ` : "";
        return stamp + (!this.node && l.pod ? `${l.pod}: ` : "") + l.text;
      })
      .join("\n");
    const who = this.node ? podName(this.wf, this.node) || this.node.id : this.wf.metadata.name;
    download(`${who}-${this.container}.log`, text + "\n", "text/plain");
  }

  stop() {
    if (this.abort) this.abort.abort();
    this.abort = null;
  }

  destroy() {
    this.stop();
    if (this.frame) cancelAnimationFrame(this.frame);
    this.el.remove();
  }
}

/** An RFC 3339 time that sorts as text: its fraction padded to nanoseconds. */
function stampKey(stamp) {
  return stamp.replace(/(:\d\d)(?:\.(\d+))?(?=Z|[+-])/, (_, s, f = "") => `${s}.${f.padEnd(9, "0")}`);
}

/** "1 line", "2 lines". */
function lineCount(n) {
  return n === 1 ? "1 line" : `${n} lines`;
}

/** Map of pod name -> the display name of its node. */
function podLabels(wf) {
  const labels = new Map();
  for (const node of Object.values(wf.status?.nodes || {})) {
    if (node.type === "Pod") labels.set(podName(wf, node), nodeLabel(node));
  }
  return labels;
}

/** `text` as nodes with every (case-insensitive) occurrence of `query` in a <mark>. */
function highlight(text, query) {
  if (!query) return [text];
  const out = [];
  const lower = text.toLowerCase();
  let at = 0;
  for (let i = lower.indexOf(query); i >= 0; i = lower.indexOf(query, at)) {
    if (i > at) out.push(text.slice(at, i));
    out.push(h("mark", {}, text.slice(i, i + query.length)));
    at = i + query.length;
  }
  if (at < text.length) out.push(text.slice(at));
  return out;
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
