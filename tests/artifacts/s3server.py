"""A real S3-compatible server for tests: moto's standalone server in a subprocess on loopback.

Request authentication is on (moto checks SigV4 signatures and access keys once its first few
unauthenticated calls are spent creating the test's IAM user), so wrong credentials are refused
as a real store refuses them. Other test packages may import `MotoS3` and `start_moto`.
"""

from __future__ import annotations

import os
import socket
import ssl
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from argoapp.artifacts import MappingSecrets
from argoapp.model.types import Obj

SECRET = "s3-creds"
BUCKET = "artifacts"
_POLICY = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}'


@dataclass(frozen=True)
class MotoS3:
    """A running moto server with one bucket and the credentials of a user allowed everything."""

    endpoint: str  # host:port
    access_key: str
    secret_key: str
    bucket: str = BUCKET
    ca_pem: str = ""  # the CA of the server's certificate when it serves TLS

    def secrets(self) -> MappingSecrets:
        """Dict-backed Secrets holding this server's credentials (and CA) under SECRET."""
        values = {(SECRET, "accesskey"): self.access_key, (SECRET, "secretkey"): self.secret_key}
        if self.ca_pem:
            values[(SECRET, "ca.crt")] = self.ca_pem
        return MappingSecrets(values)

    def location(self, key: str, **extra: object) -> Obj:
        """A full s3 location for `key` in the bucket."""
        loc: Obj = {
            "endpoint": self.endpoint,
            "bucket": self.bucket,
            "insecure": not self.ca_pem,
            "region": "us-east-1",
            "accessKeySecret": {"name": SECRET, "key": "accesskey"},
            "secretKeySecret": {"name": SECRET, "key": "secretkey"},
            "key": key,
        }
        if self.ca_pem:
            loc["caSecret"] = {"name": SECRET, "key": "ca.crt"}
        loc.update(extra)
        return {"s3": loc}


def free_port() -> int:
    """A port nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def start_moto(tmp: Path, tls: bool = False) -> Iterator[MotoS3]:
    """Run moto_server on loopback with auth on (and TLS under a CA of its own when asked);
    yield it with a bucket made; stop it after."""
    import boto3  # test-only: creates the IAM user moto checks requests against

    from argoapp.localkube import credentials  # a CA and a certificate for 127.0.0.1

    port = free_port()
    env = dict(os.environ, INITIAL_NO_AUTH_ACTION_COUNT="3")
    command = [
        str(Path(sys.executable).with_name("moto_server")),
        "-H",
        "127.0.0.1",
        "-p",
        str(port),
    ]
    ca_pem, verify = "", ""
    if tls:
        pki = credentials.load_or_create(tmp)
        command += ["-c", str(pki.cert_path), "-k", str(pki.key_path)]
        ca_pem = pki.ca_pem.decode()
        verify = str(tmp / "ca.crt")
        Path(verify).write_text(ca_pem)
    log = (tmp / "moto.log").open("wb")
    proc = subprocess.Popen(command, env=env, stdout=log, stderr=log)
    url = f"{'https' if tls else 'http'}://127.0.0.1:{port}"
    boto_args = {
        "endpoint_url": url,
        "region_name": "us-east-1",
        "verify": verify or True,
    }
    try:
        _wait_up(url, proc, verify)
        iam = boto3.client(
            "iam", aws_access_key_id="setup", aws_secret_access_key="setup", **boto_args
        )
        iam.create_user(UserName="tester")
        key = iam.create_access_key(UserName="tester")["AccessKey"]
        iam.put_user_policy(UserName="tester", PolicyName="all", PolicyDocument=_POLICY)
        store = MotoS3(
            f"127.0.0.1:{port}", key["AccessKeyId"], key["SecretAccessKey"], ca_pem=ca_pem
        )
        s3 = boto3.client(
            "s3",
            aws_access_key_id=store.access_key,
            aws_secret_access_key=store.secret_key,
            **boto_args,
        )
        s3.create_bucket(Bucket=store.bucket)
        yield store
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        log.close()


def _wait_up(url: str, proc: subprocess.Popen[bytes], cafile: str) -> None:
    context = ssl.create_default_context(cafile=cafile) if cafile else None
    for _ in range(300):
        if proc.poll() is not None:
            raise RuntimeError(f"moto_server exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(url + "/moto-api/", timeout=1, context=context):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("moto_server did not start")
