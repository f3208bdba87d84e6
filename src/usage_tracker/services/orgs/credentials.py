"""Organizations' admin keys: encrypted at rest, shown only redacted, resolved for a sync.

The encryption key is derived (HKDF-SHA256) from ``USAGE_TRACKER_SECRET_KEY`` when it is set;
otherwise a random key is generated once into ``<data_dir>/secret.key`` (mode 0600). Stored keys
are Fernet tokens. One organization can also come from ``OPENAI_ADMIN_KEY`` (and
``OPENAI_BASE_URL``) without being added: the one named by ``USAGE_TRACKER_DEFAULT_ORG``.
"""

from __future__ import annotations

import base64
import logging
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import select
from sqlalchemy.orm import Session

from usage_tracker.db.models import Credential, Organization
from usage_tracker.domain.secrets import redact_key
from usage_tracker.services.orgs.organizations import ensure_organization, get_organization
from usage_tracker.settings import Settings

log = logging.getLogger(__name__)

KEY_FILE = "secret.key"
_SALT = b"openai-usage-tracker/credentials"
_INFO = b"admin-keys/fernet/v1"


class CredentialError(Exception):
    """A stored key cannot be used (missing, or not decryptable with this installation's key)."""


def key_file(settings: Settings) -> Path:
    return settings.data_dir / KEY_FILE


def _file_key(path: Path) -> bytes:
    """The generated key file's key, created with mode 0600 on first use."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass  # another process created it a moment ago
        else:
            with os.fdopen(fd, "wb") as fh:
                fh.write(Fernet.generate_key())
            log.info("generated the at-rest encryption key file %s (mode 0600)", path)
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        os.chmod(path, 0o600)
        log.warning("%s was readable by others (mode %o); set it to 0600", path, mode)
    return path.read_bytes().strip()


def fernet(settings: Settings) -> Fernet:
    """The cipher for stored admin keys of this installation."""
    if settings.secret_key is not None and settings.secret_key.get_secret_value():
        secret = settings.secret_key.get_secret_value().encode()
        derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=_SALT, info=_INFO).derive(secret)
        return Fernet(base64.urlsafe_b64encode(derived))
    return Fernet(_file_key(key_file(settings)))


def encrypt_key(settings: Settings, api_key: str) -> str:
    return fernet(settings).encrypt(api_key.encode()).decode("ascii")


def decrypt_key(settings: Settings, ciphertext: str, slug: str) -> str:
    try:
        return fernet(settings).decrypt(ciphertext.encode("ascii")).decode()
    except InvalidToken:
        raise CredentialError(
            f"the stored admin key of {slug!r} cannot be decrypted: USAGE_TRACKER_SECRET_KEY or "
            f"{KEY_FILE} changed since it was added — add the key again with "
            f"`usage-tracker orgs add {slug} --key-stdin`"
        ) from None


@dataclass(frozen=True)
class Connection:
    """How to reach one organization's Admin API. The key never appears in repr()."""

    slug: str
    api_key: str = field(repr=False)
    base_url: str | None
    source: str  # "stored" | "environment"

    @property
    def key_hint(self) -> str:
        return redact_key(self.api_key)


@dataclass(frozen=True)
class OrgConnectionInfo:
    slug: str
    name: str
    key_hint: str | None
    base_url: str | None
    source: str | None  # "stored" | "environment" | None (no key: files only)


def add_organization(
    session: Session,
    settings: Settings,
    slug: str,
    api_key: str,
    *,
    name: str | None = None,
    base_url: str | None = None,
) -> Organization:
    """Create (or update) an organization with its admin key, stored encrypted."""
    api_key = api_key.strip()
    if not api_key:
        raise CredentialError("the admin key is empty")
    org = ensure_organization(session, slug, name)
    if name:
        org.name = name
    row = session.scalar(select(Credential).where(Credential.organization_id == org.id))
    if row is None:
        row = Credential(organization_id=org.id)
        session.add(row)
    row.key_ciphertext = encrypt_key(settings, api_key)
    row.key_hint = redact_key(api_key)[:32]
    row.base_url = base_url or None
    session.flush()
    log.info("stored the admin key %s for organization %s", row.key_hint, org.slug)
    return org


def remove_credential(session: Session, slug: str) -> bool:
    """Forget an organization's stored key (its ledger stays); False when none was stored."""
    org = get_organization(session, slug)
    row = session.scalar(select(Credential).where(Credential.organization_id == org.id))
    if row is None:
        return False
    session.delete(row)
    session.flush()
    return True


def _env_connection(settings: Settings) -> Connection | None:
    key = settings.openai_admin_key.get_secret_value() if settings.openai_admin_key else ""
    if not key.strip():
        return None
    return Connection(settings.default_org, key.strip(), settings.openai_base_url, "environment")


def connection_for(session: Session, settings: Settings, slug: str) -> Connection:
    """The stored key of `slug`, else OPENAI_ADMIN_KEY when `slug` is the default organization."""
    slug = slug.strip().lower()
    row = session.execute(
        select(Credential).join(Organization).where(Organization.slug == slug)
    ).scalar_one_or_none()
    if row is not None:
        key = decrypt_key(settings, row.key_ciphertext, slug)
        return Connection(slug, key, row.base_url or settings.openai_base_url, "stored")
    env = _env_connection(settings)
    if env is not None and env.slug == slug:
        return env
    raise CredentialError(
        f"no admin key for organization {slug!r}: add one with `usage-tracker orgs add {slug}`"
        + (
            ", or set OPENAI_ADMIN_KEY (it serves the default organization "
            f"{settings.default_org!r})"
            if env is None
            else ""
        )
    )


def syncable_organizations(session: Session, settings: Settings) -> list[str]:
    """Slugs of every organization with a key: stored ones, plus the OPENAI_ADMIN_KEY one."""
    slugs = set(session.scalars(select(Organization.slug).join(Credential)))
    if _env_connection(settings) is not None:
        slugs.add(settings.default_org)
    return sorted(slugs)


def list_connections(session: Session, settings: Settings) -> list[OrgConnectionInfo]:
    """Every organization with how it is connected (key hints only, never keys)."""
    out: dict[str, OrgConnectionInfo] = {}
    rows = session.execute(
        select(Organization, Credential)
        .outerjoin(Credential, Credential.organization_id == Organization.id)
        .order_by(Organization.slug)
    )
    for org, cred in rows:
        if cred is not None:
            out[org.slug] = OrgConnectionInfo(
                org.slug, org.name, cred.key_hint, cred.base_url, "stored"
            )
        else:
            out[org.slug] = OrgConnectionInfo(org.slug, org.name, None, None, None)
    env = _env_connection(settings)
    if env is not None and (env.slug not in out or out[env.slug].source is None):
        name = out[env.slug].name if env.slug in out else env.slug
        out[env.slug] = OrgConnectionInfo(env.slug, name, env.key_hint, env.base_url, "environment")
    return [out[s] for s in sorted(out)]
