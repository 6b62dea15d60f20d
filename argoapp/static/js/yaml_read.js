// yaml_read.js: the structural half of the YAML reader behind yaml.js (parse, parseAll). A
// Reader walks one text by character position: documents, block mappings and sequences by
// indentation, flow collections, anchors, aliases and `<<` merges; the scalars themselves come
// from yaml_scan.js. Only yaml.js imports it; like yaml.js it is pure (no DOM, no I/O).

import { FLOW_INDICATORS, Scanner, isBlankOrEnd, isSpace } from "./yaml_scan.js";

// Object keys come from documents: "__proto__" must become an own property, not a prototype.
function setKey(obj, key, value) {
  if (key === "__proto__") {
    Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
  } else {
    obj[key] = value;
  }
}

/** The parser: one instance reads one text. */
/** The parser: one instance reads one text. */
export class Reader extends Scanner {
  constructor(text) {
    super(text);
    this.anchors = new Map();
    this.starts = []; // where each document begins
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
