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
// to the node's `<container>-logs` artifact, as Argo's UI does. Reading the stream and the
// bookkeeping of a resumed read are in workflow/logread.js; this module is the view.

import { h, clear } from "../dom.js";
import { url } from "../api.js";
import { errorBox, download } from "../components.js";
import { isFinished, artifactPath, containersOf, nodeLabel, podName } from "./model.js";
import { readLines, toLine, alreadyRead, lastStamp, linesAt, lineCount } from "./logread.js";

const MAX_DOM = 10000;

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
      const last = lastStamp(this.lines);
      const seen = linesAt(this.lines, last);
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
    const line = toLine(entry);
    if (alreadyRead(line, since, seen)) return;
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
