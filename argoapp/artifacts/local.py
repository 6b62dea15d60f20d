"""A driver for the built-in store when the caller shares its process: no HTTP, same objects.

In local mode the kubelet runs the executor roles in the process that also serves the built-in
S3 store, so an upload through minio would go out over loopback, through the server's signature
check and back into the same process. `LocalStore` is what that store offers a role thread
instead (blocking, thread-safe calls; `argoapp.server.s3store.S3Store` implements it, this
package never imports it), `LocalTarget` says which locations it serves (its endpoint and
bucket), and `LocalDriver` is the `Driver` over it: the objects it writes are the ones an S3 PUT
would have stored, and its errors read like the S3 driver's.

Credentials are still checked: the location's Secrets are read as for any S3 location (a
missing Secret or key fails the same way), and keys the store would refuse are refused here with
the error an S3 request would have got. Called by `argoapp.executor.artifact_access`; must not
import aiohttp, the server or localkube.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Protocol, TypeVar

from argoapp.artifacts.builtin import BUCKET, SECRET_NAME
from argoapp.artifacts.driver import Driver, place_under, staged_dir, staged_file
from argoapp.artifacts.errors import ArtifactError, ArtifactNotFound, Secrets, secret_value
from argoapp.errors import ArgoappError
from argoapp.model.types import Obj

CHUNK = 1024 * 1024
T = TypeVar("T")


class LocalStore(Protocol):
    """The built-in store's blocking entry points for a thread of its own process."""

    def refusal(self, access_key: str, secret_key: str) -> str | None:
        """Why a request signed with these credentials would be refused ("Code: message"), or
        None when it would be let in."""
        ...

    def exists(self, bucket: str, key: str) -> bool:
        """Whether `key` is an object (not only a prefix) in `bucket`."""
        ...

    def put_file(self, bucket: str, key: str, path: Path) -> None:
        """Store the file's bytes as the object, as a PutObject would."""
        ...

    def open_object(self, bucket: str, key: str) -> BinaryIO | None:
        """A reader of the object's bytes (None when there is no such key)."""
        ...

    def list_keys(self, bucket: str, prefix: str) -> list[str]:
        """Every object key under `prefix`, in S3's order."""
        ...

    def delete_keys(self, bucket: str, keys: list[str]) -> None:
        """Delete the objects; keys already gone are fine."""
        ...


@dataclass(frozen=True)
class LocalTarget:
    """The store a process shares, and the S3 location pods are given for it."""

    store: LocalStore
    endpoint: str  # host:port, as in the repository's `s3.endpoint`
    bucket: str

    def serves(self, art: Obj) -> bool:
        """Whether `art` is an s3 location in this store: same endpoint and bucket, or the
        built-in store's bucket and Secret at an address an earlier run gave its pods (a pod
        created before `argoapp up` came back on another port)."""
        loc = art.get("s3")
        if not isinstance(loc, dict) or loc.get("bucket") != self.bucket:
            return False
        if _endpoint(loc) == _endpoint({"endpoint": self.endpoint}):
            return True
        return self.bucket == BUCKET and (loc.get("accessKeySecret") or {}).get("name") == (
            SECRET_NAME
        )


class LocalDriver(Driver):
    """Artifacts in the built-in store, reached through its in-process entry points."""

    kind = "s3"

    def __init__(self, secrets: Secrets, target: LocalTarget) -> None:
        super().__init__(secrets)
        self.store = target.store

    def download(self, art: Obj, dest: Path) -> None:
        """Fetch one object to a file, or every object under `key/` to a directory."""
        op = _Op(self, art, "download")
        op.require_key()
        if not op.key.endswith("/") and op.fetch_to(op.key, None, dest):
            return
        keys = op.keys_under()
        if not keys:
            raise ArtifactNotFound(op.describe("no such key"))
        with staged_dir(dest) as tmp:
            for rel in keys:
                target = place_under(tmp, rel, op.describe)
                if not op.fetch_to(op.prefix + rel, target, None):
                    raise ArtifactNotFound(op.describe(f"{rel} was deleted while downloading"))

    def upload(self, src: Path, art: Obj) -> None:
        """Store a file at the key, or every file under a directory at `key/<relative path>`."""
        op = _Op(self, art, "upload")
        op.require_key()
        if not src.is_dir():
            op.guard(lambda: self.store.put_file(op.bucket, op.key, src))
            return
        done: list[str] = []
        try:
            # Symbolic links are left out, as Argo leaves them out of directory uploads.
            files = (p for p in src.rglob("*") if p.is_file() and not p.is_symlink())
            for path in sorted(files):
                key = op.prefix + path.relative_to(src).as_posix()
                op.guard(lambda: self.store.put_file(op.bucket, key, path))  # noqa: B023
                done.append(key)
        except BaseException:
            # A directory is not one object: take back what was stored, as the S3 driver does.
            try:
                self.store.delete_keys(op.bucket, done)
            except Exception:  # the upload's own error is the one to report
                pass
            raise

    def open(self, art: Obj) -> AbstractContextManager[BinaryIO]:
        """A streaming reader of the artifact's object."""
        return self._reader(art)

    @contextmanager
    def _reader(self, art: Obj) -> Iterator[BinaryIO]:
        op = _Op(self, art, "read")
        op.require_key()
        reader = op.guard(lambda: self.store.open_object(op.bucket, op.key))
        if reader is None:
            raise ArtifactNotFound(op.describe("no such key"))
        with reader:
            yield reader

    def is_directory(self, art: Obj) -> bool:
        """Whether the key ends in "/" or has objects under `key/` (and is no object itself)."""
        op = _Op(self, art, "inspect")
        if op.key.endswith("/") or not op.key:
            return True
        return not op.guard(lambda: self.store.exists(op.bucket, op.key)) and bool(op.keys_under())

    def list(self, art: Obj) -> list[str]:
        """Keys under `key/`, relative to it."""
        return _Op(self, art, "list").keys_under()

    def delete(self, art: Obj) -> None:
        """Delete the object and everything under `key/`; a key already gone is fine."""
        op = _Op(self, art, "delete")
        op.require_key()
        keys = [op.prefix + rel for rel in op.keys_under()]
        if op.key and not op.key.endswith("/"):
            keys.append(op.key)
        op.guard(lambda: self.store.delete_keys(op.bucket, keys))


class _Op:
    """One operation on one artifact: bucket, key, credentials checked, errors worded for it."""

    def __init__(self, driver: LocalDriver, art: Obj, action: str) -> None:
        loc = art.get("s3")
        if not isinstance(loc, dict):
            raise ArtifactError(f'artifact "{art.get("name", "")}" is not an s3 artifact')
        self.store = driver.store
        self.art = art
        self.action = action
        self.bucket = str(loc.get("bucket") or "")
        self.key = str(loc.get("key") or "").lstrip("/")
        self.prefix = self.key if not self.key or self.key.endswith("/") else self.key + "/"
        if not loc.get("accessKeySecret") and not loc.get("secretKeySecret"):
            raise ArtifactError(self.describe("no credentials: set accessKeySecret and "
                                              "secretKeySecret"))  # fmt: skip
        access = secret_value(driver.secrets, loc.get("accessKeySecret"), "accessKeySecret")
        secret = secret_value(driver.secrets, loc.get("secretKeySecret"), "secretKeySecret")
        refused = self.store.refusal(access, secret)
        if refused is not None:
            raise ArtifactError(self.describe(f"access denied ({refused})"))

    def describe(self, cause: str) -> str:
        """An error message naming the artifact, its bucket and key, and the cause."""
        name = self.art.get("name", "")
        return f'artifact "{name}": cannot {self.action} s3://{self.bucket}/{self.key}: {cause}'

    def require_key(self) -> None:
        """Refuse to act on a whole bucket: only listing may take an empty key."""
        if not self.key.strip("/"):
            raise ArtifactError(self.describe("the location has no key"))

    def guard(self, call: Callable[[], T]) -> T:
        """`call()`, with the store's or the disk's failure as an ArtifactError naming it."""
        try:
            return call()
        except ArtifactError:
            raise
        except (ArgoappError, OSError, ValueError, RuntimeError) as err:
            raise ArtifactError(self.describe(str(err) or type(err).__name__)) from None

    def keys_under(self) -> list[str]:
        """Object keys under the prefix, relative to it, excluding directory markers."""
        keys = self.guard(lambda: self.store.list_keys(self.bucket, self.prefix))
        rels = (k[len(self.prefix) :] for k in keys)
        return [rel for rel in rels if rel and not rel.endswith("/")]

    def fetch_to(self, key: str, target: Path | None, staged: Path | None) -> bool:
        """Copy one object into `target` (or into a temp file renamed onto `staged`); False
        when there is no such object."""
        reader = self.guard(lambda: self.store.open_object(self.bucket, key))
        if reader is None:
            return False
        with reader:
            if staged is not None:
                with staged_file(staged) as tmp:
                    self.guard(lambda: _copy(reader, tmp))
            elif target is not None:
                self.guard(lambda: _copy(reader, target))
        return True


def _copy(reader: BinaryIO, target: Path) -> None:
    with target.open("wb") as out:
        shutil.copyfileobj(reader, out, CHUNK)


def _endpoint(loc: Obj) -> str:
    endpoint = str(loc.get("endpoint") or "")
    for scheme in ("https://", "http://"):
        endpoint = endpoint.removeprefix(scheme)
    return endpoint.rstrip("/")
