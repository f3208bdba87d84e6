"""Read-only API tokens: shown once at creation, stored as a SHA-256 digest only."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from usage_tracker.db.base import utcnow
from usage_tracker.db.models import ApiToken

TOKEN_PREFIX = "utk_"
_TOUCH_EVERY = timedelta(minutes=5)


class TokenError(ValueError):
    """A token request that cannot be carried out; str() is the user-facing reason."""


@dataclass(frozen=True)
class TokenInfo:
    id: int
    name: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None
    created_by_id: int | None = None  # the account that created it (None: the CLI)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(
    session: Session, name: str, *, created_by_id: int | None = None
) -> tuple[TokenInfo, str]:
    """A new token; the plain text is returned here and never again."""
    name = name.strip()
    if not name or len(name) > 100:
        raise TokenError("token name must be 1–100 characters")
    if session.scalar(select(ApiToken).where(ApiToken.name == name)) is not None:
        raise TokenError(f"a token named {name!r} already exists")
    plain = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(
        name=name, prefix=plain[:12], token_hash=_digest(plain), created_by_id=created_by_id
    )
    session.add(row)
    session.flush()
    return _info(row), plain


def _info(row: ApiToken) -> TokenInfo:
    return TokenInfo(
        row.id, row.name, row.prefix, row.created_at, row.last_used_at, row.revoked_at,
        row.created_by_id,
    )  # fmt: skip


def list_tokens(session: Session, created_by_id: int | None = None) -> list[TokenInfo]:
    """Every token by name, or only those an account created."""
    query = select(ApiToken).order_by(ApiToken.name)
    if created_by_id is not None:
        query = query.where(ApiToken.created_by_id == created_by_id)
    return [_info(row) for row in session.scalars(query)]


def revoke_token_of(
    session: Session, token_id: int, account_id: int, *, is_admin: bool = False
) -> TokenInfo:
    """Revoke a token its creator (or an admin) names by id; anyone else is told no."""
    row = session.get(ApiToken, token_id)
    if row is None or (row.created_by_id != account_id and not is_admin):
        raise TokenError("no such token of yours: nothing was revoked")
    if row.revoked_at is None:
        row.revoked_at = utcnow()
    return _info(row)


def revoke_token(session: Session, name: str) -> TokenInfo:
    row = session.scalar(select(ApiToken).where(ApiToken.name == name))
    if row is None:
        raise TokenError(f"no token named {name!r}")
    if row.revoked_at is None:
        row.revoked_at = utcnow()
    return _info(row)


def verify_token(session: Session, plain: str) -> TokenInfo | None:
    """The live token matching `plain`, or None. Records its last use (at most every 5 min)."""
    if not plain.startswith(TOKEN_PREFIX):
        return None
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == _digest(plain)))
    if row is None or row.revoked_at is not None:
        return None
    now = utcnow()
    if row.last_used_at is None or now - row.last_used_at > _TOUCH_EVERY:
        row.last_used_at = now
    return _info(row)
