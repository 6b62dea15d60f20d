"""The sprig functions Argo exposes to expressions as `sprig.<name>(…)`.

Sprig is Go's template function library; Argo passes it into expr's env (minus `env` and
`expandenv`). The argument orders are sprig's (`sprig.replace(old, new, text)`,
`sprig.contains(substr, text)`), and so is its leniency: numeric conversions of junk give 0.
Functions that read the clock or the environment are left out; `date` formats the time it is
given (an RFC 3339 string or Unix seconds). Called by `expr_builtins`; no I/O.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import re
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from argoapp.template import expr_ops as ops
from argoapp.template.errors import ExpressionError


def go_string(value: Any) -> str:
    """A value as Go's `%v` prints it (what sprig's `toString` and expr's `string` give)."""
    if isinstance(value, str):
        return value
    if value is None:
        return "<nil>"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return _go_float(value)
    if isinstance(value, list | tuple):
        return "[" + " ".join(go_string(v) for v in value) + "]"
    if isinstance(value, Mapping):
        inner = " ".join(f"{go_string(k)}:{go_string(value[k])}" for k in sorted(value, key=str))
        return "map[" + inner + "]"
    return str(value)


def _go_float(value: float) -> str:
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    if value.is_integer() and abs(value) < 1e21:
        return str(int(value))
    text = repr(value)
    if "e" in text:  # Python 1e-07 -> Go 1e-07; Python 1e+22 -> Go 1e+22
        mantissa, exp = text.split("e")
        sign = "-" if exp.startswith("-") else "+"
        return f"{mantissa}e{sign}{exp.lstrip('+-').zfill(2)}"
    return text


def to_int64(value: Any) -> int:
    """cast.ToInt64 as sprig uses it: junk becomes 0."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if math.isfinite(value) else 0
    if isinstance(value, str):
        try:
            return int(value.strip(), 0)
        except ValueError:
            try:
                return int(float(value))
            except (ValueError, OverflowError):
                return 0
    return 0


def to_float64(value: Any) -> float:
    """cast.ToFloat64: junk becomes 0."""
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.strip())
        except ValueError:
            return 0.0
    return 0.0


def empty(value: Any) -> bool:
    """sprig's `empty`: nil, "", 0, false and empty collections."""
    if value is None or value is False:
        return True
    if isinstance(value, int | float) and not isinstance(value, bool):
        return value == 0
    if isinstance(value, str | list | tuple | Mapping):
        return len(value) == 0
    return False


def _go_div(a: int, b: int) -> int:
    if b == 0:
        raise ExpressionError("sprig.div: integer divide by zero")
    q = abs(a) // abs(b)
    return q if (a < 0) == (b < 0) else -q


def _go_mod(a: int, b: int) -> int:
    if b == 0:
        raise ExpressionError("sprig.mod: integer divide by zero")
    r = abs(a) % abs(b)
    return -r if a < 0 else r


def _title(text: str) -> str:
    return re.sub(r"(^|\s)(\S)", lambda m: m.group(1) + m.group(2).upper(), text)


def _substr(start: Any, end: Any, text: str) -> str:
    start, end = to_int64(start), to_int64(end)
    if start < 0:
        return text[:end]
    if end < 0 or end > len(text):
        return text[start:]
    return text[start:end]


def _trunc(count: Any, text: str) -> str:
    count = to_int64(count)
    if count < 0 and len(text) + count > 0:
        return text[len(text) + count :]
    if count >= 0 and len(text) > count:
        return text[:count]
    return text


def _go_repl(repl: str) -> str:
    """A Go regexp replacement (`$1`, `${name}`) in Python's spelling."""
    out = re.sub(
        r"\$\{(\w+)\}|\$(\w+)",
        lambda m: "\\g<" + (m.group(1) or m.group(2)) + ">",
        repl.replace("\\", "\\\\"),
    )
    return out.replace("$$", "$")


def _seq(*args: Any) -> str:
    nums = [to_int64(a) for a in args]
    if len(nums) == 1:
        start, step, stop = 1, 1 if nums[0] >= 1 else -1, nums[0]
    elif len(nums) == 2:
        start, stop = nums
        step = 1 if stop >= start else -1
    elif len(nums) == 3:
        start, step, stop = nums
    else:
        raise ExpressionError("sprig.seq takes 1 to 3 arguments")
    if step == 0 or (stop - start) * step < 0:
        return ""
    return " ".join(str(n) for n in range(start, stop + (1 if step > 0 else -1), step))


def _until_step(start: Any, stop: Any, step: Any) -> list[int]:
    a, b, s = to_int64(start), to_int64(stop), to_int64(step)
    if s == 0 or (b - a) * s <= 0:
        return []
    return list(range(a, b, s))


def _b64dec(text: str) -> str:
    try:
        return base64.b64decode(text, validate=False).decode("utf-8", errors="replace")
    except (binascii.Error, ValueError) as err:
        return str(err)


def _without(items: list[Any], *omit: Any) -> list[Any]:
    return [x for x in items if not any(ops.equal(x, o) for o in omit)]


def _uniq(items: list[Any]) -> list[Any]:
    out: list[Any] = []
    for item in items:
        if not any(ops.equal(item, seen) for seen in out):
            out.append(item)
    return out


def _dict(*pairs: Any) -> dict[str, Any]:
    values = list(pairs) + ([""] if len(pairs) % 2 else [])
    return {go_string(values[i]): values[i + 1] for i in range(0, len(values), 2)}


def _set(d: dict[str, Any], key: str, value: Any) -> dict[str, Any]:
    d[key] = value
    return d


def _keys(*dicts: Mapping[str, Any]) -> list[str]:
    return [k for d in dicts for k in d]


def _regex_find_all(pattern: str, text: str, n: Any) -> list[str]:
    found = [m.group(0) for m in ops.regex(pattern).finditer(text)]
    limit = to_int64(n)
    return found if limit < 0 else found[:limit]


def _regex_split(pattern: str, text: str, n: Any) -> list[str]:
    limit = to_int64(n)
    if limit == 0:
        return []
    return ops.regex(pattern).split(text, maxsplit=0 if limit < 0 else limit - 1)


def _from_json(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return {}


_GO_LAYOUT = [
    ("January", "%B"),
    ("Monday", "%A"),
    ("2006", "%Y"),
    ("Jan", "%b"),
    ("Mon", "%a"),
    ("MST", "%Z"),
    ("Z07:00", "Z07:00"),
    ("-07:00", "-07:00"),
    ("-0700", "%z"),
    ("01", "%m"),
    ("02", "%d"),
    ("_2", "%e"),
    ("15", "%H"),
    ("03", "%I"),
    ("04", "%M"),
    ("05", "%S"),
    ("06", "%y"),
    ("PM", "%p"),
    (".000", ".%f3"),
    (".999", ".%f3"),
]


def _date(layout: str, when: Any) -> str:
    """sprig.date: `when` (RFC 3339 text or Unix seconds) formatted with a Go layout."""
    if isinstance(when, int | float) and not isinstance(when, bool):
        moment = datetime.fromtimestamp(when, UTC)
    elif isinstance(when, str):
        try:
            moment = datetime.fromisoformat(when.replace("Z", "+00:00"))
        except ValueError:
            raise ExpressionError(f"sprig.date: cannot read {when!r} as a time") from None
    else:
        raise ExpressionError(f"sprig.date: needs a time, got {ops.type_name(when)}")
    out: list[str] = []
    i = 0
    while i < len(layout):
        for token, spec in _GO_LAYOUT:
            if layout.startswith(token, i):
                out.append(_date_part(moment, spec))
                i += len(token)
                break
        else:
            out.append(layout[i])
            i += 1
    return "".join(out)


def _date_part(moment: datetime, spec: str) -> str:
    if spec == "%e":
        return f"{moment.day:2d}"
    if spec == ".%f3":
        return f".{moment.microsecond // 1000:03d}"
    if spec in ("Z07:00", "-07:00"):
        offset = moment.strftime("%z") or "+0000"
        if spec == "Z07:00" and offset == "+0000":
            return "Z"
        return offset[:3] + ":" + offset[3:]
    return moment.strftime(spec)


SPRIG: dict[str, Callable[..., Any]] = {
    "trim": lambda s: go_string(s).strip(),
    "trimAll": lambda cut, s: go_string(s).strip(cut),
    "trimPrefix": lambda p, s: go_string(s).removeprefix(p),
    "trimSuffix": lambda p, s: go_string(s).removesuffix(p),
    "upper": lambda s: go_string(s).upper(),
    "lower": lambda s: go_string(s).lower(),
    "title": lambda s: _title(go_string(s)),
    "replace": lambda old, new, s: go_string(s).replace(old, new),
    "contains": lambda sub, s: sub in go_string(s),
    "hasPrefix": lambda p, s: go_string(s).startswith(p),
    "hasSuffix": lambda p, s: go_string(s).endswith(p),
    "repeat": lambda n, s: go_string(s) * max(to_int64(n), 0),
    "substr": lambda a, b, s: _substr(a, b, go_string(s)),
    "trunc": lambda n, s: _trunc(n, go_string(s)),
    "split": lambda sep, s: {f"_{i}": p for i, p in enumerate(go_string(s).split(sep))},
    "splitList": lambda sep, s: go_string(s).split(sep),
    "join": lambda sep, xs: sep.join(go_string(x) for x in (xs if isinstance(xs, list) else [xs])),
    "toString": go_string,
    "toStrings": lambda xs: [go_string(x) for x in xs],
    "atoi": to_int64,
    "int": to_int64,
    "int64": to_int64,
    "float64": to_float64,
    "add": lambda *xs: sum(to_int64(x) for x in xs),
    "add1": lambda x: to_int64(x) + 1,
    "sub": lambda a, b: to_int64(a) - to_int64(b),
    "mul": lambda *xs: math.prod(to_int64(x) for x in xs),
    "div": lambda a, b: _go_div(to_int64(a), to_int64(b)),
    "mod": lambda a, b: _go_mod(to_int64(a), to_int64(b)),
    "max": lambda *xs: max(to_int64(x) for x in xs),
    "min": lambda *xs: min(to_int64(x) for x in xs),
    "default": lambda d, *given: d if not given or empty(given[0]) else given[0],
    "empty": empty,
    "coalesce": lambda *xs: next((x for x in xs if not empty(x)), None),
    "ternary": lambda yes, no, cond: yes if cond is True else no,
    "list": lambda *xs: list(xs),
    "dict": _dict,
    "get": lambda d, k: d.get(k, ""),
    "set": _set,
    "unset": lambda d, k: (d.pop(k, None), d)[1],
    "hasKey": lambda d, k: k in d,
    "keys": _keys,
    "values": lambda d: list(d.values()),
    "pluck": lambda key, *ds: [d[key] for d in ds if key in d],
    "first": lambda xs: xs[0] if xs else None,
    "last": lambda xs: xs[-1] if xs else None,
    "rest": lambda xs: list(xs[1:]),
    "initial": lambda xs: list(xs[:-1]),
    "append": lambda xs, v: [*xs, v],
    "prepend": lambda xs, v: [v, *xs],
    "uniq": _uniq,
    "without": _without,
    "has": lambda needle, xs: any(ops.equal(needle, x) for x in xs),
    "compact": lambda xs: [x for x in xs if not empty(x)],
    "reverse": lambda xs: list(reversed(xs)),
    "sortAlpha": lambda xs: sorted(go_string(x) for x in xs),
    "b64enc": lambda s: base64.b64encode(go_string(s).encode()).decode(),
    "b64dec": lambda s: _b64dec(go_string(s)),
    "quote": lambda *xs: " ".join(json.dumps(go_string(x)) for x in xs if x is not None),
    "squote": lambda *xs: " ".join(f"'{go_string(x)}'" for x in xs if x is not None),
    "cat": lambda *xs: " ".join(go_string(x) for x in xs if x is not None),
    "indent": lambda n, s: "\n".join(" " * to_int64(n) + ln for ln in go_string(s).split("\n")),
    "nindent": lambda n, s: (
        "\n" + "\n".join(" " * to_int64(n) + ln for ln in go_string(s).split("\n"))
    ),
    "nospace": lambda s: re.sub(r"\s", "", go_string(s)),
    "regexMatch": lambda p, s: ops.regex(p).search(go_string(s)) is not None,
    "regexFind": lambda p, s: m.group(0) if (m := ops.regex(p).search(go_string(s))) else "",
    "regexFindAll": lambda p, s, n: _regex_find_all(p, go_string(s), n),
    "regexReplaceAll": lambda p, s, r: ops.regex(p).sub(_go_repl(r), go_string(s)),
    "regexReplaceAllLiteral": lambda p, s, r: ops.regex(p).sub(lambda m: r, go_string(s)),
    "regexSplit": lambda p, s, n: _regex_split(p, go_string(s), n),
    "toJson": ops.json_compact,
    "mustToJson": ops.json_compact,
    "toPrettyJson": lambda v: json.dumps(ops.plain(v), indent=2, ensure_ascii=False),
    "fromJson": _from_json,
    "mustFromJson": lambda s: json.loads(s),
    "seq": _seq,
    "until": lambda n: _until_step(0, n, 1 if to_int64(n) >= 0 else -1),
    "untilStep": _until_step,
    "date": _date,
}
