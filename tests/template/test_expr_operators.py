"""The expr language's literals and operators, with values worked out from expr-lang's rules."""

from __future__ import annotations

import math
from typing import Any

import pytest

from argoapp.template import ExpressionError, evaluate


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        # literals
        ("42", 42),
        ("0x1F", 31),
        ("1_000", 1000),
        ("1.5", 1.5),
        ("1e3", 1000.0),
        ("'single'", "single"),
        ('"dou\\tble"', "dou\tble"),
        ("`raw\\n`", "raw\\n"),
        ('"\\u00e9"', "é"),
        ("true", True),
        ("nil", None),
        ("[1, 'a', [2]]", [1, "a", [2]]),
        ("{a: 1, 'b c': 2}", {"a": 1, "b c": 2}),
        # arithmetic keeps int and float apart
        ("1 + 2", 3),
        ("1 + 2.5", 3.5),
        ("7 / 2", 3.5),
        ("6 / 3", 2.0),
        ("7 % 3", 1),
        ("-7 % 3", -1),
        ("2 ** 3", 8.0),
        ("2 ^ 3 ^ 2", 512.0),
        ("-2 ** 2", -4.0),
        ("2 + 3 * 4", 14),
        ("(2 + 3) * 4", 20),
        ("10 - 2 - 3", 5),
        ("'a' + 'b'", "ab"),
        ("[1] + [2]", [1, 2]),
        # comparisons
        ("1 == 1.0", True),
        ("1 < 1.5", True),
        ("'a' < 'b'", True),
        ("3 >= 3", True),
        ("2 <= 1", False),
        ("'1' == 1", False),
        ("true == 1", False),
        ("[1, {a: 2}] == [1, {a: 2}]", True),
        ("nil == nil", True),
        ("1 != 2", True),
        # logic, short-circuit
        ("true and false", False),
        ("true && true", True),
        ("false or true", True),
        ("false || false", False),
        ("false && undefined.field", False),
        ("true || undefined.field", True),
        ("not true", False),
        ("!false", True),
        ("not (1 > 2)", True),
        # membership and strings
        ("2 in [1, 2]", True),
        ("'a' in {a: 1}", True),
        ("3 not in [1, 2]", True),
        ("'abc' matches '^a.c$'", True),
        ("'abc' not matches 'x'", True),
        ("'abc' contains 'b'", True),
        ("'abc' startsWith 'ab'", True),
        ("'abc' endsWith 'bc'", True),
        ("'abc' not contains 'z'", True),
        # ranges, ternary, coalesce
        ("1..4", [1, 2, 3, 4]),
        ("3..1", []),
        ("1 < 2 ? 'yes' : 'no'", "yes"),
        ("false ? 1 : true ? 2 : 3", 2),
        ("nil ?? 'd'", "d"),
        ("0 ?? 'd'", 0),
        ("missing ?? 'd'", "d"),
        ("missing.deep.path ?? 'd'", "d"),
        # let
        ("let x = 2; let y = x * 3; x + y", 8),
    ],
)
def test_operators(source: str, expected: Any) -> None:
    result = evaluate(source, {})
    assert result == expected
    assert type(result) is type(expected)


def test_division_by_zero_is_infinite_like_go_floats() -> None:
    assert evaluate("1 / 0", {}) == math.inf
    with pytest.raises(ExpressionError, match="divide by zero"):
        evaluate("1 % 0", {})


ENV = {
    "steps": {"a": {"outputs": {"result": "hi", "parameters": {"n": "3"}}}},
    "xs": [10, 20, 30, 40],
    "s": "hello",
    "m": {"k": {"j": 1}},
}


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("steps.a.outputs.result", "hi"),
        ("steps['a'].outputs['parameters'].n", "3"),
        ("steps.b", None),
        ("steps.b?.outputs", None),
        ("steps.b?.outputs.result", None),
        ("m?.['k']?.j", 1),
        ("xs[0]", 10),
        ("xs[-1]", 40),
        ("xs[1:3]", [20, 30]),
        ("xs[:2]", [10, 20]),
        ("xs[2:]", [30, 40]),
        ("s[1]", "e"),
        ("s[1:3]", "el"),
        ("$env.s", "hello"),
        ("unknownName", None),
    ],
)
def test_member_access_and_indexing(source: str, expected: Any) -> None:
    assert evaluate(source, ENV) == expected


def test_member_of_nil_names_the_nil_part() -> None:
    with pytest.raises(ExpressionError, match=r"steps\.b is nil"):
        evaluate("steps.b.outputs", ENV)


def test_index_out_of_range() -> None:
    with pytest.raises(ExpressionError, match="out of range"):
        evaluate("xs[9]", ENV)


@pytest.mark.parametrize(
    "source",
    ["1 +", "(1", "[1, 2", "{a 1}", "'open", "1 ? 2", "a.", "1 2", "@", "foo(1", ""],
)
def test_bad_syntax(source: str) -> None:
    with pytest.raises(ExpressionError, match="invalid expression"):
        evaluate(source, {})


@pytest.mark.parametrize(
    "source",
    ["1 + 'a'", "'a' - 1", "1 < 'a'", "1 and true", "not 1", "-'a'", "1.5 % 2", "1 in 2"],
)
def test_type_errors(source: str) -> None:
    with pytest.raises(ExpressionError, match="failed to evaluate"):
        evaluate(source, {})


def test_unknown_function_is_an_error() -> None:
    with pytest.raises(ExpressionError, match="unknown function nope"):
        evaluate("nope(1)", {})
    with pytest.raises(ExpressionError, match=r"unknown function sprig\.nope"):
        evaluate("sprig.nope(1)", {})


def test_env_functions_are_callable() -> None:
    assert evaluate("double(4)", {"double": lambda x: x * 2}) == 8
