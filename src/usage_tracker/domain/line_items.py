"""Cost line items: "gpt-4o-2024-08-06, input" → model `gpt-4o-2024-08-06`, kind `input`."""

from __future__ import annotations

from dataclasses import dataclass

# Normalised token kinds, from the wording the Costs API and dashboard exports use.
_KIND_ALIASES: dict[str, str] = {
    "input": "input",
    "input tokens": "input",
    "input_tokens": "input",
    "cached input": "cached_input",
    "cached_input": "cached_input",
    "input cached": "cached_input",
    "cached input tokens": "cached_input",
    "output": "output",
    "output tokens": "output",
    "output_tokens": "output",
    "audio input": "audio_input",
    "input audio": "audio_input",
    "audio output": "audio_output",
    "output audio": "audio_output",
    "cached audio input": "cached_audio_input",
    "image input": "image_input",
    "image output": "image_output",
    "batch input": "batch_input",
    "batch output": "batch_output",
}


@dataclass(frozen=True, slots=True)
class LineItem:
    raw: str
    model: str | None
    kind: str | None


def parse_line_item(raw: str | None) -> LineItem:
    """Split a cost line item into model and token kind; keep the raw text as well.

    A line item without a comma is taken whole as the model (``dall-e-3``, ``whisper-1``) with no
    kind. Unknown kinds are kept in lower case rather than dropped.
    """
    if raw is None or not raw.strip():
        return LineItem(raw or "", None, None)
    text = raw.strip()
    head, sep, tail = text.partition(",")
    model = head.strip() or None
    if not sep:
        return LineItem(text, model, None)
    kind_text = " ".join(tail.strip().lower().split())
    kind = _KIND_ALIASES.get(kind_text, kind_text.replace(" ", "_") or None)
    return LineItem(text, model, kind)
