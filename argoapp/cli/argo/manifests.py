"""Manifests from files, folders and stdin, and the `argo submit` options applied to them.

`read_documents` yields every YAML/JSON document of the paths given (`-` is stdin, a folder is
walked for .yaml, .yml and .json files) with the file and the line it starts on, so lint and
submit can name `file:line`. `apply_submit_options` sets what `-p`, `--parameter-file`,
`--entrypoint`, `--labels`, `--name`, `--generate-name` and `--serviceaccount` ask for on a
Workflow or a CronWorkflow's workflowSpec. Used by the submit, lint, template and cron verbs.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from argoapp.errors import ArgoappError

_SUFFIXES = (".yaml", ".yml", ".json")


class ManifestError(ArgoappError):
    """A manifest that cannot be read or parsed; the message names file:line."""


@dataclass
class Document:
    path: str
    line: int  # 1-based line the document starts on
    body: Any = None
    error: str = ""  # a parse error (the body is None then)

    @property
    def where(self) -> str:
        return f"{self.path}:{self.line}"


def _files(paths: list[str]) -> Iterator[tuple[str, str]]:
    for raw in paths:
        if raw == "-":
            yield "<stdin>", sys.stdin.read()
            continue
        path = Path(raw)
        if path.is_dir():
            for child in sorted(path.rglob("*")):
                if child.is_file() and child.suffix in _SUFFIXES:
                    yield str(child), _read(child)
        else:
            yield raw, _read(path)


def _read(path: Path) -> str:
    try:
        return path.read_text()
    except OSError as e:
        raise ManifestError(f"cannot read {path}: {e.strerror}") from None


def read_documents(paths: list[str]) -> Iterator[Document]:
    """Every document of every file, with where it starts (parse errors as documents too)."""
    for name, text in _files(paths):
        yield from parse_documents(name, text)


def parse_documents(name: str, text: str) -> Iterator[Document]:
    """The documents of one file's text."""
    import yaml

    if name.endswith(".json") or text.lstrip().startswith(("{", "[")):
        try:
            body = json.loads(text)
        except ValueError as e:
            line = getattr(e, "lineno", 1)
            yield Document(name, line, error=f"invalid JSON: {getattr(e, 'msg', e)}")
            return
        for item in body if isinstance(body, list) else [body]:
            yield Document(name, 1, item)
        return
    loader = yaml.SafeLoader(text)
    try:
        while loader.check_node():
            node = loader.get_node()
            if node is None:
                continue
            line = node.start_mark.line + 1
            yield Document(name, line, loader.construct_document(node))
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None) or getattr(e, "context_mark", None)
        line = mark.line + 1 if mark is not None else 1
        problem = getattr(e, "problem", None) or str(e)
        yield Document(name, line, error=f"invalid YAML: {problem}")
    finally:
        loader.dispose()


def objects_of_kind(
    paths: list[str], kinds: tuple[str, ...]
) -> list[tuple[Document, dict[str, Any]]]:
    """The documents of one of `kinds`; a parse error stops with ManifestError."""
    found = []
    for doc in read_documents(paths):
        if doc.error:
            raise ManifestError(f"{doc.where}: {doc.error}")
        if isinstance(doc.body, dict) and doc.body.get("kind") in kinds:
            found.append((doc, doc.body))
    if not found:
        raise ManifestError(f"no {' or '.join(kinds)} found in {', '.join(paths)}")
    return found


@dataclass
class SubmitOptions:
    parameters: list[str] = field(default_factory=list)  # NAME=VALUE, -p wins over the file
    parameter_file: str | None = None
    entrypoint: str = ""
    labels: dict[str, str] = field(default_factory=dict)
    name: str = ""
    generate_name: str = ""
    service_account: str = ""

    def all_parameters(self) -> list[tuple[str, str]]:
        """The file's parameters, then -p's, in order (a later one wins)."""
        pairs: list[tuple[str, str]] = []
        if self.parameter_file:
            pairs.extend(_parameter_file(self.parameter_file))
        for term in self.parameters:
            key, sep, value = term.partition("=")
            if not sep:
                raise ManifestError(f"parameter {term!r} is not NAME=VALUE")
            pairs.append((key, value))
        return pairs

    def as_submit_options(self) -> dict[str, Any]:
        """The `submitOptions` body of `POST …/submit` (`submit --from`)."""
        opts: dict[str, Any] = {
            "parameters": [f"{k}={v}" for k, v in self.all_parameters()],
            "entryPoint": self.entrypoint,
            "labels": ",".join(f"{k}={v}" for k, v in self.labels.items()),
            "name": self.name,
            "generateName": self.generate_name,
            "serviceAccount": self.service_account,
        }
        return {k: v for k, v in opts.items() if v}


def _parameter_file(path: str) -> list[tuple[str, str]]:
    import yaml

    try:
        data = yaml.safe_load(_read(Path(path)))
    except yaml.YAMLError as e:
        raise ManifestError(f"parameter file {path} is not valid YAML: {e}") from None
    if not isinstance(data, dict):
        raise ManifestError(f"parameter file {path} must map names to values")
    out = []
    for key, value in data.items():
        text = value if isinstance(value, str) else json.dumps(value)
        out.append((str(key), text))
    return out


def apply_submit_options(obj: dict[str, Any], opts: SubmitOptions) -> dict[str, Any]:
    """Set the options on a Workflow (or a CronWorkflow's workflowSpec); returns `obj`."""
    meta = obj.setdefault("metadata", {})
    spec = obj.setdefault("spec", {})
    labelled = meta
    if obj.get("kind") == "CronWorkflow":
        # The labels are for the workflows it makes; the name stays the cron workflow's.
        labelled = spec.setdefault("workflowMetadata", {}) if opts.labels else {}
        spec = spec.setdefault("workflowSpec", {})
    if opts.entrypoint:
        spec["entrypoint"] = opts.entrypoint
    if opts.service_account:
        spec["serviceAccountName"] = opts.service_account
    if opts.labels:
        labelled.setdefault("labels", {}).update(opts.labels)
    if opts.generate_name:
        meta["generateName"] = opts.generate_name
        meta.pop("name", None)
    if opts.name:
        meta["name"] = opts.name
    pairs = opts.all_parameters()
    if pairs:
        params = spec.setdefault("arguments", {}).setdefault("parameters", [])
        for key, value in pairs:
            for param in params:
                if param.get("name") == key:
                    param["value"] = value
                    break
            else:
                params.append({"name": key, "value": value})
    return obj
