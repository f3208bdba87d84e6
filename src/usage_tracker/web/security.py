"""Signed session cookie, CSRF tokens and security headers (pure ASGI, no inline script)."""

from __future__ import annotations

import hmac
import secrets
from pathlib import Path
from typing import Any

from fastapi import HTTPException, Request
from itsdangerous import BadSignature, URLSafeTimedSerializer
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from usage_tracker.db.files import create_private_file
from usage_tracker.settings import Settings

SESSION_COOKIE = "ut_session"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}

CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        # No inline style either: charts.js draws with classes and sets positions through CSSOM.
        "style-src 'self'",
        "img-src 'self' data: blob:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


def session_secret(settings: Settings) -> str:
    """The signing key: from USAGE_TRACKER_SECRET_KEY, else a random key kept in the data dir."""
    if settings.secret_key is not None:
        return "session:" + settings.secret_key.get_secret_value()
    path = Path(settings.data_dir) / "web-session.key"
    create_private_file(path, secrets.token_urlsafe(48).encode())
    return path.read_text().strip()


class SessionMiddleware:
    """A signed cookie holding the CSRF token and, once signed in, the account id and epoch.

    The session lives in ``scope["session"]`` (a dict); it is written back when it changed.
    """

    def __init__(self, app: ASGIApp, *, secret: str, max_age: int, secure: str) -> None:
        self.app = app
        self.serializer = URLSafeTimedSerializer(secret, salt="usage-tracker-session")
        self.max_age = max_age
        self.secure = secure

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        data: dict[str, Any] = {}
        raw = request.cookies.get(SESSION_COOKIE)
        if raw:
            try:
                data = dict(self.serializer.loads(raw, max_age=self.max_age))
            except (BadSignature, TypeError, ValueError):
                data = {}
        fresh = "csrf" not in data
        if fresh:
            data["csrf"] = secrets.token_urlsafe(32)
        scope["session"] = data
        before = dict(data)
        https = scope.get("scheme") == "https"
        secure = self.secure == "always" or (self.secure == "auto" and https)

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                current = scope["session"]
                if fresh or current != before:
                    headers = MutableHeaders(scope=message)
                    value = self.serializer.dumps(current)
                    cookie = (
                        f"{SESSION_COOKIE}={value}; Path=/; Max-Age={self.max_age}; "
                        "HttpOnly; SameSite=Lax"
                    )
                    headers.append("set-cookie", cookie + ("; Secure" if secure else ""))
            await send(message)

        await self.app(scope, receive, send_wrapper)


class SecurityHeadersMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        https = scope.get("scheme") == "https"

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.setdefault("content-security-policy", CSP)
                headers.setdefault("x-content-type-options", "nosniff")
                headers.setdefault("x-frame-options", "DENY")
                headers.setdefault("referrer-policy", "same-origin")
                headers.setdefault("cross-origin-opener-policy", "same-origin")
                headers.setdefault(
                    "permissions-policy", "camera=(), microphone=(), geolocation=(), payment=()"
                )
                if https:
                    headers.setdefault("strict-transport-security", "max-age=31536000")
            await send(message)

        await self.app(scope, receive, send_wrapper)


def csrf_token(request: Request) -> str:
    return str(request.scope["session"]["csrf"])


async def verify_csrf(request: Request) -> None:
    """App-wide dependency: every state-changing request carries the session's CSRF token.

    Bearer-token requests are read-only and never reach a state-changing route.
    """
    if request.method in SAFE_METHODS:
        return
    expected = csrf_token(request)
    given = request.headers.get(CSRF_HEADER)
    if not given:
        content_type = request.headers.get("content-type", "")
        if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            form = await request.form()
            value = form.get(CSRF_FIELD)
            given = value if isinstance(value, str) else None
    if not given or not hmac.compare_digest(given.encode(), expected.encode()):
        raise HTTPException(status_code=403, detail="CSRF token missing or invalid")
