"""The `argo` CLI's global flags, taken before or after the verb, and shared output choices.

`server_options` adds the argo CLI's persistent flags (`-n/--namespace`, `-s/--argo-server`,
`--token`, `-e/--secure`, `-k/--insecure-skip-verify`, `--argo-base-href`, `-H/--header`, the
accepted-but-unneeded `--argo-http1` and `--kubeconfig`) and argoapp's `--data-dir` to a click
command, and hands the command a ready `ArgoClient` (keyword `client`) instead of those flags.
`global_options` puts the same flags on the top-level group, so `argoapp -n ns list` works as
`argoapp list -n ns` does; a flag after the verb wins over one before it. Used by every verb
module in this package; it reads flags only, the environment is read by `client.discover`.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:  # the client (http.client, ssl) loads when a verb runs, not with every call
    from argoapp.cli.argo.client import Connection


def _flags() -> tuple[Callable[[Any], Any], ...]:
    """Fresh click options for the global flags (one set per command they decorate)."""
    return (
        click.option(
            "-n",
            "--namespace",
            default=None,
            help="Namespace (default $ARGO_NAMESPACE or default).",
        ),
        click.option("-s", "--argo-server", default=None, help="host:port of the Argo server."),
        click.option("--token", default=None, help="Bearer token (default $ARGO_TOKEN)."),
        click.option(
            "-e/-E",
            "--secure/--no-secure",
            default=None,
            help="Use TLS (default $ARGO_SECURE, on).",
        ),
        click.option(
            "-k",
            "--insecure-skip-verify",
            is_flag=True,
            default=False,
            help="Skip TLS verification.",
        ),
        click.option(
            "--argo-base-href", default=None, help="Path prefix of the server ($ARGO_BASE_HREF)."
        ),
        click.option(
            "-H", "--header", "headers", multiple=True, help="Extra request header 'Name: value'."
        ),
        click.option(
            "--data-dir",
            type=click.Path(path_type=Path),
            default=None,
            help="Data dir of the local appliance (default $ARGOAPP_DATA_DIR or ~/.argoapp).",
        ),
        click.option("--argo-http1", is_flag=True, hidden=True, help="Always HTTP/1 here."),
        click.option(
            "--kubeconfig", default=None, hidden=True, help="Unused: argoapp uses the API."
        ),
    )


GLOBAL_NAMES = (
    "namespace",
    "argo_server",
    "token",
    "secure",
    "insecure_skip_verify",
    "argo_base_href",
    "headers",
    "data_dir",
    "argo_http1",
    "kubeconfig",
)

OUTPUT_LIST = click.Choice(["name", "json", "yaml", "wide"])
OUTPUT_GET = click.Choice(["name", "json", "yaml", "wide", "short"])


def global_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Add the global flags to the top-level group (its callback takes them as keywords)."""
    for option in reversed(_flags()):
        fn = option(fn)
    return fn


def _merged(flags: dict[str, Any]) -> dict[str, Any]:
    """The verb's global flags, falling back to those given before the verb."""
    ctx = click.get_current_context(silent=True)
    root = ctx.find_root().params if ctx is not None else {}
    out: dict[str, Any] = {}
    for name in GLOBAL_NAMES:
        mine, early = flags.get(name), root.get(name)
        if name == "headers":
            out[name] = (*(early or ()), *(mine or ()))
        elif name == "secure":  # --no-secure is False, not absent
            out[name] = mine if mine is not None else early
        else:
            out[name] = mine if mine not in (None, False) else early
    return out


def connection(**flags: Any) -> Connection:
    from argoapp.cli.argo.client import discover

    """The connection the global flags (before and after the verb) and environment ask for."""
    f = _merged(flags)
    return discover(
        server=f["argo_server"],
        token=f["token"],
        namespace=f["namespace"],
        secure=f["secure"],
        insecure_skip_verify=f["insecure_skip_verify"] or None,
        base_href=f["argo_base_href"],
        headers=f["headers"] or (),
        home=f["data_dir"],
    )


def server_options(
    fn: Callable[..., Any] | None = None, *, lazy: bool = False
) -> Callable[..., Any]:
    """Add the global flags; the command gets `client=ArgoClient(...)` in their place, or
    with `lazy` a `connect` that makes one (for a verb that may need no server)."""

    def decorate(fn: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            flags = {name: kwargs.pop(name, None) for name in GLOBAL_NAMES}
            if lazy:
                return fn(*args, connect=lambda: _client(flags), **kwargs)
            return fn(*args, client=_client(flags), **kwargs)

        for option in reversed(_flags()):
            wrapper = option(wrapper)
        return wrapper

    return decorate(fn) if fn is not None else decorate


def parse_pairs(values: tuple[str, ...] | list[str], what: str) -> dict[str, str]:
    """`a=b,c=d` values (repeatable) as a dict; a term without `=` is a usage error."""
    pairs: dict[str, str] = {}
    for value in values:
        for term in value.split(","):
            if not term.strip():
                continue
            key, sep, val = term.partition("=")
            if not sep:
                raise click.BadParameter(f"{term!r} is not KEY=VALUE", param_hint=what)
            pairs[key.strip()] = val.strip()
    return pairs


def _client(flags: dict[str, Any]) -> Any:
    from argoapp.cli.argo.client import ArgoClient

    return ArgoClient(connection(**flags))
