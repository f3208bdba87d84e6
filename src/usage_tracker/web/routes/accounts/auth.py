"""Sign in, sign out, first-admin setup, preferences and the health check."""

from __future__ import annotations

import hmac
import secrets
from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from sqlalchemy import text

from usage_tracker.db.engine import transaction
from usage_tracker.services.accounts.accounts import (
    THEMES,
    AccountError,
    LoginThrottled,
    authenticate,
    count_accounts,
    create_account,
    set_preferences,
)
from usage_tracker.web.deps import DbSession, session_viewer
from usage_tracker.web.i18n import LANG_COOKIE, LANGUAGES
from usage_tracker.web.render import THEME_COOKIE, gettext_for, page_context, render

router = APIRouter(include_in_schema=False)


def safe_next(target: str | None) -> str:
    """Only same-site paths; anything else goes to the overview."""
    if target and target.startswith("/") and not target.startswith(("//", "/\\")):
        return target
    return "/"


def sign_in(request: Request, account_id: int, epoch: int) -> None:
    session = request.scope["session"]
    session.clear()
    session.update(aid=account_id, ep=epoch, csrf=secrets.token_urlsafe(32))


@router.get("/healthz", name="healthz")
def healthz(db: DbSession) -> JSONResponse:
    db.execute(text("SELECT 1"))
    return JSONResponse({"status": "ok"})


@router.get("/login", name="login")
def login_form(request: Request, db: DbSession, next: str | None = None) -> Response:
    if session_viewer(request, db) is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    if count_accounts(db) == 0 and request.app.state.setup_token:
        return render(request, "auth/no_accounts.html", None)
    return render(request, "auth/login.html", None, {"next": safe_next(next), "error": None})


@router.post("/login", name="login:submit")
def login(
    request: Request,
    db: DbSession,
    name: Annotated[str, Form()],
    password: Annotated[str, Form()],
    next: Annotated[str, Form()] = "/",
) -> Response:
    _ = gettext_for(page_context(request, None)["lang"])
    client = request.client.host if request.client else "unknown"
    try:
        account = authenticate(db, name, password, client)
        db.commit()
    except LoginThrottled as exc:
        db.commit()
        error = _("Too many failed sign-ins. Try again in %(seconds)s seconds.") % {
            "seconds": exc.retry_after
        }
        ctx = {"next": safe_next(next), "error": error}
        response = render(request, "auth/login.html", None, ctx, status_code=429)
        response.headers["retry-after"] = str(exc.retry_after)
        return response
    if account is None:
        ctx = {"next": safe_next(next), "error": _("Wrong name or password.")}
        return render(request, "auth/login.html", None, ctx, status_code=401)
    sign_in(request, account.id, account.session_epoch)
    return RedirectResponse(safe_next(next), status_code=303)


@router.post("/logout", name="logout")
def logout(request: Request) -> Response:
    request.scope["session"].clear()
    request.scope["session"]["csrf"] = secrets.token_urlsafe(32)
    return RedirectResponse("/login", status_code=303)


def _check_setup(request: Request, db: DbSession, token: str) -> None:
    expected = request.app.state.setup_token
    if not expected or count_accounts(db) > 0:
        raise HTTPException(status_code=404, detail="Setup is done; sign in instead.")
    if not hmac.compare_digest(token, expected):
        raise HTTPException(status_code=403, detail="This setup link is not valid.")


@router.get("/setup", name="setup")
def setup_form(request: Request, db: DbSession, token: str = "") -> Response:
    _check_setup(request, db, token)
    return render(request, "auth/setup.html", None, {"token": token, "error": None, "name": ""})


@router.post("/setup", name="setup:submit")
def setup(
    request: Request,
    db: DbSession,
    token: Annotated[str, Form()],
    name: Annotated[str, Form()],
    password: Annotated[str, Form()],
    password2: Annotated[str, Form()],
) -> Response:
    _check_setup(request, db, token)
    _ = gettext_for(page_context(request, None)["lang"])
    try:
        if password != password2:
            raise AccountError(_("The two passwords differ."))
        with transaction(request.app.state.session_factory) as session:
            account = create_account(session, name, password, role="admin")
            account_id, epoch = account.id, account.session_epoch
    except AccountError as exc:
        ctx = {"token": token, "error": str(exc), "name": name}
        return render(request, "auth/setup.html", None, ctx, status_code=400)
    request.app.state.setup_token = None
    sign_in(request, account_id, epoch)
    return RedirectResponse("/", status_code=303)


@router.post("/prefs", name="prefs")
def preferences(
    request: Request,
    db: DbSession,
    lang: Annotated[str | None, Form()] = None,
    theme: Annotated[str | None, Form()] = None,
    currency: Annotated[str | None, Form()] = None,
    next: Annotated[str, Form()] = "/",
) -> Response:
    """Language, theme and display currency: kept on the account, and in cookies before sign-in."""
    lang = lang if lang in LANGUAGES else None
    theme = theme if theme in THEMES else None
    currency = currency if currency in ("USD", "KRW") else None
    viewer = session_viewer(request, db)
    if viewer is not None and viewer.account_id is not None:
        set_preferences(db, viewer.account_id, locale=lang, theme=theme, currency=currency)
        db.commit()
    response = RedirectResponse(safe_next(next), status_code=303)
    for cookie, value in ((LANG_COOKIE, lang), (THEME_COOKIE, theme)):
        if value:
            response.set_cookie(
                cookie,
                value,
                max_age=31536000,
                samesite="lax",
                httponly=True,
                secure=request.url.scheme == "https",
            )
    return response


# The account page's routes are served with these (web/app.py includes this router).
from usage_tracker.web.routes.accounts.account import router as _account_router  # noqa: E402

router.include_router(_account_router)
