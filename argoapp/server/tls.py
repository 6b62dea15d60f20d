"""TLS for the Argo API port: a certificate from flags, or a self-signed one made at start.

`server_context` is what `runtime` calls with the `--secure`, `--tls-cert` and `--tls-key`
flags: no TLS when secure is off and no certificate is given; the given certificate and key
when both are; otherwise (secure, no certificate) a self-signed certificate for this host,
generated with `cryptography` on first use and kept in `DATA_DIR/tls/` (mode 0600), so clients
that pinned it keep working across restarts. Problems are `ConfigError`s naming the file.
`cryptography` is imported only when a certificate must be made: the CLI must not pay for it.
"""

from __future__ import annotations

import datetime
import ipaddress
import os
import socket
import ssl
from collections.abc import Sequence
from pathlib import Path

from argoapp.errors import ConfigError

CERT_FILE, KEY_FILE, NAMES_FILE = "argoapp.crt", "argoapp.key", "names"
VALID_DAYS = 3650


def server_context(
    *,
    secure: bool,
    cert: Path | None,
    key: Path | None,
    data_dir: Path,
    address: str = "",
    hosts: Sequence[str] = (),
) -> ssl.SSLContext | None:
    """The TLS context to serve with, or None for plain HTTP. `hosts`: more names a
    self-signed certificate must cover (the built-in artifact store's endpoint host)."""
    pair = certificate(
        secure=secure, cert=cert, key=key, data_dir=data_dir, address=address, hosts=hosts
    )
    if pair is None:
        return None
    cert, key = pair
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    try:
        context.load_cert_chain(cert, key)
    except (OSError, ssl.SSLError) as e:
        raise ConfigError(f"cannot load the TLS certificate {cert} with key {key}: {e}") from None
    return context


def certificate(
    *,
    secure: bool,
    cert: Path | None,
    key: Path | None,
    data_dir: Path,
    address: str = "",
    hosts: Sequence[str] = (),
) -> tuple[Path, Path] | None:
    """The certificate and key files to serve with (None: plain HTTP)."""
    if (cert is None) != (key is None):
        raise ConfigError("--tls-cert and --tls-key must be given together")
    if cert is not None and key is not None:
        return cert, key
    if not secure:
        return None
    return self_signed(data_dir / "tls", address, hosts)


def self_signed(directory: Path, address: str = "", hosts: Sequence[str] = ()) -> tuple[Path, Path]:
    """The kept self-signed certificate and key in `directory`, made when missing or when the
    names it must cover changed (a new artifact endpoint host)."""
    cert, key = directory / CERT_FILE, directory / KEY_FILE
    names = _names(address, hosts)
    names_file = directory / NAMES_FILE
    if cert.exists() and key.exists() and _kept_names(names_file) in (None, names):
        return cert, key
    try:
        directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        cert_pem, key_pem = _make_certificate(names)
        _write_private(key, key_pem)
        _write_private(cert, cert_pem)
        _write_private(names_file, "\n".join(names).encode())
    except OSError as e:
        raise ConfigError(f"cannot write a TLS certificate in {directory}: {e.strerror}") from None
    return cert, key


def _kept_names(path: Path) -> list[str] | None:
    """The names a kept certificate was made for (None: made before they were recorded)."""
    try:
        return path.read_text().splitlines()
    except OSError:
        return None


def _names(address: str, hosts: Sequence[str] = ()) -> list[str]:
    """The DNS names and IPs the certificate is for: this host, loopback, the bind address and
    `hosts`."""
    names = ["localhost", "127.0.0.1", "::1", socket.gethostname()]
    for name in (address, *hosts):
        if name and name not in ("0.0.0.0", "::") and name not in names:
            names.append(name)
    return names


def _make_certificate(names: list[str]) -> tuple[bytes, bytes]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    now = datetime.datetime.now(datetime.UTC)
    private = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "argoapp")])
    alt: list[x509.GeneralName] = []
    for name in names:
        try:
            alt.append(x509.IPAddress(ipaddress.ip_address(name)))
        except ValueError:
            alt.append(x509.DNSName(name))
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(private.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(days=VALID_DAYS))
        .add_extension(x509.SubjectAlternativeName(alt), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .sign(private, hashes.SHA256())
    )
    pem = serialization.Encoding.PEM
    key_pem = private.private_bytes(
        pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return cert.public_bytes(pem), key_pem


def _write_private(path: Path, data: bytes) -> None:
    partial = path.with_name(path.name + ".partial")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    os.replace(partial, path)
