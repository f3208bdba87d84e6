"""Team writes (admin only, CSRF-checked app-wide): create a team, rename it, add and remove
members, and delete it after a confirmation. Each calls the same `services/teams` function as
`usage-tracker teams`, which writes the audit entry; the page says what happened (flash)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from usage_tracker.services.orgs.organizations import Organization
from usage_tracker.services.spend.teams import (
    TeamError,
    TeamInfo,
    create_team,
    delete_team,
    find_team,
    remove_members,
    rename_team,
    set_members,
)
from usage_tracker.services.views.teams import resolve_member
from usage_tracker.web.deps import AdminViewer, DbSession
from usage_tracker.web.routes.governance.common import actor
from usage_tracker.web.routes.spend.common import _, flash, flash_redirect, pick_org, spend_page

router = APIRouter(include_in_schema=False)  # included by routes/spend/teams.py
Text = Annotated[str, Form()]


def team_or_404(db: Session, team_id: int) -> tuple[Organization, TeamInfo]:
    found = find_team(db, team_id)
    if found is None:
        raise HTTPException(status_code=404, detail=f"no team {team_id}")
    return found


def _detail_url(request: Request, team_id: int) -> str:
    return request.app.url_path_for("teams:detail", team_id=str(team_id))


def _list_url(request: Request, org: Organization) -> str:
    return f"{request.app.url_path_for('teams:list')}?org={org.slug}"


def _failed(request: Request, db: Session, url: str, exc: TeamError) -> RedirectResponse:
    db.rollback()
    return flash_redirect(request, url, flash("error", _("Not saved: %(error)s"), error=exc))


@router.post("/teams/create", name="teams:create")
def create(
    request: Request, viewer: AdminViewer, db: DbSession,
    name: Text, org: Text = "", cost_centre: Text = "",
) -> Response:  # fmt: skip
    o = pick_org(request, db, org)
    try:
        team = create_team(db, o, name, cost_centre, actor=actor(viewer))
    except TeamError as exc:
        return _failed(request, db, _list_url(request, o), exc)
    db.commit()
    message = flash("ok", _("Team %(name)s created."), name=team.name)
    return flash_redirect(request, _detail_url(request, team.id), message)


@router.post("/teams/{team_id:int}/rename", name="teams:rename")
def rename(
    request: Request, viewer: AdminViewer, db: DbSession, team_id: int, new_name: Text
) -> Response:
    """Rename the team; a team budget (keyed by the name) follows it."""
    o, info = team_or_404(db, team_id)
    try:
        renamed = rename_team(db, o, info.name, new_name, actor=actor(viewer))
    except TeamError as exc:
        return _failed(request, db, _detail_url(request, team_id), exc)
    db.commit()
    message = flash("ok", _("Team %(old)s renamed to %(new)s."), old=info.name, new=renamed.name)
    return flash_redirect(request, _detail_url(request, team_id), message)


@router.post("/teams/{team_id:int}/members", name="teams:add-member")
def add_member(
    request: Request, viewer: AdminViewer, db: DbSession, team_id: int, kind: Text, member: Text
) -> Response:
    """Add a project, user (by id or e-mail) or API key to the team."""
    o, info = team_or_404(db, team_id)
    url = _detail_url(request, team_id)
    try:
        member_id = resolve_member(db, o, kind, member)
        after = set_members(
            db, o, info.name, actor=actor(viewer),
            projects=[member_id] if kind == "project" else [],
            users=[member_id] if kind == "user" else [],
            keys=[member_id] if kind == "key" else [],
        )  # fmt: skip
    except TeamError as exc:
        return _failed(request, db, url, exc)
    db.commit()
    if after == info:
        return flash_redirect(
            request, url, flash("ok", _("%(id)s is already in the team."), id=member_id)
        )
    return flash_redirect(request, url, flash("ok", _("%(id)s added."), id=member_id))


@router.post("/teams/{team_id:int}/members/remove", name="teams:remove-member")
def remove_member(
    request: Request, viewer: AdminViewer, db: DbSession, team_id: int, member_id: Text
) -> Response:
    o, info = team_or_404(db, team_id)
    removed = remove_members(db, o, info.name, [member_id], actor=actor(viewer))
    db.commit()
    url = _detail_url(request, team_id)
    if not removed:
        return flash_redirect(
            request, url, flash("error", _("%(id)s is not in the team."), id=member_id)
        )
    return flash_redirect(request, url, flash("ok", _("%(id)s removed."), id=member_id))


@router.get("/teams/{team_id:int}/delete", name="teams:delete-confirm")
def delete_confirm(request: Request, viewer: AdminViewer, db: DbSession, team_id: int) -> Response:
    o, info = team_or_404(db, team_id)
    ctx = {"org": o.slug, "team": info}
    return spend_page(request, viewer, db, "teams", "teams/delete.html", ctx)


@router.post("/teams/{team_id:int}/delete", name="teams:delete")
def delete(
    request: Request, viewer: AdminViewer, db: DbSession, team_id: int, confirm: Text
) -> Response:
    """Delete the team once the form names it (its budget, if any, stops evaluating)."""
    o, info = team_or_404(db, team_id)
    if confirm != info.name:
        raise HTTPException(status_code=422, detail="the confirmation does not name this team")
    delete_team(db, o, info.name, actor=actor(viewer))
    db.commit()
    message = flash("ok", _("Team %(name)s deleted."), name=info.name)
    return flash_redirect(request, _list_url(request, o), message)
