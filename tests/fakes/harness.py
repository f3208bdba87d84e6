"""One call to get a fake organization and an SDK client pointed at it."""

from __future__ import annotations

from dataclasses import dataclass

import openai

from tests.fakes.admin_api import FakeAdminApi
from tests.fakes.builder import build_org
from tests.fakes.org import DAY, FakeOrg
from usage_tracker.openai_admin.client import make_admin_client


@dataclass
class Connected:
    org: FakeOrg
    fake: FakeAdminApi
    client: openai.OpenAI

    @property
    def today(self) -> int:
        """Start of the fake clock's UTC day."""
        return self.org.now - self.org.now % DAY

    def days_ago(self, n: int) -> int:
        return self.today - n * DAY


def connect(
    org: FakeOrg | None = None,
    *,
    key: str | None = None,
    timeout: float = 5.0,
    max_retries: int = 2,
    seed: int = 0,
) -> Connected:
    """A fake Admin API over `org` (default: build_org(seed)) and a client using its key."""
    org = org or build_org(seed)
    fake = FakeAdminApi(org)
    client = make_admin_client(
        key or org.admin_key,
        fake.base_url,
        http_client=fake.http_client(),
        timeout=timeout,
        max_retries=max_retries,
    )
    return Connected(org, fake, client)
