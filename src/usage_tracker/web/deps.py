"""Request dependencies: database session, the signed-in viewer, admin checks, bearer tokens."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from sqlalchemy.orm import Session

from usage_tracker.services.accounts.api_tokens import verify_token
from usage_tracker.services.accounts.sessions import session_account


@dataclass(frozen=True)
class Viewer:
    """Who is asking: a signed-in account, or a read-only API token."""

    name: str
    role: str
    account_id: int | None = None
    locale: str | None = None
    theme: str | None = None
    currency: str | None = None
    via: str = "session"

    @property
    def is_admin(self) -> bool:
        return self.role == "admin" and self.via == "session"


class NotSignedIn(Exception):
    """Raised for pages; the app turns it into a redirect to the sign-in page."""


def get_db(request: Request) -> Iterator[Session]:
    with request.app.state.session_factory() as session:
        yield session


DbSession = Annotated[Session, Depends(get_db)]


def session_viewer(request: Request, db: Session) -> Viewer | None:
    """The signed-in account of this browser: its cookie's token names a live session row."""
    data = request.scope.get("session", {})
    token = data.get("sid")
    if token is None:
        return None
    account = session_account(db, token)
    if account is None:
        data.pop("sid", None)
        return None
    return Viewer(
        name=account.name,
        role=account.role,
        account_id=account.id,
        locale=account.locale,
        theme=account.theme,
        currency=account.currency,
    )


def page_viewer(request: Request, db: DbSession) -> Viewer:
    viewer = session_viewer(request, db)
    if viewer is None:
        raise NotSignedIn()
    request.state.viewer = viewer
    return viewer


def admin_viewer(viewer: Annotated[Viewer, Depends(page_viewer)]) -> Viewer:
    if not viewer.is_admin:
        raise HTTPException(status_code=403, detail="This action needs an admin account.")
    return viewer


def api_viewer(request: Request, db: DbSession) -> Viewer:
    """`Authorization: Bearer <token>` (read-only) or the browser's session."""
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        token = verify_token(db, header[7:].strip())
        if token is None:
            raise HTTPException(
                status_code=401,
                detail="Invalid or revoked API token.",
                headers={"WWW-Authenticate": "Bearer"},
            )
        db.commit()
        return Viewer(name=token.name, role="viewer", via="token")
    viewer = session_viewer(request, db)
    if viewer is None:
        raise HTTPException(
            status_code=401,
            detail="Sign in or send Authorization: Bearer <token>.",
            headers={"WWW-Authenticate": "Bearer"},
        )
    request.state.viewer = viewer
    return viewer


PageViewer = Annotated[Viewer, Depends(page_viewer)]
AdminViewer = Annotated[Viewer, Depends(admin_viewer)]
ApiViewer = Annotated[Viewer, Depends(api_viewer)]
