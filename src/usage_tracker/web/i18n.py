"""Languages: gettext catalogs read from the .po files at start (no compile step needed)."""

from __future__ import annotations

import gettext
import io
from datetime import date
from decimal import Decimal
from functools import cache
from pathlib import Path

from babel.dates import format_date
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_currency, format_decimal, format_percent, get_currency_symbol
from fastapi import Request

from usage_tracker.domain.money import NANOS_PER_UNIT, from_nanos

LOCALE_DIR = Path(__file__).parent / "locale"
LANGUAGES = {"en": "English", "ko": "한국어"}
DEFAULT_LANGUAGE = "en"
BABEL_LOCALES = {"en": "en_US", "ko": "ko_KR"}
LANG_COOKIE = "ut_lang"


@cache
def translations(lang: str) -> gettext.NullTranslations:
    """The catalog for `lang`, compiled in memory from its .po file."""
    po_path = LOCALE_DIR / lang / "LC_MESSAGES" / "messages.po"
    if lang == DEFAULT_LANGUAGE or not po_path.exists():
        return gettext.NullTranslations()
    with po_path.open("rb") as fh:
        catalog = read_po(fh, locale=lang)
    buf = io.BytesIO()
    write_mo(buf, catalog)
    buf.seek(0)
    return gettext.GNUTranslations(buf)


def pick_language(request: Request, preferred: str | None = None) -> str:
    """Account preference, then the language cookie, then Accept-Language, then English."""
    for candidate in (preferred, request.cookies.get(LANG_COOKIE)):
        if candidate in LANGUAGES:
            return str(candidate)
    header = request.headers.get("accept-language", "")
    for part in header.split(","):
        code = part.split(";")[0].strip().lower()[:2]
        if code in LANGUAGES:
            return code
    return DEFAULT_LANGUAGE


# Values the fast path must format exactly as Babel does before it is used for a locale.
_PROBES = (0, 1, -1, 999, 1000, -1234567, 10**12 + 5, 1_234_565_000, -5_000_000, 4_999_999)


def _babel_usd(usd: Decimal, locale: str, digits: int) -> str:
    if digits == 2:
        return str(format_currency(usd, "USD", locale=locale))
    pattern = "¤#,##0." + "0" * digits
    return str(format_currency(usd, "USD", format=pattern, currency_digits=False, locale=locale))


def _babel_percent(value: float, locale: str, digits: int) -> str:
    pattern = "#,##0." + "0" * digits + "%" if digits else "#,##0%"
    return str(format_percent(value, format=pattern, locale=locale))


def _fast_usd(usd: Decimal, symbol: str, digits: int) -> str:
    text = format(usd, f",.{digits}f")  # Decimal rounds half-even, as Babel does
    return "-" + symbol + text[1:] if text.startswith("-") else symbol + text


def _fast_percent(value: float, digits: int) -> str:
    return format(Decimal(str(value)) * 100, f",.{digits}f") + "%"


@cache
def _fast_symbol(locale: str) -> str | None:
    """The USD symbol when this locale writes numbers, dollars and percentages the way
    Python's `format` does with that symbol in front (checked against Babel); else None, and
    every value goes through Babel. A page of 2,000 rows formats ≈ 10,000 values."""
    symbol = str(get_currency_symbol("USD", locale=locale))
    for nanos in _PROBES:
        usd = from_nanos(nanos)
        for digits in (2, 4):
            if _fast_usd(usd, symbol, digits) != _babel_usd(usd, locale, digits):
                return None
        if f"{nanos:,}" != format_decimal(nanos, locale=locale):
            return None
        share = nanos / 7_000_000
        for digits in (0, 1, 2):
            if _fast_percent(share, digits) != _babel_percent(share, locale, digits):
                return None
    return symbol


class Formatter:
    """Locale-aware display of numbers, money, percentages and dates."""

    def __init__(self, lang: str, currency: str = "USD", krw_per_usd: Decimal | None = None):
        self.lang = lang
        self.locale = BABEL_LOCALES.get(lang, "en_US")
        self.krw_per_usd = krw_per_usd
        self.currency = "KRW" if currency == "KRW" and krw_per_usd else "USD"
        self._symbol = _fast_symbol(self.locale)

    def money(self, nanos: int | None) -> str:
        if nanos is None:
            return "—"
        usd = from_nanos(nanos)
        if self.currency == "KRW" and self.krw_per_usd:
            return str(format_currency(usd * self.krw_per_usd, "KRW", locale=self.locale))
        return self._usd(usd, 2)

    def usd(self, nanos: int | None) -> str:
        if nanos is None:
            return "—"
        return self._usd(from_nanos(nanos), 2)

    def unit_price(self, nanos: int | None) -> str:
        """A small amount such as a cost per request, to four decimals ($0.0076)."""
        if nanos is None:
            return "—"
        return self._usd(from_nanos(nanos), 4)

    def _usd(self, usd: Decimal, digits: int) -> str:
        if self._symbol is None:
            return _babel_usd(usd, self.locale, digits)
        return _fast_usd(usd, self._symbol, digits)

    def number(self, value: int | float | Decimal | None) -> str:
        if value is None:
            return "—"
        if self._symbol is not None and type(value) is int:
            return f"{value:,}"
        return str(format_decimal(value, locale=self.locale))

    def percent(self, value: float | None, digits: int = 1) -> str:
        if value is None:
            return "—"
        if self._symbol is not None and isinstance(value, float):
            return _fast_percent(value, digits)
        return _babel_percent(value, self.locale, digits)

    def day(self, value: date | None, fmt: str = "medium") -> str:
        return "—" if value is None else str(format_date(value, format=fmt, locale=self.locale))

    @property
    def locale_tag(self) -> str:
        """The BCP 47 tag ("en-US", "ko-KR") the browser's Intl formats charts with."""
        return self.locale.replace("_", "-")

    def currency_symbol(self) -> str:
        """The display currency's symbol in this locale: "$" in English, "US$" in Korean."""
        return str(get_currency_symbol(self.currency, locale=self.locale))

    def chart_amount(self, nanos: int | None) -> float:
        """Amount in the display currency as a float, for chart axes only (never for sums)."""
        usd = float(nanos or 0) / NANOS_PER_UNIT
        if self.currency == "KRW" and self.krw_per_usd:
            return usd * float(self.krw_per_usd)
        return usd
