"""The account page: a person changes their own password (the current one must match) and
creates and revokes their own read-only API tokens; admins see every account and token, and
disable or enable accounts. Mistakes say what to do and change nothing."""

from __future__ import annotations

import re

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from tests.web.conftest import PASSWORD, csrf_of, sign_in
from usage_tracker.services.accounts.accounts import authenticate, list_accounts
from usage_tracker.services.accounts.api_tokens import list_tokens

NEW = "a-brand-new-password"


def _post(client: TestClient, path: str, **data: str):  # type: ignore[no-untyped-def]
    token = csrf_of(client, "/account")
    return client.post(path, data=data | {"csrf_token": token}, follow_redirects=False)


def test_a_viewer_changes_their_own_password(
    app: FastAPI, viewer: TestClient, session_factory: sessionmaker[Session]
) -> None:
    page = viewer.get("/account")
    assert page.status_code == 200 and "data-password-form" in page.text
    assert "data-accounts" not in page.text  # every account: admins only
    wrong = _post(viewer, "/account/password", current="not-it", new=NEW, again=NEW)
    assert wrong.status_code == 422 and "current password is not right" in wrong.text
    differ = _post(viewer, "/account/password", current=PASSWORD, new=NEW, again=NEW + "x")
    assert differ.status_code == 422 and "two new passwords differ" in differ.text
    with session_factory() as session:
        assert authenticate(session, "val", PASSWORD, "t") is not None  # nothing changed
    done = _post(viewer, "/account/password", current=PASSWORD, new=NEW, again=NEW)
    assert done.status_code == 303
    assert viewer.get("/account").status_code == 200  # this session stays signed in
    with session_factory() as session:
        assert authenticate(session, "val", PASSWORD, "t") is None
        assert authenticate(session, "val", NEW, "t") is not None
    with TestClient(app) as other:
        sign_in(other, "val", NEW)
        assert other.get("/account").status_code == 200


def test_own_tokens_are_shown_once_work_read_only_and_are_revoked_by_their_owner(
    app: FastAPI, viewer: TestClient, admin: TestClient, session_factory: sessionmaker[Session]
) -> None:
    created = _post(viewer, "/account/tokens", name="finance-sheet")
    assert created.status_code == 200
    plain = re.search(r"data-token-value>(utk_[^<]+)<", created.text)
    assert plain, "the new token is shown once"
    assert plain.group(1) not in viewer.get("/account").text  # and never again
    with TestClient(app) as api:
        bearer = {"Authorization": f"Bearer {plain.group(1)}"}
        assert api.get("/api/v1/dimensions", headers=bearer).status_code == 200
        assert api.get("/account", headers=bearer, follow_redirects=False).status_code == 303
    duplicate = _post(viewer, "/account/tokens", name="finance-sheet")
    assert duplicate.status_code == 422 and "already exists" in duplicate.text
    admins = _post(admin, "/account/tokens", name="ops-board")
    assert admins.status_code == 200
    with session_factory() as session:
        ids = {t.name: t.id for t in list_tokens(session)}
    mine = viewer.get("/account").text
    assert 'data-token="finance-sheet"' in mine and 'data-token="ops-board"' not in mine
    refused = _post(viewer, f"/account/tokens/{ids['ops-board']}/revoke")
    assert refused.status_code == 404 and "no such token of yours" in refused.text
    assert _post(viewer, f"/account/tokens/{ids['finance-sheet']}/revoke").status_code == 303
    with TestClient(app) as api:
        assert api.get("/api/v1/dimensions", headers=bearer).status_code == 401
    everything = admin.get("/account").text
    assert 'id="all-tokens"' in everything
    assert 'data-token="finance-sheet"' in everything and 'data-token="ops-board"' in everything
    assert _post(admin, f"/account/tokens/{ids['ops-board']}/revoke").status_code == 303
    with session_factory() as session:
        assert all(t.revoked_at is not None for t in list_tokens(session))


def test_admins_disable_and_enable_accounts_but_not_their_own(
    app: FastAPI, admin: TestClient, viewer: TestClient, session_factory: sessionmaker[Session]
) -> None:
    page = admin.get("/account").text
    assert 'data-account="val"' in page and 'data-account="ada"' in page
    own = _post(admin, "/account/users/ada/disable")
    assert own.status_code == 422 and "cannot disable your own account" in own.text
    assert _post(viewer, "/account/users/ada/disable").status_code == 403
    assert _post(admin, "/account/users/val/disable").status_code == 303
    assert viewer.get("/account", follow_redirects=False).status_code == 303  # signed out
    with session_factory() as session:
        states = {a.name: a.disabled for a in list_accounts(session)}
    assert states == {"ada": False, "val": True}
    assert _post(admin, "/account/users/val/enable").status_code == 303
    with TestClient(app) as again:
        sign_in(again, "val")
        assert again.get("/account").status_code == 200
