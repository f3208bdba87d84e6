"""Showing secrets safely: redacted keys and URLs without passwords."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit


def redact_key(key: str | None) -> str:
    """`sk-admin-abc…wxyz` style: a recognisable prefix and the last four characters only."""
    if not key:
        return ""
    key = key.strip()
    if len(key) <= 12:
        return "…" + key[-2:] if len(key) > 4 else "…"
    prefix = key[:9] if key.startswith("sk-admin-") else key[:3]
    return f"{prefix}…{key[-4:]}"


def mask_url(url: str) -> str:
    """A database URL with its password replaced by ***."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.rsplit("@", 1)
    user = (parts.username or "") + ":***"
    return urlunsplit(parts._replace(netloc=f"{user}@{netloc[-1]}"))


def redact_url(url: str) -> str:
    """A URL that is a credential (a Slack webhook) shown by where it goes only:
    `https://hooks.slack.com/services/…`."""
    parts = urlsplit(url)
    if not parts.scheme or not parts.hostname:
        return "…"
    first = parts.path.strip("/").split("/", 1)[0]
    return f"{parts.scheme}://{parts.hostname}/" + (f"{first}/…" if first else "…")


def scrub(text: str, *secrets: str) -> str:
    """`text` with every occurrence of each secret (a URL, a key) replaced by its redaction."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, redact_url(secret) if "://" in secret else "…")
    return text
