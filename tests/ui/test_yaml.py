"""js/yaml.js in the browser: every Argo example of the conformance corpus parses to what PyYAML
gives and round-trips through stringify; scalars, block scalars, anchors and merges, flow
collections and documents read as YAML 1.2's core schema says; errors carry their position.

yaml.js runs inside the page (`import('/static/js/yaml.js')`). The reference is PyYAML (in the
venv) with the YAML 1.2 core schema's resolvers in place of its YAML 1.1 ones, because yaml.js
resolves plain scalars by YAML 1.2 ("yes" and "on" stay strings, `0o17` is octal).
The corpus is read from ../shared/conformance at test time, never copied into the repo.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from playwright.sync_api import Page

CORPUS = Path(__file__).resolve().parents[3] / "shared" / "conformance"

# Non-finite numbers travel as tagged strings (JSON has none); keys as JS makes them (strings).
EVAL_ALL = """async (texts) => {
  const Y = await import('/static/js/yaml.js');
  const enc = (v) => JSON.stringify(v, (k, x) =>
    typeof x === 'number' && !Number.isFinite(x) ? 'NUM:' + x : x);
  return texts.map((t) => {
    try {
      const docs = Y.parseAll(t);
      const written = docs.map((d) => Y.stringify(d));
      return {docs: enc(docs), written, back: enc(written.map((w) => Y.parse(w)))};
    } catch (e) {
      return {error: e.message, name: e.name, line: e.line, column: e.column, reason: e.reason};
    }
  });
}"""

PARSE_ERROR = """async (t) => {
  const Y = await import('/static/js/yaml.js');
  try { Y.parse(t); return null; }
  catch (e) { return {name: e.name, line: e.line, column: e.column, reason: e.reason,
    message: e.message, isYamlError: e instanceof Y.YamlError}; }
}"""


class CoreLoader(yaml.SafeLoader):
    """PyYAML's safe loader with YAML 1.2 core schema resolution instead of YAML 1.1's."""


CoreLoader.yaml_implicit_resolvers = {}
for _tag, _pattern, _first in (
    ("null", r"^(?:~|null|Null|NULL|)$", ["~", "n", "N", ""]),
    ("bool", r"^(?:true|True|TRUE|false|False|FALSE)$", list("tTfF")),
    ("int", r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$", list("-+0123456789")),
    (
        "float",
        r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
        r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$",
        list("-+.0123456789"),
    ),
    ("merge", r"^<<$", ["<"]),
):
    for _ch in _first:
        CoreLoader.add_implicit_resolver(f"tag:yaml.org,2002:{_tag}", re.compile(_pattern), [_ch])


def _core_int(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> int:
    text = str(loader.construct_scalar(node))
    base = {"0o": 8, "0x": 16}.get(text[:2], 10)
    return int(text[2:] if base != 10 else text, base)


def _core_float(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> float:
    text = str(loader.construct_scalar(node))
    lower = text.lower()
    if lower.endswith(".inf"):
        return -math.inf if text.startswith("-") else math.inf
    return math.nan if lower == ".nan" else float(text)


CoreLoader.add_constructor("tag:yaml.org,2002:int", _core_int)
CoreLoader.add_constructor("tag:yaml.org,2002:float", _core_float)


def as_js(value: Any) -> Any:
    """A PyYAML value as yaml.js gives it: string keys, tagged non-finite numbers."""
    if isinstance(value, dict):
        return {_js_key(k): as_js(v) for k, v in value.items()}
    if isinstance(value, list):
        return [as_js(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return (
            "NUM:NaN" if math.isnan(value) else ("NUM:-Infinity" if value < 0 else "NUM:Infinity")
        )
    return value


def _js_key(key: Any) -> str:
    if key is None:
        return "null"
    if isinstance(key, bool):
        return "true" if key else "false"
    return str(key)


def core(text: str) -> Any:
    return as_js(list(yaml.load_all(text, Loader=CoreLoader)))


def run_all(page: Page, texts: list[str]) -> list[dict[str, Any]]:
    result: list[dict[str, Any]] = page.evaluate(EVAL_ALL, texts)
    return result


@pytest.fixture
def blank(page: Page) -> Page:
    """A page of the app (the not-found route: nothing else loads) to import modules into."""
    page.expect_console_errors(r"status of 404 .*/yaml-units-no-such-page\]")  # type: ignore[attr-defined]
    page.goto("/yaml-units-no-such-page")
    return page


def test_every_conformance_example_parses_like_pyyaml_and_round_trips(blank: Page) -> None:
    files = sorted(CORPUS.rglob("*.yaml"))
    assert len(files) > 50, f"the conformance corpus is missing at {CORPUS}"
    texts = [f.read_text() for f in files]
    for path, text, got in zip(files, texts, run_all(blank, texts), strict=True):
        name = str(path.relative_to(CORPUS))
        assert "error" not in got, f"{name}: {got.get('error')}"
        want = core(text)
        assert json.loads(got["docs"]) == want, name
        assert json.loads(got["back"]) == want, f"{name} does not round-trip"
        # What stringify writes reads the same in PyYAML too, even under its YAML 1.1 rules.
        for written, doc in zip(got["written"], want, strict=True):
            assert as_js(yaml.safe_load(written)) == doc, f"{name}: PyYAML reads\n{written}"


SCALARS = """\
t: true
f: False
n: ~
n2: null
empty:
yes_: yes
on_: on
int: -12
hex: 0x1F
oct: 0o17
lead0: 012
float: 1.5e3
dot: .5
inf: -.inf
nan: .NaN
ver: 1.2.3
date: 2001-12-14
quoted_int: '123'
quoted_bool: "true"
tagged: !!str 42
url: http://example.com:8080/x#frag
hash: a#b
"""


def test_scalars_resolve_by_the_yaml_1_2_core_schema(blank: Page) -> None:
    [got] = run_all(blank, [SCALARS])
    docs = json.loads(got["docs"])
    assert docs == core(SCALARS)
    doc = docs[0]
    assert doc["yes_"] == "yes" and doc["on_"] == "on"  # YAML 1.1 booleans stay strings
    assert (doc["hex"], doc["oct"], doc["lead0"]) == (31, 15, 12)
    assert (doc["inf"], doc["nan"], doc["empty"]) == ("NUM:-Infinity", "NUM:NaN", None)
    assert doc["tagged"] == "42" and doc["url"] == "http://example.com:8080/x#frag"
    assert json.loads(got["back"]) == docs


STRUCTURES = [
    # block scalars: literal, folded, chomping, indentation indicators, leading blank lines
    "k: |\n  line1\n  line2\n\n  line4\nz: 1\n",
    "k: |-\n  a\n\n\nz: 1\n",
    "k: |+\n  a\n\n\nz: 1\n",
    "k: >\n  a\n  b\n\n  c\n    d\n  e\n",
    "k: >-\n  folded\n  text\n",
    "k: |2\n    indented\n  less\n",
    "- |1\n  x\n",
    "a: >\n\n  x\n\n",
    "a: |\n  no final newline",
    # quoted scalars: escapes, folding, escaped line breaks
    "a: 'it''s'\nb: \"esc \\t \\n \\u00e9 \\x41 \\\\ \\\" \\U0001F600\"\n",
    'a: "multi\n  line\n\n  para"\n',
    "a: 'multi\n  line'\n",
    'a: "join\\\n   ed"\n',
    "a: plain\n  continued\n  lines\n",
    "a: plain # comment\nb: x#y\n",
    # collections: compact sequences, sequences at the mapping's indentation, flow, empty
    "- a\n- - b\n  - c\n- d: 1\n  e: 2\n",
    "a:\n- 1\n- 2\nb:\n  - 3\n",
    "a: 1\nb: [1, 2, {c: d}]\ne: {f: g, h: [i]}\n",
    "k: [a, b,\n  c, d]\n",
    "a: [a: 1, b]\nm: {x, y: 2}\n",
    "empty: []\nemptym: {}\nnested: [[], {}]\n",
    "key with spaces: v\n'quoted key': v\n\"dq\": v\n? explicit\n: value\n",
    "a:   \n  # comment\n  b: 1\n",
    # anchors, aliases and merge keys (explicit keys win, then the first mapping listed)
    "a: &x {p: 1}\nb: *x\nc:\n  <<: *x\n  q: 2\n",
    "b: &b\n  x: 1\n  y: 2\no: &o\n  y: 9\n  z: 3\nm:\n  <<: [*b, *o]\n  x: 0\n",
    "- &a x: 1\n  y: 2\n- *a\n",
    # documents, comments, line endings, byte order mark
    "---\na: 1\n---\nb: 2\n...\n",
    "--- |\n  top\n",
    "# only a comment\n",
    "",
    "a: 1\r\nb: 2\r\n",
    "\ufeffa: 1\n",
    "[1, 2, 3]\n",
]


@pytest.mark.parametrize("text", STRUCTURES)
def test_structures_match_pyyaml(blank: Page, text: str) -> None:
    [got] = run_all(blank, [text])
    assert "error" not in got, got.get("error")
    assert json.loads(got["docs"]) == core(text)
    assert json.loads(got["back"]) == core(text)


ERRORS = [
    # (text, line, column, words of the reason)
    ("a: 1\n\tb: 2\n", 2, 1, "tab"),
    ("a:\n\t- x\n", 2, 1, "tab"),
    ("a: 1\nb: 2\na: 3\n", 3, 1, "duplicate key 'a'"),
    ("a:\n  b: 1\n c: 2\n", 3, 2, "bad indentation"),
    ('a: 1\nb: "unterminated\nc: 1\n', 2, 4, "unterminated double-quoted"),
    ("a: *nope\n", 1, 4, "unknown anchor 'nope'"),
    ("a: 1\n---\nb: 2\n", 2, 1, "one document"),
    ("a: b: c\n", 1, 5, "mapping values are not allowed"),
    ("a: 1\n- b\n", 2, 1, "sequence entry"),
    ("a: [1, 2\n", 1, 4, "unterminated flow sequence"),
    ('a: "bad \\q escape"\n', 1, 9, "unknown escape"),
    ("key\nother: 1\n", 1, 1, "single line"),
    ("a: 'x' y\n", 1, 8, "unexpected text"),
    ("@foo: 1\n", 1, 1, "cannot start with '@'"),
    ("a: |0\n  x\n", 1, 5, "indentation indicator"),
    ("x: &a 1\ny: [*a, *b]\n", 2, 9, "unknown anchor 'b'"),
]


@pytest.mark.parametrize(("text", "line", "column", "words"), ERRORS)
def test_errors_name_the_problem_at_its_line_and_column(
    blank: Page, text: str, line: int, column: int, words: str
) -> None:
    err = blank.evaluate(PARSE_ERROR, text)
    assert err is not None, "no error"
    assert err["isYamlError"] and err["name"] == "YamlError"
    assert (err["line"], err["column"]) == (line, column), err["message"]
    assert words in err["reason"]
    assert f"line {line}, column {column}" in err["message"]


def test_stringify_quotes_what_would_read_back_as_something_else(blank: Page) -> None:
    value = {
        "bools": ["true", "yes", "on", "n"],
        "numbers": ["1", "0x1F", "1e3", ".inf", "1.2.3", "2024-01-01"],
        "nulls": ["", "~", "null"],
        "specials": ["- x", "a: b", "x #y", "#x", "*a", "&a", "!t", "|", "'q'", '"d"', "---", "<<"],
        "spaces": [" lead", "trail ", "tab\there"],
        "controls": ["nul\0", "bell\x07", "cr\rlf", "\u2028"],
        "multi": ["a\nb", "a\nb\n", "a\nb\n\n", "  indented\nnext\n", "\n\n"],
        "plain": ["hello world", "-c", "--flag", "http://x:1/y", "a:b", "é✓"],
        "<<": "not a merge",
        "1": "numeric key",
    }
    text = blank.evaluate("async (v) => (await import('/static/js/yaml.js')).stringify(v)", value)
    back = blank.evaluate("async (t) => (await import('/static/js/yaml.js')).parse(t)", text)
    assert back == value
    assert yaml.safe_load(text) == value  # PyYAML (YAML 1.1) reads it the same
    assert "- hello world\n" in text and "- --flag\n" in text  # readable where it can be
    assert "|-\n" in text  # multi-line strings as literal blocks


def test_json_documents_read_as_yaml(blank: Page) -> None:
    """An uploaded .json workflow is YAML too (flow style with quoted keys)."""
    docs = [
        d
        for f in sorted((CORPUS / "cases" / "examples").glob("*.yaml"))
        for d in core(f.read_text())
    ]
    texts = [json.dumps(d, indent=i) for d in docs[:40] for i in (None, 2)]
    for text, got in zip(texts, run_all(blank, texts), strict=True):
        assert "error" not in got, got.get("error")
        assert json.loads(got["docs"]) == [json.loads(text)]
