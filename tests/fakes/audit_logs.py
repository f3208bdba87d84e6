"""OpenAI's own audit log in the fake: a realistic history, more events on demand, and what the
list endpoint filters by (`effective_at[gt|gte|lt|lte]`, `project_ids[]`, `event_types[]`,
`actor_ids[]`, `actor_emails[]`, `resource_ids[]`), newest first like the real endpoint.

    seed_history(org, rng, first_day)                    # build_org does this
    add_events(org, 150, start=org.now - 3 * DAY)        # enough for two pages and more
"""

from __future__ import annotations

import random
import string

from tests.fakes.buckets import BadRequest, Query, integer, values
from tests.fakes.org import DAY, FakeAuditLog, FakeOrg

BOUNDS = ("gt", "gte", "lt", "lte")


def _event_id(rng: random.Random) -> str:
    return "audit_log-" + "".join(rng.choices(string.ascii_letters + string.digits, k=16))


def _ip(rng: random.Random) -> str:
    return f"203.0.113.{rng.randint(1, 254)}"


def seed_history(org: FakeOrg, rng: random.Random, first_day: int) -> None:
    """About one event every other day over the fake's span: project and rate-limit edits,
    logins, service accounts, invites and key deletions, by sessions and by user keys."""
    active = [p for p in org.projects if not p.archived_at]
    if not active or not org.users:
        return
    for day in range(first_day + DAY // 3, org.now, 2 * DAY):
        project = rng.choice(active)
        user = rng.choice(org.users[:3])
        at = min(day + rng.randrange(0, DAY // 2, 60), org.now - 60)
        e = FakeAuditLog(_event_id(rng), "", at, user.email, user.id, ip_address=_ip(rng))
        e.project_id, e.project_name = project.id, project.name
        kind = rng.choice(("project", "rate_limit", "login", "service_account", "invite", "key"))
        if kind == "project":
            e.type = "project.updated"
            e.details = {"id": project.id, "changes_requested": {"title": project.name}}
        elif kind == "rate_limit":
            limit = next(r for r in org.rate_limits if r.project_id == project.id)
            e.type = "rate_limit.updated"
            tokens = rng.randint(1, 9) * 100_000
            e.details = {"id": limit.id, "changes_requested": {"max_tokens_per_1_minute": tokens}}
        elif kind == "login":
            e.type, e.project_id, e.project_name = "login.succeeded", None, None
        elif kind == "service_account":
            account = next(a for a in org.service_accounts if a.project_id == project.id)
            e.type = "service_account.created"
            e.details = {"id": account.id, "data": {"role": "member"}}
        elif kind == "invite":
            e.type, e.project_id, e.project_name = "invite.sent", None, None
            invite = {"email": "new.hire@example.com", "role": "reader"}
            e.details = {"id": "invite-" + e.id[-8:], "data": invite}
        else:
            key = next(k for k in org.api_keys if k.project_id == project.id)
            e.type, e.details = "api_key.deleted", {"id": key.id}
            e.actor_type, e.api_key_id, e.ip_address = "api_key", "key_" + e.id[-12:], None
        org.audit_logs.append(e)


def add_events(
    org: FakeOrg,
    count: int,
    *,
    start: int,
    step: int = 60,
    project_index: int = 0,
    seed: int = 0,
) -> list[FakeAuditLog]:
    """`count` project.updated events, one every `step` seconds from `start`, on one project."""
    rng = random.Random(f"{seed}:{len(org.audit_logs)}")
    project = org.projects[project_index]
    user = org.users[0]
    added = [
        FakeAuditLog(
            _event_id(rng),
            "project.updated",
            start + n * step,
            user.email,
            user.id,
            ip_address=_ip(rng),
            project_id=project.id,
            project_name=project.name,
            details={"id": project.id, "changes_requested": {"title": f"{project.name} v{n}"}},
        )
        for n in range(count)
    ]
    org.audit_logs.extend(added)
    return added


def _window(query: Query) -> dict[str, int]:
    window = {}
    for bound in BOUNDS:
        value = integer(query, f"effective_at[{bound}]")
        if value is not None:
            window[bound] = value
    return window


def _inside(at: int, window: dict[str, int]) -> bool:
    return (
        ("gt" not in window or at > window["gt"])
        and ("gte" not in window or at >= window["gte"])
        and ("lt" not in window or at < window["lt"])
        and ("lte" not in window or at <= window["lte"])
    )


def matching(org: FakeOrg, query: Query) -> list[FakeAuditLog]:
    """The events a list request asks for, newest first (ties by id, descending)."""
    unknown = [k for k in query if k.startswith("effective_at") and k[13:-1] not in BOUNDS]
    if unknown:
        raise BadRequest(f"Unknown effective_at bound {unknown[0]!r}", "effective_at")
    window = _window(query)
    projects, types = set(values(query, "project_ids")), set(values(query, "event_types"))
    actors, emails = set(values(query, "actor_ids")), set(values(query, "actor_emails"))
    resources = set(values(query, "resource_ids"))
    found = [
        e
        for e in org.audit_logs
        if _inside(e.effective_at, window)
        and (not projects or e.project_id in projects)
        and (not types or e.type in types)
        and (not actors or actors & {e.actor_id, e.api_key_id})
        and (not emails or e.actor_email in emails)
        and (not resources or e.details.get("id") in resources)
    ]
    return sorted(found, key=lambda e: (e.effective_at, e.id), reverse=True)
