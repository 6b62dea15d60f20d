// submit/yamlpanel.js: the submit page's YAML tab. The user pastes, types, uploads or drops a
// Workflow (or a WorkflowTemplate, ClusterWorkflowTemplate or CronWorkflow); each change is
// parsed here (YAML errors at their line) and, 400 ms after typing stops, linted by the server
// through the kind's own lint route (Argo's message shown, on its line when it names one). The
// button submits or creates the object and goes to its page. The text and namespace are kept
// in sessionStorage so nothing typed is lost on a reload or a failed submit.
// Used by pages/submit.js only.

import { h, clear } from "../dom.js";
import { post, ApiError } from "../api.js";
import { confirmDialog, errorBox, namespaceInput, rememberNamespace } from "../components.js";
import { navigate } from "../router.js";
import { Editor } from "../editor.js";
import { parse, YamlError } from "../yaml.js";
import { KINDS, kindLine, kindOf, lineForMessage } from "./kinds.js";

const DRAFT_KEY = "argoapp.submit.draft";
const LINT_DELAY_MS = 400;

/** The workflow the page starts with, so it is never empty. */
export const EXAMPLE = `apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata:
  generateName: hello-world-
spec:
  entrypoint: main
  arguments:
    parameters:
      - name: message
        value: hello world
  templates:
    - name: main
      inputs:
        parameters:
          - name: message
            value: "{{workflow.parameters.message}}"
      container:
        image: busybox
        command: [echo]
        args: ["{{inputs.parameters.message}}"]
`;

function loadDraft() {
  try {
    const draft = JSON.parse(sessionStorage.getItem(DRAFT_KEY) || "null");
    return draft && typeof draft.text === "string" ? draft : null;
  } catch {
    return null;
  }
}

function saveDraft(text, namespace) {
  try {
    sessionStorage.setItem(DRAFT_KEY, JSON.stringify({ text, namespace }));
  } catch {
    // storage full or off: the text stays in the editor, only a reload would lose it
  }
}

// A 4xx answer to a lint or create is about the document; anything else is the server's.
const aboutDocument = (e) => e instanceof ApiError && e.status >= 400 && e.status < 500 && e.status !== 403;

/**
 * Build the YAML tab into `root`, starting in `namespace`. Returns {destroy()}.
 * @param {HTMLElement} root
 * @param {{namespace: string}} opts
 */
export function yamlPanel(root, { namespace }) {
  const draft = loadDraft();
  const state = {
    namespace: (draft && draft.namespace) || namespace,
    doc: null,
    kind: "Workflow",
    invalid: true, // a YAML or lint error stands
    checking: false,
    busy: false,
    seq: 0,
    timer: 0,
    alive: true,
  };
  const status = h("p", { class: "ed-status", role: "status", "aria-live": "polite" });
  const problems = h("div", { class: "ed-problems", "aria-live": "polite" });
  const kindText = h("span", { class: "ed-kind" }, "Workflow");
  const button = h("button", { class: "btn primary", type: "button", disabled: true, onclick: () => submit() }, "Submit");
  const fileInput = h("input", { type: "file", class: "visually-hidden", id: "ed-file",
    accept: ".yaml,.yml,.json,application/json,application/yaml,text/yaml,text/plain",
    onchange: () => fileInput.files[0] && load(fileInput.files[0]) });
  const nsField = namespaceInput(state.namespace, (ns) => {
    state.namespace = ns;
    edited(true);
  });
  const drop = h("div", { class: "ed-drop" });
  root.append(
    h("div", { class: "ed-row" },
      h("div", { class: "field" }, h("label", { htmlFor: "ed-ns" }, "Namespace"), nsField),
      h("div", { class: "field" }, h("span", { class: "ed-field-label" }, "Kind"), kindText),
      h("div", { class: "field" },
        h("label", { class: "btn", htmlFor: "ed-file", tabindex: "0", role: "button",
          onkeydown: (e) => (e.key === "Enter" || e.key === " ") && (e.preventDefault(), fileInput.click()) },
          "Upload file…"),
        fileInput),
      h("span", { class: "muted ed-file" }, "or drop one on the editor"),
      h("div", { class: "ed-row-end" }, status, button)),
    problems,
    drop,
  );
  button.title = "Ctrl+Enter in the editor does the same";
  const nsInput = nsField.querySelector("input");
  nsInput.id = "ed-ns";
  const editor = new Editor(drop, { value: draft ? draft.text : EXAMPLE, label: "Workflow YAML",
    onChange: () => edited(false) });
  wireDrop(drop, load);
  drop.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey) && !button.disabled) {
      e.preventDefault();
      submit();
    }
  });

  function currentNamespace() {
    return nsInput.value.trim() || state.namespace;
  }

  function update() {
    kindText.textContent = state.kind;
    button.textContent = state.kind === "Workflow" ? "Submit" : `Create ${state.kind}`;
    button.disabled = state.invalid || state.checking || state.busy || !state.doc;
  }

  function setStatus(text, ok) {
    status.textContent = text;
    status.className = `ed-status ${ok === true ? "ed-ok" : ok === false ? "ed-bad" : "muted"}`;
  }

  // Every change: keep the draft, say it is being checked, check once typing pauses.
  function edited(now) {
    saveDraft(editor.value, currentNamespace());
    clearTimeout(state.timer);
    state.seq++;
    state.checking = true;
    setStatus("Checking…", null);
    update();
    state.timer = setTimeout(check, now ? 0 : LINT_DELAY_MS);
  }

  // Parse locally, then lint on the server; the newest check wins.
  async function check() {
    const seq = ++state.seq;
    const text = editor.value;
    clear(problems);
    state.doc = null;
    try {
      state.doc = parse(text);
    } catch (e) {
      if (!(e instanceof YamlError)) throw e;
      return fail([{ line: e.line, column: e.column, message: e.reason }], `✖ YAML error on line ${e.line}`);
    }
    const found = kindOf(state.doc);
    if (found.problem) {
      state.doc = null;
      return fail([{ line: kindLine(text), message: found.problem }], "✖ Not a document this page can submit");
    }
    state.kind = found.kind;
    const kind = KINDS[state.kind];
    const ns = currentNamespace();
    try {
      await post(kind.lint(ns), body(kind, ns));
      if (seq !== state.seq || !state.alive) return;
      editor.setErrors([]);
      state.invalid = false;
      setStatus(`✔ Valid ${state.kind}`, true);
    } catch (e) {
      if (seq !== state.seq || !state.alive) return;
      if (aboutDocument(e)) {
        const line = lineForMessage(text, e.message);
        return fail([{ line, message: e.message }], line ? `✖ Lint error on line ${line}` : "✖ Lint error");
      }
      // The server could not check it: say so, but do not hold the button back for that.
      state.invalid = false;
      setStatus("Not linted: the server could not check it", null);
      problems.append(errorBox(e, () => edited(true)));
    }
    state.checking = false;
    update();
  }

  function fail(errors, message) {
    editor.setErrors(errors);
    state.invalid = true;
    state.checking = false;
    setStatus(message, false);
    update();
  }

  function body(kind, ns) {
    const obj = { ...state.doc, metadata: { ...state.doc.metadata } };
    if (kind.namespaced) obj.metadata.namespace = ns;
    else delete obj.metadata.namespace;
    return kind.namespaced ? { namespace: ns, [kind.key]: obj } : { [kind.key]: obj };
  }

  async function submit() {
    if (button.disabled) return;
    const kind = KINDS[state.kind];
    const ns = currentNamespace();
    state.busy = true;
    update();
    clear(problems);
    try {
      const created = await post(kind.create(ns), body(kind, ns));
      if (!state.alive) return;
      if (ns) rememberNamespace(ns);
      navigate(kind.page(created?.metadata?.namespace || ns, created?.metadata?.name || ""));
    } catch (e) {
      if (!state.alive) return;
      if (aboutDocument(e)) {
        editor.setErrors([{ line: lineForMessage(editor.value, e.message), message: e.message }]);
        setStatus(`✖ ${kind.action} failed`, false);
        problems.append(h("div", { class: "error-box", role: "alert" },
          h("div", { class: "error-text" }, h("strong", {}, `${kind.action} failed`), h("p", {}, e.message))));
      } else {
        problems.append(errorBox(e, () => submit()));
      }
    } finally {
      state.busy = false;
      if (state.alive) update();
    }
  }

  async function load(file) {
    try {
      editor.value = await file.text();
    } catch (e) {
      problems.append(errorBox(new Error(`could not read ${file.name}: ${e.message || e}`)));
      return;
    }
    setStatus(`Loaded ${file.name}.`, null);
    edited(true);
  }

  edited(true);
  return {
    destroy() {
      state.alive = false;
      clearTimeout(state.timer);
      editor.destroy();
    },
    focus: () => editor.focus(),
    // Replace the text with the example, asking first when the user has typed something else.
    async loadExample() {
      if (editor.value.trim() && editor.value !== EXAMPLE) {
        const ok = await confirmDialog("Replace the text in the editor with the example workflow?", { confirm: "Replace" });
        if (!ok || !state.alive) return;
      }
      editor.value = EXAMPLE;
      edited(true);
    },
  };
}

// Files dropped anywhere on the editor are loaded; dragged text still drops as text.
function wireDrop(zone, load) {
  const hasFiles = (e) => e.dataTransfer && [...e.dataTransfer.types].includes("Files");
  zone.addEventListener("dragover", (e) => {
    if (!hasFiles(e)) return;
    e.preventDefault();
    e.dataTransfer.dropEffect = "copy";
    zone.classList.add("ed-dragging");
  });
  zone.addEventListener("dragleave", () => zone.classList.remove("ed-dragging"));
  zone.addEventListener("drop", (e) => {
    zone.classList.remove("ed-dragging");
    if (!hasFiles(e)) return;
    e.preventDefault();
    const file = e.dataTransfer.files[0];
    if (file) load(file);
  });
}
