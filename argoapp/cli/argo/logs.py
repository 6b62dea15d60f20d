"""`argo logs WORKFLOW [POD]`: the log lines of a workflow's pods, or of one pod.

Reads Argo's log streams (`GET /api/v1/workflows/{ns}/{name}/log`, and
`…/{name}/{pod}/log` for one pod) with the `logOptions.*` query Argo's CLI sends; each message is
a `LogEntry` `{podName, content}`, printed as `POD: LINE` (the pod name coloured on a terminal
unless --no-color; without the prefix when one pod was asked for). Called by the `logs` verb and
by `submit --log`.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from datetime import datetime

import click

from argoapp.cli.argo.client import ArgoClient, NotFound
from argoapp.model.durations import parse_duration

_COLOURS = ("cyan", "green", "yellow", "magenta", "blue", "red")


@dataclass
class LogOptions:
    container: str = "main"
    follow: bool = False
    since: str = ""  # a duration: 5m, 1h
    since_time: str = ""  # RFC 3339
    tail: int | None = None
    grep: str = ""
    timestamps: bool = False
    previous: bool = False
    selector: str = ""
    no_color: bool = False

    def query(self) -> list[tuple[str, str]]:
        """The query Argo's CLI sends for these options."""
        q = [("logOptions.container", self.container)]
        if self.follow:
            q.append(("logOptions.follow", "true"))
        if self.previous:
            q.append(("logOptions.previous", "true"))
        if self.since:
            try:
                seconds = int(parse_duration(self.since))
            except ValueError as e:
                raise click.BadParameter(str(e), param_hint="--since") from None
            q.append(("logOptions.sinceSeconds", str(seconds)))
        if self.since_time:
            try:
                t = datetime.fromisoformat(self.since_time.replace("Z", "+00:00"))
            except ValueError:
                raise click.BadParameter(
                    "not an RFC 3339 time", param_hint="--since-time"
                ) from None
            q.append(("logOptions.sinceTime.seconds", str(int(t.timestamp()))))
        if self.tail is not None:
            q.append(("logOptions.tailLines", str(self.tail)))
        if self.timestamps:
            q.append(("logOptions.timestamps", "true"))
        if self.grep:
            q.append(("grep", self.grep))
        if self.selector:
            q.append(("selector", self.selector))
        return q


def print_logs(
    client: ArgoClient, namespace: str, workflow: str, pod: str | None, opts: LogOptions
) -> None:
    """Print the stream's lines until it ends (at once unless following)."""
    path = f"/api/v1/workflows/{namespace}/{workflow}/log"
    query = opts.query()
    if pod:
        query.append(("podName", pod))
    colours = sys.stdout.isatty() and not opts.no_color
    picked: dict[str, str] = {}
    try:
        for entry in client.stream(path, query):
            if not isinstance(entry, dict):
                continue
            content = str(entry.get("content", ""))
            pod_name = str(entry.get("podName", ""))
            if pod:
                click.echo(content)
                continue
            fg = picked.setdefault(pod_name, _COLOURS[len(picked) % len(_COLOURS)])
            prefix = click.style(pod_name, fg=fg) if colours else pod_name
            click.echo(f"{prefix}: {content}")
    except NotFound as e:
        raise NotFound(404, f"workflow {workflow} not found in namespace {namespace}") from e
