"""The fake Admin API over real HTTP on loopback, for commands that make their own client.

with serve(fake) as base_url:          # http://127.0.0.1:<port>/v1
    add_organization(session, settings, "acme", org.admin_key, base_url=base_url)
    runner.invoke(app, ["ratelimits", "list", "--org", "acme"])
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx2

from tests.fakes.admin_api import FakeAdminApi


def _handler(fake: FakeAdminApi, base: str) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _serve(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            body = self.rfile.read(length) if length else b""
            request = httpx2.Request(
                self.command, base + self.path, headers=dict(self.headers.items()), content=body
            )
            response = fake.handle(request)
            content = response.read()
            self.send_response(response.status_code)
            for name, value in response.headers.items():
                if name.lower() not in ("content-length", "transfer-encoding", "connection"):
                    self.send_header(name, value)
            self.send_header("content-length", str(len(content)))
            self.end_headers()
            self.wfile.write(content)

        do_GET = do_POST = do_DELETE = _serve

        def log_message(self, format: str, *args: object) -> None:
            return

    return Handler


@contextmanager
def serve(fake: FakeAdminApi) -> Iterator[str]:
    """Serve `fake` on 127.0.0.1 (a free port) until the block ends; yields the base URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(fake, "http://127.0.0.1"))
    port = server.server_address[1]
    base_url = f"http://127.0.0.1:{port}/v1"
    fake.base_url = base_url
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield base_url
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
