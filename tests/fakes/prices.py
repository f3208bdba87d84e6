"""The fake organization's price list: what its Costs API bills per unit of usage."""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal

MICRO = Decimal("0.000001")
# USD per 1M tokens: input, cached input, output.
CHAT_PRICES: dict[str, tuple[Decimal, Decimal, Decimal]] = {
    "gpt-4o-2024-08-06": (Decimal("2.50"), Decimal("1.25"), Decimal("10.00")),
    "gpt-4o-mini-2024-07-18": (Decimal("0.15"), Decimal("0.075"), Decimal("0.60")),
    "o3-mini-2025-01-31": (Decimal("1.10"), Decimal("0.55"), Decimal("4.40")),
}
EMBEDDING_PRICE = ("text-embedding-3-small", Decimal("0.02"))
IMAGE_PRICE = ("dall-e-3", Decimal("0.04"))  # per image
SPEECH_PRICE = ("tts-1", Decimal("15.00"))  # per 1M characters
TRANSCRIBE_PRICE = ("whisper-1", Decimal("0.0001"))  # per second
RATE_LIMIT_MODELS = (
    *CHAT_PRICES,
    "gpt-4.1",
    "gpt-4.1-mini",
    "o1",
    "gpt-4o-audio-preview",
    EMBEDDING_PRICE[0],
    IMAGE_PRICE[0],
    SPEECH_PRICE[0],
    TRANSCRIBE_PRICE[0],
)


def billed(unit_price: Decimal, quantity: int) -> Decimal:
    """A cost line's amount, to the micro-dollar (as the Costs API reports)."""
    return (unit_price * quantity).quantize(MICRO, ROUND_HALF_EVEN)
