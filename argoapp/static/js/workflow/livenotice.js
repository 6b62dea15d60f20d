// The notice a live view shows while its updates are down: "⚠ Live updates interrupted —
// retrying…" with a Retry button (and the failure's message as its title). Used by the workflow
// page (pages/workflow.js), a node's events (workflow/events.js), the "Workflows it started" list
// (tmpl/started.js) and the cron page's refresh (pages/cron.js). It only shows and hides itself:
// the caller decides when (api.stream's onError / onOpen) and what Retry does.

import { h } from "../dom.js";

/**
 * A hidden notice; show(err) reveals it (err's message as detail), hide() hides it again.
 * @param {() => void} onRetry what the Retry button does
 * @param {string} [text] the notice's words
 */
export function liveNotice(onRetry, text = "Live updates interrupted — retrying…") {
  const detail = h("span", { class: "muted wf-live-detail" });
  const el = h(
    "div",
    { class: "wf-banner wf-live", role: "status", hidden: true },
    h("span", { "aria-hidden": "true" }, "⚠ "),
    h("span", { class: "wf-live-text" }, text),
    " ",
    detail,
    " ",
    h("button", { class: "btn", type: "button", onclick: () => onRetry() }, "Retry"),
  );
  return {
    el,
    get shown() {
      return !el.hidden;
    },
    show(err) {
      detail.textContent = err?.message ? `(${err.message})` : "";
      el.hidden = false;
    },
    hide() {
      el.hidden = true;
    },
  };
}
