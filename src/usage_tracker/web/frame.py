"""The dashboard frame every area's pages render in: the sidebar (with `view` current), the
filters' state, and the messages a redirect after a write left for the next page (flash)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy.orm import Session

from usage_tracker.services.views.dashboard import VIEWS
from usage_tracker.web.deps import Viewer
from usage_tracker.web.render import render
from usage_tracker.web.state import ViewState, load_state

FLASH_KEY = "flash"
Flash = tuple[str, str, dict[str, str]]  # (ok | error, message id, its %(name)s values)


def frame_page(
    request: Request,
    viewer: Viewer,
    db: Session,
    template: str,
    view: str,
    ctx: dict[str, Any] | None = None,
    *,
    state: ViewState | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    """Render `template` inside the dashboard frame; `state` when the caller has loaded it."""
    state = state or load_state(request, db)
    base: dict[str, Any] = {
        "view": view,
        "state": state,
        "f": state.filters,
        "supported": state.supports(view) if view in VIEWS else True,
        "flash": request.scope["session"].pop(FLASH_KEY, None) or [],
    }
    return render(request, template, viewer, base | (ctx or {}), status_code)


def _(text: str) -> str:
    """Marks a message for extraction; the page translates it when it is shown."""
    return text


def flash(kind: str, text: str, /, **values: object) -> Flash:
    return kind, text, {k: str(v) for k, v in values.items()}


def flash_redirect(request: Request, url: str, *messages: Flash) -> RedirectResponse:
    """Redirect after a write, with messages shown (translated) once on the next page."""
    if messages:
        request.scope["session"][FLASH_KEY] = [list(m) for m in messages]
    return RedirectResponse(url, status_code=303)


class ActionRefused(HTTPException):
    """An action OpenAI or the stored key refused (rejected key, missing scope, no key): a
    page's form gets the message as a flash on the page it came from; JSON callers and GET
    pages get it as an error answer with this status."""


# Where a refused POST goes back to: the page of its section (the POST's path prefix).
_BACK = (
    ("/governance/rate-limits", "/governance/rate-limits"),
    ("/governance/projects", "/governance/projects"),
    ("/governance/directory", "/governance/projects"),
    ("/governance/keys", "/governance/keys"),
    ("/governance/templates", "/governance/templates"),
    ("/governance/operations", "/governance/operations"),
    ("/members/invites", "/members/invites"),
    ("/members/service-accounts", "/members/service-accounts"),
    ("/members", "/members"),
)


def back_to(request: Request) -> str | None:
    """The page a refused form goes back to, with its `org`; None outside these sections."""
    path = request.url.path
    for prefix, page in _BACK:
        if path.startswith(prefix):
            org = request.query_params.get("org")
            return page + (f"?{urlencode({'org': org})}" if org else "")
    return None
