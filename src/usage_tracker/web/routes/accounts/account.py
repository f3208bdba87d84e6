"""The account page: who is signed in, the live sessions, and "sign out everywhere"."""

from __future__ import annotations

import secrets

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from usage_tracker.services.accounts.sessions import account_sessions, end_all_sessions
from usage_tracker.web.deps import DbSession, PageViewer
from usage_tracker.web.frame import frame_page

router = APIRouter(include_in_schema=False)


@router.get("/account", name="account")
def account_page(request: Request, viewer: PageViewer, db: DbSession) -> Response:
    assert viewer.account_id is not None
    token = request.scope["session"].get("sid")
    sessions = account_sessions(db, viewer.account_id, token)
    ctx = {"sessions": sessions, "hours": request.app.state.web_settings.session_hours}
    return frame_page(request, viewer, db, "auth/account.html", "account", ctx)


@router.post("/account/sign-out-everywhere", name="account:sign-out-everywhere")
def sign_out_everywhere(request: Request, viewer: PageViewer, db: DbSession) -> Response:
    """Ends every session of this account (other browsers, copied cookies) and this one."""
    assert viewer.account_id is not None
    end_all_sessions(db, viewer.account_id)
    db.commit()
    request.scope["session"].clear()
    request.scope["session"]["csrf"] = secrets.token_urlsafe(32)
    return RedirectResponse("/login", status_code=303)
