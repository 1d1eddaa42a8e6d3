"""A real identity provider's JWKS endpoint for tests: HTTP on a loopback port.

Tests change what it serves (a key set, garbage, an error status, a delay)
while Tessera runs, and read how many times it was asked.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class JwksEndpoint:
    """What ``GET /jwks.json`` answers; every attribute may change mid-test."""

    def __init__(self, keys: list[dict[str, Any]]) -> None:
        self.body: bytes = b""
        self.status = 200
        self.delay = 0.0
        self.cache_control: str | None = None
        self.hits = 0
        self.url = ""
        self.serve(keys)

    def serve(self, keys: list[dict[str, Any]]) -> None:
        """Publish this JWK Set (a key rotation, when it differs from the last)."""
        self.body = json.dumps({"keys": keys}).encode()
        self.status = 200


@contextmanager
def jwks_endpoint(keys: list[dict[str, Any]]) -> Iterator[JwksEndpoint]:
    """A running endpoint at ``endpoint.url``; stopped on exit."""
    endpoint = JwksEndpoint(keys)

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            endpoint.hits += 1
            if endpoint.delay:
                time.sleep(endpoint.delay)
            self.send_response(endpoint.status)
            self.send_header("Content-Type", "application/json")
            if endpoint.cache_control is not None:
                self.send_header("Cache-Control", endpoint.cache_control)
            self.send_header("Content-Length", str(len(endpoint.body)))
            self.end_headers()
            with contextlib.suppress(OSError):  # the client gave up waiting (timeout tests)
                self.wfile.write(endpoint.body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    endpoint.url = f"http://127.0.0.1:{server.server_address[1]}/jwks.json"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield endpoint
    finally:
        server.shutdown()
        server.server_close()
