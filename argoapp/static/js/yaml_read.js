// yaml_read.js: the YAML reader behind yaml.js (parse, parseAll). One Reader walks one text
// by character position: block structure by indentation, flow collections, the three scalar
// styles and block scalars, anchors and merges, resolving plain scalars by the YAML 1.2 core
// schema. Only yaml.js imports it; like yaml.js it is pure (no DOM, no I/O).

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
const FLOW_INDICATORS = ",[]{}";
export const PLAIN_BAD_START = ",[]{}#&*!|>'\"%@`";

const isSpace = (c) => c === " " || c === "\t";
export const isBlankOrEnd = (c) => c === undefined || c === " " || c === "\t" || c === "\n";

// Object keys come from documents: "__proto__" must become an own property, not a prototype.
function setKey(obj, key, value) {
  if (key === "__proto__") {
    Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
  } else {
    obj[key] = value;
  }
}

/** The parser: one instance reads one text. */
export class Reader {
  constructor(text) {
    this.s = String(text).replace(/^\uFEFF/, "").replace(/\r\n?/g, "\n");
    this.pos = 0;
    this.fresh = -1; // where skipToContent last stopped: the first content of a line
    this.anchors = new Map();
    this.starts = []; // where each document begins
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

  // ----- documents -----
  documents() {
    const docs = [];
    while (this.skipToContent()) {
      if (this.ch() === "%" && this.col() === 0) {
        const nl = this.s.indexOf("\n", this.pos); // a directive (%YAML, %TAG): nothing to keep
        this.pos = nl === -1 ? this.s.length : nl + 1;
      } else if (this.atMarker() && this.ch() === ".") {
        this.pos += 3;
        this.finishLine("the document end marker '...'");
      } else {
        this.starts.push(this.pos);
        this.anchors = new Map();
        docs.push(this.document());
      }
    }
    return docs;
  }

  document() {
    let value;
    if (this.atMarker()) {
      this.pos += 3;
      this.skipSpaces();
      if (this.atCommentOrEol()) {
        this.finishLine("the document start marker '---'");
        value = this.nextLineNode(-1, false);
      } else {
        value = this.inlineNode(-1, false, false);
      }
    } else {
      value = this.inlineNode(-1, true, false);
    }
    this.finishLine("the document");
    if (!this.skipToContent()) return value;
    if (this.atMarker()) {
      if (this.ch() === ".") {
        this.pos += 3;
        this.finishLine("the document end marker '...'");
      }
      return value;
    }
    this.fail("unexpected content after the end of the document (check its indentation)");
    return value;
  }

  // ----- block structure -----

  // A node that starts on a following line, more indented than `parent` (or a sequence at the
  // parent's own indentation, which YAML allows as a mapping's value); null when there is none.
  nextLineNode(parent, seqAtParent) {
    if (!this.skipToContent() || this.atMarker()) return null;
    const c = this.col();
    if (c > parent || (seqAtParent && c === parent && this.isSeqEntry())) {
      return this.inlineNode(parent, true, seqAtParent);
    }
    return null;
  }

  // The node after `- `, `? ` or an explicit `: `: on the same line (where block collections
  // may start, as in `- key: v`) or on the lines below.
  nodeAfterIndicator(col) {
    this.skipSpaces();
    if (this.atCommentOrEol()) {
      this.finishLine("the indicator");
      return this.nextLineNode(col, false);
    }
    return this.inlineNode(col, true, false);
  }

  // The value after a mapping key's `:`.
  mapValue(col) {
    this.skipSpaces();
    if (this.atCommentOrEol()) {
      this.finishLine("the ':'");
      return this.nextLineNode(col, true);
    }
    return this.inlineNode(col, false, false);
  }

  // A node starting at the current position. `parent` is the enclosing block collection's
  // column; `allowBlock` says whether a block mapping or sequence may start here.
  inlineNode(parent, allowBlock, seqAtParent) {
    const propsAt = this.pos;
    const props = this.properties(false);
    if (props && this.atCommentOrEol()) {
      this.finishLine("the anchor or tag");
      const below = this.nextLineNode(parent, !allowBlock || seqAtParent);
      const empty = below === null && props.tag ? this.scalar("", true, props.tag, propsAt) : below;
      return this.withProps(empty, props);
    }
    const at = this.pos;
    const col = this.col();
    const c = this.ch();
    if (c === "-" && isBlankOrEnd(this.ch(1))) {
      if (!allowBlock) this.fail("a block sequence cannot start on this line; put it on its own line");
      return this.withProps(this.blockSequence(col), props);
    }
    if (c === "?" && isBlankOrEnd(this.ch(1))) {
      if (!allowBlock) this.fail("a mapping key cannot start on this line; put it on its own line");
      return this.withProps(this.blockMapping(col, null), props);
    }
    if (c === "|" || c === ">") return this.withProps(this.blockScalar(parent), props);
    let value;
    let plain = false;
    if (c === "[" || c === "{") {
      value = this.flowCollection();
    } else if (c === "*") {
      if (props) this.fail("an alias cannot have an anchor or a tag", propsAt);
      value = this.alias();
    } else if (c === '"' || c === "'") {
      value = this.quoted();
    } else {
      value = this.plainScalar(parent, false);
      plain = true;
    }
    let p = this.pos;
    while (isSpace(this.s[p])) p++;
    if (this.s[p] === ":" && isBlankOrEnd(this.s[p + 1])) {
      if (!allowBlock) this.fail("mapping values are not allowed here (quote the value if it holds ': ')", p);
      if (this.s.slice(at, this.pos).includes("\n")) this.fail("a mapping key must be on a single line", at);
      if (c === "[" || c === "{") this.fail("complex mapping keys are not supported", at);
      this.pos = p;
      const key = { value: this.withProps(plain ? this.scalar(value, true, props?.tag, at) : value, props), plain, at };
      return this.blockMapping(props ? this.col(propsAt) : col, key);
    }
    if (plain) value = this.scalar(value, true, props?.tag, at);
    else if (typeof value === "string") value = this.scalar(value, false, props?.tag, at);
    return this.withProps(value, props);
  }

  blockSequence(col) {
    const items = [];
    for (;;) {
      this.pos++; // the '-'
      items.push(this.nodeAfterIndicator(col));
      this.finishLine("the sequence entry");
      if (!this.skipToContent() || this.atMarker()) break;
      const c = this.col();
      if (c < col) break;
      if (c > col) this.fail("bad indentation of a sequence entry");
      if (!this.isSeqEntry()) break;
    }
    return items;
  }

  blockMapping(col, first) {
    const map = {};
    const merges = [];
    const own = new Set();
    let pending = first;
    for (;;) {
      let key;
      let value;
      if (pending) {
        key = pending;
        pending = null;
        this.pos++; // the ':'
        value = this.mapValue(col);
      } else if (this.ch() === "?" && isBlankOrEnd(this.ch(1))) {
        const at = this.pos;
        this.pos++;
        const k = this.nodeAfterIndicator(col);
        if (typeof k === "object" && k !== null) this.fail("complex mapping keys are not supported", at);
        key = { value: k, plain: false, at };
        this.finishLine("the mapping key");
        value = null;
        if (this.skipToContent() && this.col() === col && this.ch() === ":" && isBlankOrEnd(this.ch(1))) {
          this.pos++;
          value = this.nodeAfterIndicator(col);
        }
      } else {
        if (this.isSeqEntry()) this.fail("expected a mapping key here, found a sequence entry ('- ')");
        key = this.mappingKey();
        value = this.mapValue(col);
      }
      this.addEntry(map, merges, own, key, value);
      this.finishLine("the mapping value");
      if (!this.skipToContent() || this.atMarker()) break;
      const c = this.col();
      if (c < col) break;
      if (c > col) this.fail("bad indentation of a mapping entry");
    }
    return merges.length ? this.merge(map, merges) : map;
  }

  // A key on a fresh line of a block mapping, up to and including its ':'.
  mappingKey() {
    const at = this.pos;
    const props = this.properties(false);
    const c = this.ch();
    let value;
    let plain = false;
    if (c === "[" || c === "{") this.fail("complex mapping keys are not supported");
    if (c === "*") value = this.alias();
    else if (c === '"' || c === "'") value = this.quoted();
    else {
      this.checkPlainStart(false);
      value = this.plainSegment(false, this.pos);
      plain = true;
    }
    if (this.s.slice(at, this.pos).includes("\n")) this.fail("a mapping key must be on a single line", at);
    this.skipSpaces();
    if (!(this.ch() === ":" && isBlankOrEnd(this.ch(1)))) {
      this.fail("could not find the ':' after this mapping key", at);
    }
    this.pos++;
    if (c !== "*") value = this.scalar(value, plain, props?.tag, at);
    return { value: this.withProps(value, props), plain, at };
  }

  addEntry(map, merges, own, key, value) {
    if (key.plain && key.value === "<<") {
      merges.push({ value, at: key.at });
      return;
    }
    const k = keyString(key.value, () => this.fail("complex mapping keys are not supported", key.at));
    if (own.has(k)) this.fail(`duplicate key '${k}'`, key.at);
    own.add(k);
    setKey(map, k, value);
  }

  // `<<` merges: explicit keys win, then the first mapping listed.
  merge(map, merges) {
    const out = {};
    const sources = [];
    for (const m of merges) {
      const list = Array.isArray(m.value) ? m.value : [m.value];
      for (const v of list) {
        if (typeof v !== "object" || v === null || Array.isArray(v)) {
          this.fail("a merge key '<<' needs a mapping or a list of mappings", m.at);
        }
        sources.push(v);
      }
    }
    for (const src of sources) {
      for (const k of Object.keys(src)) if (!(Object.hasOwn(out, k))) setKey(out, k, src[k]);
    }
    for (const k of Object.keys(map)) setKey(out, k, map[k]);
    return out;
  }

  // ----- properties, aliases, scalars -----
  properties(flow) {
    let anchor = null;
    let tag = null;
    for (;;) {
      const c = this.ch();
      if (c === "&" && anchor === null) {
        this.pos++;
        anchor = this.name("an anchor");
      } else if (c === "!" && tag === null) {
        const start = this.pos;
        while (!isBlankOrEnd(this.ch()) && !(flow && FLOW_INDICATORS.includes(this.ch()))) this.pos++;
        tag = this.s.slice(start, this.pos);
      } else {
        break;
      }
      if (flow) this.skipFlowSpace();
      else this.skipSpaces();
    }
    return anchor === null && tag === null ? null : { anchor, tag };
  }

  name(what) {
    const start = this.pos;
    while (!isBlankOrEnd(this.ch()) && !",[]{}:".includes(this.ch())) this.pos++;
    if (this.pos === start) this.fail(`${what} needs a name`);
    return this.s.slice(start, this.pos);
  }

  alias() {
    const at = this.pos;
    this.pos++;
    const name = this.name("an alias");
    if (!this.anchors.has(name)) this.fail(`unknown anchor '${name}' (aliases must follow their anchor)`, at);
    return this.anchors.get(name);
  }

  withProps(value, props) {
    if (props && props.anchor !== null) this.anchors.set(props.anchor, value);
    return value;
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

  // ----- flow collections -----
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

  flowCollection() {
    const start = this.pos;
    const isSeq = this.ch() === "[";
    const close = isSeq ? "]" : "}";
    const kind = isSeq ? "sequence" : "mapping";
    this.pos++;
    const out = isSeq ? [] : {};
    const merges = [];
    const own = new Set();
    for (;;) {
      this.skipFlowSpace();
      const c = this.ch();
      if (c === undefined || this.atMarker()) {
        this.fail(`unterminated flow ${kind}: expected '${close}'`, start);
      }
      if (c === close) {
        this.pos++;
        break;
      }
      const keyAt = this.pos;
      let explicit = false;
      if (c === "?" && isBlankOrEnd(this.ch(1))) {
        explicit = true;
        this.pos++;
        this.skipFlowSpace();
      }
      const first = this.flowNode(close);
      this.skipFlowSpace();
      let pair = null;
      if (this.ch() === ":") {
        this.pos++;
        this.skipFlowSpace();
        const value = this.ch() === "," || this.ch() === close ? null : this.flowNode(close);
        pair = { key: first, value };
      } else if (!isSeq || explicit) {
        pair = { key: first, value: null };
      }
      if (!pair) out.push(first.value);
      else if (isSeq) out.push(this.single(pair, keyAt));
      else this.addEntry(out, merges, own, { ...pair.key, at: keyAt }, pair.value?.value ?? null);
      this.skipFlowSpace();
      if (this.ch() === ",") this.pos++;
      else if (this.ch() === undefined) this.fail(`unterminated flow ${kind}: expected '${close}'`, start);
      else if (this.ch() !== close) this.fail(`expected ',' or '${close}' in this flow ${kind}`);
    }
    return merges.length ? this.merge(out, merges) : out;
  }

  single(pair, at) {
    const map = {};
    this.addEntry(map, [], new Set(), { ...pair.key, at }, pair.value?.value ?? null);
    return map;
  }

  // One node inside a flow collection: {value, plain}.
  flowNode(close) {
    const props = this.properties(true);
    const at = this.pos;
    const c = this.ch();
    if (c === "," || c === close) return { value: this.withProps(this.scalar("", true, props?.tag, at), props), plain: true };
    if (c === "[" || c === "{") return { value: this.withProps(this.flowCollection(), props), plain: false };
    if (c === "*") return { value: this.alias(), plain: false };
    if (c === '"' || c === "'") {
      return { value: this.withProps(this.scalar(this.quoted(), false, props?.tag, at), props), plain: false };
    }
    if (c === "|" || c === ">") this.fail("block scalars are not allowed inside flow collections");
    const text = this.plainScalar(-1, true);
    return { value: this.withProps(this.scalar(text, true, props?.tag, at), props), plain: true };
  }
}

function keyString(value, complex) {
  if (value === null) return "null";
  if (typeof value === "object") return complex();
  return String(value);
}
