"""What the governance pages share: the organization, its own admin client, errors, rendering.

Every action uses the organization's own stored key (`connection_for`), exactly as the CLI does;
an organization without one gets a 409 that says how to add it, never another credential.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urlencode

from fastapi import HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy.orm import Session

from usage_tracker.openai_admin import AdminApiError
from usage_tracker.services.governance import bulk, bulk_operations
from usage_tracker.services.governance.bulk_operations import BulkOperation
from usage_tracker.services.governance.bulk_progress import OperationProgress, operation_progress
from usage_tracker.services.governance.bulk_runner import BulkRunner, RunnerBusy
from usage_tracker.services.governance.project_disable import NothingToRestore
from usage_tracker.services.orgs.connections import open_client
from usage_tracker.services.orgs.credentials import CredentialError, connection_for
from usage_tracker.services.orgs.organizations import Organization, list_organizations
from usage_tracker.web.deps import Viewer
from usage_tracker.web.frame import frame_page
from usage_tracker.web.state import load_state, preferred_org, remember_org

if TYPE_CHECKING:
    from usage_tracker.openai_admin.client import AdminClient


T = TypeVar("T")


def pick_org(request: Request, db: Session, *, required: bool = False) -> Organization | None:
    """`?org=` when it names an organization (remembered), else `preferred_org`."""
    orgs = list_organizations(db)
    wanted = (request.query_params.get("org") or "").strip().lower()
    by_slug = {o.slug: o for o in orgs}
    if wanted and wanted not in by_slug:
        raise HTTPException(status_code=404, detail=f"no organization {wanted!r}")
    if wanted:
        remember_org(request, wanted)
    org = by_slug.get(wanted or preferred_org(request, db, list(by_slug)) or "")
    if org is None and required:
        raise HTTPException(status_code=404, detail="no organization yet")
    return org


def require_org(request: Request, db: Session) -> Organization:
    org = pick_org(request, db, required=True)
    assert org is not None
    return org


def admin_client(request: Request, db: Session, org: Organization) -> AdminClient:
    """The organization's own Admin API client; 409 when it has no usable key."""
    settings = request.app.state.settings
    try:
        return open_client(connection_for(db, settings, org.slug), settings)
    except CredentialError as exc:
        raise HTTPException(status_code=409, detail=str(exc)) from exc


def call(fn: Callable[[], T]) -> T:
    """Run a service call; Admin API errors (naming the missing scope) become a 502 page."""
    try:
        return fn()
    except AdminApiError as exc:
        raise HTTPException(status_code=502, detail=str(exc)) from exc
    except (NothingToRestore, bulk.AlreadyRunning) as exc:
        raise HTTPException(status_code=409, detail=str(exc)) from exc
    except RunnerBusy as exc:
        raise HTTPException(status_code=503, detail=str(exc)) from exc
    except LookupError as exc:
        raise HTTPException(status_code=404, detail=str(exc)) from exc
    except ValueError as exc:
        raise HTTPException(status_code=422, detail=str(exc)) from exc


def start_operation(request: Request, org: Organization, op: BulkOperation) -> RedirectResponse:
    """Run `op` in the background and answer at once: 303 to its page, which shows the progress.
    409 when it already runs; 503 when too many run (it stays resumable from its page)."""
    runner: BulkRunner = request.app.state.bulk_runner
    call(lambda: runner.start(op.id))
    return redirect(request, "gov:operation", org, operation_id=op.id)


def progress_of(request: Request, db: Session, org: Organization, op_id: int) -> OperationProgress:
    """One operation of `org` with its items, and whether this dashboard runs it now."""
    op = call(lambda: bulk_operations.get_operation(db, org.id, op_id))
    return operation_progress(db, op, live=request.app.state.bulk_runner.is_alive(op.id))


def actor(viewer: Viewer) -> str:
    """Who the audit log says did it: the dashboard account."""
    return f"web:{viewer.name}"


def redirect(request: Request, name: str, org: Organization, **path: Any) -> RedirectResponse:
    """303 to a named governance page of `org` (after a POST)."""
    url = request.app.url_path_for(name, **{k: str(v) for k, v in path.items()})
    return RedirectResponse(f"{url}?{urlencode({'org': org.slug})}", status_code=303)


def page(
    request: Request,
    db: Session,
    viewer: Viewer,
    template: str,
    view: str,
    org: Organization | None,
    ctx: dict[str, Any] | None = None,
) -> HTMLResponse:
    """A governance page in the dashboard frame, with its organization picker."""
    state = load_state(request, db)
    base: dict[str, Any] = {
        "org": org,
        "all_orgs": False,
        "org_slugs": state.orgs,
        "q_org": f"?org={org.slug}" if org else "",
    }
    ctx = base | (ctx or {})
    return frame_page(request, viewer, db, f"governance/{template}", view, ctx, state=state)
