"""A real identity provider's JWKS endpoint for tests: HTTP(S) on a loopback port.

Tests change what it serves (a key set, garbage, an error status, a delay, a
redirect, a body that never ends) while Tessera runs, and read how many times
it was asked and how many bytes it got to send. ``tls_files`` makes a CA and a
certificate for 127.0.0.1 it signed, for HTTPS.
"""

from __future__ import annotations

import datetime
import ipaddress
import json
import ssl
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

#: What an endless body is sent in.
CHUNK = b" " * 65536


class JwksEndpoint:
    """What ``GET /jwks.json`` answers; every attribute may change mid-test."""

    def __init__(self, keys: list[dict[str, Any]]) -> None:
        self.body: bytes = b""
        self.status = 200
        self.delay = 0.0
        self.cache_control: str | None = None
        #: Answer 302 to this URL instead of serving.
        self.redirect: str | None = None
        #: Stream a chunked body that never ends (until the client hangs up).
        self.endless = False
        self.hits = 0
        #: Bytes of body written to clients so far.
        self.sent = 0
        #: Set when a response has been written (or the client went away mid-body).
        self.done = threading.Event()
        self.url = ""
        self.serve(keys)

    def serve(self, keys: list[dict[str, Any]]) -> None:
        """Publish this JWK Set (a key rotation, when it differs from the last)."""
        self.body = json.dumps({"keys": keys}).encode()
        self.status = 200


@dataclass(frozen=True)
class TlsFiles:
    """PEM files: a CA, and a certificate for 127.0.0.1 it signed with its key."""

    ca: Path
    certificate: Path
    key: Path


def tls_files(directory: Path) -> TlsFiles:
    """A fresh CA and a server certificate for ``127.0.0.1`` in ``directory``."""
    start = datetime.datetime.now(datetime.UTC) - datetime.timedelta(hours=1)
    end = start + datetime.timedelta(days=1)
    ca_key, server_key = (
        ec.generate_private_key(ec.SECP256R1()),
        ec.generate_private_key(ec.SECP256R1()),
    )
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Tessera test CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(end)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    server = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
        .issuer_name(ca_name)
        .public_key(server_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(end)
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    files = TlsFiles(directory / "ca.pem", directory / "server.pem", directory / "server.key")
    files.ca.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    files.certificate.write_bytes(server.public_bytes(serialization.Encoding.PEM))
    files.key.write_bytes(
        server_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return files


@contextmanager
def jwks_endpoint(
    keys: list[dict[str, Any]], tls: TlsFiles | None = None
) -> Iterator[JwksEndpoint]:
    """A running endpoint at ``endpoint.url`` (HTTPS with ``tls``); stopped on exit."""
    endpoint = JwksEndpoint(keys)

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            endpoint.hits += 1
            if endpoint.delay:
                time.sleep(endpoint.delay)
            try:
                self._answer()
            except OSError:  # the client gave up (timeout tests) or hung up (size caps)
                pass
            finally:
                endpoint.done.set()

        def _answer(self) -> None:
            if endpoint.redirect is not None:
                self.send_response(302)
                self.send_header("Location", endpoint.redirect)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_response(endpoint.status)
            self.send_header("Content-Type", "application/json")
            if endpoint.cache_control is not None:
                self.send_header("Cache-Control", endpoint.cache_control)
            if endpoint.endless:
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                self.wfile.write(b"%x\r\n%s\r\n" % (len(b"{"), b"{"))
                while True:
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(CHUNK), CHUNK))
                    endpoint.sent += len(CHUNK)
            self.send_header("Content-Length", str(len(endpoint.body)))
            self.end_headers()
            self.wfile.write(endpoint.body)
            endpoint.sent += len(endpoint.body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    scheme = "http"
    if tls is not None:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(tls.certificate, tls.key)
        server.socket = context.wrap_socket(server.socket, server_side=True)
        scheme = "https"
    endpoint.url = f"{scheme}://127.0.0.1:{server.server_address[1]}/jwks.json"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield endpoint
    finally:
        server.shutdown()
        server.server_close()
