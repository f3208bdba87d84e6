"""Server-side dashboard sessions: the cookie carries a random token, the database its digest.

Signing out deletes the row, so a copied cookie is refused afterwards; "sign out everywhere"
deletes every row of the account; a session older than its lifetime is refused.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from usage_tracker.db.base import utcnow
from usage_tracker.db.models import Account, WebSession


@dataclass(frozen=True)
class SessionInfo:
    created_at: datetime
    expires_at: datetime
    current: bool


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


def start_session(session: Session, account_id: int, lifetime: timedelta) -> str:
    """A new session for the account; returns the token for the cookie (shown nowhere else).
    Expired sessions of every account are removed on the way."""
    now = utcnow()
    session.execute(delete(WebSession).where(WebSession.expires_at <= now))
    token = secrets.token_urlsafe(32)
    row = WebSession(
        account_id=account_id, token_hash=_digest(token), created_at=now, expires_at=now + lifetime
    )
    session.add(row)
    session.flush()
    return token


def session_account(session: Session, token: str | None) -> Account | None:
    """The enabled account of a live session, or None (unknown, ended or expired)."""
    if not token or not isinstance(token, str):
        return None
    q = (
        select(Account)
        .join(WebSession, WebSession.account_id == Account.id)
        .where(WebSession.token_hash == _digest(token), WebSession.expires_at > utcnow())
    )
    account = session.scalar(q)
    if account is None or account.disabled:
        return None
    return account


def end_session(session: Session, token: str | None) -> None:
    if token and isinstance(token, str):
        session.execute(delete(WebSession).where(WebSession.token_hash == _digest(token)))


def end_all_sessions(session: Session, account_id: int) -> int:
    """Sign the account out everywhere; returns how many sessions ended."""
    result = session.execute(delete(WebSession).where(WebSession.account_id == account_id))
    return int(getattr(result, "rowcount", 0) or 0)


def end_other_sessions(session: Session, account_id: int, token: str | None) -> int:
    """Every session of the account but this browser's (after a password change)."""
    q = delete(WebSession).where(WebSession.account_id == account_id)
    if token:
        q = q.where(WebSession.token_hash != _digest(token))
    return int(getattr(session.execute(q), "rowcount", 0) or 0)


def account_sessions(session: Session, account_id: int, token: str | None) -> list[SessionInfo]:
    """The account's live sessions, newest first; `current` marks this browser's."""
    digest = _digest(token) if token else ""
    q = (
        select(WebSession)
        .where(WebSession.account_id == account_id, WebSession.expires_at > utcnow())
        .order_by(WebSession.created_at.desc())
    )
    return [
        SessionInfo(r.created_at, r.expires_at, r.token_hash == digest) for r in session.scalars(q)
    ]


def count_sessions(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(WebSession)) or 0)
