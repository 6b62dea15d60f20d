"""The S3 driver: any S3-compatible store (AWS, MinIO, argoapp's built-in store) through `minio`.

Credentials come from the location's `accessKeySecret`/`secretKeySecret` (and
`sessionTokenSecret`) through `Secrets`, or else from AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY in
the environment; `useSDKCreds`' cloud identity chains are not supported. `insecure: true` speaks
plain HTTP; otherwise TLS, verified against `caSecret` when given. A key with objects under
`key/` is a directory. Uploads stream from disk (multipart past `part_size`, aborted on failure);
downloads stream to a temp sibling that is renamed into place. Errors name the artifact, the
bucket/key and the cause. Each client has bounded timeouts and a small retry budget, and
urllib3's retry warnings are kept out of the user's output.
"""

from __future__ import annotations

import io
import logging
import os
import ssl
import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, cast

from argoapp.artifacts.driver import Driver, place_under, staged_dir, staged_file
from argoapp.artifacts.errors import ArtifactError, ArtifactNotFound, Secrets, secret_value
from argoapp.model.types import Obj

if TYPE_CHECKING:
    from minio import Minio

PART_SIZE = 16 * 1024 * 1024  # multipart chunk: also what one upload holds in memory per thread
# A store that is down fails an operation within about half a minute (three connection
# attempts), not after urllib3's defaults stretch it to many minutes; a read may stall at most
# READ_TIMEOUT seconds (a large part on a slow link still fits).
CONNECT_TIMEOUT = 10.0
READ_TIMEOUT = 120.0
RETRIES = 2
CHUNK = 1024 * 1024
_NOT_FOUND = ("NoSuchKey", "NoSuchBucket", "NoSuchObject", "ResourceNotFound")
_DENIED = ("AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch", "InvalidToken")


class S3Driver(Driver):
    """Artifacts in an S3-compatible bucket."""

    kind = "s3"

    def __init__(self, secrets: Secrets, part_size: int = PART_SIZE) -> None:
        super().__init__(secrets)
        # urllib3 logs each retry as a WARNING ("Retrying ... after connection broken"), which
        # would land in `argoapp up`'s output; the failure itself reaches the user as an
        # ArtifactError naming the endpoint, so only urllib3's errors are let through.
        logging.getLogger("urllib3.connectionpool").setLevel(logging.ERROR)
        self.part_size = part_size
        # One client per endpoint and credentials, for the driver's life: minio's client is
        # thread-safe, and reusing it reuses urllib3's pooled connections (and the bucket
        # regions it has looked up) instead of paying for both on every operation.
        self._clients: dict[tuple[object, ...], Minio] = {}
        self._lock = threading.Lock()

    def client(self, loc: Obj, endpoint: str, describe: Any) -> Minio:
        """The client for the location's endpoint and credentials, made on first use."""
        settings = _settings(self.secrets, loc, describe)
        with self._lock:
            found = self._clients.get((endpoint, *settings))
        if found is not None:
            return found
        made = _client(endpoint, *settings, describe)
        with self._lock:
            return self._clients.setdefault((endpoint, *settings), made)

    def download(self, art: Obj, dest: Path) -> None:
        """Fetch one object to a file, or every object under `key/` to a directory."""
        with _S3Op(self, art, "download") as op:
            op.require_key()
            if not op.key.endswith("/") and op.object_exists():
                with staged_file(dest) as tmp:
                    op.fetch(op.key, tmp)
                return
            keys = op.keys_under()
            if not keys:
                raise ArtifactNotFound(op.describe("no such key"))
            with staged_dir(dest) as tmp:
                for rel in keys:
                    op.fetch(op.prefix + rel, place_under(tmp, rel, op.describe))

    def upload(self, src: Path, art: Obj) -> None:
        """Store a file at the key, or every file under a directory at `key/<relative path>`."""
        with _S3Op(self, art, "upload") as op:
            op.require_key()
            op.ensure_bucket()
            if not src.is_dir():
                op.put(op.key, src)
                return
            done: list[str] = []
            try:
                # Symbolic links are left out, as Argo leaves them out of directory uploads.
                files = (p for p in src.rglob("*") if p.is_file() and not p.is_symlink())
                for path in sorted(files):
                    key = op.prefix + path.relative_to(src).as_posix()
                    op.put(key, path)
                    done.append(key)
            except BaseException:
                # A directory is not an atomic object: take back what was stored so a reader
                # never finds a partial directory that looks complete.
                op.remove_quietly(done)
                raise

    def open(self, art: Obj) -> AbstractContextManager[BinaryIO]:
        """A streaming reader of the artifact's object."""
        return self._reader(art)

    @contextmanager
    def _reader(self, art: Obj) -> Iterator[BinaryIO]:
        with _S3Op(self, art, "read") as op:
            op.require_key()
            response = op.client.get_object(op.bucket, op.key)
        try:
            yield cast(BinaryIO, _Stream(response, op))
        finally:
            response.close()
            response.release_conn()

    def is_directory(self, art: Obj) -> bool:
        """Whether the key ends in "/" or has objects under `key/` (and is no object itself)."""
        with _S3Op(self, art, "inspect") as op:
            if op.key.endswith("/") or not op.key:
                return True
            return not op.object_exists() and bool(op.keys_under(limit=1))

    def list(self, art: Obj) -> list[str]:
        """Keys under `key/`, relative to it: none for a plain object or a key already gone."""
        with _S3Op(self, art, "list") as op:
            return op.keys_under()

    def delete(self, art: Obj) -> None:
        """Delete the object and everything under `key/`; a key already gone is fine."""
        with _S3Op(self, art, "delete") as op:
            op.require_key()  # an empty key would mean the whole bucket
            keys = [op.prefix + rel for rel in op.keys_under()]
            if op.key and not op.key.endswith("/"):
                keys.append(op.key)
            op.remove(keys)


class _Stream(io.RawIOBase):
    """An object's body as a file, with a connection lost mid-way reported as an ArtifactError."""

    def __init__(self, response: Any, op: _S3Op) -> None:
        super().__init__()
        self._response = response
        self._op = op

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        try:
            data = self._response.read(len(buffer))
        except Exception as err:
            translated = self._op.translate(err)
            if translated is None:
                raise
            raise translated from None
        buffer[: len(data)] = data
        return len(data)


class _S3Op:
    """One operation on one artifact: its client, bucket and key, and errors worded for it."""

    def __init__(self, driver: S3Driver, art: Obj, action: str) -> None:
        loc = art.get("s3")
        if not isinstance(loc, dict):
            raise ArtifactError(f'artifact "{art.get("name", "")}" is not an s3 artifact')
        self.driver = driver
        self.art = art
        self.loc: Obj = loc
        self.action = action
        self.endpoint = _endpoint(loc)
        self.bucket = str(loc.get("bucket") or "")
        self.key = str(loc.get("key") or "").lstrip("/")
        self.prefix = self.key if not self.key or self.key.endswith("/") else self.key + "/"
        if not self.endpoint or not self.bucket:
            raise ArtifactError(self.describe("the location needs an endpoint and a bucket"))
        self.client = driver.client(loc, self.endpoint, self.describe)

    def require_key(self) -> None:
        """Refuse to act on a whole bucket: only listing may take an empty key."""
        if not self.key.strip("/"):
            raise ArtifactError(self.describe("the location has no key"))

    def describe(self, cause: str) -> str:
        """An error message naming the artifact, its bucket and key, and the cause."""
        name = self.art.get("name", "")
        return f'artifact "{name}": cannot {self.action} s3://{self.bucket}/{self.key}: {cause}'

    def __enter__(self) -> _S3Op:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, err: BaseException | None, tb: Any
    ) -> None:
        if err is not None and not isinstance(err, ArtifactError):
            translated = self.translate(err)
            if translated is not None:
                raise translated from None

    def translate(self, err: BaseException) -> ArtifactError | None:
        """The ArtifactError for a client or network failure, or None to let it through."""
        from minio.error import MinioException, S3Error
        from urllib3.exceptions import HTTPError as Urllib3Error
        from urllib3.exceptions import SSLError

        if isinstance(err, S3Error):
            if err.code == "NoSuchBucket":
                # A missing bucket is a broken repository, not an absent artifact: it fails
                # even an optional input.
                return ArtifactError(self.describe("no such bucket"))
            if err.code in _NOT_FOUND:
                return ArtifactNotFound(self.describe("no such key"))
            if err.code in _DENIED:
                return ArtifactError(self.describe(f"access denied ({err.code}: {err.message})"))
            return ArtifactError(self.describe(f"{err.code}: {err.message}"))
        if isinstance(err, Urllib3Error | ConnectionError | ssl.SSLError):
            reason = getattr(err, "reason", None) or err
            if isinstance(err, SSLError) or isinstance(reason, SSLError | ssl.SSLError):
                return ArtifactError(
                    self.describe(
                        f"TLS with S3 endpoint {self.endpoint} failed ({reason}); "
                        "caSecret names the CA to trust, insecure: true speaks plain HTTP"
                    )
                )
            return ArtifactError(
                self.describe(f"cannot reach S3 endpoint {self.endpoint} ({reason})")
            )
        if isinstance(err, MinioException | ValueError | OSError):
            return ArtifactError(self.describe(str(err) or type(err).__name__))
        return None

    def object_exists(self) -> bool:
        """Whether the key is an object (not only a prefix)."""
        from minio.error import S3Error

        try:
            self.client.stat_object(self.bucket, self.key)
        except S3Error as err:
            if err.code in _NOT_FOUND:
                return False
            raise
        return True

    def keys_under(self, limit: int = 0) -> list[str]:
        """Object keys under the prefix, relative to it, excluding directory markers."""
        keys: list[str] = []
        for obj in self.client.list_objects(self.bucket, prefix=self.prefix, recursive=True):
            name = str(obj.object_name or "")
            rel = name[len(self.prefix) :]
            if rel and not rel.endswith("/"):
                keys.append(rel)
                if limit and len(keys) >= limit:
                    break
        return keys

    def fetch(self, key: str, target: Path) -> None:
        """Stream one object into `target`."""
        response = self.client.get_object(self.bucket, key)
        try:
            with target.open("wb") as out:
                for chunk in response.stream(CHUNK):
                    out.write(chunk)
        finally:
            response.close()
            response.release_conn()

    def put(self, key: str, src: Path) -> None:
        """Stream one file into the bucket (multipart past the driver's part size)."""
        size = src.stat().st_size
        part = self.driver.part_size if size > self.driver.part_size else 0
        self.client.fput_object(self.bucket, key, str(src), part_size=part)

    def ensure_bucket(self) -> None:
        """Create the bucket first when the location asks for it (`createBucketIfNotPresent`)."""
        wanted = self.loc.get("createBucketIfNotPresent") is not None
        if wanted and not self.client.bucket_exists(self.bucket):
            self.client.make_bucket(self.bucket, location=self.loc.get("region") or None)

    def remove(self, keys: list[str]) -> None:
        """Delete keys in batches; S3 reports no error for keys already gone."""
        from minio.deleteobjects import DeleteObject

        errors = list(self.client.remove_objects(self.bucket, (DeleteObject(k) for k in keys)))
        failed = [e for e in errors if e.code not in _NOT_FOUND]
        if failed:
            raise ArtifactError(self.describe(f"{failed[0].code}: {failed[0].message}"))

    def remove_quietly(self, keys: list[str]) -> None:
        """Best-effort cleanup after a failure; the original error is what gets reported."""
        try:
            self.remove(keys)
        except Exception:  # the upload's own error is the one to report
            pass


def _endpoint(loc: Obj) -> str:
    endpoint = str(loc.get("endpoint") or "")
    for scheme in ("https://", "http://"):
        if endpoint.startswith(scheme):
            endpoint = endpoint[len(scheme) :]
    return endpoint.rstrip("/")


_Settings = tuple[str, str, str | None, bool, str | None, str | None]


def _settings(secrets: Secrets, loc: Obj, describe: Any) -> _Settings:
    """What a client depends on: credentials, TLS (and the CA it trusts) and the region."""
    access, secret, token = _credentials(secrets, loc, describe)
    secure = not loc.get("insecure", False)
    if str(loc.get("endpoint") or "").startswith("http://"):
        secure = False
    cadata = None
    if secure and loc.get("caSecret"):
        cadata = secret_value(secrets, loc["caSecret"], "caSecret")
    return access, secret, token, secure, cadata, loc.get("region") or None


def _client(
    endpoint: str,
    access: str,
    secret: str,
    token: str | None,
    secure: bool,
    cadata: str | None,
    region: str | None,
    describe: Any,
) -> Minio:
    from minio import Minio
    from urllib3 import PoolManager, Retry, Timeout

    pool_args: dict[str, Any] = {
        "timeout": Timeout(connect=CONNECT_TIMEOUT, read=READ_TIMEOUT),
        "retries": Retry(total=RETRIES, backoff_factor=0.5, status_forcelist=[500, 502, 503, 504]),
        "maxsize": 10,
    }
    if secure:
        try:
            pool_args["ssl_context"] = ssl.create_default_context(cadata=cadata)
        except (ssl.SSLError, ValueError) as err:
            raise ArtifactError(
                describe(f"caSecret is not a usable CA certificate ({err})")
            ) from None
    return Minio(
        endpoint,
        access_key=access,
        secret_key=secret,
        session_token=token,
        secure=secure,
        region=region,
        http_client=PoolManager(**pool_args),
    )


def _credentials(secrets: Secrets, loc: Obj, describe: Any) -> tuple[str, str, str | None]:
    if loc.get("accessKeySecret") or loc.get("secretKeySecret"):
        access = secret_value(secrets, loc.get("accessKeySecret"), "accessKeySecret")
        secret = secret_value(secrets, loc.get("secretKeySecret"), "secretKeySecret")
        token = None
        if loc.get("sessionTokenSecret"):
            token = secret_value(secrets, loc["sessionTokenSecret"], "sessionTokenSecret")
        return access, secret, token
    access = os.environ.get("AWS_ACCESS_KEY_ID", "")
    secret = os.environ.get("AWS_SECRET_ACCESS_KEY", "")
    if access and secret:
        return access, secret, os.environ.get("AWS_SESSION_TOKEN") or None
    sdk = " (useSDKCreds is not supported)" if loc.get("useSDKCreds") else ""
    raise ArtifactError(
        describe(
            "no credentials: set accessKeySecret and secretKeySecret, or AWS_ACCESS_KEY_ID and "
            f"AWS_SECRET_ACCESS_KEY in the environment{sdk}"
        )
    )
