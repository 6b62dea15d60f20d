// The YAML of a template or cron workflow in SUBMIT's Editor, for the detail and create pages
// of pages/templates.js and pages/cron.js. `yamlCard` views an object and edits it (Edit →
// Save, a PUT with the object under the kind's body key; a stale resourceVersion is shown as a
// conflict with a Reload). `createCard` starts from a starter manifest, lints it through the
// kind's lint route as the user types and creates it. Errors are shown here, never thrown.

import { h, clear } from "../dom.js";
import { post, put, get, ApiError } from "../api.js";
import { errorBox, toast, download } from "../components.js";
import { Editor } from "../editor.js";
import { parse, stringify, YamlError } from "../yaml.js";
import { editable, itemPath } from "./kinds.js";

const LINT_DELAY_MS = 700;

const escape = (t) => t.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/**
 * The 1-based line a lint message most likely points at, or null: the `name:` of a template
 * it cites (`templates.main…`), else a line whose value is a word of the message (`nowhere` in
 * "template nowhere not found" is on `entrypoint: nowhere`), else the key of a `spec.x` it cites.
 */
export function guessLine(text, message) {
  const lines = text.split("\n");
  const find = (re) => {
    const i = lines.findIndex((l) => re.test(l));
    return i >= 0 ? i + 1 : null;
  };
  for (const m of message.matchAll(/templates\.([A-Za-z0-9_-]+)/g)) {
    const at = find(new RegExp(`^\\s*-?\\s*name:\\s*["']?${escape(m[1])}["']?\\s*$`));
    if (at) return at;
  }
  for (const word of message.match(/[A-Za-z0-9_][A-Za-z0-9_.:/-]{2,}/g) || []) {
    const at = find(new RegExp(`(:|^\\s*-)\\s*["']?${escape(word)}["']?\\s*$`));
    if (at) return at;
  }
  for (const m of message.matchAll(/spec\.([A-Za-z]+)/g)) {
    const at = find(new RegExp(`^\\s*${escape(m[1])}:`));
    if (at) return at;
  }
  return null;
}

/** Parse the editor's text into one object, or show why not (returns null). */
function readObject(editor, problems) {
  clear(problems);
  editor.setErrors([]);
  let obj;
  try {
    obj = parse(editor.value);
  } catch (e) {
    if (!(e instanceof YamlError)) throw e;
    editor.setErrors([{ line: e.line || 1, column: e.column, message: `YAML: ${e.reason || e.message}` }]);
    return null;
  }
  if (!obj || typeof obj !== "object" || Array.isArray(obj) || typeof obj.metadata !== "object" || !obj.metadata) {
    problems.append(h("p", { class: "tm-problem" }, "The YAML must be one object with metadata."));
    return null;
  }
  return obj;
}

/** Show an API answer to a lint/create/save as a problem, placed on a line when one fits. */
function showApiProblem(editor, problems, err, retry) {
  clear(problems);
  if (err instanceof ApiError && err.status === 400) {
    editor.setErrors([{ line: guessLine(editor.value, err.message), message: err.message }]);
    return;
  }
  problems.append(errorBox(err, retry));
}

/**
 * View and edit `object` of `kind`. Returns {element, setObject(obj), destroy()}; `onSaved(obj)`
 * gets the object the server stored.
 */
export function yamlCard(kind, object, { onSaved } = {}) {
  const body = h("div", { class: "tm-editor" });
  const problems = h("div", { class: "tm-problems", "aria-live": "polite" });
  const actions = h("div", { class: "toolbar" });
  const element = h("section", { class: "card tm-yaml", "aria-label": "YAML" },
    h("div", { class: "tm-card-head" }, h("h2", {}, "YAML"), actions), problems, body);
  let current = object;
  let editing = false;
  let editor = null;

  const text = () => stringify(editable(current, kind));
  const ns = () => current.metadata.namespace || "";
  const name = () => current.metadata.name;

  function mountEditor(readOnly) {
    if (!editor) editor = new Editor(body, { value: text(), readOnly, label: `${kind.kind} YAML` });
    editor.setReadOnly(readOnly);
    editor.setErrors([]);
    editor.value = text();
  }

  function renderActions() {
    clear(actions);
    if (editing) {
      actions.append(
        h("button", { class: "btn primary", type: "button", onclick: () => save(), "aria-label": "Save YAML" }, "Save"),
        h("button", { class: "btn", type: "button", onclick: () => setEditing(false), "aria-label": "Cancel editing" }, "Cancel"),
      );
    } else {
      actions.append(
        h("button", { class: "btn", type: "button", onclick: () => setEditing(true), "aria-label": "Edit YAML" }, "Edit"),
        h("button", {
          class: "btn", type: "button", "aria-label": "Download YAML",
          onclick: () => download(`${name()}.yaml`, text(), "application/yaml"),
        }, "Download"),
      );
    }
  }

  function setEditing(on) {
    editing = on;
    clear(problems);
    mountEditor(!on);
    renderActions();
    if (on) body.querySelector("textarea")?.focus();
  }

  /** PUT the editor's object; `overwrite` takes the stored resourceVersion (the user chose to). */
  async function save({ overwrite = false } = {}) {
    const obj = readObject(editor, problems);
    if (!obj) return;
    if (obj.metadata.name !== name()) {
      problems.append(h("p", { class: "tm-problem", role: "alert" },
        `metadata.name must stay ${name()}; create a new ${kind.noun} to use another name.`));
      return;
    }
    try {
      if (overwrite) {
        const latest = await get(itemPath(kind, ns(), name()));
        obj.metadata.resourceVersion = latest.metadata.resourceVersion;
      }
      const saved = await put(itemPath(kind, ns(), name()), { [kind.bodyKey]: obj });
      current = saved;
      toast(`Saved ${name()}`);
      setEditing(false);
      if (onSaved) onSaved(saved);
    } catch (err) {
      if (err instanceof ApiError && err.status === 409) return showConflict(err, obj);
      showApiProblem(editor, problems, err, () => save({ overwrite }));
    }
  }

  function showConflict(err, obj) {
    clear(problems);
    problems.append(h("div", { class: "error-box tm-conflict", role: "alert" },
      h("div", { class: "error-text" },
        h("strong", {}, "Conflict"),
        h("p", {}, `This ${kind.noun} changed since you started editing (you edited resourceVersion `,
          h("code", {}, String(obj.metadata.resourceVersion ?? "?")),
          "). Reload to see the stored version, or save your text over it."),
        h("p", { class: "muted" }, err.message)),
      h("div", { class: "toolbar" },
        h("button", { class: "btn", type: "button", onclick: reload, "aria-label": "Reload the latest version" },
          "Reload (drops your edits)"),
        h("button", { class: "btn danger", type: "button", onclick: () => save({ overwrite: true }),
          "aria-label": "Save my edits over the latest version" }, "Save over it"))));
  }

  async function reload() {
    try {
      current = await get(itemPath(kind, ns(), name()));
      setEditing(false);
      if (onSaved) onSaved(current);
    } catch (err) {
      clear(problems);
      problems.append(errorBox(err, reload));
    }
  }

  mountEditor(true);
  renderActions();
  return {
    element,
    /** A newer copy from a refresh: shown unless the user is editing. */
    setObject(obj) {
      const before = text();
      current = obj;
      if (!editing && text() !== before) mountEditor(true);
    },
    get editing() {
      return editing;
    },
    destroy() {
      if (editor) editor.destroy();
    },
  };
}

/**
 * A create form for `kind` in `ns` from `starterText`: lints as the user types, creates on
 * Create. Returns {element, destroy()}; `onCreated(obj)` gets the stored object.
 */
export function createCard(kind, ns, starterText, { onCreated }) {
  const body = h("div", { class: "tm-editor" });
  const problems = h("div", { class: "tm-problems", "aria-live": "polite" });
  const status = h("span", { class: "muted tm-lint-status", role: "status" });
  const createBtn = h("button", { class: "btn primary", type: "button", "aria-label": `Create ${kind.noun}` }, "Create");
  const element = h("section", { class: "card tm-yaml", "aria-label": "YAML" },
    h("div", { class: "tm-card-head" }, h("h2", {}, "YAML"), h("div", { class: "toolbar" }, status, createBtn)),
    problems, body);
  let timer = null;
  let generation = 0;
  const editor = new Editor(body, {
    value: starterText,
    label: `${kind.kind} YAML`,
    onChange: () => {
      clearTimeout(timer);
      timer = setTimeout(() => lint(), LINT_DELAY_MS);
    },
  });
  const target = (obj) => (kind.namespaced ? obj.metadata.namespace || ns : "");

  /** Lint the editor's object; true when the server accepts it. */
  async function lint() {
    const mine = ++generation;
    const obj = readObject(editor, problems);
    if (!obj) {
      status.textContent = "";
      return false;
    }
    status.textContent = "Checking…";
    try {
      await post(`${kind.api(target(obj))}/lint`, { [kind.bodyKey]: obj });
      if (mine === generation) status.textContent = "✔ Valid";
      return true;
    } catch (err) {
      if (mine !== generation) return false; // a newer edit is being checked
      status.textContent = "✖ Invalid";
      showApiProblem(editor, problems, err, lint);
      return false;
    }
  }

  async function create() {
    clearTimeout(timer);
    createBtn.disabled = true;
    try {
      if (!(await lint())) return;
      const obj = parse(editor.value);
      const made = await post(kind.api(target(obj)), { [kind.bodyKey]: obj });
      toast(`Created ${made.metadata.name}`);
      onCreated(made);
    } catch (err) {
      showApiProblem(editor, problems, err, create);
    } finally {
      createBtn.disabled = false;
    }
  }

  createBtn.addEventListener("click", create);
  lint();
  return {
    element,
    destroy() {
      clearTimeout(timer);
      generation++;
      editor.destroy();
    },
  };
}
