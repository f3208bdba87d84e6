"""The Data page's "Sync now": run the hook, and answer with a message that says what happened
and what to do (never a 500: a missing key, a rejected key, a sync already running)."""

from __future__ import annotations

import logging
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import JSONResponse, Response

from usage_tracker.services.orgs.credentials import CredentialError
from usage_tracker.services.sync.lease import LeaseHeld
from usage_tracker.services.sync.run import SyncError
from usage_tracker.web.frame import Flash, _, flash, flash_redirect
from usage_tracker.web.sync_hook import SyncHook

log = logging.getLogger(__name__)
LONGEST = 400  # characters of a sync's message shown in the page (the run's row has it all)
REJECTED = ("401", "403", "invalid_api_key", "Incorrect API key", "insufficient permissions")


def _short(text: str) -> str:
    return text if len(text) <= LONGEST else text[: LONGEST - 1] + "…"


def run_sync(hook: SyncHook | None, request: Request, slug: str) -> tuple[bool, Flash]:
    """(ok, the message) of one sync of `slug` through the app's hook."""
    if hook is None:
        return False, flash(
            "error", _("Sync is not available in this installation; upload exported files instead.")
        )
    try:
        message = hook.run(request.app.state.session_factory, slug)
    except CredentialError as exc:
        return False, flash(
            "error",
            _("Nothing was synced: %(message)s"),
            message=_short(str(exc)),
        )
    except LeaseHeld:
        return False, flash(
            "error",
            _("Another sync of %(org)s is running: wait for it to finish, then reload this page."),
            org=slug,
        )
    except SyncError as exc:
        text = str(exc)
        if any(mark in text for mark in REJECTED):
            return False, flash(
                "error",
                _(
                    "OpenAI rejected the admin key of %(org)s: add a valid one with "
                    "`usage-tracker orgs add %(org)s --key-stdin`, check it with "
                    "`usage-tracker orgs test %(org)s`, then sync again. (%(message)s)"
                ),
                org=slug,
                message=_short(text),
            )
        return False, flash(
            "error",
            _("The sync of %(org)s did not complete: %(message)s. Sync again to retry."),
            org=slug,
            message=_short(text),
        )
    except Exception as exc:  # the page must say what happened, whatever failed
        log.exception("sync of %s from the web failed", slug)
        return False, flash(
            "error",
            _("The sync of %(org)s failed: %(message)s. Sync again to retry."),
            org=slug,
            message=_short(f"{type(exc).__name__}: {exc}"),
        )
    return True, flash("ok", _("Synced %(org)s: %(message)s"), org=slug, message=_short(message))


def sync_flash(request: Request, hook: SyncHook | None, slug: str) -> Response:
    """Back to the Data page of `slug` with the outcome (JSON when the client asks for it)."""
    ok, (kind, text, values) = run_sync(hook, request, slug)
    if "application/json" in request.headers.get("accept", ""):
        body = {"org": slug, "ok": ok, "message": text % values}
        return JSONResponse(body, status_code=200 if ok else 409)
    url = f"{request.app.url_path_for('data')}?{urlencode({'org': slug})}"
    return flash_redirect(request, url, (kind, text, values))
