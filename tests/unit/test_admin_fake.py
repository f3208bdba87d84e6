"""The fake Admin API itself: faithful to the spec, stateful, deterministic, observable."""

from __future__ import annotations

import json

import httpx2
import pytest

from tests.fakes import BASE_URL, FakeAdminApi, Fault, SpecViolation, build_org, load_spec
from tests.fakes.harness import connect
from tests.fakes.spec import Spec
from usage_tracker.domain.endpoints import USAGE_ENDPOINTS


def _get(
    fake: FakeAdminApi, path: str, key: str | None = None, **params: object
) -> httpx2.Response:
    with fake.http_client() as http:
        return http.get(
            BASE_URL + path,
            params=params,  # type: ignore[arg-type]
            headers={"authorization": f"Bearer {key or fake.org.admin_key}"},
        )


def test_the_spec_is_found_and_rejects_a_body_that_breaks_it() -> None:
    spec = load_spec()
    good = {"object": "list", "data": [], "first_id": None, "last_id": None, "has_more": False}
    spec.validate_response("GET", "/organization/projects", 200, good)
    with pytest.raises(SpecViolation, match="has_more"):
        spec.validate_response("GET", "/organization/projects", 200, {"object": "list", "data": []})
    bad_result = {
        "object": "page",
        "has_more": False,
        "next_page": None,
        "data": [
            {"object": "bucket", "start_time": 0, "end_time": 1, "results": [{"object": "nope"}]}
        ],
    }
    with pytest.raises(SpecViolation):
        spec.validate_response("GET", "/organization/costs", 200, bad_result)


def _projects_page(*projects: dict[str, object]) -> dict[str, object]:
    ids = [p["id"] for p in projects] or [None]
    return {"object": "list", "data": list(projects), "first_id": ids[0], "last_id": ids[-1],
            "has_more": False}  # fmt: skip


def _project(pid: str, **fields: object) -> dict[str, object]:
    return {"id": pid, "object": "organization.project", "name": pid, "created_at": 1,
            "archived_at": None, "status": "active"} | fields  # fmt: skip


def test_each_shape_is_validated_once_and_every_new_shape_again() -> None:
    spec = Spec(load_spec().document)  # its own cache, whatever ran before
    path = "/organization/projects"
    spec.validate_response("GET", path, 200, _projects_page(_project("proj_a")))
    before = spec.validations
    # the same shape with other ids and names: found valid before, not validated again
    spec.validate_response("GET", path, 200, _projects_page(_project("proj_b"), _project("c")))
    assert spec.validations == before
    # new shapes (an empty page; an integer where null was) are validated in full
    spec.validate_response("GET", path, 200, _projects_page())
    spec.validate_response("GET", path, 200, _projects_page(_project("proj_d", archived_at=9)))
    assert spec.validations == before + 2
    # a value the spec's enum refuses makes a new shape, so it is caught, and caught again
    wrong_object = _project("proj_e", object="organization.user")
    for _ in range(2):
        with pytest.raises(SpecViolation, match=r"organization\.user"):
            spec.validate_response("GET", path, 200, _projects_page(wrong_object))
    # a string where the spec wants an integer is a new shape too
    with pytest.raises(SpecViolation, match="x1"):
        spec.validate_response("GET", path, 200, _projects_page(_project("f", created_at="x1")))


def test_a_page_is_validated_on_one_item_per_shape_and_a_bad_item_named_at_its_index() -> None:
    spec = Spec(load_spec().document)
    path = "/organization/projects"
    many = _projects_page(*(_project(f"proj_{i}") for i in range(50)))
    shape, representative = spec.represent(many)
    assert len(representative["data"]) == 1 and shape == spec.shape(many)
    spec.validate_response("GET", path, 200, many)
    bad = _projects_page(*(_project(f"p{i}") for i in range(3)), _project("p3", created_at="x"))
    with pytest.raises(SpecViolation, match="first at data/3/created_at"):
        spec.validate_response("GET", path, 200, bad)


def _reachable_schemas(spec: Spec, node: object, seen: set[str]) -> set[str]:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/components/") and ref not in seen:
            seen.add(ref)
            kind, name = ref.split("/")[2:4]
            _reachable_schemas(spec, spec.document["components"][kind][name], seen)
        for value in node.values():
            _reachable_schemas(spec, value, seen)
    elif isinstance(node, list):
        for value in node:
            _reachable_schemas(spec, value, seen)
    return seen


def test_no_response_schema_restricts_a_list_s_length() -> None:
    """What validating one item per shape (`Spec.represent`) relies on: cutting a response's
    lists cannot change whether it validates."""
    spec = load_spec()
    restricting = ("minItems", "maxItems", "uniqueItems", "contains", "prefixItems")
    responses = [
        op["responses"]
        for item in spec.document["paths"].values()
        for op in item.values()
        if isinstance(op, dict) and "responses" in op
    ]
    reached = _reachable_schemas(spec, responses, set())
    reached.add("#/components/schemas/ErrorResponse")
    found = []
    for ref in reached:
        kind, name = ref.split("/")[2:4]
        text = json.dumps(spec.document["components"][kind][name])
        found += [(ref, word) for word in restricting if f'"{word}"' in text]
    # the check can fail: a request body in the same document does restrict a list
    assert '"maxItems"' in json.dumps(spec.document["components"]["schemas"])
    assert found == []


def test_every_served_path_answers_within_the_spec() -> None:
    c = connect()
    fake, org = c.fake, c.org
    project = org.projects[0].id
    key = next(k.id for k in org.api_keys if k.project_id == project)
    paths = [
        "/organization/projects",
        f"/organization/projects/{project}",
        f"/organization/projects/{project}/api_keys",
        f"/organization/projects/{project}/api_keys/{key}",
        f"/organization/projects/{project}/rate_limits",
        f"/organization/projects/{project}/service_accounts",
        f"/organization/projects/{project}/users",
        f"/organization/projects/{project}/spend_limit",
        f"/organization/projects/{project}/spend_alerts",
        "/organization/users",
        f"/organization/users/{org.users[1].id}",
        "/organization/invites",
        "/organization/admin_api_keys",
        "/organization/audit_logs",
        "/organization/spend_limit",
        "/organization/spend_alerts",
    ]
    for path in paths:
        assert _get(fake, path).status_code == 200, path
    for name, endpoint in USAGE_ENDPOINTS.items():
        for width in ("1d", "1h"):
            response = _get(
                fake,
                f"/organization/usage/{name}",
                start_time=c.days_ago(2),
                bucket_width=width,
                group_by=list(endpoint.group_by),
            )
            assert response.status_code == 200
    costs = _get(
        fake,
        "/organization/costs",
        start_time=c.days_ago(3),
        group_by=["project_id", "line_item", "api_key_id"],
    )
    assert costs.json()["data"][0]["results"][0]["quantity_unit"]
    assert _get(fake, "/organization/projects/proj_nope").status_code == 404
    assert len(fake.requests) == len(paths) + 2 * len(USAGE_ENDPOINTS) + 2


def test_the_same_seed_builds_the_same_org() -> None:
    a, b = build_org(5), build_org(5)
    assert a.admin_key == b.admin_key and [p.id for p in a.projects] == [p.id for p in b.projects]
    assert a.total_cost(0, a.now + 86_400) == b.total_cost(0, b.now + 86_400)
    assert build_org(6).admin_key != a.admin_key


def test_the_authorization_header_must_carry_the_admin_key() -> None:
    c = connect()
    response = _get(c.fake, "/organization/projects", key="sk-admin-not-the-right-one-1234")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "invalid_api_key"
    assert "not-the-right" not in response.text


def test_group_by_aggregates_and_omitting_it_gives_null_dimensions() -> None:
    c = connect()
    start = c.days_ago(1)
    plain = _get(c.fake, "/organization/usage/completions", start_time=start, end_time=c.today)
    (result,) = plain.json()["data"][0]["results"]
    assert result["model"] is None and result["project_id"] is None
    grouped = _get(
        c.fake,
        "/organization/usage/completions",
        start_time=start,
        end_time=c.today,
        **{"group_by[]": ["model"]},
    )
    results = grouped.json()["data"][0]["results"]
    assert len(results) > 1 and all(r["model"] and r["project_id"] is None for r in results)
    assert sum(r["input_tokens"] for r in results) == result["input_tokens"]
    project = c.org.projects[0].id
    filtered = _get(
        c.fake,
        "/organization/usage/completions",
        start_time=start,
        end_time=c.today,
        project_ids=[project],
        group_by=["project_id"],
    )
    assert {r["project_id"] for r in filtered.json()["data"][0]["results"]} == {project}


def test_list_pages_carry_first_and_last_ids() -> None:
    c = connect(build_org(1, users=45, days=1))
    first = _get(c.fake, "/organization/users", limit=20).json()
    assert first["has_more"] and first["first_id"] == c.org.users[0].id
    assert first["last_id"] == c.org.users[19].id
    last = _get(c.fake, "/organization/users", limit=20, after=c.org.users[39].id).json()
    assert len(last["data"]) == 5 and last["has_more"] is False


def test_bad_requests_are_400s_in_openai_error_shape() -> None:
    c = connect()
    over = _get(
        c.fake, "/organization/usage/completions", start_time=0, bucket_width="1d", limit=32
    )
    assert over.status_code == 400 and over.json()["error"]["param"] == "limit"
    bad_group = _get(c.fake, "/organization/costs", start_time=0, group_by=["model"])
    assert bad_group.status_code == 400
    assert _get(c.fake, "/organization/costs").status_code == 400  # start_time is required


def test_users_can_be_modified_and_deleted() -> None:
    c = connect()
    user = c.org.users[3]
    with c.fake.http_client() as http:
        auth = {"authorization": f"Bearer {c.org.admin_key}"}
        changed = http.post(
            f"{BASE_URL}/organization/users/{user.id}", json={"role": "owner"}, headers=auth
        )
        assert changed.json()["role"] == "owner"
        assert http.delete(f"{BASE_URL}/organization/users/{user.id}", headers=auth).json()[
            "deleted"
        ]
    assert _get(c.fake, f"/organization/users/{user.id}").status_code == 404


def test_faults_are_consumed_in_order_and_requests_are_recorded() -> None:
    c = connect()
    c.fake.inject("/organization/*", Fault.server_error(503), Fault.unauthorized())
    assert _get(c.fake, "/organization/projects").status_code == 503
    assert _get(c.fake, "/organization/users").status_code == 401
    assert _get(c.fake, "/organization/users").status_code == 200
    assert [(r.method, r.path, r.status) for r in c.fake.requests] == [
        ("GET", "/organization/projects", 503),
        ("GET", "/organization/users", 401),
        ("GET", "/organization/users", 200),
    ]


def test_an_unknown_path_is_a_spec_violation_not_a_silent_404() -> None:
    c = connect()
    with pytest.raises(SpecViolation, match="which the spec lacks"):
        _get(c.fake, "/organization/usage/telepathy", start_time=0)
