"""localkube's credentials: a bearer token and a TLS CA with a serving certificate.

Made on first start in the data dir and kept there (mode 0600), so kubeconfigs, pods and
clients stay valid across restarts. `write_kubeconfig` gives kubectl and kubernetes-asyncio
what they need to reach localkube with no flags.
"""

from __future__ import annotations

import base64
import datetime
import ipaddress
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

import yaml


@dataclass(frozen=True)
class Credentials:
    token: str
    ca_pem: bytes
    cert_path: Path
    key_path: Path

    @property
    def ca_path(self) -> Path:
        return self.cert_path.with_name("ca.crt")


def _write_private(path: Path, data: bytes) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    os.replace(tmp, path)


def load_or_create(data_dir: Path) -> Credentials:
    """The data dir's token and certificates, made on first use."""
    pki = data_dir / "pki"
    pki.mkdir(parents=True, exist_ok=True, mode=0o700)
    token_file = data_dir / "kube-token"
    if not token_file.exists():
        _write_private(token_file, secrets.token_urlsafe(32).encode())
    cert, key, ca = pki / "server.crt", pki / "server.key", pki / "ca.crt"
    if not (cert.exists() and key.exists() and ca.exists()):
        _make_pki(ca, cert, key)
    return Credentials(token_file.read_text().strip(), ca.read_bytes(), cert, key)


def _make_pki(ca_path: Path, cert_path: Path, key_path: Path) -> None:
    # cryptography is imported here only: the CLI's start-up path must not pay for it.
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    now = datetime.datetime.now(datetime.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localkube-ca")])
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False),
            critical=True,
        )
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    names = [
        x509.DNSName("localhost"),
        x509.DNSName("localkube"),
        x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
        x509.IPAddress(ipaddress.ip_address("::1")),
    ]
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localkube")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(days=3650))
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .add_extension(
            x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    pem = serialization.Encoding.PEM
    _write_private(
        key_path,
        key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()),
    )
    _write_private(cert_path, cert.public_bytes(pem))
    _write_private(ca_path, ca_cert.public_bytes(pem))


def write_kubeconfig(path: Path, server: str, creds: Credentials) -> None:
    """A kubeconfig (mode 0600) whose current context is this localkube."""
    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [
            {
                "name": "localkube",
                "cluster": {
                    "server": server,
                    "certificate-authority-data": base64.b64encode(creds.ca_pem).decode(),
                },
            }
        ],
        "users": [{"name": "localkube", "user": {"token": creds.token}}],
        "contexts": [
            {
                "name": "localkube",
                "context": {"cluster": "localkube", "user": "localkube", "namespace": "default"},
            }
        ],
        "current-context": "localkube",
        "preferences": {},
    }
    _write_private(path, yaml.safe_dump(config, sort_keys=False).encode())
