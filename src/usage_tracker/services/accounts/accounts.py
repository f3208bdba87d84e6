"""Dashboard accounts: argon2 password hashes, roles, sign-in with throttling, preferences."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import case, delete, func, literal, null, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from usage_tracker.db.base import UTCDateTime, utcnow
from usage_tracker.db.models import Account, LoginThrottle, WebSession

ROLES = ("viewer", "admin")
THEMES = ("light", "dark", "system")
CURRENCIES = ("USD", "KRW")
MIN_PASSWORD_LENGTH = 8
MAX_FAILURES = 5
WINDOW = timedelta(minutes=15)
LOCKOUT = timedelta(minutes=15)

# The cost of every stored password: RFC 9106's second recommendation (argon2id, t=3, 64 MiB,
# p=4), argon2-cffi's default. The test suite swaps `_hasher` for a cheap one (tests/conftest.py);
# hashes keep their own parameters, so a stronger hasher rehashes them at the next sign-in.
PASSWORD_PARAMETERS = profiles.RFC_9106_LOW_MEMORY
_hasher = PasswordHasher.from_parameters(PASSWORD_PARAMETERS)
_dummy_hashes: dict[tuple[int, int, int], str] = {}


def _dummy_hash() -> str:
    """Verified against when the name is unknown, so timing does not reveal which names exist.

    Made on first use with the current hasher's parameters, not at import (every command would
    pay for a hash it does not need)."""
    key = (_hasher.time_cost, _hasher.memory_cost, _hasher.parallelism)
    if key not in _dummy_hashes:
        _dummy_hashes[key] = _hasher.hash("not-a-real-password")
    return _dummy_hashes[key]


class AccountError(ValueError):
    """A request about accounts that cannot be carried out; str() is the user-facing reason."""


class LoginThrottled(Exception):
    """Too many failed sign-ins; retry after `retry_after` seconds."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"too many failed sign-ins; try again in {retry_after} seconds")
        self.retry_after = retry_after


@dataclass(frozen=True)
class AccountInfo:
    id: int
    name: str
    role: str
    disabled: bool
    created_at: datetime
    last_login_at: datetime | None


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"password must have at least {MIN_PASSWORD_LENGTH} characters")


def _check_name(name: str) -> str:
    name = name.strip()
    if not name or len(name) > 100 or any(ch.isspace() for ch in name):
        raise AccountError("name must be 1–100 characters without spaces")
    return name


def count_accounts(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(Account)) or 0)


def get_account(session: Session, name: str) -> Account | None:
    return session.scalar(select(Account).where(Account.name == name))


def create_account(session: Session, name: str, password: str, role: str = "viewer") -> Account:
    name = _check_name(name)
    if role not in ROLES:
        raise AccountError(f"role must be one of {', '.join(ROLES)}")
    _check_password(password)
    if get_account(session, name) is not None:
        raise AccountError(f"an account named {name!r} already exists")
    account = Account(name=name, password_hash=hash_password(password), role=role)
    session.add(account)
    session.flush()
    return account


def list_accounts(session: Session) -> list[AccountInfo]:
    rows = session.scalars(select(Account).order_by(Account.name))
    return [
        AccountInfo(a.id, a.name, a.role, a.disabled, a.created_at, a.last_login_at) for a in rows
    ]


def _require(session: Session, name: str) -> Account:
    account = get_account(session, name)
    if account is None:
        raise AccountError(f"no account named {name!r}")
    return account


def set_disabled(session: Session, name: str, disabled: bool = True) -> Account:
    account = _require(session, name)
    account.disabled = disabled
    account.session_epoch += 1
    session.execute(delete(WebSession).where(WebSession.account_id == account.id))
    return account


def reset_password(session: Session, name: str, password: str) -> Account:
    _check_password(password)
    account = _require(session, name)
    account.password_hash = hash_password(password)
    account.session_epoch += 1
    session.execute(delete(WebSession).where(WebSession.account_id == account.id))
    return account


def change_password(session: Session, account_id: int, current: str, new: str) -> Account:
    """A person's own password change: the current one must match. Other sessions end (the
    caller signs this one in again with the new epoch)."""
    account = session.get(Account, account_id)
    if account is None or account.disabled:
        raise AccountError("this account no longer exists or is disabled")
    try:
        _hasher.verify(account.password_hash, current)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        raise AccountError("the current password is not right: nothing was changed") from None
    _check_password(new)
    if new == current:
        raise AccountError("the new password is the current one: choose another")
    account.password_hash = hash_password(new)
    account.session_epoch += 1
    return account


def set_preferences(
    session: Session,
    account_id: int,
    *,
    locale: str | None = None,
    theme: str | None = None,
    currency: str | None = None,
) -> None:
    account = session.get(Account, account_id)
    if account is None:
        return
    if locale is not None:
        account.locale = locale
    if theme is not None:
        if theme not in THEMES:
            raise AccountError(f"theme must be one of {', '.join(THEMES)}")
        account.theme = theme
    if currency is not None:
        if currency not in CURRENCIES:
            raise AccountError(f"currency must be one of {', '.join(CURRENCIES)}")
        account.currency = currency


def _throttle_rows(session: Session, keys: list[str]) -> list[LoginThrottle]:
    return list(session.scalars(select(LoginThrottle).where(LoginThrottle.key.in_(keys))))


def _ensure_rows(session: Session, keys: list[str], now: datetime) -> None:
    """A throttle row per key, created without a unique-constraint race (ON CONFLICT DO
    NOTHING on SQLite and PostgreSQL alike)."""
    dialect = sqlite if session.get_bind().dialect.name == "sqlite" else postgresql
    values = [{"key": k, "failures": 0, "window_started_at": now} for k in keys]
    session.execute(dialect.insert(LoginThrottle).values(values).on_conflict_do_nothing())


def _reserve(session: Session, key: str, now: datetime) -> bool:
    """Count one attempt against `key` before the password is checked, in one UPDATE that
    also decides: False when the key is locked (or its window is full). Concurrent sign-ins
    serialize on the row, so at most MAX_FAILURES of them get checked."""
    row = LoginThrottle
    stale = row.window_started_at <= now - WINDOW
    failures = case((stale, 1), else_=row.failures + 1)
    stamp = literal(now, UTCDateTime())
    result = session.execute(
        update(row)
        .where(row.key == key)
        .where(or_(row.locked_until.is_(None), row.locked_until <= now))
        .where(or_(stale, row.failures < MAX_FAILURES))
        .values(
            failures=failures,
            window_started_at=case((stale, stamp), else_=row.window_started_at),
            locked_until=case(
                (failures >= MAX_FAILURES, literal(now + LOCKOUT, UTCDateTime())), else_=null()
            ),
        )
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0))


def _retry_after(session: Session, keys: list[str], now: datetime) -> int:
    ends = [r.locked_until for r in _throttle_rows(session, keys) if r.locked_until is not None]
    later = [e for e in ends if e > now]
    return max(1, int((max(later) - now).total_seconds())) if later else 1


def _reserve_attempt(session: Session, keys: list[str], now: datetime) -> None:
    """Count the attempt on every key before the slow password check. The rows stay locked
    (PostgreSQL row locks, SQLite's write lock) until the caller commits, so concurrent
    attempts on a key take turns and each sees the previous count. Raises LoginThrottled,
    counting nothing, when any key is locked."""
    _ensure_rows(session, keys, now)
    savepoint = session.begin_nested()
    if all(_reserve(session, key, now) for key in keys):
        savepoint.commit()
        return
    savepoint.rollback()
    raise LoginThrottled(_retry_after(session, keys, now))


def _undo_attempt(session: Session, keys: list[str], now: datetime) -> None:
    """A successful sign-in: the name's count starts again; the address gives back the one
    attempt it was charged (and is unlocked if that brings it under the limit)."""
    name_key, address_keys = keys[0], keys[1:]
    session.execute(delete(LoginThrottle).where(LoginThrottle.key == name_key))
    row = LoginThrottle
    session.execute(
        update(row)
        .where(row.key.in_(address_keys), row.failures > 0)
        .values(
            failures=row.failures - 1,
            locked_until=case((row.failures - 1 < MAX_FAILURES, null()), else_=row.locked_until),
        )
        .execution_options(synchronize_session=False)
    )


def authenticate(session: Session, name: str, password: str, client: str) -> Account | None:
    """The account when name and password match and it is enabled; None otherwise.

    Raises LoginThrottled while the name or the client address is locked out. Each attempt
    is counted before its password is checked, with the throttle rows locked until the caller
    commits (which it does either way), so concurrent wrong passwords cannot get past the
    limit; a success gives its attempt back.
    """
    now = utcnow()
    keys = [f"name:{name.strip().lower()}"[:200], f"ip:{client}"[:200]]
    _reserve_attempt(session, keys, now)
    account = get_account(session, name.strip())
    try:
        _hasher.verify(account.password_hash if account else _dummy_hash(), password)
        ok = account is not None and not account.disabled
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        ok = False
    if not ok or account is None:
        return None
    if _hasher.check_needs_rehash(account.password_hash):
        account.password_hash = hash_password(password)
    _undo_attempt(session, keys, now)
    account.last_login_at = now
    return account
