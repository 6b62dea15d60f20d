// editor.js: a small code editor on a <textarea> (no dependencies), used for YAML by the submit
// page, the template and cron editors and the workflow page's YAML tab.
//
// The textarea keeps what browsers do well (typing, selection, undo, IME, screen readers); around
// it the Editor adds a line-number gutter that follows scrolling, Tab/Shift-Tab indenting by two
// spaces, Enter keeping the line's indentation, error markers beside their lines and a clickable
// list of errors below. Esc then Tab leaves the editor, so keyboard users are never trapped.
// Only the visible line numbers and markers are in the DOM, so 5,000-line documents stay quick.
// It knows nothing about YAML or the API: callers parse and lint, then call setErrors().

import { h, clear } from "./dom.js";

const INDENT = "  ";
// Chromium's editing commands slow down with the number of lines inserted (a 2,000-line paste
// takes seconds), so bigger edits replace the text directly (without the browser's undo step).
const BIG_EDIT = 4000;
let editorCount = 0;

/** A textarea editor with line numbers, indentation keys and per-line error markers. */
export class Editor {
  /**
   * @param {HTMLElement} container  where the editor is appended
   * @param {{value?: string, readOnly?: boolean, onChange?: (value: string) => void,
   *          label?: string}} options
   */
  constructor(container, { value = "", readOnly = false, onChange = null, label = "YAML" } = {}) {
    const id = `ed-${++editorCount}`;
    this.onChange = onChange;
    this.errors = [];
    this.lineCount = 1;
    this.escaped = false; // Esc was the last key: the next Tab moves focus on
    this.frame = 0;
    this.text = h("textarea", {
      class: "ed-text",
      spellcheck: "false",
      autocapitalize: "off",
      autocomplete: "off",
      wrap: "off",
      "aria-label": `${label} editor`,
      "aria-describedby": `${id}-hint`,
      "aria-invalid": "false",
      onkeydown: (e) => this.keydown(e),
      oninput: () => this.changed(true),
      onpaste: (e) => this.paste(e),
      onscroll: () => this.schedule(),
    });
    this.numbers = h("div", { class: "ed-numbers" });
    this.gutter = h("div", { class: "ed-gutter", "aria-hidden": "true" }, this.numbers);
    this.marks = h("div", { class: "ed-marks", "aria-hidden": "true" });
    this.list = h("ul", { class: "ed-errors", id: `${id}-errors`, "aria-label": "Errors" });
    this.hint = h("p", { class: "ed-hint muted", id: `${id}-hint` });
    this.element = h(
      "div",
      { class: "ed-editor" },
      h("div", { class: "ed-body" }, this.gutter, h("div", { class: "ed-area" }, this.marks, this.text)),
      this.hint,
      this.list,
    );
    container.appendChild(this.element);
    this.resize = new ResizeObserver(() => this.schedule());
    this.resize.observe(this.text);
    this.setReadOnly(readOnly);
    this.value = value;
  }

  /** The text. */
  get value() {
    return this.text.value;
  }

  /** Replace the text (does not call onChange); the caret goes to the start. */
  set value(v) {
    this.text.value = String(v ?? "");
    this.text.setSelectionRange(0, 0);
    this.text.scrollTop = 0;
    this.changed(false);
  }

  /** Switch between editable and read-only. */
  setReadOnly(readOnly) {
    this.readOnly = Boolean(readOnly);
    this.text.readOnly = this.readOnly;
    this.element.classList.toggle("ed-readonly", this.readOnly);
    this.hint.textContent = this.readOnly
      ? "Read only."
      : "Tab indents, Shift+Tab outdents; press Esc then Tab to leave the editor.";
  }

  /**
   * Show errors: a marker beside each line and a list below (click moves the caret there).
   * @param {{line?: number, column?: number, message: string}[]} errors  lines are 1-based
   */
  setErrors(errors) {
    this.errors = (errors || []).map((e) => ({ ...e, line: e.line ? Number(e.line) : null }));
    this.byLine = new Map();
    for (const e of this.errors) {
      if (e.line) this.byLine.set(e.line, [...(this.byLine.get(e.line) || []), e.message]);
    }
    this.text.setAttribute("aria-invalid", String(this.errors.length > 0));
    if (this.errors.length) this.text.setAttribute("aria-errormessage", this.list.id);
    else this.text.removeAttribute("aria-errormessage");
    clear(this.list);
    for (const e of this.errors) this.list.appendChild(this.errorItem(e));
    this.schedule();
  }

  errorItem(e) {
    const text = e.line ? `Line ${e.line}${e.column ? `:${e.column}` : ""}: ${e.message}` : e.message;
    const body = e.line
      ? h("button", { type: "button", class: "ed-error-link", onclick: () => this.goTo(e.line, e.column) }, text)
      : h("span", {}, text);
    return h("li", { class: "ed-error" }, h("span", { class: "ed-error-icon", "aria-hidden": "true" }, "✖"), " ", body);
  }

  /** Focus the editor with the caret at a 1-based line (and column), scrolled into view. */
  goTo(line, column = 1) {
    const start = this.offsetOfLine(line);
    const end = this.text.value.indexOf("\n", start);
    const lineEnd = end === -1 ? this.text.value.length : end;
    const at = Math.min(start + Math.max(0, (column || 1) - 1), lineEnd);
    this.text.focus();
    this.text.setSelectionRange(at, at);
    const lh = this.lineHeight();
    const top = (line - 1) * lh;
    if (top < this.text.scrollTop || top + lh > this.text.scrollTop + this.text.clientHeight) {
      this.text.scrollTop = Math.max(0, top - this.text.clientHeight / 3);
    }
    this.schedule();
  }

  /** Give the editor the keyboard focus. */
  focus() {
    this.text.focus();
  }

  /** Stop observing and remove the editor from the page. */
  destroy() {
    this.resize.disconnect();
    cancelAnimationFrame(this.frame);
    this.element.remove();
  }

  // ----- text changes -----
  changed(byUser) {
    const v = this.text.value;
    let count = 1;
    for (let i = v.indexOf("\n"); i !== -1; i = v.indexOf("\n", i + 1)) count++;
    if (count !== this.lineCount) {
      this.lineCount = count;
      // The gutter is as wide as the largest line number.
      this.gutter.style.width = `${String(count).length + 2}ch`;
    }
    this.schedule();
    if (byUser && this.onChange) this.onChange(v);
  }

  offsetOfLine(line) {
    const v = this.text.value;
    let at = 0;
    for (let n = 1; n < line; n++) {
      const nl = v.indexOf("\n", at);
      if (nl === -1) return v.length;
      at = nl + 1;
    }
    return at;
  }

  lineHeight() {
    if (!this.cachedLineHeight) {
      const px = parseFloat(getComputedStyle(this.text).lineHeight);
      this.cachedLineHeight = Number.isFinite(px) && px > 0 ? px : 20;
    }
    return this.cachedLineHeight;
  }

  // ----- drawing the gutter and markers (only what is visible) -----
  schedule() {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.draw();
    });
  }

  draw() {
    const lh = this.lineHeight();
    const top = this.text.scrollTop;
    const padTop = parseFloat(getComputedStyle(this.text).paddingTop) || 0;
    const first = Math.max(1, Math.floor((top - padTop) / lh) + 1);
    const last = Math.min(this.lineCount, Math.ceil((top + this.text.clientHeight) / lh) + 1);
    clear(this.numbers);
    clear(this.marks);
    this.numbers.style.transform = `translateY(${padTop + (first - 1) * lh - top}px)`;
    const byLine = this.byLine || new Map();
    for (let n = first; n <= last; n++) {
      const messages = byLine.get(n);
      this.numbers.appendChild(
        h("div", { class: messages ? "ed-num ed-num-error" : "ed-num", title: messages ? messages.join("\n") : null },
          messages ? h("span", { class: "ed-marker" }, "✖") : null, String(n)),
      );
      if (messages) {
        // The message at the band's right end; the list below carries it for screen readers.
        this.marks.appendChild(
          h("div", { class: "ed-mark", style: { top: `${padTop + (n - 1) * lh - top}px`, height: `${lh}px` } },
            h("span", { class: "ed-mark-text" }, messages.join(" · "))),
        );
      }
    }
  }

  // ----- keys -----
  keydown(e) {
    if (e.key === "Escape") {
      this.escaped = true;
      return;
    }
    const escaped = this.escaped;
    this.escaped = false;
    if (this.readOnly || e.ctrlKey || e.metaKey || e.altKey || e.isComposing) return;
    if (e.key === "Tab" && !escaped) {
      e.preventDefault();
      if (e.shiftKey) this.outdent();
      else this.indent();
    } else if (e.key === "Enter" && !e.shiftKey) {
      e.preventDefault();
      this.newline();
    }
  }

  // The whole lines the selection touches: [start, end) offsets.
  selectedLines() {
    const v = this.text.value;
    const { selectionStart: s, selectionEnd: e } = this.text;
    const start = v.lastIndexOf("\n", s - 1) + 1;
    // A selection ending at the start of a line does not take that line along.
    const endFrom = e > s && v[e - 1] === "\n" ? e - 1 : e;
    const nl = v.indexOf("\n", endFrom);
    return [start, nl === -1 ? v.length : nl];
  }

  indent() {
    const { selectionStart: s, selectionEnd: e, value: v } = this.text;
    if (s === e || !v.slice(s, e).includes("\n")) {
      this.insert(INDENT, s, e);
      return;
    }
    const [start, end] = this.selectedLines();
    const lines = v.slice(start, end).split("\n");
    const out = lines.map((l) => (l === "" ? l : INDENT + l)).join("\n");
    this.insert(out, start, end);
    this.text.setSelectionRange(start, start + out.length);
  }

  outdent() {
    const { selectionStart: s, selectionEnd: e, value: v } = this.text;
    const [start, end] = this.selectedLines();
    const lines = v.slice(start, end).split("\n");
    const removed = lines.map((l) => /^ {0,2}/.exec(l)[0].length);
    if (!removed.some(Boolean)) return;
    const out = lines.map((l, i) => l.slice(removed[i])).join("\n");
    this.insert(out, start, end);
    if (s === e) {
      const at = Math.max(start, s - removed[0]);
      this.text.setSelectionRange(at, at);
    } else {
      this.text.setSelectionRange(start, start + out.length);
    }
  }

  newline() {
    const { selectionStart: s, selectionEnd: e, value: v } = this.text;
    const lineStart = v.lastIndexOf("\n", s - 1) + 1;
    const before = v.slice(lineStart, s);
    // Keep the line's indentation; after `- key: v` line up with the key, and after a bare
    // `key:` go one level deeper, where its value goes.
    let indent = /^[ ]*(?:- +(?=\S))*/.exec(before)[0].replace(/-/g, " ");
    if (/:\s*$/.test(before) && !/^\s*#/.test(before)) indent += INDENT;
    this.insert("\n" + indent, s, e);
  }

  paste(e) {
    const text = e.clipboardData ? e.clipboardData.getData("text/plain") : "";
    if (this.readOnly || text.length < BIG_EDIT) return; // the browser's own paste keeps undo
    e.preventDefault();
    this.insert(text.replace(/\r\n?/g, "\n"), this.text.selectionStart, this.text.selectionEnd);
  }

  // Replace [start, end) with text as a user edit, so the browser's undo keeps working.
  insert(text, start, end) {
    const t = this.text;
    t.focus();
    t.setSelectionRange(start, end);
    let done = false;
    if (text.length + (end - start) < BIG_EDIT) {
      try {
        done = document.execCommand("insertText", false, text);
      } catch {
        done = false;
      }
    }
    if (!done) {
      t.setRangeText(text, start, end, "end");
      t.dispatchEvent(new Event("input", { bubbles: true }));
    }
  }
}
