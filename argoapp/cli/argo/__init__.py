"""The `argo` CLI's verbs as `argoapp` commands (`argoapp submit`, `argoapp list`, …).

They talk to an Argo server (argoapp's or Argo's own) over its REST API, found as the `argo` CLI
finds it (ARGO_SERVER and friends) or, with nothing set, the local appliance of the data dir.
Only click and the standard library load with this package; YAML is read inside commands.
"""

from __future__ import annotations

import click


def register(cli: click.Group) -> None:
    """Add every verb to the top-level group."""
    from argoapp.cli.argo import (
        archive,
        cp,
        cron,
        lint,
        misc,
        ops,
        submit,
        sync,
        templates,
        workflows,
    )

    for module in (submit, workflows, ops, lint, templates, cron, archive, sync, cp, misc):
        for command in module.COMMANDS:
            cli.add_command(command)
