"""The HTTP driver's `clientCert` auth against an HTTPS server that requires a client certificate.

The server's CA is trusted through SSL_CERT_FILE, as a pod would trust a private CA.
"""

from __future__ import annotations

import datetime
import ipaddress
import ssl
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from argoapp.artifacts import ArtifactError, MappingSecrets, driver_for


class Handler(BaseHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        body = b"for certified clients"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def issue(
    ca: tuple[x509.Certificate, ec.EllipticCurvePrivateKey] | None, name: str, usage: object
) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(ca[0].subject if ca else subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(days=1))
    )
    if ca is None:
        builder = builder.add_extension(
            x509.BasicConstraints(ca=True, path_length=0), critical=True
        )
    else:
        builder = builder.add_extension(x509.ExtendedKeyUsage([usage]), critical=False)  # type: ignore[list-item]
        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
    return builder.sign(ca[1] if ca else key, hashes.SHA256()), key


def pem(cert: x509.Certificate, key: ec.EllipticCurvePrivateKey) -> tuple[str, str]:
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return cert.public_bytes(serialization.Encoding.PEM).decode(), key_pem.decode()


@pytest.fixture
def server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[str, MappingSecrets]]:
    ca = issue(None, "test-ca", None)
    ca_pem, _ = pem(*ca)
    server_cert, server_key = pem(*issue(ca, "server", ExtendedKeyUsageOID.SERVER_AUTH))
    client_cert, client_key = pem(*issue(ca, "client", ExtendedKeyUsageOID.CLIENT_AUTH))
    (tmp_path / "ca.crt").write_text(ca_pem)
    (tmp_path / "server.crt").write_text(server_cert)
    (tmp_path / "server.key").write_text(server_key)
    monkeypatch.setenv("SSL_CERT_FILE", str(tmp_path / "ca.crt"))
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH, cadata=ca_pem)
    context.verify_mode = ssl.CERT_REQUIRED
    context.load_cert_chain(tmp_path / "server.crt", tmp_path / "server.key")
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    secrets = MappingSecrets({("tls", "crt"): client_cert, ("tls", "key"): client_key})
    yield f"https://127.0.0.1:{httpd.server_address[1]}/file", secrets
    httpd.shutdown()
    httpd.server_close()
    thread.join()


def test_client_certificate(server: tuple[str, MappingSecrets], tmp_path: Path) -> None:
    url, secrets = server
    cert = {
        "clientCertSecret": {"name": "tls", "key": "crt"},
        "clientKeySecret": {"name": "tls", "key": "key"},
    }
    art = {"name": "c", "http": {"url": url, "auth": {"clientCert": cert}}}
    driver_for(art, secrets).download(art, tmp_path / "got")
    assert (tmp_path / "got").read_bytes() == b"for certified clients"
    bare = {"name": "c", "http": {"url": url}}
    with pytest.raises(ArtifactError, match='artifact "c": cannot download'):
        driver_for(bare, secrets).download(bare, tmp_path / "refused")
    assert not (tmp_path / "refused").exists()
