"""A realistic organization, the same for the same seed.

    org = build_org(seed=3, days=35, projects=6, users=25)

Usage facts for every endpoint land at random minutes of each day; costs are derived from
completions, embeddings, images and audio usage with a price table, so billed and estimated
cost reconcile (to rounding).
"""

from __future__ import annotations

import random
import string
from datetime import UTC, datetime
from decimal import Decimal

from tests.fakes.audit_logs import seed_history
from tests.fakes.org import (
    DAY,
    CostFact,
    FakeAdminKey,
    FakeApiKey,
    FakeAuditLog,
    FakeInvite,
    FakeOrg,
    FakeProject,
    FakeProjectUser,
    FakeRateLimit,
    FakeServiceAccount,
    FakeSpendAlert,
    FakeUser,
)
from tests.fakes.prices import (
    CHAT_PRICES,
    EMBEDDING_PRICE,
    IMAGE_PRICE,
    RATE_LIMIT_MODELS,
    SPEECH_PRICE,
    TRANSCRIBE_PRICE,
    billed,
)

DEFAULT_NOW = int(datetime(2025, 3, 1, 6, 0, tzinfo=UTC).timestamp())
FIRST = ("Ada", "Grace", "Linus", "Min", "Sora", "Jae", "Priya", "Omar", "Lena", "Kofi", "Ines")
LAST = ("Kim", "Park", "Lovelace", "Hopper", "Okafor", "Silva", "Novak", "Sato", "Haddad")
TEAMS = ("Search", "Support Bot", "Analytics", "Marketing", "Platform", "Research", "Mobile")


def _id(rng: random.Random, prefix: str, n: int = 16) -> str:
    return prefix + "".join(rng.choices(string.ascii_letters + string.digits, k=n))


def build_org(
    seed: int = 0,
    *,
    days: int = 35,
    projects: int = 6,
    users: int = 25,
    archived: int = 1,
    keys_per_project: int = 3,
    now: int = DEFAULT_NOW,
) -> FakeOrg:
    rng = random.Random(seed)
    admin_key = _id(rng, "sk-admin-", 48)
    org = FakeOrg(admin_key=admin_key, now=now)
    first_day = now - now % DAY - days * DAY
    for i in range(users):
        name = f"{FIRST[i % len(FIRST)]} {LAST[(i * 7 + seed) % len(LAST)]}"
        email = f"{name.lower().replace(' ', '.')}{i}@example.com"
        role = "owner" if i == 0 else "reader"
        org.users.append(FakeUser(_id(rng, "user-"), name, email, role, first_day - 400 * DAY))
    for i in range(projects):
        name = f"{TEAMS[i % len(TEAMS)]} {i // len(TEAMS) + 1}" if i >= len(TEAMS) else TEAMS[i]
        project = FakeProject(_id(rng, "proj_"), name, first_day - (300 - i) * DAY)
        if i >= projects - archived:
            project.archived_at = first_day - 10 * DAY
        org.projects.append(project)
        _populate_project(org, rng, project, keys_per_project)
    org.org_rate_limits = {
        m: {"max_requests_per_1_minute": 10_000, "max_tokens_per_1_minute": 30_000_000}
        for m in RATE_LIMIT_MODELS
    }
    org.org_spend_limit = 500_000
    org.spend_alerts.append(FakeSpendAlert(_id(rng, "alert_"), None, 250_000, [org.users[0].email]))
    for p in org.projects[:2]:
        org.project_spend_limits[p.id] = 50_000
        org.spend_alerts.append(
            FakeSpendAlert(_id(rng, "alert_"), p.id, 40_000, [org.users[0].email])
        )
    org.invites.append(
        FakeInvite(
            _id(rng, "invite-"),
            "new.hire@example.com",
            "reader",
            "pending",
            now - DAY,
            now + 6 * DAY,
        )
    )
    owner = org.users[0]
    org.admin_keys.append(
        FakeAdminKey(
            _id(rng, "key_"),
            "sync",
            f"sk-admin...{admin_key[-4:]}",
            first_day - 30 * DAY,
            owner.id,
            owner.name,
            now - 3600,
        )
    )
    for n in range(3):
        created = FakeAuditLog(
            _id(rng, "audit_log-"), "api_key.created", first_day + n * DAY, owner.email, owner.id
        )
        key = org.api_keys[n] if n < len(org.api_keys) else None
        if key is not None:
            project = org.project(key.project_id)
            created.project_id, created.project_name = key.project_id, project and project.name
            created.details = {"id": key.id, "data": {"scopes": ["api.model.request"]}}
        org.audit_logs.append(created)
    active = [p for p in org.projects if not p.archived_at]
    for day in range(days + 1):  # the last day is today, partial
        for project in active:
            _usage_day(org, rng, project, first_day + day * DAY)
    seed_history(org, rng, first_day)  # last: the usage above stays the same for a seed
    return org


def _populate_project(org: FakeOrg, rng: random.Random, project: FakeProject, keys: int) -> None:
    account = FakeServiceAccount(
        _id(rng, "user-"), project.id, f"{project.name} bot", "member", project.created_at + DAY
    )
    org.service_accounts.append(account)
    members = rng.sample(org.users, k=min(len(org.users), rng.randint(2, 6)))
    for n, user in enumerate(members):
        role = "owner" if n == 0 else "member"
        org.project_users.append(FakeProjectUser(user.id, project.id, role, project.created_at))
    for n in range(keys):
        by_account = n == keys - 1
        owner_id = account.id if by_account else members[n % len(members)].id
        secret = _id(rng, "", 4)
        last_used = None if n == 1 else org.now - rng.randint(1, 20) * 3600
        org.api_keys.append(
            FakeApiKey(
                _id(rng, "key_"),
                project.id,
                f"{project.name} key {n + 1}",
                f"sk-proj-***{secret}",
                project.created_at + (n + 1) * DAY,
                last_used,
                "service_account" if by_account else "user",
                owner_id,
            )
        )
    for model in RATE_LIMIT_MODELS:
        org.rate_limits.append(
            FakeRateLimit(
                f"rl-{model}-{project.id[-6:]}",
                project.id,
                model,
                {"max_requests_per_1_minute": 5_000, "max_tokens_per_1_minute": 2_000_000},
            )
        )


def _usage_day(org: FakeOrg, rng: random.Random, project: FakeProject, day: int) -> None:
    keys = [k for k in org.api_keys if k.project_id == project.id]
    for key in keys:
        user_id = key.owner_id if key.owner_type == "user" else None
        base = {"project_id": project.id, "api_key_id": key.id, "user_id": user_id}
        at = day + rng.randrange(0, DAY - 60, 60)
        if at >= org.now:
            continue
        for model, (p_in, p_cached, p_out) in rng.sample(sorted(CHAT_PRICES.items()), k=2):
            uncached, cached = rng.randint(5_000, 400_000), rng.randint(0, 100_000)
            output, requests = rng.randint(1_000, 90_000), rng.randint(5, 400)
            dims = {**base, "model": model, "batch": rng.random() < 0.2, "service_tier": "default"}
            org.add_usage(
                "completions",
                at,
                dims,
                input_tokens=uncached + cached,
                input_cached_tokens=cached,
                input_uncached_tokens=uncached,
                input_text_tokens=uncached,
                input_cached_text_tokens=cached,
                output_tokens=output,
                output_text_tokens=output,
                num_model_requests=requests,
            )
            for item, qty, price in (
                ("input", uncached, p_in),
                ("cached input", cached, p_cached),
                ("output", output, p_out),
            ):
                _bill(org, day, base, f"{model}, {item}", qty, "tokens", price / 1_000_000)
        model, price = EMBEDDING_PRICE
        tokens = rng.randint(1_000, 200_000)
        org.add_usage(
            "embeddings",
            at,
            {**base, "model": model},
            input_tokens=tokens,
            num_model_requests=rng.randint(1, 50),
        )
        _bill(org, day, base, f"{model}, input", tokens, "tokens", price / 1_000_000)
        org.add_usage(
            "moderations",
            at,
            {**base, "model": "omni-moderation-latest"},
            input_tokens=rng.randint(100, 5_000),
            num_model_requests=rng.randint(1, 20),
        )
        if rng.random() < 0.5:
            model, price = IMAGE_PRICE
            images = rng.randint(1, 12)
            org.add_usage(
                "images",
                at,
                {**base, "model": model, "size": "1024x1024", "source": "image.generation"},
                images=images,
                num_model_requests=images,
            )
            _bill(org, day, base, f"{model}, images", images, "images", price)
        model, price = SPEECH_PRICE
        chars = rng.randint(100, 20_000)
        org.add_usage(
            "audio_speeches",
            at,
            {**base, "model": model},
            characters=chars,
            num_model_requests=rng.randint(1, 10),
        )
        _bill(org, day, base, f"{model}, characters", chars, "characters", price / 1_000_000)
        model, price = TRANSCRIBE_PRICE
        seconds = rng.randint(10, 3_000)
        org.add_usage(
            "audio_transcriptions",
            at,
            {**base, "model": model},
            seconds=seconds,
            num_model_requests=rng.randint(1, 10),
        )
        _bill(org, day, base, f"{model}, seconds", seconds, "duration_seconds", price)
        org.add_usage(
            "file_search_calls",
            at,
            {**base, "vector_store_id": "vs_" + project.id[-6:]},
            num_requests=rng.randint(1, 30),
        )
        org.add_usage(
            "web_search_calls",
            at,
            {**base, "model": "gpt-4o-2024-08-06", "context_level": "medium"},
            num_model_requests=rng.randint(1, 20),
            num_requests=rng.randint(1, 20),
        )
    if day < org.now:
        org.add_usage(
            "vector_stores", day, {"project_id": project.id}, usage_bytes=rng.randint(10**6, 10**9)
        )
        org.add_usage(
            "code_interpreter_sessions",
            day,
            {"project_id": project.id},
            num_sessions=rng.randint(0, 15),
        )


def _bill(
    org: FakeOrg,
    day: int,
    base: dict[str, str | None],
    line_item: str,
    quantity: int,
    unit: str,
    unit_price: Decimal,
) -> None:
    org.costs.append(
        CostFact(
            day,
            str(base["project_id"]),
            str(base["api_key_id"]),
            line_item,
            billed(unit_price, quantity),
            Decimal(quantity),
            unit,
        )
    )
