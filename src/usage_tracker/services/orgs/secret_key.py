"""The at-rest key that encrypts stored secrets (admin keys, webhook secrets, Slack URLs).

It is derived (HKDF-SHA256) from ``USAGE_TRACKER_SECRET_KEY`` when that is set; otherwise it is
a random Fernet key in a file: ``USAGE_TRACKER_SECRET_KEY_FILE``, default
``<data_dir>/secret.key``. The file is created once, mode 0600, the first time a secret is
stored — and never again while encrypted secrets exist: a missing, corrupted or rotated key
is a `SecretKeyError` saying what to do (restore the file, or `usage-tracker orgs rekey`).
"""

from __future__ import annotations

import base64
import binascii
import logging
import os
import stat
from dataclasses import dataclass
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from usage_tracker.db.files import create_private_file
from usage_tracker.db.models import AlertChannel, Credential, Organization
from usage_tracker.settings import Settings

log = logging.getLogger(__name__)

KEY_FILE = "secret.key"
_SALT = b"openai-usage-tracker/credentials"
_INFO = b"admin-keys/fernet/v1"
RECOVERY = (
    "restore the key file from a backup (or set USAGE_TRACKER_SECRET_KEY back to its old "
    "value); if it is lost, run `usage-tracker orgs rekey --forget-unreadable` and add the "
    "admin keys again with `usage-tracker orgs add SLUG --key-stdin`"
)


class SecretKeyError(Exception):
    """The at-rest key is missing, corrupted or not the one the stored secrets were sealed
    with; str() says what to do."""


def key_file(settings: Settings) -> Path:
    return settings.secret_key_file or settings.data_dir / KEY_FILE


def derived_cipher(secret: str) -> Fernet:
    raw = HKDF(algorithm=hashes.SHA256(), length=32, salt=_SALT, info=_INFO).derive(secret.encode())
    return Fernet(base64.urlsafe_b64encode(raw))


def sealed_count(session: Session) -> int:
    """How many encrypted secrets the database holds (admin keys and channel secrets)."""
    keys = session.scalar(select(func.count()).select_from(Credential)) or 0
    sealed = AlertChannel.secret_ciphertext.is_not(None) | AlertChannel.target_ciphertext.is_not(
        None
    )
    channels = session.scalar(select(func.count()).select_from(AlertChannel).where(sealed))
    return int(keys) + int(channels or 0)


def _read_file_key(path: Path) -> Fernet:
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        os.chmod(path, 0o600)
        log.warning("%s was readable by others (mode %o); set it to 0600", path, mode)
    try:
        return Fernet(path.read_bytes().strip())
    except (ValueError, binascii.Error):
        message = f"the key file {path} is corrupted (not a Fernet key); {RECOVERY}"
        raise SecretKeyError(message) from None


def cipher(settings: Settings, session: Session | None = None) -> Fernet:
    """The cipher of this installation. The key file is created only when `session` is given
    (a secret is about to be stored) and the database holds no encrypted secret yet."""
    if settings.secret_key is not None and settings.secret_key.get_secret_value():
        return derived_cipher(settings.secret_key.get_secret_value())
    path = key_file(settings)
    if path.exists():
        return _read_file_key(path)
    if session is None or sealed_count(session) > 0:
        raise SecretKeyError(
            f"the key file {path} is missing, so the stored admin keys and channel secrets "
            f"cannot be read; {RECOVERY}"
        )
    if create_private_file(path, Fernet.generate_key()):
        log.info("generated the at-rest encryption key file %s (mode 0600)", path)
    return _read_file_key(path)


def seal(settings: Settings, session: Session, secret: str) -> str:
    return cipher(settings, session).encrypt(secret.encode()).decode("ascii")


def unseal(settings: Settings, ciphertext: str, what: str) -> str:
    try:
        return cipher(settings).decrypt(ciphertext.encode("ascii")).decode()
    except InvalidToken:
        raise SecretKeyError(
            f"{what} cannot be decrypted: USAGE_TRACKER_SECRET_KEY or {key_file(settings)} "
            f"changed since it was stored; {RECOVERY}"
        ) from None


@dataclass(frozen=True)
class KeyCheck:
    sealed: int
    unreadable: list[str]
    problem: str | None


@dataclass(frozen=True)
class SealedSecret:
    """One encrypted value in the database: which table, row and column, and what it is."""

    table: str
    row_id: int
    column: str
    ciphertext: str
    what: str


def sealed_secrets(session: Session) -> list[SealedSecret]:
    out: list[SealedSecret] = []
    for cred, slug in session.execute(
        select(Credential, Organization.slug).join(Organization).order_by(Credential.id)
    ):
        out.append(
            SealedSecret(
                "credential",
                cred.id,
                "key_ciphertext",
                cred.key_ciphertext,
                f"the admin key of {slug!r}",
            )
        )
    for ch in session.scalars(select(AlertChannel).order_by(AlertChannel.id)):
        if ch.secret_ciphertext:
            out.append(
                SealedSecret(
                    "channel",
                    ch.id,
                    "secret_ciphertext",
                    ch.secret_ciphertext,
                    f"the signing secret of channel {ch.id}",
                )
            )
        if ch.target_ciphertext:
            out.append(
                SealedSecret(
                    "channel",
                    ch.id,
                    "target_ciphertext",
                    ch.target_ciphertext,
                    f"the URL of channel {ch.id}",
                )
            )
    return out


def check_key(session: Session, settings: Settings) -> KeyCheck:
    """Whether every stored secret can be read with the current key (done at start)."""
    rows = sealed_secrets(session)
    if not rows:
        return KeyCheck(0, [], None)
    try:
        fernet = cipher(settings)
    except SecretKeyError as exc:
        return KeyCheck(len(rows), [r.what for r in rows], str(exc))
    bad = [r.what for r in rows if not _readable(fernet, r.ciphertext)]
    if not bad:
        return KeyCheck(len(rows), [], None)
    problem = (
        f"{len(bad)} of {len(rows)} stored secrets cannot be decrypted with the current key "
        f"({', '.join(bad[:5])}{'…' if len(bad) > 5 else ''}); {RECOVERY}"
    )
    return KeyCheck(len(rows), bad, problem)


def _readable(fernet: Fernet, ciphertext: str) -> bool:
    try:
        fernet.decrypt(ciphertext.encode("ascii"))
    except (InvalidToken, ValueError):
        return False
    return True
