"""Cost line items: "gpt-4o-2024-08-06, input" → model `gpt-4o-2024-08-06`, kind `input`.

The Costs API names what was billed in one text. The shapes read here:

    gpt-4o-2024-08-06, input            model, token kind
    gpt-4o-mini, cached input           kinds normalised: cached_input, cache_write_input,
    gpt-4o-audio-preview, audio input   audio_input, cached_audio_input, image_input, …
    Batch: gpt-4o-mini, output          a pricing tier (batch, flex, priority, scale) in front:
    gpt-4o-mini, batch output           model gpt-4o-mini, kind batch_output — the tier's spend is
                                        the model's, its unit price is the tier's own
    ft:gpt-4o-mini:org::abc, training   a fine-tuned model (its base model is gpt-4o-mini)
    dall-e-3 / whisper-1                a model alone (images, seconds: the unit says)
    web search tool calls               a tool: kind web_search_calls, no model (or the
    gpt-4o, web search tool calls       model it ran for, when named)

Anything else keeps its raw text, has no model and is `recognised=False`, so reports list it
instead of dropping it or inventing a model.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Normalised token kinds, from the wording the Costs API and dashboard exports use.
_KIND_ALIASES: dict[str, str] = {
    "input": "input",
    "input tokens": "input",
    "input_tokens": "input",
    "uncached input": "input",
    "cached input": "cached_input",
    "cached_input": "cached_input",
    "input cached": "cached_input",
    "cached input tokens": "cached_input",
    "cache write": "cache_write_input",
    "cache write input": "cache_write_input",
    "cache_write": "cache_write_input",
    "input cache write": "cache_write_input",
    "output": "output",
    "output tokens": "output",
    "output_tokens": "output",
    "reasoning output": "output",
    "audio input": "audio_input",
    "input audio": "audio_input",
    "audio output": "audio_output",
    "output audio": "audio_output",
    "cached audio input": "cached_audio_input",
    "audio cached input": "cached_audio_input",
    "image input": "image_input",
    "input image": "image_input",
    "cached image input": "cached_image_input",
    "image output": "image_output",
    "output image": "image_output",
    "text input": "input",
    "text output": "output",
    "cached text input": "cached_input",
    "training": "training",
}
# Pricing tiers that can be written in front of a line item ("Batch: gpt-4o-mini, output") or
# of its kind ("gpt-4o-mini, batch output"); their spend stays the model's.
TIERS = ("batch", "flex", "priority", "scale")
# Tools billed by the call, session or storage, from the words of their line item.
_TOOLS: tuple[tuple[str, str], ...] = (
    ("web search", "web_search_calls"),
    ("file search", "file_search_calls"),
    ("code interpreter", "code_interpreter_sessions"),
    ("vector store", "vector_store_storage"),
    ("computer use", "computer_use_calls"),
    ("image generation", "image_generation_calls"),
)
TOOL_KINDS = frozenset(kind for _, kind in _TOOLS)
_MODEL = re.compile(r"[A-Za-z0-9][A-Za-z0-9._\-/]*(?::[A-Za-z0-9._\-]*)*")  # no spaces
_TIER_PREFIX = re.compile(r"^(?P<tier>[A-Za-z]+)\s*:\s*(?P<rest>.+)$")


@dataclass(frozen=True, slots=True)
class LineItem:
    raw: str
    model: str | None
    kind: str | None
    tier: str | None = None  # batch | flex | priority | scale
    base_model: str | None = None  # a fine-tuned model's base (ft:<base>:…)
    recognised: bool = True

    @property
    def fine_tuned(self) -> bool:
        return self.base_model is not None

    @property
    def batch(self) -> bool:
        return self.tier == "batch"


def _tool_kind(text: str) -> str | None:
    lowered = text.lower()
    for words, kind in _TOOLS:
        if words in lowered:
            return kind
    return None


def _kind(text: str) -> tuple[str | None, str | None]:
    """(tier, kind) of the part after the comma."""
    words = " ".join(text.strip().lower().split())
    if not words:
        return None, None
    tool = _tool_kind(words)
    if tool is not None:
        return None, tool
    tier = None
    head, _, rest = words.partition(" ")
    if head in TIERS and rest:
        tier, words = head, rest
    kind = _KIND_ALIASES.get(words, words.replace(" ", "_"))
    return tier, (f"{tier}_{kind}" if tier else kind)


def _base_of(model: str) -> str | None:
    if not model.startswith("ft:"):
        return None
    base = model[3:].split(":", 1)[0]
    return base or None


def parse_line_item(raw: str | None) -> LineItem:
    """Split a cost line item into model, token kind, tier and base model; keep the raw text.

    Batch spend keeps the model (`Batch: gpt-4o-mini, output` is model `gpt-4o-mini`, kind
    `batch_output`), so a model's totals include it.
    """
    if raw is None or not raw.strip():
        return LineItem(raw or "", None, None)  # no line item at all: nothing to recognise
    text = raw.strip()
    body, prefix_tier = text, None
    match = _TIER_PREFIX.match(text)
    if match and match.group("tier").lower() in TIERS:
        prefix_tier, body = match.group("tier").lower(), match.group("rest").strip()
    head, sep, tail = body.partition(",")
    head = head.strip()
    if not sep and _tool_kind(head) is not None:
        return LineItem(text, None, _tool_kind(head), prefix_tier)
    if not _MODEL.fullmatch(head):
        return LineItem(text, None, None, prefix_tier, recognised=False)
    tier, kind = _kind(tail) if sep else (None, None)
    tier = prefix_tier or tier
    if prefix_tier and kind is not None and not kind.startswith(f"{prefix_tier}_"):
        kind = f"{prefix_tier}_{kind}"
    return LineItem(text, head, kind, tier, _base_of(head))
