"""The shipped unit-price table (USD), used for the demo organization and as the fallback for
estimating cost from usage when an organization's own line items give no price.

Prices per 1M tokens unless the unit says otherwise. Editable copies live in the database.
"""

from __future__ import annotations

from decimal import Decimal

# model → {token kind or unit: USD per unit}; token kinds per 1M tokens.
TOKEN_PRICES_PER_MILLION: dict[str, dict[str, Decimal]] = {
    model: {k: Decimal(v) for k, v in prices.items()}
    for model, prices in {
        "gpt-5-2025-08-07": {"input": "1.25", "cached_input": "0.125", "output": "10.00"},
        "gpt-5-mini-2025-08-07": {"input": "0.25", "cached_input": "0.025", "output": "2.00"},
        "gpt-4.1-2025-04-14": {"input": "2.00", "cached_input": "0.50", "output": "8.00"},
        "gpt-4.1-mini-2025-04-14": {"input": "0.40", "cached_input": "0.10", "output": "1.60"},
        "gpt-4.1-nano-2025-04-14": {"input": "0.10", "cached_input": "0.025", "output": "0.40"},
        "gpt-4o-2024-08-06": {"input": "2.50", "cached_input": "1.25", "output": "10.00"},
        "gpt-4o-mini-2024-07-18": {"input": "0.15", "cached_input": "0.075", "output": "0.60"},
        "o1-2024-12-17": {"input": "15.00", "cached_input": "7.50", "output": "60.00"},
        "o3-2025-04-16": {"input": "2.00", "cached_input": "0.50", "output": "8.00"},
        "o3-mini-2025-01-31": {"input": "1.10", "cached_input": "0.55", "output": "4.40"},
        "o4-mini-2025-04-16": {"input": "1.10", "cached_input": "0.275", "output": "4.40"},
        "text-embedding-3-small": {"input": "0.02"},
        "text-embedding-3-large": {"input": "0.13"},
    }.items()
}

# Models priced per unit other than tokens: model → (unit, USD per unit).
UNIT_PRICES: dict[str, tuple[str, Decimal]] = {
    "dall-e-3": ("images", Decimal("0.04")),
    "gpt-image-1": ("images", Decimal("0.042")),
    "whisper-1": ("seconds", Decimal("0.0001")),
    "tts-1": ("characters", Decimal("0.000015")),
}
