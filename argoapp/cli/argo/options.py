"""The `argo` CLI's global flags on every verb, and the output choices they share.

`server_options` adds `-n/--namespace`, `-s/--argo-server`, `--token`, `-e/--secure`,
`-k/--insecure-skip-verify` and the accepted-but-unneeded `--argo-http1` to a click command and
hands the command a ready `ArgoClient` (keyword `client`) instead of those flags. Used by every
verb module in this package; it reads flags only, the environment is read by `client.discover`.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import click

from argoapp.cli.argo.client import ArgoClient, discover

_GLOBAL = (
    click.option(
        "-n", "--namespace", default=None, help="Namespace (default $ARGO_NAMESPACE or default)."
    ),
    click.option("-s", "--argo-server", default=None, help="host:port of the Argo server."),
    click.option("--token", default=None, help="Bearer token (default $ARGO_TOKEN)."),
    click.option(
        "-e/-E", "--secure/--no-secure", default=None, help="Use TLS (default $ARGO_SECURE, on)."
    ),
    click.option(
        "-k", "--insecure-skip-verify", is_flag=True, default=False, help="Skip TLS verification."
    ),
    click.option("--argo-http1", is_flag=True, hidden=True, help="Always HTTP/1 here."),
)

OUTPUT_LIST = click.Choice(["name", "json", "yaml", "wide"])
OUTPUT_GET = click.Choice(["name", "json", "yaml", "wide", "short"])


def server_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Add the global flags; the command gets `client=ArgoClient(...)` in their place."""

    @functools.wraps(fn)
    def wrapper(
        *args: Any,
        namespace: str | None,
        argo_server: str | None,
        token: str | None,
        secure: bool | None,
        insecure_skip_verify: bool,
        argo_http1: bool,
        **kwargs: Any,
    ) -> Any:
        conn = discover(
            server=argo_server,
            token=token,
            namespace=namespace,
            secure=secure,
            insecure_skip_verify=insecure_skip_verify or None,
        )
        return fn(*args, client=ArgoClient(conn), **kwargs)

    for option in reversed(_GLOBAL):
        wrapper = option(wrapper)
    return wrapper


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
