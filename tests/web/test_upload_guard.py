"""Uploads are refused before their body is read (issue 17): against a real server on loopback,
since TestClient reads a whole body before the app sees it."""

from __future__ import annotations

import re
import select
import socket
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx2
import pytest
import uvicorn
from fastapi import FastAPI

from tests.web.conftest import PASSWORD
from usage_tracker.settings import Settings
from usage_tracker.web import create_app
from usage_tracker.web.config import WebSettings

pytestmark = pytest.mark.usefixtures("accounts")
BOUNDARY = "guardboundary"
HUGE = 201 * (1 << 20)
# Answered long before the body's end: a small part of the 201 MB (the bound leaves room for a
# slow, loaded machine; the spool directory staying empty is the exact check).
EARLY = 32 * (1 << 20)


@pytest.fixture
def spool(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every temporary file of the process (the multipart spool, the upload copy) goes here."""
    path = tmp_path / "spool"
    path.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(path))
    return path


@pytest.fixture
def base(settings: Settings, spool: Path) -> Iterator[str]:
    app: FastAPI = create_app(settings, web_settings=WebSettings(max_upload_mb=1))
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    yield f"127.0.0.1:{port}"
    server.should_exit = True
    thread.join(10)
    app.state.engine.dispose()


def _session(base: str, name: str) -> tuple[str, str]:
    """(cookie header, CSRF token) of a signed-in browser."""
    with httpx2.Client(base_url=f"http://{base}") as client:
        page = client.get("/login").text
        token = re.search(r'name="csrf_token" value="([^"]+)"', page)
        assert token
        form = {"name": name, "password": PASSWORD, "csrf_token": token.group(1), "next": "/"}
        assert client.post("/login", data=form).status_code == 303
        data = client.get("/data").text
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', data)
        assert csrf
        cookie = "; ".join(f"{k}={v}" for k, v in client.cookies.items())
        return cookie, csrf.group(1)


def _part(name: str, body: bytes, file_name: str | None = None) -> bytes:
    disposition = f'form-data; name="{name}"' + (f'; filename="{file_name}"' if file_name else "")
    head = f"--{BOUNDARY}\r\nContent-Disposition: {disposition}\r\n\r\n".encode()
    return head + body + b"\r\n"


def _send(base: str, headers: dict[str, str], chunks: Iterator[bytes]) -> tuple[int, str, int]:
    """Send the request head, then body chunks until the server answers; returns the status,
    the answer and how many body bytes were sent before it came."""
    host, port = base.split(":")
    lines = ["POST /data/upload HTTP/1.1", f"Host: {base}"]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    with socket.create_connection((host, int(port)), timeout=20) as sock:
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        sent = 0
        sock.setblocking(False)
        answer = b""
        deadline = time.monotonic() + 20
        for chunk in chunks:
            if select.select([sock], [], [], 0.002)[0]:
                answer += sock.recv(65536)
                break
            try:
                sock.sendall(chunk)
            except (BrokenPipeError, ConnectionResetError, BlockingIOError):
                break
            sent += len(chunk)
            assert time.monotonic() < deadline
        sock.setblocking(True)
        sock.settimeout(2)
        try:
            while data := sock.recv(65536):
                answer += data
        except (ConnectionResetError, TimeoutError):
            pass
    text = answer.decode("utf-8", "replace")
    return int(text.split(" ", 2)[1]), text, sent


def _zeros(total: int, size: int = 64 * 1024) -> Iterator[bytes]:
    for _ in range(total // size):
        time.sleep(0.001)
        yield b"0" * size


def _multipart_head(cookie: str = "", **extra: str) -> dict[str, str]:
    headers = {"Content-Type": f"multipart/form-data; boundary={BOUNDARY}", **extra}
    return headers | ({"Cookie": cookie} if cookie else {})


def test_an_anonymous_huge_upload_is_refused_before_its_body_is_read(
    base: str, spool: Path
) -> None:
    head = _multipart_head(**{"Content-Length": str(HUGE), "Accept": "application/json"})
    status, answer, sent = _send(base, head, _zeros(HUGE))
    assert status == 401 and "Sign in" in answer
    assert sent < EARLY  # answered long before 201 MB
    assert list(spool.iterdir()) == []


def test_a_viewer_or_a_csrf_less_admin_is_refused_without_spooling(
    base: str, spool: Path, accounts: dict[str, str]
) -> None:
    cookie, token = _session(base, accounts["viewer"])
    head = _multipart_head(cookie, **{"Content-Length": str(HUGE), "X-CSRF-Token": token})
    status, _, sent = _send(base, head, _zeros(HUGE))
    assert status == 403 and sent < EARLY
    cookie, token = _session(base, accounts["admin"])
    file_first = _part("files", b"0" * (1 << 20), "x.json")
    head = _multipart_head(cookie, **{"Content-Length": str(HUGE)})
    status, answer, sent = _send(base, head, iter([file_first, *_zeros(HUGE)]))
    assert status == 403 and "CSRF" in answer and sent < EARLY
    wrong = _multipart_head(cookie, **{"Content-Length": str(HUGE), "X-CSRF-Token": "é"})
    assert _send(base, wrong, _zeros(HUGE))[0] == 403
    assert list(spool.iterdir()) == []


def test_a_declared_length_over_the_limit_is_refused_at_once(
    base: str, spool: Path, accounts: dict[str, str]
) -> None:
    cookie, token = _session(base, accounts["admin"])
    head = _multipart_head(cookie, **{"Content-Length": str(HUGE), "X-CSRF-Token": token})
    status, answer, sent = _send(base, head, _zeros(HUGE))
    assert status == 413 and "larger than 1 MB" in answer and sent < EARLY
    assert list(spool.iterdir()) == []


def test_a_streamed_body_over_the_limit_is_cut_off_and_leaves_nothing(
    base: str, spool: Path, accounts: dict[str, str]
) -> None:
    cookie, token = _session(base, accounts["admin"])
    head = _multipart_head(cookie, **{"Transfer-Encoding": "chunked", "X-CSRF-Token": token})

    def chunked() -> Iterator[bytes]:
        first = _part("org", b"acme") + _part("files", b"", "big.json")[:-2]
        yield b"%x\r\n%s\r\n" % (len(first), first)
        for chunk in _zeros(40 * (1 << 20)):
            yield b"%x\r\n%s\r\n" % (len(chunk), chunk)

    status, answer, sent = _send(base, head, chunked())
    assert status == 413 and "larger than 1 MB" in answer
    assert sent < EARLY
    time.sleep(0.2)
    assert list(spool.iterdir()) == []


def test_the_form_without_script_still_uploads_with_its_first_field(
    base: str, spool: Path, accounts: dict[str, str], samples_dir: Path
) -> None:
    cookie, token = _session(base, accounts["admin"])
    name = "costs_grouped_by_user.json"
    body = (
        _part("csrf_token", token.encode())
        + _part("org", b"acme")
        + _part("files", (samples_dir / name).read_bytes(), name)
        + f"--{BOUNDARY}--\r\n".encode()
    )
    head = _multipart_head(cookie, **{"Content-Length": str(len(body))})
    with httpx2.Client(base_url=f"http://{base}") as client:
        r = client.post("/data/upload", content=body, headers=head)
    assert r.status_code == 200 and "Imported" in r.text, r.text[-2000:]
    assert list(spool.iterdir()) == []
