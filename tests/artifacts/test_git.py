"""The Git driver against a repository the test makes, served over smart HTTP on loopback."""

from __future__ import annotations

import base64
import ssl
import threading
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import pytest
from dulwich import porcelain
from dulwich.objects import Blob, Commit, Tree
from dulwich.repo import Repo
from dulwich.server import DictBackend
from dulwich.web import make_wsgi_chain

from argoapp.artifacts import ArtifactError, ArtifactNotFound, MappingSecrets, driver_for

SECRETS = MappingSecrets(
    {("git", "user"): "bob", ("git", "pass"): "hunter2", ("git", "key"): "not a key"}
)
AUTHOR = b"Test <test@example.com>"


class QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


class ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


def commit_file(repo_dir: Path, name: str, text: str, message: str) -> str:
    (repo_dir / name).write_text(text)
    porcelain.add(str(repo_dir), [str(repo_dir / name)])
    sha = porcelain.commit(str(repo_dir), message=message.encode(), author=AUTHOR, committer=AUTHOR)
    return sha.decode()


@pytest.fixture(scope="module")
def origin(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """A repository (main: 3 commits, tag v1 on the first, branch feature) served over HTTP."""
    repo_dir = tmp_path_factory.mktemp("origin")
    porcelain.init(str(repo_dir))
    first = commit_file(repo_dir, "README", "version 1", "first")
    porcelain.tag_create(
        str(repo_dir), "v1", author=AUTHOR, message=b"v1", annotated=True, objectish=first
    )
    porcelain.branch_create(str(repo_dir), "feature", objectish=first)
    second = commit_file(repo_dir, "README", "version 2", "second")
    commit_file(repo_dir, "extra.txt", "extra", "third")
    repo = Repo(str(repo_dir))
    repo.refs[b"refs/meta/config"] = repo.refs[b"refs/tags/v1"]
    repos: dict[str, Any] = {"/public": repo, "/private": repo}
    git_app = make_wsgi_chain(DictBackend(repos))

    def app(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        if environ["PATH_INFO"].startswith("/private"):
            good = "Basic " + base64.b64encode(b"bob:hunter2").decode()
            if environ.get("HTTP_AUTHORIZATION") != good:
                start_response("401 Unauthorized", [("WWW-Authenticate", 'Basic realm="git"')])
                return [b"no"]
        return git_app(environ, start_response)

    server = make_server(
        "127.0.0.1", 0, app, server_class=ThreadingWSGIServer, handler_class=QuietHandler
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    repos["/super"] = superproject(tmp_path_factory.mktemp("super"), f"{base}/public", second)
    yield {
        "public": f"{base}/public",
        "private": f"{base}/private",
        "super": f"{base}/super",
        "path": str(repo_dir),
        "first": first,
        "second": second,
    }
    server.shutdown()
    server.server_close()
    thread.join()
    repo.close()
    repos["/super"].close()


def superproject(path: Path, sub_url: str, sub_commit: str) -> Repo:
    """A bare repository whose one commit has a file and `lib`, a submodule at sub_commit."""
    repo = Repo.init_bare(str(path))
    readme = Blob.from_string(b"super")
    modules = Blob.from_string(f'[submodule "lib"]\n\tpath = lib\n\turl = {sub_url}\n'.encode())
    tree = Tree()
    tree.add(b"README", 0o100644, readme.id)
    tree.add(b".gitmodules", 0o100644, modules.id)
    tree.add(b"lib", 0o160000, sub_commit.encode())  # a gitlink: what dulwich's add cannot make
    commit = Commit()
    commit.tree = tree.id
    commit.author = commit.committer = AUTHOR
    commit.author_time = commit.commit_time = int(time.time())
    commit.author_timezone = commit.commit_timezone = 0
    commit.message = b"with a submodule"
    for obj in (readme, modules, tree, commit):
        repo.object_store.add_object(obj)
    repo.refs[b"refs/heads/master"] = commit.id
    repo.refs.set_symbolic_ref(b"HEAD", b"refs/heads/master")
    return repo


def checkout(tmp_path: Path, **git: object) -> Path:
    art = {"name": "src", "git": git}
    dest = tmp_path / "src"
    driver_for(art, SECRETS).download(art, dest)
    return dest


def test_clone_default_branch(origin: dict[str, str], tmp_path: Path) -> None:
    dest = checkout(tmp_path, repo=origin["public"])
    assert (dest / "README").read_text() == "version 2"
    assert (dest / "extra.txt").read_text() == "extra"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["src"]


def test_revision_tag_commit_and_branch(origin: dict[str, str], tmp_path: Path) -> None:
    assert (
        checkout(tmp_path / "t", repo=origin["public"], revision="v1") / "README"
    ).read_text() == "version 1"
    by_sha = checkout(tmp_path / "c", repo=origin["public"], revision=origin["second"])
    assert (by_sha / "README").read_text() == "version 2"
    assert not (by_sha / "extra.txt").exists()
    short = checkout(tmp_path / "s", repo=origin["public"], revision=origin["second"][:8])
    assert not (short / "extra.txt").exists()
    feature = checkout(tmp_path / "b", repo=origin["public"], revision="feature")
    assert (feature / "README").read_text() == "version 1"
    single = checkout(tmp_path / "sb", repo=origin["public"], branch="feature", singleBranch=True)
    assert (single / "README").read_text() == "version 1"


def test_depth_one_is_shallow(origin: dict[str, str], tmp_path: Path) -> None:
    dest = checkout(tmp_path, repo=origin["public"], depth=1)
    assert (dest / "extra.txt").read_text() == "extra"
    assert (dest / ".git" / "shallow").exists()
    with Repo(str(dest)) as repo:
        head = repo[repo.head()]
        assert len(head.parents) == 1
        assert head.parents[0] not in repo.object_store


def test_fetch_refspecs(origin: dict[str, str], tmp_path: Path) -> None:
    dest = checkout(tmp_path, repo=origin["public"], fetch=["refs/meta/*:refs/meta/*"])
    with Repo(str(dest)) as repo:
        assert b"refs/meta/config" in repo.refs.as_dict()


def test_https_credentials(origin: dict[str, str], tmp_path: Path) -> None:
    creds = {
        "usernameSecret": {"name": "git", "key": "user"},
        "passwordSecret": {"name": "git", "key": "pass"},
    }
    dest = checkout(tmp_path / "ok", repo=origin["private"], **creds)
    assert (dest / "README").read_text() == "version 2"
    with pytest.raises(
        ArtifactError, match=r'artifact "src": cannot check out git repository .*/private'
    ):
        checkout(tmp_path / "denied", repo=origin["private"])
    assert list((tmp_path / "denied").iterdir()) == []  # no partial checkout left behind


def test_unknown_revision_and_unreachable(origin: dict[str, str], tmp_path: Path) -> None:
    with pytest.raises(ArtifactNotFound, match='revision "no-such-thing" not found'):
        checkout(tmp_path / "r", repo=origin["public"], revision="no-such-thing")
    assert list((tmp_path / "r").iterdir()) == []
    with pytest.raises(ArtifactNotFound, match='branch "no-such-branch" not found'):
        checkout(tmp_path / "b", repo=origin["public"], branch="no-such-branch")
    with pytest.raises(ArtifactError, match=r"127\.0\.0\.1:1") as unreachable:
        checkout(tmp_path / "u", repo="http://127.0.0.1:1/nothing")
    assert not isinstance(unreachable.value, ArtifactNotFound)


def test_submodules_and_disable_submodules(origin: dict[str, str], tmp_path: Path) -> None:
    dest = checkout(tmp_path / "with", repo=origin["super"])
    assert (dest / "README").read_text() == "super"
    assert (dest / "lib" / "README").read_text() == "version 2"
    bare = checkout(tmp_path / "without", repo=origin["super"], disableSubmodules=True)
    assert (bare / "README").read_text() == "super"
    assert not (bare / "lib" / "README").exists()


def test_ssh_needs_an_ssh_client(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # no ssh on PATH: the driver must say so
    with pytest.raises(ArtifactError, match="needs an ssh client and none is on PATH"):
        checkout(
            tmp_path,
            repo="ssh://git@127.0.0.1/x.git",
            sshPrivateKeySecret={"name": "git", "key": "key"},
        )


def test_insecure_skip_tls(origin: dict[str, str], tmp_path: Path) -> None:
    from argoapp.localkube import credentials  # a certificate for 127.0.0.1 from a CA nobody trusts

    pki = credentials.load_or_create(tmp_path / "pki")
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(pki.cert_path, pki.key_path)
    with Repo(origin["path"]) as repo:
        app = make_wsgi_chain(DictBackend({"/public": repo}))
        server = make_server("127.0.0.1", 0, app, ThreadingWSGIServer, QuietHandler)
        server.socket = context.wrap_socket(server.socket, server_side=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        url = f"https://127.0.0.1:{server.server_address[1]}/public"
        try:
            with pytest.raises(ArtifactError, match="CERTIFICATE_VERIFY_FAILED"):
                checkout(tmp_path / "checked", repo=url)
            dest = checkout(tmp_path / "skipped", repo=url, insecureSkipTLS=True)
            assert (dest / "README").read_text() == "version 2"
        finally:
            server.shutdown()
            server.server_close()
            thread.join()
