"""The Admin API's usage endpoints, their result objects, dimensions and metrics."""

from __future__ import annotations

from dataclasses import dataclass

COSTS = "costs"
AUDIT_LOGS = "audit_logs"  # the sync stream of OpenAI's own audit log
COST_OBJECT = "organization.costs.result"
COST_DIMENSIONS: tuple[str, ...] = ("project_id", "line_item", "api_key_id", "user_id")

# Every metric column a usage record can carry (names as the Admin API spells them).
USAGE_METRICS: tuple[str, ...] = (
    "num_model_requests",
    "num_requests",
    "input_tokens",
    "input_cached_tokens",
    "input_cache_write_tokens",
    "input_uncached_tokens",
    "output_tokens",
    "input_text_tokens",
    "output_text_tokens",
    "input_cached_text_tokens",
    "input_audio_tokens",
    "input_cached_audio_tokens",
    "output_audio_tokens",
    "input_image_tokens",
    "input_cached_image_tokens",
    "output_image_tokens",
    "images",
    "characters",
    "seconds",
    "num_sessions",
    "usage_bytes",
)

# Every dimension a usage record can carry.
USAGE_DIMENSIONS: tuple[str, ...] = (
    "project_id",
    "user_id",
    "api_key_id",
    "model",
    "batch",
    "service_tier",
    "source",
    "size",
    "context_level",
    "vector_store_id",
)


@dataclass(frozen=True, slots=True)
class UsageEndpoint:
    name: str  # path segment: /organization/usage/{name}
    object: str  # the result's `object` value
    group_by: tuple[str, ...]  # what the endpoint can group by
    metrics: tuple[str, ...]
    bucket_widths: tuple[str, ...] = ("1m", "1h", "1d")


def _ep(name: str, obj: str, group_by: tuple[str, ...], metrics: tuple[str, ...]) -> UsageEndpoint:
    return UsageEndpoint(name, f"organization.usage.{obj}.result", group_by, metrics)


_USER_KEY_MODEL = ("project_id", "user_id", "api_key_id", "model")

USAGE_ENDPOINTS: dict[str, UsageEndpoint] = {
    e.name: e
    for e in (
        _ep(
            "completions",
            "completions",
            (*_USER_KEY_MODEL, "batch", "service_tier"),
            (
                "input_tokens",
                "input_cached_tokens",
                "input_cache_write_tokens",
                "input_uncached_tokens",
                "output_tokens",
                "input_text_tokens",
                "output_text_tokens",
                "input_cached_text_tokens",
                "input_audio_tokens",
                "input_cached_audio_tokens",
                "output_audio_tokens",
                "input_image_tokens",
                "input_cached_image_tokens",
                "output_image_tokens",
                "num_model_requests",
            ),
        ),
        _ep("embeddings", "embeddings", _USER_KEY_MODEL, ("input_tokens", "num_model_requests")),
        _ep("moderations", "moderations", _USER_KEY_MODEL, ("input_tokens", "num_model_requests")),
        _ep(
            "images",
            "images",
            (*_USER_KEY_MODEL, "size", "source"),
            ("images", "num_model_requests"),
        ),
        _ep(
            "audio_speeches",
            "audio_speeches",
            _USER_KEY_MODEL,
            ("characters", "num_model_requests"),
        ),
        _ep(
            "audio_transcriptions",
            "audio_transcriptions",
            _USER_KEY_MODEL,
            ("seconds", "num_model_requests"),
        ),
        _ep("vector_stores", "vector_stores", ("project_id",), ("usage_bytes",)),
        _ep(
            "code_interpreter_sessions",
            "code_interpreter_sessions",
            ("project_id",),
            ("num_sessions",),
        ),
        _ep(
            "file_search_calls",
            "file_searches",
            ("project_id", "user_id", "api_key_id", "vector_store_id"),
            ("num_requests",),
        ),
        _ep(
            "web_search_calls",
            "web_searches",
            (*_USER_KEY_MODEL, "context_level"),
            ("num_model_requests", "num_requests"),
        ),
    )
}

# Endpoints whose `num_model_requests` are model requests: "Requests" in every total adds
# these only. Tool endpoints count calls, sessions or stored bytes of their own (TOOL_COUNTS),
# shown apart and never added to model requests.
MODEL_ENDPOINTS: tuple[str, ...] = (
    "completions",
    "embeddings",
    "moderations",
    "images",
    "audio_speeches",
    "audio_transcriptions",
)
# Tool endpoint → (the metric it counts, its unit, how days combine: "sum" or "peak").
TOOL_COUNTS: dict[str, tuple[str, str, str]] = {
    "web_search_calls": ("num_requests", "calls", "sum"),
    "file_search_calls": ("num_requests", "calls", "sum"),
    "code_interpreter_sessions": ("num_sessions", "sessions", "sum"),
    "vector_stores": ("usage_bytes", "bytes", "peak"),
}

ENDPOINT_BY_OBJECT: dict[str, UsageEndpoint] = {e.object: e for e in USAGE_ENDPOINTS.values()}
# The metrics each endpoint never reports (the ledger stores them as 0).
ABSENT_METRICS: dict[str, tuple[str, ...]] = {
    name: tuple(m for m in USAGE_METRICS if m not in e.metrics)
    for name, e in USAGE_ENDPOINTS.items()
}

BUCKET_SECONDS: dict[str, int] = {"1m": 60, "1h": 3600, "1d": 86400}


def width_for_seconds(seconds: int) -> str:
    """The bucket width name for a bucket's length in seconds (defaults to daily)."""
    for name, length in BUCKET_SECONDS.items():
        if length == seconds:
            return name
    raise ValueError(f"bucket length of {seconds} seconds is not 1m, 1h or 1d")
