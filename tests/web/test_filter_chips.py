"""The active-filter chips name what they filter: a project, user or key by its name (the id in
the chip's title) when the directory knows one, its id otherwise; the filter's own word is
translated."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tests.web.korean import english_left
from usage_tracker.db.engine import transaction
from usage_tracker.db.models import Organization
from usage_tracker.services.ledger.names import upsert_project_names

RANGE = "range=custom&since=2024-01-01&until=2024-12-31"


def chips(page: str) -> dict[str, tuple[str, str | None]]:
    """filter key → (the chip's text, its title)."""
    found = re.findall(r'<li data-filter="(\w+)"><span(?: title="([^"]*)")?>([^<]*)</span>', page)
    return {key: (text, title or None) for key, title, text in found}


@pytest.fixture
def named(admin: TestClient, loaded: str, session_factory: sessionmaker[Session]) -> str:
    """The samples' costliest project given a name in the directory; returns the slug."""
    rows = admin.get(f"/api/v1/projects?{RANGE}").json()["rows"]
    with transaction(session_factory) as session:
        org = session.scalars(select(Organization).where(Organization.slug == loaded)).one()
        upsert_project_names(session, org.id, {rows[0]["project_id"]: "Research Assistant"})
    return loaded


def first_named(rows: list[dict[str, Any]], id_key: str) -> dict[str, Any]:
    named = [r for r in rows if r.get("name") and r["name"] != r[id_key]]
    assert named, f"the samples name some {id_key}"
    return named[0]


def test_chips_show_names_with_the_id_in_the_title(admin: TestClient, named: str) -> None:
    project = first_named(admin.get(f"/api/v1/projects?{RANGE}").json()["rows"], "project_id")
    user = first_named(admin.get(f"/api/v1/users?{RANGE}").json()["rows"], "user_id")
    qs = f"{RANGE}&org={named}&project={project['project_id']}&user={user['user_id']}&model=gpt-4o"
    page = admin.get(f"/?{qs}").text
    shown = chips(page)
    assert shown["project"] == (f"Project: {project['name']}", project["project_id"])
    user_name = user["name"].split(" <")[0]
    assert shown["user"][1] == user["user_id"] and user_name in shown["user"][0]
    assert shown["model"] == ("Model: gpt-4o", None)  # a model is its own name
    assert f'aria-label="Remove filter Project: {project["name"]}"' in page
    # An id the directory does not know stays as it is.
    unknown = chips(admin.get(f"/?{RANGE}&project=proj_nobody").text)
    assert unknown["project"] == ("Project: proj_nobody", None)


def test_korean_chips(admin: TestClient, named: str) -> None:
    project = first_named(admin.get(f"/api/v1/projects?{RANGE}").json()["rows"], "project_id")
    admin.cookies.set("ut_lang", "ko")
    page = admin.get(f"/users?{RANGE}&project={project['project_id']}").text
    assert chips(page)["project"][0] == f"프로젝트: {project['name']}"
    assert english_left(page) == []
