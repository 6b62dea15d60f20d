"""argoapp's own S3 endpoint, described for those who point workflows at it.

The server speaks enough of the S3 API for artifact work (`argoapp.server.s3store`); this module
is only its description, shared by the runtime (which creates the credentials), the controller
(which makes it the default artifact repository and puts its credentials in a Secret in each
workflow's namespace) and the server. It holds no state and does no I/O.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass

from argoapp.model.types import Obj

BUCKET = "argoapp"
SECRET_NAME = "argoapp-artifacts"
ACCESS_KEY = "accesskey"
SECRET_KEY = "secretkey"
CA_KEY = "ca.crt"


@dataclass(frozen=True)
class BuiltinStore:
    """Where the built-in store answers and the credentials it accepts."""

    endpoint: str  # host:port as pods reach it
    access_key: str
    secret_key: str
    ca_pem: str = ""  # the server's certificate when it serves TLS; "" for plain HTTP

    def repository(self) -> Obj:
        """The default ArtifactRepository, in the controller config's shape."""
        s3: Obj = {
            "endpoint": self.endpoint,
            "bucket": BUCKET,
            "insecure": not self.ca_pem,
            "accessKeySecret": {"name": SECRET_NAME, "key": ACCESS_KEY},
            "secretKeySecret": {"name": SECRET_NAME, "key": SECRET_KEY},
        }
        if self.ca_pem:
            s3["caSecret"] = {"name": SECRET_NAME, "key": CA_KEY}
        return {"archiveLogs": True, "s3": s3}

    def rebase(self, repository: Obj) -> Obj:
        """`repository` (a workflow's resolved one, or a location) pointed at this store as it
        answers now, when it names the built-in store of an earlier run (its bucket and its
        Secret) at another endpoint: `argoapp up` restarted on another `--port`, a server that
        moved. Anything else comes back as it is."""
        s3 = repository.get("s3")
        if not isinstance(s3, dict) or s3.get("bucket") != BUCKET:
            return repository
        if (s3.get("accessKeySecret") or {}).get("name") != SECRET_NAME:
            return repository
        now = self.repository()["s3"]
        moved = {k: now[k] for k in ("endpoint", "insecure", "caSecret") if k in now}
        if all(s3.get(k) == v for k, v in moved.items()) and ("caSecret" in now) == (
            "caSecret" in s3
        ):
            return repository
        rebased = {k: v for k, v in s3.items() if k != "caSecret"}
        return {**repository, "s3": {**rebased, **moved}}

    def secret(self, namespace: str) -> Obj:
        """The Secret holding the credentials, for one namespace."""
        data = {ACCESS_KEY: self.access_key, SECRET_KEY: self.secret_key}
        if self.ca_pem:
            data[CA_KEY] = self.ca_pem
        return {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {
                "name": SECRET_NAME,
                "namespace": namespace,
                "labels": {"app.kubernetes.io/managed-by": "argoapp"},
            },
            "type": "Opaque",
            "data": {k: base64.b64encode(v.encode()).decode() for k, v in data.items()},
        }
