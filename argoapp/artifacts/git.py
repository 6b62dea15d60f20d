"""The Git driver: input artifacts checked out from a repository, with dulwich (pure Python).

`download` clones `repo` into a temp directory beside the destination and renames it into place:
`depth` makes a shallow clone, `branch` (with `singleBranch`) picks what is cloned, `fetch`
refspecs are fetched after the clone, and `revision` (a branch, tag or commit, full or short) is
checked out, detached. Submodules are updated unless `disableSubmodules`. HTTPS credentials come
from `usernameSecret`/`passwordSecret`; SSH uses `sshPrivateKeySecret` through the system `ssh`
(refused clearly when there is none), with host keys unchecked only under `insecureIgnoreHostKey`;
`insecureSkipTLS` skips HTTPS certificate checks.
Git artifacts are inputs only: nothing is uploaded, listed or deleted.
"""

from __future__ import annotations

import os
import shlex
import shutil
import tempfile
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from argoapp.artifacts.driver import Driver, staged_dir
from argoapp.artifacts.errors import ArtifactError, ArtifactNotFound, Secrets, secret_value
from argoapp.model.types import Obj

if TYPE_CHECKING:
    from dulwich.objects import Commit
    from dulwich.repo import Repo


class GitDriver(Driver):
    """Checkouts of Git repositories."""

    kind = "git"

    def download(self, art: Obj, dest: Path) -> None:
        """Clone the repository into `dest` and check out the requested revision."""
        loc = art.get("git")
        if not isinstance(loc, dict) or not loc.get("repo"):
            raise ArtifactError(f'artifact "{art.get("name", "")}": git.repo is required')
        checkout = _Checkout(self.secrets, art, loc)
        with staged_dir(dest) as tmp, checkout.transport() as options:
            checkout.run(tmp, options)

    def is_directory(self, art: Obj) -> bool:
        """A checkout is a directory."""
        return True


class _Checkout:
    """One clone-and-checkout, with its credentials and errors worded for the artifact."""

    def __init__(self, secrets: Secrets, art: Obj, loc: Obj) -> None:
        self.secrets = secrets
        self.name = str(art.get("name") or "")
        self.loc = loc
        self.url = str(loc["repo"])

    def describe(self, cause: str) -> str:
        """An error message naming the artifact, the repository and the cause."""
        return f'artifact "{self.name}": cannot check out git repository {self.url}: {cause}'

    @contextmanager
    def transport(self) -> Iterator[dict[str, Any]]:
        """Keyword arguments for dulwich's clone/fetch carrying the location's credentials."""
        options: dict[str, Any] = {}
        if self.loc.get("usernameSecret") or self.loc.get("passwordSecret"):
            if self.loc.get("usernameSecret"):
                options["username"] = secret_value(
                    self.secrets, self.loc["usernameSecret"], "usernameSecret"
                )
            options["password"] = secret_value(
                self.secrets, self.loc.get("passwordSecret"), "passwordSecret"
            )
        if self.loc.get("insecureSkipTLS"):
            from urllib3 import PoolManager

            options["pool_manager"] = PoolManager(cert_reqs="CERT_NONE")
        if not self.loc.get("sshPrivateKeySecret"):
            yield options
            return
        ssh = shutil.which("ssh")
        if ssh is None:
            raise ArtifactError(
                self.describe("sshPrivateKeySecret needs an ssh client and none is on PATH")
            )
        key = secret_value(self.secrets, self.loc["sshPrivateKeySecret"], "sshPrivateKeySecret")
        with tempfile.TemporaryDirectory() as tmp:
            key_file = os.path.join(tmp, "id")
            with open(os.open(key_file, os.O_WRONLY | os.O_CREAT, 0o600), "w") as out:
                out.write(key if key.endswith("\n") else key + "\n")
            command = [ssh, "-i", key_file, "-o", "IdentitiesOnly=yes", "-o", "BatchMode=yes"]
            if self.loc.get("insecureIgnoreHostKey"):
                command += ["-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null"]
            options["ssh_command"] = shlex.join(command)
            yield options

    def run(self, target: Path, options: dict[str, Any]) -> None:
        """Clone into `target`, fetch extra refspecs, check out the revision, update submodules."""
        from dulwich import porcelain

        depth = int(self.loc["depth"]) if self.loc.get("depth") else None
        branch = self.loc.get("branch") or None
        try:
            with open(os.devnull, "wb") as sink, warnings.catch_warnings():
                if self.loc.get("insecureSkipTLS"):
                    from urllib3.exceptions import InsecureRequestWarning

                    # Asked for in the artifact; urllib3 would warn on every request.
                    warnings.simplefilter("ignore", category=InsecureRequestWarning)
                repo = porcelain.clone(
                    self.url, str(target), checkout=True, depth=depth, branch=branch,
                    errstream=sink, **options,
                )  # fmt: skip
                with repo:
                    for refspec in self.loc.get("fetch") or []:
                        self._fetch(repo, str(refspec), depth, options, sink)
                    revision = str(self.loc.get("revision") or "")
                    if revision:
                        porcelain.checkout(repo, self._resolve(repo, revision, depth), force=True)
                    if not self.loc.get("disableSubmodules") and (target / ".gitmodules").exists():
                        porcelain.submodule_update(repo, init=True, recursive=True, errstream=sink)
        except ArtifactError:
            raise
        except Exception as err:  # dulwich reports transport, protocol and auth failures alike
            if branch and isinstance(err, ValueError) and "not a valid branch or tag" in str(err):
                # dulwich's only sign that the branch to clone does not exist
                raise ArtifactNotFound(self.describe(f'branch "{branch}" not found')) from None
            raise ArtifactError(self.describe(_cause(err))) from None

    def _fetch(
        self, repo: Repo, refspec: str, depth: int | None, options: dict[str, Any], sink: Any
    ) -> None:
        from dulwich.client import get_transport_and_path
        from dulwich.refs import Ref

        client, path = get_transport_and_path(self.url, **options)
        source, _, destination = refspec.lstrip("+").partition(":")
        result = client.fetch(path, repo, determine_wants=_wants_matching(source), depth=depth)
        for ref, sha in result.refs.items():
            name = ref.decode()
            if sha and _matches(source, name):
                repo.refs[Ref(_map_ref(source, destination or source, name).encode())] = sha

    def _resolve(self, repo: Repo, revision: str, depth: int | None) -> Commit:
        from dulwich.objectspec import parse_commit

        for candidate in (f"refs/remotes/origin/{revision}", f"refs/tags/{revision}", revision):
            try:
                return parse_commit(repo, candidate.encode())
            except (KeyError, ValueError):
                continue
        hint = " (a shallow clone: try without depth)" if depth else ""
        raise ArtifactNotFound(self.describe(f'revision "{revision}" not found{hint}'))


def _wants_matching(source: str) -> Any:
    def wants(refs: dict[bytes, bytes], depth: int | None = None) -> list[bytes]:
        return [sha for ref, sha in refs.items() if sha and _matches(source, ref.decode())]

    return wants


def _matches(pattern: str, ref: str) -> bool:
    if pattern.endswith("*"):
        return ref.startswith(pattern[:-1])
    return ref == pattern


def _map_ref(source: str, destination: str, ref: str) -> str:
    if source.endswith("*") and destination.endswith("*"):
        return destination[:-1] + ref[len(source) - 1 :]
    return destination


def _cause(err: Exception) -> str:
    text = str(err).strip() or type(err).__name__
    name = type(err).__name__
    if "Unauthorized" in name or "401" in text:
        return f"authentication failed ({text})"
    return text if name in text else f"{name}: {text}"
