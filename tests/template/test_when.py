"""`when` with govaluate's semantics: bare words are strings, numbers are floats."""

from __future__ import annotations

import pytest

from argoapp.template import ExpressionError, evaluate_when


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("heads == heads", True),
        ("heads == tails", False),
        ("tails != heads", True),
        ("Succeeded == Succeeded", True),
        ('"SUCCESS" != "SUCCESS" && "SUCCESS" == "SUCCESS"', False),
        ("'a b' == 'a b'", True),
        ("tails =~ tai", True),
        ("heads =~ '^t'", False),
        ("heads !~ '^t'", True),
        ("5 > 3", True),
        ("5 > 30", False),
        ("1.5 <= 1.50", True),
        ("10 == 10.0", True),
        ("abc < abd", True),
        ("true", True),
        ("false", False),
        ("!false", True),
        ("!(1 > 2)", True),
        ("true && false || true", True),
        ("true || false && false", True),
        ("( heads == heads && tails == tails ) || ( tails == heads && tails == tails )", True),
        ("1 + 2 == 3", True),
        ("2 * 3 - 1 == 5", True),
        ("7 % 4 == 3", True),
        ("2 ** 3 == 8", True),
        ("-1 < 0", True),
        ("a + b == ab", True),
        ("x in (a, b, x)", True),
        ("'always'\n in\n ('always','test','')", True),
        ("'third' in ('always','')", False),
        ("true ? false : true", False),
        ("(false ? true) ?? true", True),
        ("step.with.dots == step.with.dots", True),
        ("  ", True),
    ],
)
def test_when(text: str, expected: bool) -> None:
    assert evaluate_when(text) is expected


def test_non_boolean_result_uses_argos_message() -> None:
    with pytest.raises(
        ExpressionError, match=r"^Expected boolean evaluation for '1 \+ 1'\. Got 2$"
    ):
        evaluate_when("1 + 1")
    with pytest.raises(
        ExpressionError, match=r"Expected boolean evaluation for 'heads'\. Got heads"
    ):
        evaluate_when("heads")


def test_invalid_token_gets_the_quoting_hint() -> None:
    with pytest.raises(ExpressionError) as info:
        evaluate_when('{"a": 1} == x')
    message = str(info.value)
    assert message.startswith("Invalid 'when' expression '{\"a\": 1} == x': Invalid token")
    assert message.endswith('(hint: try wrapping the affected expression in quotes ("))')


@pytest.mark.parametrize("text", ["(a == a", "a == a)", "a b", "== a", "a &&", "flip-coin == x"])
def test_bad_expressions(text: str) -> None:
    with pytest.raises(ExpressionError, match=r"^Invalid 'when' expression"):
        evaluate_when(text)


def test_short_circuit_skips_the_other_side() -> None:
    assert evaluate_when("false && (a - b > 1)") is False
    assert evaluate_when("true || (a - b > 1)") is True
