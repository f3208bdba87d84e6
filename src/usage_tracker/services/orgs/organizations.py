"""Organizations tracked by this installation."""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from usage_tracker.db.base import utcnow
from usage_tracker.db.models import Organization
from usage_tracker.services.kit.errors import NotFound

_SLUG = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")


class UnknownOrganization(LookupError):
    def __init__(self, slug: str) -> None:
        super().__init__(
            f"no organization {slug!r} here yet; import a file into it or add it with "
            "`usage-tracker orgs add`"
        )


def validate_slug(slug: str) -> str:
    slug = slug.strip().lower()
    if not _SLUG.match(slug):
        raise ValueError(
            f"organization name {slug!r} must be lowercase letters, digits, '-' or '_' "
            "(at most 64 characters)"
        )
    return slug


def ensure_organization(session: Session, slug: str, name: str | None = None) -> Organization:
    """The organization with this slug, created on first use. Two imports creating the same
    new organization at once both get it: INSERT … ON CONFLICT DO NOTHING, then read (the
    second waits for the first's row instead of failing on the unique slug)."""
    slug = validate_slug(slug)
    org = session.scalar(select(Organization).where(Organization.slug == slug))
    if org is not None:
        return org
    dialect = sqlite if session.get_bind().dialect.name == "sqlite" else postgresql
    session.execute(
        dialect.insert(Organization)
        .values(slug=slug, name=name or slug, created_at=utcnow())
        .on_conflict_do_nothing(index_elements=["slug"])
    )
    org = session.scalar(select(Organization).where(Organization.slug == slug))
    assert org is not None
    return org


def get_organization(session: Session, slug: str) -> Organization:
    org = session.scalar(select(Organization).where(Organization.slug == slug.strip().lower()))
    if org is None:
        raise UnknownOrganization(slug)
    return org


def organization_by_id(session: Session, organization_id: int) -> Organization:
    org = session.get(Organization, organization_id)
    if org is None:
        raise NotFound(f"no organization {organization_id}")
    return org


def list_organizations(session: Session) -> list[Organization]:
    return list(session.scalars(select(Organization).order_by(Organization.slug)))
