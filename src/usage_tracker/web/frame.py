"""The dashboard frame every area's pages render in: the sidebar (with `view` current), the
filters' state, and the messages a redirect after a write left for the next page (flash)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any
from urllib.parse import urlsplit

from fastapi import HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy.orm import Session
from starlette.datastructures import QueryParams

from usage_tracker.services.views.dashboard import VIEWS
from usage_tracker.web.deps import Viewer
from usage_tracker.web.filters import ReversedRange
from usage_tracker.web.render import render
from usage_tracker.web.state import ViewState, load_state

FLASH_KEY = "flash"
# The report views, whose pages carry the date range and filter form (the `data` view has none).
REPORT_VIEWS = tuple(name for name in VIEWS if name != "data")
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


# What a person can do about each error (the page shows it, translated, above the detail).
ERROR_HINTS = {
    401: _("Sign in again, then retry."),
    403: _("Your account may not do this: ask an admin. If you were signed in, reload the page."),
    404: _("There is no page at this address. Use the navigation to open a view."),
    405: _("This address answers a form's button, not a visit: go back and use the button."),
    409: _("Nothing was changed. Do what the message says, then try again."),
    422: _("Check the values in the address or the form, then try again."),
    502: _(
        "The OpenAI Admin API refused or failed the request: check the organization's admin key "
        "(usage-tracker orgs test) and try again."
    ),
    503: _("The dashboard is busy: try again in a moment."),
}
RANGE_HINT = _("The start date is after the end date: pick a start on or before the end.")
STANDARD_DETAILS = {"Not Found", "Method Not Allowed", "Forbidden", "Unauthorized"}


def _same_origin_referer(request: Request) -> str | None:
    """The page the person came from (a button's page), when it is this dashboard's."""
    referer = urlsplit(request.headers.get("referer", ""))
    if referer.netloc != request.url.netloc or not referer.path.startswith("/"):
        return None
    if referer.path == request.url.path:
        return None
    return referer.path + (f"?{referer.query}" if referer.query else "")


def error_page(
    request: Request,
    viewer: Viewer | None,
    status: int,
    detail: Any,
    headers: Mapping[str, str] | None = None,
    hint: str | None = None,
) -> HTMLResponse:
    """An error as a page: in the dashboard frame (with the navigation) for a signed-in person,
    on its own for anyone else; never a traceback. `hint` (a message id) replaces the status's
    own advice."""
    shown = "" if detail in STANDARD_DETAILS else str(detail or "")
    ctx: dict[str, Any] = {
        "status": status,
        "detail": shown,
        "hint": hint or ERROR_HINTS.get(status),
        "back": _same_origin_referer(request),
    }
    if viewer is None:
        response = render(request, "error.html", None, ctx, status_code=status)
    else:
        with request.app.state.session_factory() as db:
            # The failing URL's own filters may be what failed: the frame uses none.
            state = load_state(request, db, QueryParams())
            response = frame_page(
                request, viewer, db, "error.html", "error", ctx, state=state, status_code=status
            )
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


def range_error_page(request: Request, viewer: Viewer | None, exc: ReversedRange) -> HTMLResponse:
    """A report view asked for a start day after its end day: the view's own frame (sidebar,
    filter form holding the days as given, the other filters kept) with what to do instead of
    its content; any other page, the error page with that advice. Status 422 either way."""
    route = request.scope.get("route")
    view = getattr(route, "name", None)
    if viewer is None or view not in REPORT_VIEWS:
        return error_page(request, viewer, 422, "", hint=RANGE_HINT)
    days = ("range", "since", "until")
    params = QueryParams([(k, v) for k, v in request.query_params.multi_items() if k not in days])
    with request.app.state.session_factory() as db:
        state = load_state(request, db, params)
        filters = replace(state.filters, range="custom", since=exc.since, until=exc.until)
        ctx = {"range_error": RANGE_HINT}
        return frame_page(
            request,
            viewer,
            db,
            "views/range_error.html",
            str(view),
            ctx,
            state=replace(state, filters=filters),
            status_code=422,
        )


def flash(kind: str, text: str, /, **values: object) -> Flash:
    return kind, text, {k: str(v) for k, v in values.items()}


def flash_redirect(request: Request, url: str, *messages: Flash) -> RedirectResponse:
    """Redirect after a write, with messages shown (translated) once on the next page."""
    if messages:
        request.scope["session"][FLASH_KEY] = [list(m) for m in messages]
    return RedirectResponse(url, status_code=303)


class ActionRefused(HTTPException):
    """An action OpenAI or the stored key refused (rejected key, missing scope, no key): the
    error page (or JSON) with this status names the problem and what to do."""
