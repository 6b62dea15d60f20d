// yaml_scan.js: the character-level half of the YAML reader: positions and errors, blank and
// comment lines, and the scalars (plain, single- and double-quoted, literal and folded blocks),
// with the YAML 1.2 core schema that resolves plain ones. yaml_read.js builds the structure
// (documents, block and flow collections, anchors, merges) on top of it. Pure: no DOM, no I/O.

/** A YAML syntax error at a 1-based line and column; `reason` is the problem alone. */
export class YamlError extends Error {
  constructor(reason, line, column) {
    super(`${reason} (line ${line}, column ${column})`);
    this.name = "YamlError";
    this.reason = reason;
    this.line = line;
    this.column = column;
  }
}

const NULLS = new Set(["", "~", "null", "Null", "NULL"]);
const BOOLS = { true: true, True: true, TRUE: true, false: false, False: false, FALSE: false };
const INT_RE = /^[-+]?[0-9]+$/;
const OCT_RE = /^0o[0-7]+$/;
const HEX_RE = /^0x[0-9a-fA-F]+$/;
const FLOAT_RE = /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$/;
const INF_RE = /^[-+]?\.(?:inf|Inf|INF)$/;
const NAN_RE = /^\.(?:nan|NaN|NAN)$/;
// Only these first characters can make a plain scalar anything but a string.
const NON_STRING_START = new Set("-+.0123456789~nNtTfF");

/** The value a plain (unquoted) scalar stands for under the YAML 1.2 core schema. */
export function resolvePlain(text) {
  if (text !== "" && !NON_STRING_START.has(text[0])) return text;
  if (NULLS.has(text)) return null;
  if (text in BOOLS) return BOOLS[text];
  if (INT_RE.test(text)) return Number(text);
  if (OCT_RE.test(text)) return parseInt(text.slice(2), 8);
  if (HEX_RE.test(text)) return parseInt(text.slice(2), 16);
  if (FLOAT_RE.test(text)) return Number(text);
  if (INF_RE.test(text)) return text[0] === "-" ? -Infinity : Infinity;
  if (NAN_RE.test(text)) return NaN;
  return text;
}

const ESCAPES = {
  0: "\0", a: "\x07", b: "\b", t: "\t", "\t": "\t", n: "\n", v: "\v", f: "\f", r: "\r",
  e: "\x1b", " ": " ", '"': '"', "/": "/", "\\": "\\", N: "\x85", _: "\xa0",
  L: "\u2028", P: "\u2029",
};
const HEX_ESCAPES = { x: 2, u: 4, U: 8 };
export const FLOW_INDICATORS = ",[]{}";
export const PLAIN_BAD_START = ",[]{}#&*!|>'\"%@`";

export const isSpace = (c) => c === " " || c === "\t";
export const isBlankOrEnd = (c) => c === undefined || c === " " || c === "\t" || c === "\n";

/** Positions, errors and scalars over one text; Reader adds the structure. */
export class Scanner {
  constructor(text) {
    this.s = String(text).replace(/^\uFEFF/, "").replace(/\r\n?/g, "\n");
    this.pos = 0;
    this.fresh = -1; // where skipToContent last stopped: the first content of a line
  }

  // ----- positions and errors -----
  ch(offset = 0) {
    return this.s[this.pos + offset];
  }

  col(p = this.pos) {
    return p - (this.s.lastIndexOf("\n", p - 1) + 1);
  }

  fail(reason, p = this.pos) {
    const at = Math.min(p, this.s.length);
    let line = 1;
    for (let i = this.s.indexOf("\n"); i !== -1 && i < at; i = this.s.indexOf("\n", i + 1)) line++;
    throw new YamlError(reason, line, this.col(at) + 1);
  }

  skipSpaces() {
    while (isSpace(this.s[this.pos])) this.pos++;
  }

  atCommentOrEol() {
    const c = this.ch();
    return c === undefined || c === "\n" || c === "#";
  }

  atMarker(p = this.pos) {
    if (this.col(p) !== 0) return false;
    const three = this.s.slice(p, p + 3);
    return (three === "---" || three === "...") && isBlankOrEnd(this.s[p + 3]);
  }

  isSeqEntry() {
    return this.ch() === "-" && isBlankOrEnd(this.ch(1));
  }

  // Move past blank and comment lines to the next content; false at the end of the text.
  skipToContent() {
    const s = this.s;
    for (;;) {
      let p = this.pos;
      let tab = -1;
      while (isSpace(s[p])) {
        if (s[p] === "\t" && tab < 0) tab = p;
        p++;
      }
      const c = s[p];
      if (c === undefined) {
        this.pos = p;
        return false;
      }
      if (c === "#" || c === "\n") {
        const nl = s.indexOf("\n", p);
        this.pos = nl === -1 ? s.length : nl + 1;
        continue;
      }
      if (tab >= 0) this.fail("tab characters must not be used for indentation", tab);
      this.pos = p;
      this.fresh = p;
      return true;
    }
  }

  lineStartOf(p) {
    return this.s.lastIndexOf("\n", p - 1) + 1;
  }

  // After a node: only spaces and a comment may follow on its line; consume the line break.
  finishLine(what) {
    if (this.pos === this.fresh || this.pos >= this.s.length) return;
    this.skipSpaces();
    const c = this.ch();
    if (c === "#" && (this.pos === this.lineStartOf(this.pos) || isSpace(this.s[this.pos - 1]))) {
      const nl = this.s.indexOf("\n", this.pos);
      this.pos = nl === -1 ? this.s.length : nl + 1;
    } else if (c === "\n") {
      this.pos++;
    } else if (c !== undefined) {
      this.fail(`unexpected text after ${what}`);
    }
  }

  // Apply a tag (only the core schema's are understood) or resolve a plain scalar.
  scalar(text, plain, tag, at) {
    if (!tag) return plain ? resolvePlain(text) : text;
    const name = tag.replace(/^!!|^!<tag:yaml\.org,2002:|>$/g, "");
    if (tag === "!" || name === "str") return text;
    const v = resolvePlain(text);
    const want = { int: "number", float: "number", bool: "boolean", null: "object" }[name];
    if (want === undefined) return plain ? v : text;
    if (typeof v !== want || (name === "int" && !Number.isInteger(v))) {
      this.fail(`'${text}' is not a valid !!${name}`, at);
    }
    return v;
  }

  // The first line of a plain scalar, trimmed; stops before ': ', ' #', a line break and, in
  // flow context, flow indicators.
  plainSegment(flow, start) {
    const s = this.s;
    let p = this.pos;
    let end = p;
    for (;;) {
      const c = s[p];
      if (c === undefined || c === "\n") break;
      if (c === ":") {
        const n = s[p + 1];
        if (isBlankOrEnd(n) || (flow && FLOW_INDICATORS.includes(n))) break;
      } else if (c === "#") {
        if (p > start && isSpace(s[p - 1])) break;
      } else if (flow && FLOW_INDICATORS.includes(c)) {
        break;
      }
      if (!isSpace(c)) end = p + 1;
      p++;
    }
    const text = s.slice(this.pos, end);
    this.pos = end;
    return text;
  }

  checkPlainStart(flow) {
    const c = this.ch();
    const n = this.ch(1);
    if (
      PLAIN_BAD_START.includes(c) ||
      ("-?:".includes(c) && (isBlankOrEnd(n) || (flow && FLOW_INDICATORS.includes(n))))
    ) {
      this.fail(`a plain value cannot start with '${c}' (quote it)`);
    }
  }

  plainScalar(parent, flow) {
    this.checkPlainStart(flow);
    let text = this.plainSegment(flow, this.pos);
    for (;;) {
      const next = this.plainContinuation(parent, flow);
      if (!next) return text;
      text += next.breaks ? "\n".repeat(next.breaks) : " ";
      this.pos = next.at;
      text += this.plainSegment(flow, this.pos);
    }
  }

  // Where a multi-line plain scalar continues on a following line, if it does.
  plainContinuation(parent, flow) {
    const s = this.s;
    let p = this.pos;
    while (isSpace(s[p])) p++;
    if (s[p] !== "\n") return null;
    let breaks = 0;
    let lineStart = p + 1;
    for (;;) {
      let r = lineStart;
      while (s[r] === " ") r++;
      const spacesEnd = r;
      while (isSpace(s[r])) r++;
      if (s[r] === "\n") {
        breaks++;
        lineStart = r + 1;
        continue;
      }
      if (s[r] === undefined || s[r] === "#") return null;
      if (this.atMarker(lineStart)) return null;
      if (!flow && (spacesEnd - lineStart <= parent || spacesEnd !== r)) return null;
      if (flow && FLOW_INDICATORS.includes(s[r])) return null;
      if (s[r] === ":" && isBlankOrEnd(s[r + 1])) return null;
      return { at: r, breaks };
    }
  }

  quoted() {
    const s = this.s;
    const start = this.pos;
    const q = s[this.pos++];
    let out = "";
    for (;;) {
      const c = s[this.pos];
      if (c === undefined) {
        this.fail(`unterminated ${q === '"' ? "double" : "single"}-quoted string`, start);
      }
      if (c === q) {
        if (q === "'" && s[this.pos + 1] === "'") {
          out += "'";
          this.pos += 2;
          continue;
        }
        this.pos++;
        return out;
      }
      if (c === "\\" && q === '"') {
        out += this.escape();
      } else if (isSpace(c) || c === "\n") {
        out += this.quotedSpace(start);
      } else {
        out += c;
        this.pos++;
      }
    }
  }

  escape() {
    const s = this.s;
    const e = s[this.pos + 1];
    if (e === "\n") {
      // An escaped line break joins the lines without a space.
      this.pos += 2;
      const folded = this.foldLines(this.pos);
      return "\n".repeat(folded);
    }
    if (e in HEX_ESCAPES) {
      const digits = s.slice(this.pos + 2, this.pos + 2 + HEX_ESCAPES[e]);
      if (!/^[0-9a-fA-F]+$/.test(digits) || digits.length !== HEX_ESCAPES[e]) {
        this.fail(`'\\${e}' needs ${HEX_ESCAPES[e]} hexadecimal digits`);
      }
      this.pos += 2 + digits.length;
      return String.fromCodePoint(parseInt(digits, 16));
    }
    if (e === undefined || !Object.hasOwn(ESCAPES, e)) this.fail(`unknown escape sequence '\\${e ?? ""}'`);
    this.pos += 2;
    return ESCAPES[e];
  }

  // Whitespace inside a quoted scalar: kept within a line, folded across line breaks.
  quotedSpace(start) {
    const s = this.s;
    let p = this.pos;
    while (isSpace(s[p])) p++;
    if (s[p] !== "\n") {
      const ws = s.slice(this.pos, p);
      this.pos = p;
      return ws;
    }
    const breaks = this.foldLines(p + 1);
    if (this.col() === 0 && this.atMarker()) {
      this.fail("a document marker cannot appear inside a quoted string", start);
    }
    return breaks ? "\n".repeat(breaks) : " ";
  }

  // Skip the leading whitespace of the lines from `p`, counting the empty ones.
  foldLines(p) {
    const s = this.s;
    let breaks = 0;
    for (;;) {
      while (isSpace(s[p])) p++;
      if (s[p] !== "\n") break;
      breaks++;
      p++;
    }
    this.pos = p;
    return breaks;
  }

  // ----- block scalars -----
  blockScalar(parent) {
    const folded = this.ch() === ">";
    this.pos++;
    let chomp = "clip";
    let increment = 0;
    for (let i = 0; i < 2; i++) {
      const c = this.ch();
      if ((c === "+" || c === "-") && chomp === "clip") chomp = c === "+" ? "keep" : "strip";
      else if (c >= "1" && c <= "9" && !increment) increment = Number(c);
      else if (c === "0") this.fail("a block scalar's indentation indicator must be 1 to 9");
      else break;
      this.pos++;
    }
    const headerEnd = this.pos;
    this.skipSpaces();
    if (this.ch() === "#" && this.pos === headerEnd) this.fail("a comment needs a space before '#'");
    if (!this.atCommentOrEol()) this.fail("unexpected text after the block scalar indicator");
    const nl = this.s.indexOf("\n", this.pos);
    this.pos = nl === -1 ? this.s.length : nl + 1;
    const minIndent = Math.max(parent + 1, 1);
    const indent = increment ? minIndent + increment - 1 : this.detectIndent(minIndent);
    const value = this.blockLines(indent, folded, chomp);
    this.skipToContent();
    return value;
  }

  // The content indentation: the most indented of the leading blank lines and the first content.
  detectIndent(minIndent) {
    const s = this.s;
    let p = this.pos;
    let max = 0;
    for (;;) {
      const lineStart = p;
      while (s[p] === " ") p++;
      max = Math.max(max, p - lineStart);
      if (s[p] !== "\n") break;
      p++;
    }
    return Math.max(minIndent, max);
  }

  blockLines(indent, folded, chomp) {
    const s = this.s;
    const chunks = [];
    let breaks = 0;
    let lineBreak = "";
    let prev = null; // the previous content line
    for (;;) {
      const lineStart = this.pos;
      let p = lineStart;
      while (s[p] === " " && p - lineStart < indent) p++;
      const nl = s.indexOf("\n", p);
      const end = nl === -1 ? s.length : nl;
      if (p === end) {
        // An empty line (spaces up to the indentation at most).
        if (nl === -1) {
          this.pos = end;
          break;
        }
        breaks++;
        this.pos = nl + 1;
        continue;
      }
      if (p - lineStart < indent) break; // less indented content ends the scalar
      const text = s.slice(p, end);
      if (prev !== null) {
        const joinable = folded && lineBreak === "\n" && !isSpace(prev[0]) && !isSpace(text[0]);
        if (joinable) chunks.push(breaks ? "\n".repeat(breaks) : " ");
        else chunks.push(lineBreak + "\n".repeat(breaks));
      } else {
        chunks.push("\n".repeat(breaks));
      }
      chunks.push(text);
      prev = text;
      breaks = 0;
      lineBreak = nl === -1 ? "" : "\n";
      this.pos = nl === -1 ? s.length : nl + 1;
      if (nl === -1) break;
    }
    if (prev === null) {
      chunks.length = 0; // only empty lines
      if (chomp === "keep") chunks.push("\n".repeat(breaks));
      return chunks.join("");
    }
    if (chomp !== "strip") chunks.push(lineBreak);
    if (chomp === "keep") chunks.push("\n".repeat(breaks));
    return chunks.join("");
  }

  // Whitespace, line breaks and comments between the entries of a flow collection.
  skipFlowSpace() {
    const s = this.s;
    for (;;) {
      const c = s[this.pos];
      if (c === " " || c === "\t" || c === "\n") this.pos++;
      else if (c === "#" && (this.pos === 0 || isBlankOrEnd(s[this.pos - 1]))) {
        const nl = s.indexOf("\n", this.pos);
        this.pos = nl === -1 ? s.length : nl;
      } else return;
    }
  }
}
