"""Organizations' admin keys: encrypted at rest, shown only redacted, resolved for a sync.

The at-rest key and its rules live in `secret_key` (created once, never silently replaced).
Stored keys are Fernet tokens. One organization can also come from ``OPENAI_ADMIN_KEY`` (and
``OPENAI_BASE_URL``) without being added: the one named by ``USAGE_TRACKER_DEFAULT_ORG``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from usage_tracker.db.models import Credential, Organization
from usage_tracker.domain.secrets import redact_key
from usage_tracker.services.orgs.organizations import ensure_organization, get_organization
from usage_tracker.services.orgs.secret_key import (
    KEY_FILE,
    SecretKeyError,
    key_file,
    seal,
    unseal,
)
from usage_tracker.settings import Settings

log = logging.getLogger(__name__)
__all__ = ["KEY_FILE", "Connection", "CredentialError", "key_file"]


class CredentialError(Exception):
    """A stored key cannot be used (missing, or not decryptable with this installation's key)."""


def encrypt_key(settings: Settings, api_key: str, session: Session) -> str:
    """Seal a secret for storage (may create the key file on the very first secret)."""
    try:
        return seal(settings, session, api_key)
    except SecretKeyError as exc:
        raise CredentialError(str(exc)) from None


def decrypt_key(settings: Settings, ciphertext: str, what: str) -> str:
    try:
        return unseal(settings, ciphertext, what)
    except SecretKeyError as exc:
        raise CredentialError(str(exc)) from None


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
    ciphertext = encrypt_key(settings, api_key, session)  # before any row is pending
    org = ensure_organization(session, slug, name)
    if name:
        org.name = name
    row = session.scalar(select(Credential).where(Credential.organization_id == org.id))
    if row is None:
        row = Credential(organization_id=org.id)
        session.add(row)
    row.key_ciphertext = ciphertext
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
        key = decrypt_key(settings, row.key_ciphertext, f"the stored admin key of {slug!r}")
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
