"""Alert channels (admin only): list, add (e-mail, Slack, signed webhook), send a test, remove."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from usage_tracker.services.spend.channels import (
    KINDS,
    ChannelError,
    add_channel,
    channel_json,
    get_channel,
    list_channels,
    remove_channel,
    send_test,
)
from usage_tracker.web.deps import AdminViewer, DbSession
from usage_tracker.web.routes.spend.budgets_admin import confirm_page
from usage_tracker.web.routes.spend.common import _, flash, flash_redirect, spend_page

router = APIRouter(include_in_schema=False)


@router.get("/channels", name="channels:list")
def channels_page(request: Request, viewer: AdminViewer, db: DbSession) -> Response:
    ctx = {"channels": [channel_json(c) for c in list_channels(db)], "kinds": KINDS}
    return spend_page(request, viewer, db, "channels", "budgets/channels.html", ctx)


@router.post("/channels", name="channels:add")
def add(
    request: Request,
    viewer: AdminViewer,
    db: DbSession,
    kind: Annotated[str, Form()],
    target: Annotated[str, Form()],
    secret: Annotated[str, Form()] = "",
) -> Response:
    targets = [t.strip() for t in target.replace(";", ",").split(",") if t.strip()]
    try:
        row = add_channel(db, request.app.state.settings, kind, targets, secret.strip() or None)
    except ChannelError as exc:
        db.rollback()
        return flash_redirect(
            request, "/channels", flash("error", _("Failed: %(detail)s"), detail=exc)
        )
    db.commit()
    return flash_redirect(
        request,
        "/channels",
        flash("ok", _("Channel %(id)s (%(channel)s) added."), id=row.id, channel=row.kind),
    )


@router.post("/channels/{channel_id:int}/test", name="channels:test")
def test(request: Request, viewer: AdminViewer, db: DbSession, channel_id: int) -> Response:
    try:
        result = send_test(db, request.app.state.settings, channel_id)
    except ChannelError as exc:
        return flash_redirect(
            request, "/channels", flash("error", _("Failed: %(detail)s"), detail=exc)
        )
    kind = "ok" if result.ok else "error"
    return flash_redirect(
        request,
        "/channels",
        flash(kind, _("Channel %(id)s: %(detail)s"), id=channel_id, detail=result.detail),
    )


@router.get("/channels/{channel_id:int}/remove", name="channels:remove-confirm")
def remove_confirm(
    request: Request, viewer: AdminViewer, db: DbSession, channel_id: int
) -> Response:
    try:
        c = channel_json(get_channel(db, channel_id))
    except ChannelError as exc:
        return flash_redirect(
            request, "/channels", flash("error", _("Failed: %(detail)s"), detail=exc)
        )
    return confirm_page(request, viewer, db, {
        "title": "channel", "lines": [f"{c['kind']}: {c['target']}"], "danger": True,
        "action": f"/channels/{channel_id}/remove", "cancel": "/channels",
    }, view="channels")  # fmt: skip


@router.post("/channels/{channel_id:int}/remove", name="channels:remove")
def remove(request: Request, viewer: AdminViewer, db: DbSession, channel_id: int) -> Response:
    try:
        remove_channel(db, channel_id)
    except ChannelError as exc:
        return flash_redirect(
            request, "/channels", flash("error", _("Failed: %(detail)s"), detail=exc)
        )
    db.commit()
    return flash_redirect(
        request, "/channels", flash("ok", _("Channel %(id)s removed."), id=channel_id)
    )
