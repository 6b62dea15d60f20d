"""expr-lang's builtin functions, closures and Argo's additions (asInt, toJson, jsonpath)."""

from __future__ import annotations

from typing import Any

import pytest

from argoapp.template import ExpressionError, evaluate

PEOPLE = [{"name": "a", "age": 30}, {"name": "b", "age": 20}, {"name": "c", "age": 30}]


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        # strings
        ("len('héllo')", 5),
        ("trim('  x  ')", "x"),
        ("trim('xxaxx', 'x')", "a"),
        ("trimPrefix('prefix-x', 'prefix-')", "x"),
        ("trimSuffix('x.txt', '.txt')", "x"),
        ("upper('a') + lower('B')", "Ab"),
        ("split('a,b,c', ',')", ["a", "b", "c"]),
        ("split('a,b,c', ',', 2)", ["a", "b,c"]),
        ("join(['a', 'b'], '-')", "a-b"),
        ("join(['a', 'b'])", "ab"),
        ("replace('aXbX', 'X', '.')", "a.b."),
        ("repeat('ab', 3)", "ababab"),
        ("indexOf('abc', 'c')", 2),
        ("hasPrefix('abc', 'a')", True),
        ("hasSuffix('abc', 'bc')", True),
        ("string(12)", "12"),
        ("int('42') + int(3.9)", 45),
        ("float('1.5')", 1.5),
        # maps and arrays
        ("keys({a: 1})", ["a"]),
        ("values({a: 1})", [1]),
        ("first([1, 2])", 1),
        ("last([1, 2])", 2),
        ("first([])", None),
        ("min(3, 1, 2)", 1),
        ("max([3, 1.5])", 3),
        ("sum([1, 2, 3])", 6),
        ("mean([1, 2, 3, 4])", 2.5),
        ("abs(-3)", 3),
        ("get({a: 1}, 'a')", 1),
        ("get([1, 2], 5)", None),
        ("flatten([1, [2, [3]]])", [1, 2, 3]),
        ("uniq([1, 2, 1, 3])", [1, 2, 3]),
        ("concat([1], [2, 3], [])", [1, 2, 3]),
        ("reverse([1, 2])", [2, 1]),
        (
            "type(1) + type(1.0) + type('') + type([]) + type({}) + type(nil)",
            "intfloatstringarraymapnil",
        ),
        # JSON and base64
        ("toJSON({a: [1]})", '{\n  "a": [\n    1\n  ]\n}'),
        ("fromJSON('{\"a\": [1, 2]}').a[1]", 2),
        ("toBase64('hi')", "aGk="),
        ("fromBase64('aGk=')", "hi"),
        # Argo's additions
        ("asInt('12') * 10", 120),
        ("asFloat('1.5') * 2", 3.0),
        ("toJson({b: [1, 'x'], a: true})", '{"b":[1,"x"],"a":true}'),
    ],
)
def test_builtins(source: str, expected: Any) -> None:
    assert evaluate(source, {}) == expected


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("filter(xs, {# > 1})", [2, 3]),
        ("filter(xs, # > 1)", [2, 3]),
        ("map(xs, {# * 10})", [10, 20, 30]),
        ("map(xs, #index)", [0, 1, 2]),
        ("all(xs, {# > 0})", True),
        ("any(xs, {# > 2})", True),
        ("none(xs, {# > 5})", True),
        ("one(xs, {# == 2})", True),
        ("count(xs, {# >= 2})", 2),
        ("find(xs, {# > 1})", 2),
        ("findIndex(xs, {# > 1})", 1),
        ("findLast(xs, {# > 1})", 3),
        ("findLastIndex(xs, {# > 5})", -1),
        ("sum(xs, {# * 2})", 12),
        ("reduce(xs, #acc + #, 10)", 16),
        ("reduce(xs, #acc * #)", 6),
        ("map(people, .name)", ["a", "b", "c"]),
        ("filter(people, .age == 30) | map(.name)", ["a", "c"]),
        ("sortBy(people, .age) | map(.name)", ["b", "a", "c"]),
        ("sortBy(people, .name, 'desc') | map(.name)", ["c", "b", "a"]),
        ("groupBy(people, .age)[30] | map(.name)", ["a", "c"]),
        ("xs | filter(# != 2) | map(# + 1)", [2, 4]),
        ("map(xs, let d = # * 2; d + 1)", [3, 5, 7]),
        ("map([[1, 2]], {#[0] + #[1]})[0]", 3),
        ("xs | len()", 3),
    ],
)
def test_closures_and_pipes(source: str, expected: Any) -> None:
    assert evaluate(source, {"xs": [1, 2, 3], "people": PEOPLE}) == expected


def test_now_comes_only_from_the_env() -> None:
    assert evaluate("now()", {"now": "2024-01-01T00:00:00Z"}) == "2024-01-01T00:00:00Z"
    with pytest.raises(ExpressionError, match="now"):
        evaluate("now()", {})


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("$.id", 7),
        ("$.employees[0].name", "Baris"),
        ("$.employees[-1].age", 44),
        ("$.employees[*].name", ["Baris", "Mo", "Jai"]),
        ("$.employees[0:1]", [{"name": "Baris", "age": 43}]),
        ('$.employees[?(@.name=="Baris")].age', [43]),
        ("$.employees[?(@.age>42 && @.age<44)].age", [43]),
        ("$.employees[?(@.age<43 || @.name=='Jai')].name", ["Mo", "Jai"]),
        ("$..age", [43, 42, 44]),
        ("$['id']", 7),
    ],
)
def test_jsonpath(path: str, expected: Any) -> None:
    doc = (
        '{"id": 7, "employees": [{"name": "Baris", "age": 43}, {"name": "Mo", "age": 42},'
        ' {"name": "Jai", "age": 44}]}'
    )
    assert evaluate(f"jsonpath(doc, {path!r})", {"doc": doc}) == expected


def test_jsonpath_missing_key_is_an_error() -> None:
    with pytest.raises(ExpressionError, match="nothing at"):
        evaluate("jsonpath('{}', '$.a')", {})


def test_argos_reusing_snippets_example() -> None:
    # The week's temperatures, base64 inside JSON, mapped to one JSON object (Argo's example).
    env = {
        "workflow": {
            "parameters": {
                "weather": '{"weekWeather": "eyJ0ZW1wcyI6IFszNCwgMjcsIDE1LCA1NywgNDZdfQo="}'
            }
        }
    }
    source = """map([
        jsonpath(sprig.b64dec(jsonpath(workflow.parameters.weather, '$.weekWeather')), '$.temps')
      ], {
        toJson({
          avg: sprig.add(#[0], #[1], #[2], #[3], #[4]) / 5,
          min: sprig.min(#[0], #[1], #[2], #[3], #[4]),
          max: sprig.max(#[0], #[1], #[2], #[3], #[4])
        })
      })[0]"""
    assert evaluate(source, env) == '{"avg":35.8,"min":15,"max":57}'
