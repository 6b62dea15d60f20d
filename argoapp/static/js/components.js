// components.js: the shared widgets every page uses: error box with Retry, confirm and prompt
// dialogs, toasts, tabs, loading and empty states, the namespace input, file download, and the
// `app` state main.js fills before the first page renders. Styling lives in css/base.css.

import { h, clear } from "./dom.js";

/** Filled by main.js before the first route renders. */
export const app = {
  info: {}, // GET /api/v1/info
  namespace: "argo", // the namespace pages start on
  managedNamespace: "", // set when the server sees only one namespace
  version: "",
  authMode: "", // "client" | "server" (index.html's argoapp-auth-mode meta); "" when unknown
};

const NAMESPACE_KEY = "argoapp.namespace";
const RECENT_KEY = "argoapp.namespaces";

/**
 * An error where it happened: status, message and a Retry button (when `retry` is given).
 * @param {any} err an ApiError (status, message), any Error, or {title, message, status}
 * @param {(() => void)|null} [retry]
 * @returns {HTMLElement}
 */
export function errorBox(err, retry = null) {
  const status = err && typeof err.status === "number" ? err.status : null;
  const titled = err && typeof err.title === "string" && err.title;
  if (status === 401 && !titled) {
    return h("p", { class: "muted", role: "status" }, "Signing in again…");
  }
  let title = "Something went wrong";
  if (titled) title = err.title;
  else if (status === 0) title = "Cannot reach the server";
  else if (status === 403) title = "Permission denied (403)";
  else if (status === 404) title = "Not found (404)";
  else if (status) title = `Error ${status}`;
  const message = err && err.message ? err.message : String(err);
  const box = h("div", { class: "error-box", role: "alert" },
    h("div", { class: "error-text" }, h("strong", {}, title), h("p", {}, message)));
  if (retry) {
    box.appendChild(h("button", { class: "btn", type: "button", onclick: () => retry() }, "Retry"));
  }
  return box;
}

function dialogShell(title, body, buttons, onClose) {
  const dialog = h("dialog", { class: "dialog", "aria-label": title },
    h("form", { method: "dialog" },
      title ? h("h2", { class: "dialog-title" }, title) : null,
      body,
      h("div", { class: "dialog-buttons" }, buttons)));
  dialog.addEventListener("close", () => {
    onClose(dialog.returnValue);
    dialog.remove();
  });
  document.body.appendChild(dialog);
  dialog.showModal();
  return dialog;
}

/**
 * Ask to confirm; resolves true when confirmed.
 * @param {string} message
 * @param {{confirm?: string, danger?: boolean}} [opts]
 * @returns {Promise<boolean>}
 */
export function confirmDialog(message, { confirm = "OK", danger = false } = {}) {
  return new Promise((resolve) => {
    const cancel = h("button", { class: "btn", value: "cancel" }, "Cancel");
    const ok = h("button", { class: danger ? "btn danger" : "btn primary", value: "ok" }, confirm);
    dialogShell("", h("p", { class: "dialog-message" }, message), [cancel, ok],
      (value) => resolve(value === "ok"));
    (danger ? cancel : ok).focus();
  });
}

function field(spec) {
  const id = `pf-${spec.name}-${Math.random().toString(36).slice(2, 8)}`;
  let input;
  if (spec.options) {
    input = h("select", { id, name: spec.name },
      spec.options.map((o) => h("option", { value: o, selected: o === spec.value }, o)));
  } else if (spec.type === "textarea") {
    input = h("textarea", { id, name: spec.name, rows: 4, placeholder: spec.placeholder });
    input.value = spec.value || "";
  } else {
    input = h("input", { id, name: spec.name, type: spec.type || "text",
      placeholder: spec.placeholder, required: !!spec.required, value: spec.value ?? "" });
  }
  return h("div", { class: "field" },
    h("label", { for: id }, spec.label || spec.name), input,
    spec.help ? h("small", { class: "muted" }, spec.help) : null);
}

/**
 * A small form in a dialog; resolves {name: value} or null when cancelled.
 * @param {string} title
 * @param {{name: string, label?: string, value?: string, type?: string, required?: boolean,
 *          placeholder?: string, options?: string[], help?: string}[]} fields
 * @returns {Promise<object|null>}
 */
export function promptDialog(title, fields) {
  return new Promise((resolve) => {
    const body = h("div", { class: "dialog-fields" }, fields.map(field));
    const cancel = h("button", { class: "btn", value: "cancel", formnovalidate: true }, "Cancel");
    const ok = h("button", { class: "btn primary", value: "ok" }, "OK");
    dialogShell(title, body, [cancel, ok], (value) => {
      if (value !== "ok") return resolve(null);
      const out = {};
      for (const f of fields) out[f.name] = body.querySelector(`[name="${CSS.escape(f.name)}"]`).value;
      resolve(out);
    });
    const first = body.querySelector("input, select, textarea");
    if (first) first.focus();
  });
}

/**
 * A transient message (aria-live polite); kind "info" | "success" | "error".
 * @param {string} message
 * @param {{kind?: string}} [opts]
 */
export function toast(message, { kind = "info" } = {}) {
  let box = document.getElementById("toasts");
  if (!box) {
    box = h("div", { id: "toasts", class: "toasts", "aria-live": "polite" });
    document.body.appendChild(box);
  }
  const item = h("div", { class: `toast toast-${kind}`, role: kind === "error" ? "alert" : "status",
    onclick: () => item.remove() }, message);
  box.appendChild(item);
  setTimeout(() => item.remove(), kind === "error" ? 8000 : 4000);
  return item;
}

/**
 * A tab bar (role tablist; arrow keys, Home and End move between tabs). The element's
 * `setActive(id)` changes the selected tab without calling onChange.
 * @param {{id: string, label: string}[]} items
 * @param {string} active
 * @param {(id: string) => void} onChange
 */
export function tabs(items, active, onChange) {
  const bar = h("div", { class: "tabs", role: "tablist" });
  const buttons = items.map((item) => h("button", {
    class: "tab", type: "button", role: "tab", id: `tab-${item.id}`, dataset: { tab: item.id },
    onclick: () => choose(item.id, true),
  }, item.label));
  const choose = (id, notify) => {
    for (const b of buttons) {
      const on = b.dataset.tab === id;
      b.setAttribute("aria-selected", on ? "true" : "false");
      b.tabIndex = on ? 0 : -1;
    }
    if (notify) onChange(id);
  };
  bar.addEventListener("keydown", (e) => {
    const i = buttons.indexOf(document.activeElement);
    if (i < 0) return;
    let next = null;
    if (e.key === "ArrowRight") next = (i + 1) % buttons.length;
    else if (e.key === "ArrowLeft") next = (i - 1 + buttons.length) % buttons.length;
    else if (e.key === "Home") next = 0;
    else if (e.key === "End") next = buttons.length - 1;
    if (next === null) return;
    e.preventDefault();
    buttons[next].focus();
    choose(buttons[next].dataset.tab, true);
  });
  bar.append(...buttons);
  bar.setActive = (id) => choose(id, false);
  choose(active, false);
  return bar;
}

/** A spinner with text (role status). */
export function loading(text = "Loading…") {
  return h("div", { class: "loading", role: "status" },
    h("span", { class: "spinner", "aria-hidden": "true" }), h("span", {}, text));
}

function recentNamespaces() {
  try {
    const list = JSON.parse(localStorage.getItem(RECENT_KEY) || "[]");
    return Array.isArray(list) ? list.filter((x) => typeof x === "string") : [];
  } catch {
    return [];
  }
}

/** Remember `namespace` as the one to start on next time (and among the recent ones). */
export function rememberNamespace(namespace) {
  if (!namespace) return;
  app.namespace = namespace;
  try {
    localStorage.setItem(NAMESPACE_KEY, namespace);
    const recent = [namespace, ...recentNamespaces().filter((n) => n !== namespace)].slice(0, 10);
    localStorage.setItem(RECENT_KEY, JSON.stringify(recent));
  } catch {
    // storage off (private window): the namespace is just not remembered
  }
}

/** The namespace kept from the last visit, or "". */
export function savedNamespace() {
  try {
    return localStorage.getItem(NAMESPACE_KEY) || "";
  } catch {
    return "";
  }
}

/**
 * A text input for a namespace with a datalist of known ones; onChange(value) on change
 * (Enter or leaving the field). Fixed to the managed namespace when the server has one.
 * @param {string} value
 * @param {(namespace: string) => void} onChange
 */
export function namespaceInput(value, onChange) {
  const listId = `ns-list-${Math.random().toString(36).slice(2, 8)}`;
  const known = new Set([app.managedNamespace, ...recentNamespaces(), "argo", "default"]);
  const input = h("input", { class: "namespace-input", type: "text", value: value ?? "",
    list: listId, "aria-label": "Namespace", placeholder: "all namespaces", spellcheck: "false",
    readonly: !!app.managedNamespace });
  input.addEventListener("change", () => {
    const ns = input.value.trim();
    if (ns) rememberNamespace(ns);
    onChange(ns);
  });
  const list = h("datalist", { id: listId },
    [...known].filter(Boolean).map((ns) => h("option", { value: ns })));
  return h("span", { class: "namespace-field" }, input, list);
}

/**
 * A centred message with an optional action: a node, or {label, onclick} / {label, href}.
 * @param {string} text
 * @param {Node|{label: string, onclick?: () => void, href?: string}} [action]
 */
export function emptyState(text, action) {
  let act = null;
  if (action instanceof Node) act = action;
  else if (action && action.href) act = h("a", { class: "btn primary", href: action.href }, action.label);
  else if (action) act = h("button", { class: "btn primary", type: "button", onclick: action.onclick }, action.label);
  return h("div", { class: "empty" }, h("p", {}, text), act);
}

/**
 * Save `text` as a file called `filename`.
 * @param {string} filename
 * @param {string|Blob} text
 * @param {string} [type]
 */
export function download(filename, text, type = "text/plain") {
  const blob = text instanceof Blob ? text : new Blob([text], { type });
  const href = URL.createObjectURL(blob);
  const a = h("a", { href, download: filename, style: { display: "none" } });
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(href), 1000);
}

/** Empty `el` and put `node` in it. */
export function replaceWith(el, node) {
  clear(el).appendChild(node);
  return el;
}
