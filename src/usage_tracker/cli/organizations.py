"""`--org`: an organization that is not there ends the command with the ones that are."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from usage_tracker.cli.context import fail

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from usage_tracker.db.models import Organization


def organization_slugs(session: Session) -> list[str]:
    from usage_tracker.services.orgs.organizations import list_organizations

    return [o.slug for o in list_organizations(session)]


def unknown_org(session: Session, slug: str, extra: list[str] | None = None) -> typer.Exit:
    """The error for an --org that names no organization: it lists the organizations there are
    (and `extra`, ones that exist once synced: the OPENAI_ADMIN_KEY one)."""
    slugs = sorted(set(organization_slugs(session)) | set(extra or []))
    if not slugs:
        return fail(
            f"no organization {slug!r}: there is none yet; import a file into it "
            f"(`usage-tracker import --org {slug} FILE`) or add it "
            f"(`usage-tracker orgs add {slug}`)"
        )
    return fail(
        f"no organization {slug!r}; the organizations here: {', '.join(slugs)} "
        "(see `usage-tracker orgs list`)"
    )


def known_org(session: Session, slug: str) -> Organization:
    """The organization named by --org (or the default), or the error listing those there are."""
    from usage_tracker.services.orgs.organizations import UnknownOrganization, get_organization

    try:
        return get_organization(session, slug)
    except UnknownOrganization:
        raise unknown_org(session, slug) from None
