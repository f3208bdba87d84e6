"""Shaping a fake organization for governance tests: many limits and keys, departed owners."""

from __future__ import annotations

from tests.fakes.faults import Fault, error_body
from tests.fakes.org import DAY, FakeApiKey, FakeOrg, FakeRateLimit


def add_rate_limits(org: FakeOrg, project_id: str, n: int) -> list[FakeRateLimit]:
    """`n` more fine-tuned models on a project, each with its own limits (for pagination)."""
    added = []
    for i in range(n):
        model = f"ft:gpt-4o-mini:acme:m{i:03d}"
        limit = FakeRateLimit(
            f"rl-ft-{i:03d}-{project_id[-6:]}",
            project_id,
            model,
            {
                "max_requests_per_1_minute": 100 + i,
                "max_tokens_per_1_minute": 10_000 + i,
                "max_requests_per_1_day": 50_000 + i,
            },
        )
        org.rate_limits.append(limit)
        added.append(limit)
    return added


def add_keys(org: FakeOrg, project_id: str, n: int, owner_id: str) -> list[FakeApiKey]:
    """`n` more user keys on a project, alternately never used and used a day ago."""
    added = []
    for i in range(n):
        key = FakeApiKey(
            f"key_bulk{i:04d}{project_id[-6:]}",
            project_id,
            f"bulk key {i}",
            f"sk-proj-***b{i:03d}",
            org.now - 200 * DAY,
            None if i % 2 else org.now - DAY,
            "user",
            owner_id,
        )
        org.api_keys.append(key)
        added.append(key)
    return added


def remove_member(org: FakeOrg, user_id: str) -> None:
    """The user leaves the organization; keys they own stay, as on OpenAI."""
    user = org.user(user_id)
    assert user is not None
    org.users.remove(user)
    org.former_users.append(user)
    org.project_users[:] = [m for m in org.project_users if m.user_id != user_id]


def limits_by_id(org: FakeOrg, project_id: str | None = None) -> dict[str, dict[str, int]]:
    """A deep copy of the fake's limits, to compare before and after."""
    return {
        r.id: dict(r.limits)
        for r in org.rate_limits
        if project_id is None or r.project_id == project_id
    }


def not_editable(*, times: int | None = None) -> Fault:
    """The answer OpenAI gives for a limit that cannot be changed."""
    return Fault(
        status=400,
        body=error_body("Rate limits for this model cannot be modified.", param="model"),
        times=times,
        method="POST",
    )
