"""Fakes of the world at its edge: the OpenAI Admin API as an httpx2 transport."""

from tests.fakes.admin_api import BASE_URL, FakeAdminApi, RecordedRequest
from tests.fakes.builder import build_org
from tests.fakes.faults import Fault
from tests.fakes.org import FakeOrg
from tests.fakes.spec import SpecViolation, load_spec

__all__ = [
    "BASE_URL",
    "FakeAdminApi",
    "FakeOrg",
    "Fault",
    "RecordedRequest",
    "SpecViolation",
    "build_org",
    "load_spec",
]
