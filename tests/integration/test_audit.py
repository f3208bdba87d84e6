"""The audit log: recording, filters, exports."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.orm import Session, sessionmaker

from usage_tracker.services.audit.log import (
    AuditFilter,
    export_audit_csv,
    export_audit_json,
    list_audit,
    project_audit,
    record_audit,
)
from usage_tracker.services.orgs.organizations import ensure_organization


@pytest.fixture
def session(session_factory: sessionmaker[Session]) -> Session:
    with session_factory() as s:
        yield s  # type: ignore[misc]


def test_entries_filter_by_org_actor_action_target_result_and_time(session: Session) -> None:
    a = ensure_organization(session, "acme").id
    b = ensure_organization(session, "other").id
    common = {"before": {"x": 1}, "after": {"x": 2}}
    record_audit(
        session,
        organization_id=a,
        actor="ann",
        action="rate_limit.update",
        target_type="rate_limit",
        target_id="proj_1/rl-a",
        result="ok",
        request_id="req_1",
        **common,
    )
    record_audit(
        session,
        organization_id=a,
        actor="bob",
        action="api_key.delete",
        target_type="api_key",
        target_id="proj_2/key_1",
        result="failed",
        detail="403: lacks api.management.write",
        **common,
    )
    record_audit(
        session,
        organization_id=b,
        actor="ann",
        action="template.create",
        target_type="template",
        target_id="std",
        result="ok",
        before=None,
        after={"limits": {}},
    )
    record_audit(
        session,
        organization_id=a,
        actor="ann",
        action="project.disable",
        target_type="project",
        target_id="proj_1",
        result="ok",
        before=None,
        after=None,
    )
    session.commit()

    assert len(list_audit(session)) == 4
    assert [e.actor for e in list_audit(session, AuditFilter(organization_id=a, actor="bob"))] == [
        "bob"
    ]
    assert len(list_audit(session, AuditFilter(action="rate_limit."))) == 1
    assert len(list_audit(session, AuditFilter(result="failed"))) == 1
    assert [e.target_id for e in project_audit(session, a, "proj_1")] == ["proj_1", "proj_1/rl-a"]
    later = datetime.now(UTC) + timedelta(hours=1)
    assert list_audit(session, AuditFilter(since=later)) == []
    assert len(list_audit(session, AuditFilter(until=later))) == 4
    with pytest.raises(ValueError):
        record_audit(
            session,
            organization_id=a,
            actor="x",
            action="y",
            target_type="z",
            target_id="1",
            before=None,
            after=None,
            result="maybe",
        )


def test_exports_carry_every_field(session: Session) -> None:
    a = ensure_organization(session, "acme").id
    record_audit(
        session,
        organization_id=a,
        actor="ann",
        action="rate_limit.update",
        target_type="rate_limit",
        target_id="proj_1/rl-a",
        before={"max_requests_per_1_minute": 5},
        after={"max_requests_per_1_minute": 0},
        result="ok",
        request_id="req_9",
    )
    session.commit()
    entries = list_audit(session)
    data = json.loads(export_audit_json(session, entries))
    assert data[0]["organization"] == "acme" and data[0]["request_id"] == "req_9"
    assert data[0]["before"] == {"max_requests_per_1_minute": 5}
    for field in (
        "id",
        "at",
        "actor",
        "action",
        "target_type",
        "target_id",
        "before",
        "after",
        "result",
        "request_id",
    ):
        assert field in data[0]
    rows = list(csv.DictReader(io.StringIO(export_audit_csv(session, entries))))
    assert json.loads(rows[0]["after"]) == {"max_requests_per_1_minute": 0}
    assert rows[0]["actor"] == "ann"
