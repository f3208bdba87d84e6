"""Dashboard accounts: argon2 password hashes, roles, sign-in with throttling, preferences."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from usage_tracker.db.base import utcnow
from usage_tracker.db.models import Account, LoginThrottle

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
    return account


def reset_password(session: Session, name: str, password: str) -> Account:
    _check_password(password)
    account = _require(session, name)
    account.password_hash = hash_password(password)
    account.session_epoch += 1
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


def _check_throttle(session: Session, keys: list[str], now: datetime) -> None:
    for row in _throttle_rows(session, keys):
        if row.locked_until is not None and row.locked_until > now:
            raise LoginThrottled(max(1, int((row.locked_until - now).total_seconds())))


def _record_failure(session: Session, keys: list[str], now: datetime) -> None:
    existing = {row.key: row for row in _throttle_rows(session, keys)}
    for key in keys:
        row = existing.get(key)
        if row is None:
            row = LoginThrottle(key=key, failures=0, window_started_at=now)
            session.add(row)
        if now - row.window_started_at > WINDOW:
            row.failures, row.window_started_at, row.locked_until = 0, now, None
        row.failures += 1
        if row.failures >= MAX_FAILURES:
            row.locked_until = now + LOCKOUT


def authenticate(session: Session, name: str, password: str, client: str) -> Account | None:
    """The account when name and password match and it is enabled; None otherwise.

    Raises LoginThrottled while the name or the client address is locked out. The caller
    commits the session either way, so failures are counted.
    """
    now = utcnow()
    keys = [f"name:{name.strip().lower()}"[:200], f"ip:{client}"[:200]]
    _check_throttle(session, keys, now)
    account = get_account(session, name.strip())
    try:
        _hasher.verify(account.password_hash if account else _dummy_hash(), password)
        ok = account is not None and not account.disabled
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        ok = False
    if not ok or account is None:
        _record_failure(session, keys, now)
        return None
    if _hasher.check_needs_rehash(account.password_hash):
        account.password_hash = hash_password(password)
    for row in _throttle_rows(session, keys[:1]):
        session.delete(row)
    account.last_login_at = now
    return account
