"""Go durations to seconds and back."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from argoapp.model.durations import format_duration, parse_duration


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("1h2m3.5s", 3723.5),
        ("300ms", 0.3),
        ("1us", 1e-6),
        ("1µs", 1e-6),
        ("2ns", 2e-9),
        ("-1m30s", -90.0),
        ("1.5h", 5400.0),
        ("0", 0.0),
        ("90", 90.0),
        ("2.5", 2.5),
        (10, 10.0),
        (0.5, 0.5),
    ],
)
def test_parse(text: str | int | float, seconds: float) -> None:
    assert parse_duration(text) == pytest.approx(seconds)


@pytest.mark.parametrize("bad", ["", "1x", "h", "1h 2m", "abc", "1.2.3s", "--1s"])
def test_parse_rejects_junk_with_a_clear_message(bad: str) -> None:
    with pytest.raises(ValueError, match="invalid duration"):
        parse_duration(bad)


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0, "0s"),
        (2, "2s"),
        (90, "1m30s"),
        (3600, "1h0m0s"),
        (3723.5, "1h2m3.5s"),
        (0.3, "300ms"),
        (1.5e-6, "1.5µs"),
        (2e-9, "2ns"),
        (-90, "-1m30s"),
    ],
)
def test_format_like_go(seconds: float, text: str) -> None:
    assert format_duration(seconds) == text


@given(st.integers(min_value=-(10**15), max_value=10**15))
def test_format_then_parse_round_trips(millis: int) -> None:
    seconds = millis / 1000
    assert parse_duration(format_duration(seconds)) == pytest.approx(seconds, rel=1e-12, abs=1e-9)
