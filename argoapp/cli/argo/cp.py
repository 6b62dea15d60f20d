"""`argo cp WORKFLOW OUTPUT_DIR`: save a workflow's output artifacts to local files.

As the argo CLI: the workflow is read from the server (`GET /api/v1/workflows/{ns}/{name}`,
which falls back to the archive), its nodes' output artifacts are picked by `--artifact-name`,
`--node-id` and `--template-name` (all when none is given), and each is downloaded through the
server's `GET /artifacts/{ns}/{wf}/{nodeId}/{name}` into `OUTPUT_DIR/--path`, whose
placeholders `{namespace}`, `{workflowName}`, `{nodeId}`, `{templateName}` and `{artifactName}`
are filled per artifact, under the base name of the artifact's key (a `.tgz` stays packed, as
it is stored). Each file is streamed to a temporary sibling and renamed into place, so a file
that is there is whole. The standard library only (plus `argoapp.artifacts.resolve`, pure).
"""

from __future__ import annotations

import http.client
import os
import posixpath
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import click

from argoapp.cli.argo.client import ArgoClient, NoServer
from argoapp.cli.argo.options import server_options
from argoapp.errors import ArgoappError

DEFAULT_PATH = "{namespace}/{workflowName}/{nodeId}/outputs/{artifactName}"
CHUNK = 256 * 1024
_FILENAME = re.compile(r'filename="([^"]*)"')


@dataclass(frozen=True)
class Found:
    """One output artifact of one node, to be saved."""

    node_id: str
    template_name: str
    name: str
    key: str  # where it is stored ("" when its location has no key)


def _template_of(node: dict[str, Any]) -> str:
    """The node's template: its name, else the template its templateRef names (Argo's)."""
    return str(node.get("templateName") or (node.get("templateRef") or {}).get("template") or "")


def search(wf: dict[str, Any], artifact: str, node_id: str, template: str) -> list[Found]:
    """The nodes' output artifacts that match every filter given, in node id order."""
    from argoapp.artifacts import resolve  # pure dict functions: no client library loads

    nodes = (wf.get("status") or {}).get("nodes") or {}
    found: list[Found] = []
    for nid in sorted(nodes):
        node = nodes[nid]
        if (node_id and nid != node_id) or (template and node.get("templateName") != template):
            continue
        for art in (node.get("outputs") or {}).get("artifacts") or []:
            if not isinstance(art, dict) or (artifact and art.get("name") != artifact):
                continue
            name = str(art.get("name") or "")
            found.append(Found(nid, _template_of(node), name, resolve.get_key(art)))
    return found


def target_dir(output_dir: Path, pattern: str, namespace: str, workflow: str, f: Found) -> Path:
    """OUTPUT_DIR joined with `--path`, its placeholders filled for one artifact."""
    filled = pattern
    for placeholder, value in (
        ("{templateName}", f.template_name),
        ("{namespace}", namespace),
        ("{workflowName}", workflow),
        ("{nodeId}", f.node_id),
        ("{artifactName}", f.name),
    ):
        filled = filled.replace(placeholder, value)
    return output_dir / filled


def _file_name(found: Found, disposition: str) -> str:
    """The base of the artifact's key, else the name the server gave, else its own name."""
    match = _FILENAME.search(disposition)
    for candidate in (found.key.rstrip("/"), match.group(1) if match else "", found.name):
        base = posixpath.basename(candidate)
        if base not in ("", ".", ".."):
            return base
    raise ArgoappError(f"artifact {found.name} has no name to save it under")


def download(client: ArgoClient, namespace: str, workflow: str, found: Found, into: Path) -> Path:
    """Stream one artifact from the server into `into`; the file's path."""
    path = "/artifacts/" + "/".join(
        quote(part, safe="") for part in (namespace, workflow, found.node_id, found.name)
    )
    # `_send` is the client's one request path: it raises the server's error body as ApiError.
    connection, response = client._send("GET", path, None, None, accept="*/*", timeout=None)
    try:
        dest = into / _file_name(found, response.getheader("Content-Disposition") or "")
        _save(response, dest, client.conn.url)
    finally:
        connection.close()
    return dest


def _save(response: http.client.HTTPResponse, dest: Path, url: str) -> None:
    """The response body into `dest`, atomically: a temporary sibling renamed into place."""
    fd, tmp = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".partial", dir=dest.parent)
    try:
        with os.fdopen(fd, "wb") as out:
            # A body cut short raises IncompleteRead (chunked or with a length): never renamed.
            while chunk := response.read(CHUNK):
                out.write(chunk)
        os.replace(tmp, dest)
    except http.client.HTTPException as e:
        raise NoServer(f"the download of {dest.name} from {url} broke off: {e!r}") from None
    except OSError as e:
        raise ArgoappError(f"cannot save {dest}: {e.strerror or e}") from None
    finally:
        Path(tmp).unlink(missing_ok=True)


@click.command()
@server_options
@click.argument("workflow")
@click.argument("output_dir", type=click.Path(file_okay=False, path_type=Path))
@click.option("--artifact-name", default="", help="Only the output artifact of this name.")
@click.option("--node-id", default="", help="Only the artifacts of this node.")
@click.option("--template-name", default="", help="Only the artifacts of this template's nodes.")
@click.option(
    "--path",
    "pattern",
    default=DEFAULT_PATH,
    show_default=True,
    help="Where under OUTPUT_DIR each artifact goes; uses {namespace}, {workflowName}, "
    "{nodeId}, {templateName} and {artifactName}.",
)
def cp(
    client: ArgoClient,
    workflow: str,
    output_dir: Path,
    artifact_name: str,
    node_id: str,
    template_name: str,
    pattern: str,
) -> None:
    """Copy a workflow's output artifacts to OUTPUT_DIR."""
    namespace = client.conn.namespace
    quoted = quote(workflow, safe="")
    wf = client.get(f"/api/v1/workflows/{quote(namespace, safe='')}/{quoted}")
    name = str((wf.get("metadata") or {}).get("name") or workflow)
    found = search(wf, artifact_name, node_id, template_name)
    if not found:
        click.echo(f"no output artifacts of workflow {name} match", err=True)
    for f in found:
        into = target_dir(output_dir, pattern, namespace, name, f)
        try:
            into.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise ArgoappError(f"cannot create {into}: {e.strerror or e}") from None
        dest = download(client, namespace, name, f, into)
        click.echo(f'Created "{dest.name}"', err=True)


COMMANDS = (cp,)
