import pytest
from hypothesis import given
from hypothesis import strategies as st

from usage_tracker.domain.line_items import parse_line_item


@pytest.mark.parametrize(
    ("raw", "model", "kind"),
    [
        ("gpt-4o-2024-08-06, input", "gpt-4o-2024-08-06", "input"),
        ("gpt-4o-2024-08-06, cached input", "gpt-4o-2024-08-06", "cached_input"),
        ("o1-2024-12-17, output", "o1-2024-12-17", "output"),
        ("gpt-4o-audio-preview, audio input", "gpt-4o-audio-preview", "audio_input"),
        ("dall-e-3", "dall-e-3", None),
        ("whisper-1", "whisper-1", None),
        ("ft:gpt-4o-mini:org::abc, Training Tokens", "ft:gpt-4o-mini:org::abc", "training_tokens"),
        ("", None, None),
        (None, None, None),
    ],
)
def test_line_item_keeps_raw_and_parsed_parts(
    raw: str | None, model: str | None, kind: str | None
) -> None:
    item = parse_line_item(raw)
    assert (item.model, item.kind) == (model, kind)
    assert item.raw == (raw or "").strip()


@pytest.mark.parametrize(
    ("raw", "model", "kind", "tier", "base"),
    [
        ("Batch: gpt-4o-mini, output", "gpt-4o-mini", "batch_output", "batch", None),
        ("gpt-4o-mini, batch output", "gpt-4o-mini", "batch_output", "batch", None),
        ("batch: gpt-4o-mini, cached input", "gpt-4o-mini", "batch_cached_input", "batch", None),
        ("Flex: o3-2025-04-16, input", "o3-2025-04-16", "flex_input", "flex", None),
        (
            "ft:gpt-4o-mini:org::abc, training",
            "ft:gpt-4o-mini:org::abc",
            "training",
            None,
            "gpt-4o-mini",
        ),
        (
            "ft:gpt-4o-mini-2024-07-18:acme:v2:B1x, input",
            "ft:gpt-4o-mini-2024-07-18:acme:v2:B1x",
            "input",
            None,
            "gpt-4o-mini-2024-07-18",
        ),
        ("gpt-4o, cache write", "gpt-4o", "cache_write_input", None, None),
        (
            "gpt-4o-audio-preview, cached audio input",
            "gpt-4o-audio-preview",
            "cached_audio_input",
            None,
            None,
        ),
        ("gpt-image-1, image output", "gpt-image-1", "image_output", None, None),
        ("web search tool calls", None, "web_search_calls", None, None),
        ("gpt-4o, web search tool calls", "gpt-4o", "web_search_calls", None, None),
        ("File search tool calls", None, "file_search_calls", None, None),
        ("Code interpreter sessions", None, "code_interpreter_sessions", None, None),
        ("vector store storage", None, "vector_store_storage", None, None),
    ],
)
def test_line_items_name_their_model_tier_and_kind(
    raw: str, model: str | None, kind: str | None, tier: str | None, base: str | None
) -> None:
    item = parse_line_item(raw)
    assert (item.model, item.kind, item.tier, item.base_model) == (model, kind, tier, base)
    assert item.recognised and item.raw == raw
    assert item.batch == (tier == "batch") and item.fine_tuned == (base is not None)


@pytest.mark.parametrize("raw", ["Some new charge we never saw", "Support plan (monthly)", "é?"])
def test_unknown_shapes_keep_the_raw_text_and_invent_no_model(raw: str) -> None:
    item = parse_line_item(raw)
    assert item.raw == raw and item.model is None and not item.recognised


_model = st.from_regex(r"[a-z][a-z0-9.\-]{0,20}", fullmatch=True)
_kind = st.sampled_from(["input", "cached input", "output", "audio input", "cache write"])


@given(model=_model, kind=_kind, batch=st.booleans())
def test_batch_spend_is_the_models_spend_whichever_way_it_is_written(
    model: str, kind: str, batch: bool
) -> None:
    plain = parse_line_item(f"{model}, {kind}")
    prefixed = parse_line_item(f"Batch: {model}, {kind}") if batch else plain
    inline = parse_line_item(f"{model}, batch {kind}") if batch else plain
    assert plain.model == prefixed.model == inline.model == model
    assert prefixed.kind == inline.kind
    assert (prefixed.kind or "").startswith("batch_") == batch


@given(st.text(max_size=60))
def test_any_text_parses_without_error_and_keeps_itself(raw: str) -> None:
    item = parse_line_item(raw)
    assert item.raw == raw.strip() or (not raw.strip() and item.raw == raw)
    if item.model is not None:
        assert " " not in item.model and item.recognised
