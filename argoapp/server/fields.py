"""The `fields` query parameter: keep only some paths of a response, or drop some.

`fields=metadata.name,status.phase` keeps those paths (and nothing else); `fields=-status.nodes`
(a leading `-`) drops the listed ones. Paths are dotted JSON keys; lists are walked through, so
`items.metadata.name` selects the name of every item. An empty value changes nothing. This is
Argo's `util/fields` cleaner, with prefixes compared on whole path segments. Handlers also ask
`will_exclude("status.nodes")` to skip loading offloaded nodes nobody asked for.
"""

from __future__ import annotations

from typing import Any


class Fields:
    """A parsed `fields` value."""

    def __init__(self, text: str = "") -> None:
        self.exclude = text.startswith("-")
        body = text[1:] if self.exclude else text
        self.paths = frozenset(p for p in body.split(",") if p) if text else frozenset()

    @property
    def active(self) -> bool:
        return bool(self.paths)

    def will_exclude(self, path: str) -> bool:
        """True when the response will not contain `path` (so it need not be computed)."""
        if not self.paths:
            return False
        related = any(_prefix(path, p) or _prefix(p, path) for p in self.paths)
        return self.exclude if related else not self.exclude

    def clean(self, data: Any) -> Any:
        """`data` with the selection applied (the input is changed in place and returned)."""
        if self.paths:
            self._clean(data, "")
        return data

    def _clean(self, item: Any, path: str) -> None:
        if isinstance(item, list):
            for element in item:
                self._clean(element, path)
            return
        if not isinstance(item, dict):
            return
        for key in list(item):
            sub = f"{path}.{key}" if path else key
            listed = sub in self.paths
            if self.exclude:
                if listed:
                    del item[key]
                else:
                    self._clean(item[key], sub)
            elif listed:
                continue  # the whole subtree was asked for
            elif any(_prefix(sub, p) for p in self.paths):
                self._clean(item[key], sub)
            else:
                del item[key]


def _prefix(prefix: str, path: str) -> bool:
    """True when `prefix` is `path` or one of its ancestors, by whole segments."""
    return path == prefix or path.startswith(prefix + ".")
