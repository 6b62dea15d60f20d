// The head of the workflow page: the workflow's name as the <h1>, its phase badge, the actions
// that apply (workflow/actions.js) and a "Workflow logs" button in the toolbar; below, its
// message, started/finished times, duration (ticking once a second while it runs) and progress.
// `update(wf)` redraws the facts on every change, but the toolbar only when the set of actions
// changes, so keyboard focus on a button survives a live update. Used by pages/workflow.js.

import { h, clear } from "../dom.js";
import { timeAgo, duration, durationOf, phaseBadge, progress } from "../format.js";
import { actionButtons } from "./actions.js";
import { isFinished, isSuspended } from "./model.js";

/** The header of the workflow page inside `host`. */
export class WorkflowHeader {
  constructor(host, { archived, onAction, onLogs }) {
    this.archived = archived;
    this.onAction = onAction;
    this.onLogs = onLogs;
    this.wf = null;
    this.actionsKey = "";
    this.badge = h("span", { class: "wf-phase" });
    this.title = h("h1", { class: "wf-name" });
    this.toolbar = h("div", {
      class: "toolbar",
      role: "toolbar",
      "aria-label": "Workflow actions",
    });
    this.facts = h("div", { class: "wf-head-facts" });
    this.message = h("p", { class: "wf-message", "aria-live": "polite" });
    this.errors = h("div", { class: "wf-action-errors", "aria-live": "assertive" });
    this.durationEl = h("span", { class: "wf-duration" });
    this.el = h(
      "header",
      { class: "wf-head" },
      h(
        "div",
        { class: "page-head" },
        h("div", { class: "wf-titleline" }, this.title, this.badge),
        this.toolbar,
      ),
      this.facts,
      this.message,
      this.errors,
    );
    host.append(this.el);
    this.timer = setInterval(() => this.tick(), 1000);
  }

  /** Draw `wf` (a new version of the workflow). */
  update(wf) {
    this.wf = wf;
    const status = wf.status || {};
    const suspended = isSuspended(wf);
    this.title.textContent = wf.metadata.name;
    clear(this.badge).append(phaseBadge(suspended ? "Suspended" : status.phase || "Pending"));
    this.message.textContent = status.message || "";
    this.message.hidden = !status.message;
    this.drawFacts(status);
    this.drawActions(wf, suspended);
  }

  drawFacts(status) {
    const items = [];
    const add = (label, value) => {
      if (!value) return;
      const name = h("span", { class: "muted" }, label + " ");
      items.push(h("span", { class: "wf-fact" }, name, value));
    };
    add("Started", status.startedAt ? timeAgo(status.startedAt) : null);
    add("Finished", status.finishedAt ? timeAgo(status.finishedAt) : null);
    add("Duration", status.startedAt ? this.durationEl : null);
    add("Progress", status.progress ? progress(status.progress) : null);
    if (this.archived) items.push(h("span", { class: "wf-fact muted" }, "Archived"));
    clear(this.facts).append(...items);
    this.tick();
  }

  drawActions(wf, suspended) {
    const key = [wf.status?.phase, isFinished(wf), suspended, !!wf.spec?.suspend].join("|");
    if (key === this.actionsKey) return;
    this.actionsKey = key;
    const focused = document.activeElement;
    const hadFocus = this.toolbar.contains(focused) ? focused.dataset.action : null;
    const buttons = actionButtons(wf, {
      archived: this.archived,
      errorHost: this.errors,
      onDone: this.onAction,
    });
    const logs = h(
      "button",
      {
        class: "btn",
        type: "button",
        dataset: { action: "logs" },
        "aria-label": "Logs of every pod of the workflow",
        onclick: () => this.onLogs(),
      },
      "Workflow logs",
    );
    clear(this.toolbar).append(logs, ...buttons);
    const again = hadFocus && this.toolbar.querySelector(`[data-action="${hadFocus}"]`);
    if (again) again.focus();
  }

  /** The duration, counted up to now while the workflow runs. */
  tick() {
    const status = this.wf?.status;
    if (!status?.startedAt) return;
    this.durationEl.textContent = duration(durationOf(status.startedAt, status.finishedAt));
  }

  destroy() {
    clearInterval(this.timer);
    this.el.remove();
  }
}
