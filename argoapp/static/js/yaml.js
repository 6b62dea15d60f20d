// yaml.js: argoapp's own YAML reader and writer (no third-party code).
//
// parse()/parseAll() read YAML 1.2 the way PyYAML and Kubernetes do in practice: block mappings
// and sequences (compact `- key: v`, sequences at their mapping's indentation), flow `{}`/`[]`,
// plain, single- and double-quoted scalars, literal and folded block scalars with chomping and
// indentation indicators, comments, `---`/`...` documents, anchors, aliases and `<<` merges. Plain
// scalars resolve by the YAML 1.2 core schema ("yes"/"on" stay strings). Duplicate keys and tabs
// in indentation are errors; every error is a YamlError with a 1-based line and column.
// stringify() writes readable block YAML that parse() reads back to the same value.
//
// Used by the submit page, the template and cron editors and the workflow page's YAML tab. The
// reading lives in yaml_read.js (structure) and yaml_scan.js (scalars); the writing is here.
// It must stay pure: no DOM, no fetches, so the browser tests can drive it in the page.

import { Reader } from "./yaml_read.js";
import { PLAIN_BAD_START, YamlError, isBlankOrEnd, resolvePlain } from "./yaml_scan.js";

export { YamlError, resolvePlain };

/** Parse one YAML document into plain JS values (null when the text holds no document). */
export function parse(text) {
  const reader = new Reader(text);
  const docs = reader.documents();
  if (docs.length > 1) {
    reader.fail("expected one document, found more (separated by '---')", reader.starts[1]);
  }
  return docs.length ? docs[0] : null;
}

/** Parse every document of a `---`-separated stream into an array of values. */
export function parseAll(text) {
  return new Reader(text).documents();
}

// ----- writing -----

/** Readable block YAML for a JSON-like value; parse() reads it back to an equal value. */
export function stringify(value) {
  const out = [];
  if (isBlockCollection(value)) {
    if (Array.isArray(value)) writeSequence(value, 0, out, null);
    else writeMapping(value, 0, out, null);
  } else if (isBlockString(value)) {
    writeBlockString(value, "", 0, out);
  } else {
    out.push(scalarText(value));
  }
  return out.join("\n") + "\n";
}

function isBlockCollection(v) {
  if (Array.isArray(v)) return v.length > 0;
  return typeof v === "object" && v !== null && entries(v).length > 0;
}

function entries(obj) {
  return Object.entries(obj).filter(([, v]) => v !== undefined && typeof v !== "function");
}

// `first` is what the first line starts with (a compact `- ` prefix) or null for own lines.
function writeMapping(obj, col, out, first) {
  const pad = " ".repeat(col);
  entries(obj).forEach(([k, v], i) => {
    const head = (i === 0 && first !== null ? first : pad) + scalarText(k) + ":";
    writeValue(v, col, out, head, false);
  });
}

function writeSequence(list, col, out, first) {
  const pad = " ".repeat(col);
  list.forEach((v, i) => {
    const head = (i === 0 && first !== null ? first : pad) + "-";
    writeValue(v === undefined ? null : v, col, out, head, true);
  });
}

// A value after its `key:` or `-` (`head`); `col` is the column of that key or dash.
function writeValue(v, col, out, head, inSequence) {
  if (isBlockCollection(v)) {
    const write = Array.isArray(v) ? writeSequence : writeMapping;
    if (inSequence) {
      write(v, col + 2, out, head + " ");
    } else {
      out.push(head);
      write(v, col + 2, out, null);
    }
  } else if (isBlockString(v)) {
    writeBlockString(v, head + " ", col + 2, out);
  } else {
    out.push(`${head} ${scalarText(v)}`);
  }
}

// Multi-line text as a literal block: `|` clips one final newline, `|-` none, `|+` several.
function writeBlockString(text, head, indent, out) {
  const trailing = text.length - text.replace(/\n+$/, "").length;
  const chomp = trailing === 0 ? "-" : trailing === 1 ? "" : "+";
  // Leading spaces before the first content would be taken for indentation: say it instead.
  const indicator = /^[ \n]*/.exec(text)[0].includes(" ") ? "2" : "";
  out.push(`${head}|${indicator}${chomp}`);
  const body = trailing === 0 ? text : text.slice(0, text.length - 1);
  const pad = " ".repeat(indent || 2);
  for (const line of body.split("\n")) out.push(line === "" ? "" : pad + line);
}

// Characters a block scalar or a single-quoted string cannot carry literally.
const NEEDS_ESCAPE = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\ufeff]/;

function isBlockString(v) {
  return (
    typeof v === "string" &&
    v.includes("\n") &&
    /[^\s]/.test(v) &&
    !NEEDS_ESCAPE.test(v) &&
    !v.includes("\r") &&
    v.isWellFormed?.() !== false
  );
}

function scalarText(v) {
  if (v === null || v === undefined) return "null";
  if (typeof v === "boolean" || typeof v === "bigint") return String(v);
  if (typeof v === "number") {
    if (Number.isNaN(v)) return ".nan";
    if (!Number.isFinite(v)) return v > 0 ? ".inf" : "-.inf";
    return String(v);
  }
  if (typeof v === "object") return Array.isArray(v) ? "[]" : "{}";
  const text = String(v);
  if (plainSafe(text)) return text;
  if (!/[\x00-\x1f]/.test(text) && !NEEDS_ESCAPE.test(text) && text.isWellFormed?.() !== false) {
    return `'${text.replaceAll("'", "''")}'`;
  }
  return doubleQuoted(text);
}

// Plain words YAML 1.1 readers (PyYAML, Go's yaml.v2 under kubectl) take for booleans, numbers,
// dates or the value key: quoted, so what we write reads the same everywhere.
const YAML11_SPECIAL =
  /^(?:[yYnN]|yes|Yes|YES|no|No|NO|on|On|ON|off|Off|OFF|=|\d{4}-\d\d?-\d\d?(?:[Tt ].*)?|[-+]?[0-9._:]+|[-+]?0[bx][0-9a-fA-F_]+)$/;

// Whether text can be written unquoted and still read back as this same string.
function plainSafe(text) {
  if (text === "" || text !== text.trim()) return false;
  if (resolvePlain(text) !== text) return false;
  if (YAML11_SPECIAL.test(text)) return false;
  if (/[\x00-\x1f\x7f-\x9f\u2028\u2029\ufeff]/.test(text) || text.isWellFormed?.() === false) return false;
  if (PLAIN_BAD_START.includes(text[0])) return false;
  if ("-?:".includes(text[0]) && (text.length === 1 || isBlankOrEnd(text[1]))) return false;
  if (text.startsWith("---") || text.startsWith("...")) return false;
  if (text.includes(": ") || text.includes(" #") || text.endsWith(":")) return false;
  return text !== "<<"; // a merge key to readers, even as a value in PyYAML
}

const WRITE_ESCAPES = {
  "\0": "\\0", "\x07": "\\a", "\b": "\\b", "\t": "\\t", "\n": "\\n", "\v": "\\v",
  "\f": "\\f", "\r": "\\r", "\x1b": "\\e", '"': '\\"', "\\": "\\\\",
};

function doubleQuoted(text) {
  let out = '"';
  for (const ch of text) {
    const code = ch.codePointAt(0);
    if (Object.hasOwn(WRITE_ESCAPES, ch)) out += WRITE_ESCAPES[ch];
    else if (NEEDS_ESCAPE.test(ch) || (code >= 0xd800 && code <= 0xdfff)) {
      out += "\\u" + code.toString(16).padStart(4, "0");
    } else out += ch;
  }
  return out + '"';
}
