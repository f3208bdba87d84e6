"""The audit page's Tracker / OpenAI switch, its exports, its JSON twin and the project page,
over OpenAI audit-log events a real sync stored from the fake."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from tests.fakes import Fault, build_org
from tests.fakes.audit_logs import add_events
from tests.fakes.harness import Connected, connect
from usage_tracker.services.jobs.sync_then_evaluate import sync_organization
from usage_tracker.services.orgs.credentials import add_organization
from usage_tracker.services.sync.run import SyncResult
from usage_tracker.settings import Settings

pytestmark = pytest.mark.usefixtures("accounts")


def _sync(factory: sessionmaker[Session], settings: Settings, c: Connected) -> SyncResult:
    now = datetime.fromtimestamp(c.org.now, UTC)
    return sync_organization(factory, settings, "acme", http_client=c.fake.http_client(), now=now)


@pytest.fixture
def world(settings: Settings, session_factory: sessionmaker[Session]) -> Iterator[Connected]:
    org = build_org(seed=5, days=6, projects=3, users=5)
    add_events(org, 3, start=org.now - 7200, step=600, project_index=1)
    c = connect(org)
    c.fake.validate = False
    with session_factory() as session:
        add_organization(session, settings, "acme", org.admin_key, base_url=c.fake.base_url)
        session.commit()
    yield c


def ids_on(page: str) -> list[str]:
    return re.findall(r'data-event-id="([^"]+)"', page)


def newest_first(c: Connected) -> list[str]:
    return [e.id for e in sorted(c.org.audit_logs, key=lambda e: (e.effective_at, e.id))][::-1]


def test_the_switch_lists_filters_and_exports_openai_events(
    world: Connected,
    admin: TestClient,
    settings: Settings,
    session_factory: sessionmaker[Session],
) -> None:
    assert _sync(session_factory, settings, world).ok
    tracker = admin.get("/governance/audit?org=acme")
    assert tracker.status_code == 200 and 'data-audit-source="tracker"' in tracker.text
    assert "source=openai" in tracker.text and not ids_on(tracker.text)
    page = admin.get("/governance/audit?org=acme&source=openai")
    assert page.status_code == 200 and 'data-audit-source="openai"' in page.text
    assert ids_on(page.text) == newest_first(world)
    assert "data-stream-error" not in page.text
    only = admin.get("/governance/audit?org=acme&source=openai&type=project.updated").text
    kinds = set(re.findall(r'data-event-type="([^"]+)"', only))
    assert kinds == {"project.updated"}
    prefix = admin.get("/governance/audit?org=acme&source=openai&type=api_key.").text
    assert {e.type for e in world.org.audit_logs if e.id in ids_on(prefix)} <= {
        "api_key.created",
        "api_key.deleted",
    }
    project = world.org.projects[1].id
    scoped = ids_on(admin.get(f"/governance/audit?org=acme&source=openai&project={project}").text)
    expected = {
        e.id for e in world.org.audit_logs if project in (e.project_id, e.details.get("id"))
    }
    assert scoped and set(scoped) == expected
    # Exports: every matching event, the same filters as the page.
    exported = admin.get("/governance/audit/export.json?org=acme&source=openai")
    assert exported.status_code == 200
    assert "openai_audit_acme.json" in exported.headers["content-disposition"]
    assert [r["id"] for r in exported.json()] == newest_first(world)
    sheet = admin.get(f"/governance/audit/export.csv?org=acme&source=openai&project={project}")
    rows = list(csv.DictReader(io.StringIO(sheet.content.decode("utf-8-sig"))))
    assert {r["id"] for r in rows} == expected and "event" in rows[0]
    assert admin.get("/governance/audit/export.xlsx?org=acme&source=openai").status_code == 200
    # The JSON twin: the export's objects.
    twin = admin.get("/api/v1/audit?org=acme&source=openai").json()
    assert twin["organization"] == "acme" and twin["source"] == "openai"
    assert twin["entries"] == exported.json()
    typed = admin.get("/api/v1/audit?org=acme&source=openai&type=project.updated&limit=2").json()
    assert len(typed["entries"]) == 2 and {e["type"] for e in typed["entries"]} == {
        "project.updated"
    }
    assert "source" not in admin.get("/api/v1/audit?org=acme").json()
    assert admin.get("/api/v1/audit?org=acme&source=nope").status_code == 422
    assert admin.get("/governance/audit?org=acme&source=nope").status_code == 422
    # The project's page lists OpenAI's events for it beside the tracker's entries.
    detail = admin.get(f"/governance/projects/{project}?org=acme").text
    section = detail.split('id="project-openai-audit"')[1]
    assert set(ids_on(section)) == expected and 'id="project-audit"' in detail
    korean = admin.get(
        "/governance/audit?org=acme&source=openai", headers={"accept-language": "ko"}
    )
    assert "트래커" in korean.text and "IP 주소" in korean.text


def test_a_refused_audit_log_is_explained_on_the_page(
    world: Connected,
    viewer: TestClient,
    settings: Settings,
    session_factory: sessionmaker[Session],
) -> None:
    world.fake.inject("/organization/audit_logs", Fault.audit_logging_disabled(times=None))
    result = _sync(session_factory, settings, world)
    assert result.status == "partial" and [s.name for s in result.errors] == ["audit_logs"]
    page = viewer.get("/governance/audit?org=acme&source=openai")
    assert page.status_code == 200 and not ids_on(page.text)
    notice = page.text.split("data-stream-error>")[1].split("</p>")[0]
    assert "audit logging is not enabled" in notice and "Data retention" in notice
    assert "No OpenAI audit events stored." in page.text
