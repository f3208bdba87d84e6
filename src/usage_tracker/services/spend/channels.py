"""Alert channels: e-mail (SMTP), Slack incoming webhooks and signed generic webhooks.

A generic webhook gets the alert as a JSON body with two headers:
``X-Usage-Tracker-Timestamp`` (Unix seconds) and ``X-Usage-Tracker-Signature``
(``sha256=`` + hex HMAC-SHA256 with the channel's secret over ``"{timestamp}.{body}"``).
Receivers recompute it and reject old timestamps. Secrets are stored encrypted.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import smtplib
import time
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any
from urllib.parse import urlparse

import httpx2
from sqlalchemy import select
from sqlalchemy.orm import Session

from usage_tracker.db.models import AlertChannel
from usage_tracker.domain.secrets import redact_url, scrub
from usage_tracker.services.orgs.credentials import decrypt_key, encrypt_key
from usage_tracker.settings import Settings

KINDS = ("email", "slack", "webhook")
SIGNATURE_HEADER = "X-Usage-Tracker-Signature"
TIMESTAMP_HEADER = "X-Usage-Tracker-Timestamp"
TIMEOUT_SECONDS = 10.0


class ChannelError(ValueError):
    """A channel that cannot be added or found."""


@dataclass(frozen=True)
class Alert:
    subject: str
    text: str
    payload: dict[str, Any]


@dataclass(frozen=True)
class Delivery:
    channel_id: int
    kind: str
    ok: bool
    detail: str

    def to_json(self) -> dict[str, Any]:
        return {"channel": self.channel_id, "kind": self.kind, "ok": self.ok, "detail": self.detail}


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """The signature header's value for this timestamp and body."""
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def verify(secret: str, timestamp: str, body: bytes, signature: str, max_age: int = 300) -> bool:
    """What a receiver does: constant-time compare, and refuse stale timestamps."""
    if not timestamp.isdigit() or abs(time.time() - int(timestamp)) > max_age:
        return False
    return hmac.compare_digest(sign(secret, timestamp, body).encode(), signature.encode())


def _check_url(url: str) -> str:
    parts = urlparse(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ChannelError(f"expected an http(s) URL, got {url!r}")
    return url


def add_channel(
    session: Session,
    settings: Settings,
    kind: str,
    targets: list[str],
    secret: str | None = None,
) -> AlertChannel:
    if kind not in KINDS:
        raise ChannelError(f"channel kind must be one of {', '.join(KINDS)}")
    if not targets:
        raise ChannelError("give a URL (webhook, slack) or at least one address (email)")
    if kind == "email":
        bad = [t for t in targets if "@" not in t]
        if bad:
            raise ChannelError(f"not an e-mail address: {', '.join(bad)}")
        target = ",".join(t.strip() for t in targets)
    else:
        if len(targets) != 1:
            raise ChannelError(f"a {kind} channel has exactly one URL")
        target = _check_url(targets[0].strip())
    if secret and kind != "webhook":
        raise ChannelError("--secret is for generic webhooks")
    row = AlertChannel(
        kind=kind,
        target=redact_url(target) if kind == "slack" else target,
        target_ciphertext=encrypt_key(settings, target, session) if kind == "slack" else None,
        secret_ciphertext=encrypt_key(settings, secret, session) if secret else None,
    )
    session.add(row)
    session.flush()
    return row


def list_channels(session: Session, *, enabled_only: bool = False) -> list[AlertChannel]:
    query = select(AlertChannel).order_by(AlertChannel.id)
    if enabled_only:
        query = query.where(AlertChannel.enabled.is_(True))
    return list(session.scalars(query))


def get_channel(session: Session, channel_id: int) -> AlertChannel:
    row = session.get(AlertChannel, channel_id)
    if row is None:
        raise ChannelError(f"no channel {channel_id}; see `usage-tracker channels list`")
    return row


def remove_channel(session: Session, channel_id: int) -> None:
    session.delete(get_channel(session, channel_id))
    session.flush()


def seal_slack_urls(session: Session, settings: Settings) -> int:
    """Seal Slack URLs stored in clear by an older version; returns how many were sealed."""
    rows = session.scalars(
        select(AlertChannel).where(
            AlertChannel.kind == "slack", AlertChannel.target_ciphertext.is_(None)
        )
    )
    sealed = 0
    for row in rows:
        if "://" in row.target and not row.target.endswith("…"):
            row.target_ciphertext = encrypt_key(settings, row.target, session)
            row.target = redact_url(row.target)
            sealed += 1
    session.flush()
    return sealed


def _url(channel: AlertChannel, settings: Settings) -> str:
    """Where a channel posts: a Slack URL unsealed, other URLs as stored."""
    if channel.target_ciphertext:
        return decrypt_key(settings, channel.target_ciphertext, f"the URL of channel {channel.id}")
    return channel.target


def channel_json(c: AlertChannel) -> dict[str, Any]:
    target = c.target
    if c.kind == "slack":  # the URL is the credential: show only where it goes
        target = redact_url(target)
    return {
        "id": c.id,
        "kind": c.kind,
        "target": target,
        "signed": c.secret_ciphertext is not None,
        "enabled": c.enabled,
    }


def deliver(channel: AlertChannel, alert: Alert, settings: Settings) -> Delivery:
    """Send one alert on one channel; failures are reported, never raised."""
    url = ""
    try:
        if channel.kind == "email":
            detail = _send_email(channel.target.split(","), alert, settings)
        elif channel.kind == "slack":
            url = _url(channel, settings)
            detail = _post(url, {"text": f"*{alert.subject}*\n{alert.text}"}, {})
        else:
            body = json.dumps(
                {"subject": alert.subject, "text": alert.text, **alert.payload}, sort_keys=True
            ).encode()
            headers: dict[str, str] = {}
            if channel.secret_ciphertext:
                secret = decrypt_key(settings, channel.secret_ciphertext, f"channel {channel.id}")
                stamp = str(int(time.time()))
                headers = {TIMESTAMP_HEADER: stamp, SIGNATURE_HEADER: sign(secret, stamp, body)}
            detail = _post(channel.target, body, headers)
    except Exception as exc:  # a broken channel must not stop the other channels
        # A Slack URL is a credential: never in a delivery message, whatever raised.
        message = (
            scrub(f"{type(exc).__name__}: {exc}", url) if url else f"{type(exc).__name__}: {exc}"
        )
        return Delivery(channel.id, channel.kind, False, message)
    return Delivery(channel.id, channel.kind, True, detail)


def _post(url: str, body: dict[str, Any] | bytes, headers: dict[str, str]) -> str:
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    response = httpx2.post(
        url,
        content=content,
        headers={"Content-Type": "application/json", **headers},
        timeout=TIMEOUT_SECONDS,
    )
    if response.status_code >= 300:
        raise ChannelError(f"{redact_url(url)} answered HTTP {response.status_code}")
    return f"HTTP {response.status_code}"


def _send_email(recipients: list[str], alert: Alert, settings: Settings) -> str:
    if not settings.smtp_host:
        raise ChannelError("USAGE_TRACKER_SMTP_HOST is not set")
    message = EmailMessage()
    message["From"] = settings.smtp_from
    message["To"] = ", ".join(recipients)
    message["Subject"] = alert.subject
    message.set_content(alert.text)
    with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=TIMEOUT_SECONDS) as smtp:
        if settings.smtp_starttls:
            smtp.starttls()
        if settings.smtp_username and settings.smtp_password:
            smtp.login(settings.smtp_username, settings.smtp_password.get_secret_value())
        smtp.send_message(message)
    return f"sent to {len(recipients)} recipient(s)"


def send_test(session: Session, settings: Settings, channel_id: int) -> Delivery:
    channel = get_channel(session, channel_id)
    alert = Alert(
        "usage-tracker test alert",
        "This is a test from OpenAI Usage Tracker: this channel receives budget alerts.",
        {"kind": "test"},
    )
    return deliver(channel, alert, settings)
