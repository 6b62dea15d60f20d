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
 * Build the YAML tab into `root`, starting in `namespace`.
 * @param {HTMLElement} root
 * @param {{namespace: string}} opts
 * @returns {{destroy: () => void, focus: () => void, loadExample: () => Promise<void>}}
 */
export function yamlPanel(root, { namespace }) {
  return new YamlPanel(root, namespace);
}

class YamlPanel {
  constructor(root, namespace) {
    const draft = loadDraft();
    this.namespace = (draft && draft.namespace) || namespace;
    this.doc = null;
    this.kind = "Workflow";
    this.invalid = true; // a YAML or lint error stands
    this.checking = false;
    this.busy = false;
    this.seq = 0; // the newest check; older answers are dropped
    this.timer = 0;
    this.alive = true;
    this.build(root, draft ? draft.text : EXAMPLE);
    this.edited(true);
  }

  build(root, text) {
    this.status = h("p", { class: "ed-status", role: "status", "aria-live": "polite" });
    this.problems = h("div", { class: "ed-problems", "aria-live": "polite" });
    this.kindText = h("span", { class: "ed-kind" }, "Workflow");
    this.button = h("button", { class: "btn primary", type: "button", disabled: true,
      title: "Ctrl+Enter in the editor does the same", onclick: () => this.submit() }, "Submit");
    const file = h("input", { type: "file", class: "visually-hidden", id: "ed-file",
      accept: ".yaml,.yml,.json,application/json,application/yaml,text/yaml,text/plain",
      onchange: () => file.files[0] && this.load(file.files[0]) });
    const nsField = namespaceInput(this.namespace, (ns) => {
      this.namespace = ns;
      this.edited(true);
    });
    this.nsInput = nsField.querySelector("input");
    this.nsInput.id = "ed-ns";
    const drop = h("div", { class: "ed-drop" });
    root.append(
      h("div", { class: "ed-row" },
        h("div", { class: "field" }, h("label", { htmlFor: "ed-ns" }, "Namespace"), nsField),
        h("div", { class: "field" }, h("span", { class: "ed-field-label" }, "Kind"), this.kindText),
        h("div", { class: "field" },
          h("label", { class: "btn", htmlFor: "ed-file", tabindex: "0", role: "button",
            onkeydown: (e) => (e.key === "Enter" || e.key === " ") && (e.preventDefault(), file.click()) },
            "Upload file…"),
          file),
        h("span", { class: "muted ed-file" }, "or drop one on the editor"),
        h("div", { class: "ed-row-end" }, this.status, this.button)),
      this.problems,
      drop,
    );
    this.editor = new Editor(drop, { value: text, label: "Workflow YAML", onChange: () => this.edited(false) });
    wireDrop(drop, (f) => this.load(f));
    drop.addEventListener("keydown", (e) => {
      if (e.key === "Enter" && (e.ctrlKey || e.metaKey) && !this.button.disabled) {
        e.preventDefault();
        this.submit();
      }
    });
  }

  currentNamespace() {
    return this.nsInput.value.trim() || this.namespace;
  }

  update() {
    this.kindText.textContent = this.kind;
    this.button.textContent = this.kind === "Workflow" ? "Submit" : `Create ${this.kind}`;
    this.button.disabled = this.invalid || this.checking || this.busy || !this.doc;
  }

  setStatus(text, ok) {
    this.status.textContent = text;
    this.status.className = `ed-status ${ok === true ? "ed-ok" : ok === false ? "ed-bad" : "muted"}`;
  }

  // Every change: keep the draft, say it is being checked, check once typing pauses.
  edited(now) {
    saveDraft(this.editor.value, this.currentNamespace());
    clearTimeout(this.timer);
    this.seq++;
    this.checking = true;
    this.setStatus("Checking…", null);
    this.update();
    this.timer = setTimeout(() => this.check(), now ? 0 : LINT_DELAY_MS);
  }

  // Parse locally, then lint on the server; the newest check wins.
  async check() {
    const seq = ++this.seq;
    const text = this.editor.value;
    clear(this.problems);
    this.doc = null;
    try {
      this.doc = parse(text);
    } catch (e) {
      if (!(e instanceof YamlError)) throw e;
      this.fail([{ line: e.line, column: e.column, message: e.reason }], `✖ YAML error on line ${e.line}`);
      return;
    }
    const found = kindOf(this.doc);
    if (found.problem) {
      this.doc = null;
      this.fail([{ line: kindLine(text), message: found.problem }], "✖ Not a document this page can submit");
      return;
    }
    this.kind = found.kind;
    await this.lint(seq, text);
  }

  async lint(seq, text) {
    const kind = KINDS[this.kind];
    const ns = this.currentNamespace();
    try {
      await post(kind.lint(ns), this.body(kind, ns));
      if (seq !== this.seq || !this.alive) return;
      this.editor.setErrors([]);
      this.invalid = false;
      this.setStatus(`✔ Valid ${this.kind}`, true);
    } catch (e) {
      if (seq !== this.seq || !this.alive) return;
      if (aboutDocument(e)) {
        const line = lineForMessage(text, e.message);
        this.fail([{ line, message: e.message }], line ? `✖ Lint error on line ${line}` : "✖ Lint error");
        return;
      }
      // The server could not check it: say so, but do not hold the button back for that.
      this.invalid = false;
      this.setStatus("Not linted: the server could not check it", null);
      this.problems.append(errorBox(e, () => this.edited(true)));
    }
    this.checking = false;
    this.update();
  }

  fail(errors, message) {
    this.editor.setErrors(errors);
    this.invalid = true;
    this.checking = false;
    this.setStatus(message, false);
    this.update();
  }

  // The request body for `kind`, in namespace `ns` (cluster templates have none).
  body(kind, ns) {
    const obj = { ...this.doc, metadata: { ...this.doc.metadata } };
    if (kind.namespaced) obj.metadata.namespace = ns;
    else delete obj.metadata.namespace;
    return kind.namespaced ? { namespace: ns, [kind.key]: obj } : { [kind.key]: obj };
  }

  async submit() {
    if (this.button.disabled) return;
    const kind = KINDS[this.kind];
    const ns = this.currentNamespace();
    this.busy = true;
    this.update();
    clear(this.problems);
    try {
      const created = await post(kind.create(ns), this.body(kind, ns));
      if (!this.alive) return;
      if (ns) rememberNamespace(ns);
      navigate(kind.page(created?.metadata?.namespace || ns, created?.metadata?.name || ""));
    } catch (e) {
      if (!this.alive) return;
      if (aboutDocument(e)) {
        this.editor.setErrors([{ line: lineForMessage(this.editor.value, e.message), message: e.message }]);
        this.setStatus(`✖ ${kind.action} failed`, false);
        this.problems.append(h("div", { class: "error-box", role: "alert" },
          h("div", { class: "error-text" }, h("strong", {}, `${kind.action} failed`), h("p", {}, e.message))));
      } else {
        this.problems.append(errorBox(e, () => this.submit()));
      }
    } finally {
      this.busy = false;
      if (this.alive) this.update();
    }
  }

  async load(file) {
    try {
      this.editor.value = await file.text();
    } catch (e) {
      this.problems.append(errorBox(new Error(`could not read ${file.name}: ${e.message || e}`)));
      return;
    }
    this.edited(true);
  }

  /** Replace the text with the example, asking first when the user has typed something else. */
  async loadExample() {
    const text = this.editor.value;
    if (text.trim() && text !== EXAMPLE) {
      const ok = await confirmDialog("Replace the text in the editor with the example workflow?", { confirm: "Replace" });
      if (!ok || !this.alive) return;
    }
    this.editor.value = EXAMPLE;
    this.edited(true);
  }

  focus() {
    this.editor.focus();
  }

  destroy() {
    this.alive = false;
    clearTimeout(this.timer);
    this.editor.destroy();
  }
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
