"""Organization metadata as plain typed records: projects, keys, members, rate limits, spend
limits, invites — what the Admin API describes, never SDK objects; datetimes are UTC. The
vocabulary of rate-limit fields lives here too."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime


def utc(epoch_seconds: int | float | None) -> datetime | None:
    """An aware UTC datetime for an epoch timestamp (None stays None)."""
    if epoch_seconds is None:
        return None
    return datetime.fromtimestamp(int(epoch_seconds), tz=UTC)


@dataclass(frozen=True, slots=True)
class Project:
    id: str
    name: str | None
    status: str | None  # "active" or "archived"
    created_at: datetime | None
    archived_at: datetime | None

    @property
    def archived(self) -> bool:
        return self.archived_at is not None or self.status == "archived"


@dataclass(frozen=True, slots=True)
class KeyOwner:
    """Who owns a project API key: a user or a service account."""

    kind: str  # "user", "service_account" or "unknown"
    id: str | None
    name: str | None = None
    email: str | None = None
    role: str | None = None


@dataclass(frozen=True, slots=True)
class ProjectApiKey:
    id: str
    project_id: str
    name: str | None
    redacted_value: str
    created_at: datetime | None
    last_used_at: datetime | None
    owner: KeyOwner
    owner_project_access: str | None = None  # "active" or "inactive"


@dataclass(frozen=True, slots=True)
class ServiceAccount:
    id: str
    project_id: str
    name: str | None
    role: str | None
    created_at: datetime | None


@dataclass(frozen=True, slots=True)
class ProjectMember:
    """A user's membership of one project, with the project role."""

    user_id: str
    project_id: str
    name: str | None
    email: str | None
    role: str | None
    added_at: datetime | None


# Every editable field of a project × model rate limit, in the Admin API's names.
RATE_LIMIT_FIELDS = (
    "max_requests_per_1_minute",
    "max_tokens_per_1_minute",
    "max_images_per_1_minute",
    "max_audio_megabytes_per_1_minute",
    "max_requests_per_1_day",
    "batch_1_day_max_input_tokens",
)
# The largest limit the tracker sends: the largest integer JSON carries exactly (2^53 − 1).
MAX_RATE_LIMIT = 2**53 - 1


def parse_rate_limit(name: str, raw: object) -> int:
    """A limit value typed by a person ("1,500" or 1500) as an int, or ValueError saying what
    is wrong with it (not a whole number, negative, larger than MAX_RATE_LIMIT)."""
    if name not in RATE_LIMIT_FIELDS:
        raise ValueError(f"unknown limit field {name!r}; one of {', '.join(RATE_LIMIT_FIELDS)}")
    text = str(raw).strip().replace(",", "").replace("_", "")
    if isinstance(raw, bool) or not text.lstrip("-").isdigit() or not text.isascii():
        raise ValueError(f"{name}: {str(raw)[:40]!r} is not a whole number")
    value = int(text)
    if value < 0:
        raise ValueError(f"{name}: a limit cannot be negative (got {value})")
    if value > MAX_RATE_LIMIT:
        raise ValueError(f"{name}: {value} is larger than the largest limit, {MAX_RATE_LIMIT}")
    return value


@dataclass(frozen=True, slots=True)
class RateLimit:
    """One project × model rate limit; None where the model has no such limit."""

    id: str
    project_id: str
    model: str
    max_requests_per_1_minute: int
    max_tokens_per_1_minute: int
    max_images_per_1_minute: int | None = None
    max_audio_megabytes_per_1_minute: int | None = None
    max_requests_per_1_day: int | None = None
    batch_1_day_max_input_tokens: int | None = None


@dataclass(frozen=True, slots=True)
class SpendLimit:
    """A hard monthly spend limit of the organization (project_id None) or of a project."""

    project_id: str | None
    threshold_cents: int
    currency: str
    interval: str
    enforcement_status: str | None


@dataclass(frozen=True, slots=True)
class SpendAlert:
    id: str
    project_id: str | None
    threshold_cents: int
    currency: str
    interval: str
    recipients: tuple[str, ...]
    subject_prefix: str | None = None


@dataclass(frozen=True, slots=True)
class AdminApiKey:
    id: str
    name: str | None
    redacted_value: str
    created_at: datetime | None
    expires_at: datetime | None
    last_used_at: datetime | None
    owner_id: str | None
    owner_name: str | None
    owner_type: str | None


@dataclass(frozen=True, slots=True)
class Invite:
    id: str
    email: str
    role: str
    status: str
    created_at: datetime | None
    expires_at: datetime | None
    accepted_at: datetime | None
