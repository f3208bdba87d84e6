import pytest

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
