"""`evaluate`: the expr language over an env of nested maps, with parsed programs cached.

The engine evaluates `{{= }}` tags, `expression` parameters, retry and hook expressions with
this; the same source text is parsed once (`functools.lru_cache`). Evaluation never reads the
clock: `now()` only works when the env supplies `now`.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from argoapp.template.errors import ExpressionError
from argoapp.template.expr_parser import Fn, compile_expr


@lru_cache(maxsize=4096)
def _compiled(source: str) -> tuple[Fn, frozenset[str] | None]:
    try:
        return compile_expr(source)
    except ExpressionError as err:
        raise ExpressionError(f"invalid expression {source.strip()!r}: {err}") from None
    except RecursionError:
        raise ExpressionError(f"invalid expression {source.strip()!r}: nested too deeply") from None


def compile_check(source: str) -> None:
    """Raise ExpressionError when `source` does not parse (for validation)."""
    _compiled(source)


def env_names(source: str) -> frozenset[str] | None:
    """The top-level env names `source` may read (None when it reads `$env`, i.e. anything)."""
    return _compiled(source)[1]


def evaluate(source: str, env: Mapping[str, Any]) -> Any:
    """The value of the expr-lang expression `source` over `env`."""
    program = _compiled(source)[0]
    try:
        return program(env, {})
    except ExpressionError as err:
        # The class is kept: a NilAccessError means a variable was missing, not bad syntax.
        message = f"failed to evaluate expression {source.strip()!r}: {err}"
        raise type(err)(message) from None
    except (TypeError, ValueError, AttributeError, KeyError, IndexError, OverflowError) as err:
        # A builtin given arguments of the wrong kind (e.g. upper(1)).
        raise ExpressionError(
            f"failed to evaluate expression {source.strip()!r}: {type(err).__name__}: {err}"
        ) from None
    except RecursionError:
        raise ExpressionError(
            f"failed to evaluate expression {source.strip()!r}: too deep"
        ) from None
