"""`orgs rekey`: re-encrypt every stored secret under a new at-rest key, in one transaction.

With the current key readable, every secret is decrypted and sealed again with a new key (a
new key file, or the new USAGE_TRACKER_SECRET_KEY value given). Secrets that cannot be read
(the key file lost, or rotated) stop the command unless `forget_unreadable`: then each one is
removed — an admin key is forgotten (add it again with `orgs add SLUG --key-stdin`), a
channel whose URL or signing secret is lost is disabled — and the rest is re-encrypted.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy.orm import Session

from usage_tracker.db.files import create_private_file
from usage_tracker.db.models import AlertChannel, Credential
from usage_tracker.services.orgs.secret_key import (
    SealedSecret,
    SecretKeyError,
    cipher,
    derived_cipher,
    key_file,
    sealed_secrets,
)
from usage_tracker.settings import Settings


@dataclass
class RekeyResult:
    resealed: int = 0
    forgotten: list[str] = field(default_factory=list)
    disabled_channels: list[int] = field(default_factory=list)
    key_file: Path | None = None  # the new key file, when one was written


def _read(current: Fernet | None, row: SealedSecret) -> str | None:
    if current is None:
        return None
    try:
        return current.decrypt(row.ciphertext.encode("ascii")).decode()
    except (InvalidToken, ValueError):
        return None


def _forget(session: Session, row: SealedSecret, result: RekeyResult) -> None:
    result.forgotten.append(row.what)
    if row.table == "credential":
        cred = session.get(Credential, row.row_id)
        if cred is not None:
            session.delete(cred)
        return
    channel = session.get(AlertChannel, row.row_id)
    if channel is not None:
        setattr(channel, row.column, None)
        channel.enabled = False
        if channel.id not in result.disabled_channels:
            result.disabled_channels.append(channel.id)


def rekey(
    session: Session,
    settings: Settings,
    *,
    new_secret: str | None = None,
    forget_unreadable: bool = False,
) -> RekeyResult:
    """Re-encrypt everything; the caller commits `session`, then calls `install_key_file`
    with the result (the new key file replaces the old one only after the commit)."""
    env_secret = settings.secret_key is not None and settings.secret_key.get_secret_value()
    if env_secret and not new_secret:
        raise SecretKeyError(
            "USAGE_TRACKER_SECRET_KEY is set: give its new value on standard input "
            "(--new-secret-stdin), then set USAGE_TRACKER_SECRET_KEY to it"
        )
    try:
        current: Fernet | None = cipher(settings)
    except SecretKeyError:
        current = None
    rows = sealed_secrets(session)
    values = {id(r): _read(current, r) for r in rows}
    unreadable = [r for r in rows if values[id(r)] is None]
    if unreadable and not forget_unreadable:
        names = ", ".join(r.what for r in unreadable[:5]) + ("…" if len(unreadable) > 5 else "")
        raise SecretKeyError(
            f"{len(unreadable)} stored secrets cannot be read with the current key ({names}); "
            "restore the old key, or rerun with --forget-unreadable to drop them (then add "
            "the admin keys again with `usage-tracker orgs add SLUG --key-stdin`)"
        )
    result = RekeyResult()
    if new_secret:
        new = derived_cipher(new_secret)
    else:
        raw = Fernet.generate_key()
        new, result.key_file = Fernet(raw), _pending(settings, raw)
    for row in rows:
        value = values[id(row)]
        if value is None:
            _forget(session, row, result)
            continue
        target = session.get(Credential if row.table == "credential" else AlertChannel, row.row_id)
        setattr(target, row.column, new.encrypt(value.encode()).decode("ascii"))
        result.resealed += 1
    session.flush()
    return result


def _pending(settings: Settings, raw: bytes) -> Path:
    """The new key, written 0600 beside the old one until the database has committed."""
    path = Path(f"{key_file(settings)}.new")
    path.unlink(missing_ok=True)
    create_private_file(path, raw)
    return path


def install_key_file(settings: Settings, result: RekeyResult) -> Path | None:
    """After the commit: the old key file is kept as `secret.key.old`, the new one takes its
    place. Returns the installed path (None when the key comes from the environment)."""
    if result.key_file is None:
        return None
    path = key_file(settings)
    if path.exists():
        os.replace(path, Path(f"{path}.old"))
    os.replace(result.key_file, path)
    return path


def discard_pending(result: RekeyResult) -> None:
    if result.key_file is not None:
        result.key_file.unlink(missing_ok=True)
