"""The account page: each person changes their own password and creates or revokes their own
read-only API tokens; admins also see every account (disable, enable) and every token (revoke).

Every write is a CSRF-checked POST that answers the page again with what happened; an error a
person can cause says what to do and changes nothing."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from usage_tracker.services.accounts.accounts import (
    AccountError,
    change_password,
    list_accounts,
    set_disabled,
)
from usage_tracker.services.accounts.api_tokens import (
    TokenError,
    create_token,
    list_tokens,
    revoke_token_of,
)
from usage_tracker.web.deps import AdminViewer, DbSession, PageViewer, Viewer
from usage_tracker.web.frame import flash, flash_redirect, frame_page

router = APIRouter(include_in_schema=False)


def account_page(
    request: Request, viewer: Viewer, db: Session, extra: dict[str, Any] | None = None,
    status_code: int = 200,
) -> HTMLResponse:  # fmt: skip
    everyone = list_accounts(db) if viewer.is_admin else []
    ctx = {
        "mine": list_tokens(db, created_by_id=viewer.account_id),
        "accounts": everyone,
        "all_tokens": list_tokens(db) if viewer.is_admin else [],
        "names": {a.id: a.name for a in everyone},
        "error": None, "created": None,
    }  # fmt: skip
    return frame_page(
        request, viewer, db, "account/account.html", "account", ctx | (extra or {}),
        status_code=status_code,
    )  # fmt: skip


@router.get("/account", name="account")
def account(request: Request, viewer: PageViewer, db: DbSession) -> HTMLResponse:
    return account_page(request, viewer, db)


@router.post("/account/password", name="account:password")
def password(
    request: Request,
    viewer: PageViewer,
    db: DbSession,
    current: Annotated[str, Form()] = "",
    new: Annotated[str, Form()] = "",
    again: Annotated[str, Form()] = "",
) -> Response:
    assert viewer.account_id is not None
    try:
        if new != again:
            raise AccountError("the two new passwords differ: type the same one twice")
        changed = change_password(db, viewer.account_id, current, new)
    except AccountError as exc:
        db.rollback()
        return account_page(request, viewer, db, {"error": str(exc)}, 422)
    db.commit()
    request.scope["session"]["ep"] = changed.session_epoch  # this session stays signed in
    return flash_redirect(request, "/account", flash("ok", "Your password was changed."))


@router.post("/account/tokens", name="account:token-create")
def token_create(
    request: Request, viewer: PageViewer, db: DbSession, name: Annotated[str, Form()] = ""
) -> Response:
    try:
        info, plain = create_token(db, name, created_by_id=viewer.account_id)
    except TokenError as exc:
        db.rollback()
        return account_page(request, viewer, db, {"error": str(exc)}, 422)
    db.commit()
    return account_page(request, viewer, db, {"created": (info, plain)})


@router.post("/account/tokens/{token_id:int}/revoke", name="account:token-revoke")
def token_revoke(request: Request, viewer: PageViewer, db: DbSession, token_id: int) -> Response:
    assert viewer.account_id is not None
    try:
        info = revoke_token_of(db, token_id, viewer.account_id, is_admin=viewer.is_admin)
    except TokenError as exc:
        db.rollback()
        return account_page(request, viewer, db, {"error": str(exc)}, 404)
    db.commit()
    return flash_redirect(
        request, "/account", flash("ok", "Token %(name)s was revoked.", name=info.name)
    )


@router.post("/account/users/{name}/{action}", name="account:user-state")
def user_state(
    request: Request, viewer: AdminViewer, db: DbSession, name: str, action: str
) -> Response:
    try:
        if action not in ("disable", "enable"):
            raise AccountError("the action is disable or enable")
        if name == viewer.name and action == "disable":
            raise AccountError("you cannot disable your own account: ask another admin")
        set_disabled(db, name, action == "disable")
    except AccountError as exc:
        db.rollback()
        return account_page(request, viewer, db, {"error": str(exc)}, 422)
    db.commit()
    text = "%(name)s was disabled." if action == "disable" else "%(name)s was enabled."
    return flash_redirect(request, "/account", flash("ok", text, name=name))
