"""Uploads are refused before their body is read (issue 17).

A POST to an upload path is checked from what arrives before the body: the signed-in admin
(session cookie) and the CSRF token (the `X-CSRF-Token` header the page's script sends, or, for
the form without script, the `csrf_token` field the form places first, read from at most the
first 64 KB). A `Content-Length` over the limit is refused at once; a body without one is cut
off with 413 as soon as it passes the limit while streaming.
"""

from __future__ import annotations

import asyncio
import hmac
import re
from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from usage_tracker.web.deps import session_viewer
from usage_tracker.web.frame import error_page
from usage_tracker.web.security import CSRF_HEADER

UPLOAD_PATHS = frozenset({"/data/upload"})
PEEK_BYTES = 64 * 1024
# Room for the multipart framing and the small fields around the file.
OVERHEAD_BYTES = 1 << 20
_FIRST_FIELD = re.compile(
    rb'\A--[^\r\n]+\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n([^\r\n]*)\r\n',
    re.IGNORECASE,
)


class Refused(Exception):
    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status, self.detail = status, detail


class UploadGuard:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] != "POST"
            or scope["path"] not in UPLOAD_PATHS
        ):
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        limit = request.app.state.web_settings.max_upload_mb * (1 << 20) + OVERHEAD_BYTES
        try:
            await asyncio.to_thread(_check_admin, request)
            buffered = await _check_csrf(request, receive)
            _check_length(request, limit)
        except Refused as exc:
            await _answer(request, exc, send)
            return
        await _stream(self.app, scope, receive, send, buffered, limit)


def _check_admin(request: Request) -> None:
    with request.app.state.session_factory() as db:
        viewer = session_viewer(request, db)
    if viewer is None:
        raise Refused(401, "Sign in as an admin to upload files.")
    if not viewer.is_admin:
        raise Refused(403, "This action needs an admin account.")
    request.state.viewer = viewer


def _check_length(request: Request, limit: int) -> None:
    length = request.headers.get("content-length", "")
    if length and (not length.isdigit() or int(length) > limit):
        mb = request.app.state.web_settings.max_upload_mb
        raise Refused(413, f"The upload is larger than {mb} MB; nothing was imported.")


def _valid(given: bytes, request: Request) -> bool:
    expected = str(request.scope["session"]["csrf"]).encode()
    return bool(given) and hmac.compare_digest(given, expected)


async def _check_csrf(request: Request, receive: Receive) -> list[Message]:
    """The messages read to find the token (replayed to the app), or Refused."""
    header = request.headers.get(CSRF_HEADER)
    if header is not None:
        if not _valid(header.encode("latin-1"), request):
            raise Refused(403, "CSRF token missing or invalid")
        return []
    messages: list[Message] = []
    head = b""
    while len(head) < PEEK_BYTES:
        message = await receive()
        messages.append(message)
        head += message.get("body", b"")
        if (match := _FIRST_FIELD.match(head)) is not None:
            if _valid(match.group(1), request):
                return messages
            break
        if message["type"] != "http.request" or not message.get("more_body", False):
            break
    raise Refused(403, "CSRF token missing or invalid")


async def _stream(
    app: ASGIApp, scope: Scope, receive: Receive, send: Send, buffered: list[Message], limit: int
) -> None:
    """Run the app on the (replayed) body, counting bytes; past `limit` the app sees a
    disconnect and the caller gets 413 instead of whatever the app would answer."""
    state: dict[str, Any] = {"size": 0, "over": False, "started": False}
    pending = list(buffered)

    async def counted() -> Message:
        message = pending.pop(0) if pending else await receive()
        if message["type"] == "http.request":
            state["size"] += len(message.get("body", b""))
            if state["size"] > limit:
                state["over"] = True
                return {"type": "http.disconnect"}
        return message

    async def guarded_send(message: Message) -> None:
        if state["over"]:
            return
        state["started"] = True
        await send(message)

    try:
        await app(scope, counted, guarded_send)
    except Exception:
        if not state["over"]:
            raise
    if state["over"] and not state["started"]:
        request = Request(scope)
        mb = request.app.state.web_settings.max_upload_mb
        await _answer(request, Refused(413, f"The upload is larger than {mb} MB."), send)


async def _answer(request: Request, exc: Refused, send: Send) -> None:
    response: Response
    if "application/json" in request.headers.get("accept", ""):
        response = JSONResponse({"detail": exc.detail}, status_code=exc.status)
    elif exc.status == 401:
        response = RedirectResponse("/login?next=%2Fdata", status_code=303)
    else:
        viewer = getattr(request.state, "viewer", None)
        response = await asyncio.to_thread(error_page, request, viewer, exc.status, exc.detail)
    response.headers["connection"] = "close"

    async def no_body() -> Message:
        return {"type": "http.disconnect"}

    await response(request.scope, no_body, send)
