"""Passwords cost argon2's recommended parameters in production; the suite alone hashes cheaply."""

from __future__ import annotations

import subprocess
import sys

from argon2 import profiles

from usage_tracker.services.accounts import accounts

STRONG_PREFIX = "$argon2id$v=19$m=65536,t=3,p=4$"


def test_production_hashes_with_rfc_9106_parameters() -> None:
    assert accounts.PASSWORD_PARAMETERS == profiles.RFC_9106_LOW_MEMORY
    params = accounts.PASSWORD_PARAMETERS
    assert (params.time_cost, params.memory_cost, params.parallelism) == (3, 65536, 4)


def test_a_fresh_process_stores_strong_hashes() -> None:
    """No test hook reaches a process of its own: what `usage-tracker users create` stores."""
    code = (
        "from usage_tracker.services.accounts.accounts import hash_password;"
        "print(hash_password('correct-horse-battery'))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    ).stdout
    assert out.startswith(STRONG_PREFIX), out


def test_the_suite_hashes_cheaply() -> None:
    """tests/conftest.py swaps the hasher for the whole session (each hash ~0.1 s otherwise)."""
    stored = accounts.hash_password("correct-horse-battery")
    assert stored.startswith("$argon2id$v=19$m=8,t=1,p=1$"), stored
    assert accounts._hasher.verify(stored, "correct-horse-battery")
