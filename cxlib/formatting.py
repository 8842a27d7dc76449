"""Numbers and dates in the report's language (babel, not the C locale).

German: 1.234,5 · 12 % · 31.12.2025 · +12; English: 1,234.5 · 12% · 31/12/2025.
``None`` and NaN become an en dash, so that a missing value never prints as
"nan". :func:`plural` picks the singular or plural form of a counted text
("1 Datei", "3 Dateien") by the language's CLDR plural rules.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

import numpy as np
import pandas as pd
from babel import Locale
from babel.dates import format_date
from babel.numbers import format_decimal

LOCALES = {"de": "de_DE", "en": "en_GB"}
MISSING = "–"
_DATE_PATTERNS = {"de": "dd.MM.yyyy", "en": "dd/MM/yyyy"}
_MINUS = "−"  # typographic minus


def _missing(value: object) -> bool:
    """True for None, NaN, pd.NA and NaT."""
    if value is None:
        return True
    missing = pd.isna(value)
    return missing if isinstance(missing, bool) else False


def _round(value: float, decimals: int) -> Decimal:
    """Commercial rounding (half up), as readers expect: 12,5 % → 13 %, not 12 %."""
    return Decimal(str(value)).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)


def number(value: float | None, decimals: int = 1, lang: str = "de") -> str:
    """A number with ``decimals`` fixed decimals and thousands separators."""
    if value is None or _missing(value):
        return MISSING
    pattern = "#,##0" + ("." + "0" * decimals if decimals > 0 else "")
    text = format_decimal(_round(value, decimals), format=pattern, locale=LOCALES[lang])
    return text.replace("-", _MINUS)


def integer(value: float | None, lang: str = "de") -> str:
    """A whole number with thousands separators (1.234 / 1,234)."""
    return number(value, 0, lang)


def percent(share: float | None, decimals: int = 0, lang: str = "de") -> str:
    """A share (0.123) as a percentage ("12 %" in German, "12%" in English)."""
    if share is None or _missing(share):
        return MISSING
    sep = "\u202f" if lang == "de" else ""
    return f"{number(share * 100, decimals, lang)}{sep}%"


def signed(value: float | None, decimals: int = 0, lang: str = "de") -> str:
    """A number with its sign always shown (+12, −3, 0), as NPS is written."""
    if value is None or _missing(value):
        return MISSING
    text = number(value, decimals, lang)
    return f"+{text}" if _round(value, decimals) > 0 else text


def plural(count: float, lang: str = "de") -> str:
    """The CLDR plural category of ``count`` in ``lang``: "one" or "other" in de and en.

    Texts that count something have one form per category in the catalogue
    (``summary.files.one``: "{n} Datei", ``summary.files.other``: "{n} Dateien");
    pick the form with ``t(f"summary.files.{plural(n, lang)}", lang, n=...)``.
    """
    return Locale.parse(LOCALES[lang]).plural_form(count)


def date(value: dt.date | pd.Timestamp | None, lang: str = "de") -> str:
    """A date as 31.12.2025 (de) or 31/12/2025 (en)."""
    if value is None or _missing(value):
        return MISSING
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
    if isinstance(value, dt.datetime):
        value = value.date()
    return format_date(value, _DATE_PATTERNS[lang], locale=LOCALES[lang])


def month(value: dt.date | pd.Timestamp | None, lang: str = "de") -> str:
    """A month as 03/2025 (both languages)."""
    if value is None or _missing(value):
        return MISSING
    return f"{value.month:02d}/{value.year}"


def join_where(labels: np.ndarray, shown: np.ndarray, separator: str = ", ") -> np.ndarray:
    """Per row, the ``labels`` whose ``shown`` is True, joined in column order ("a, c").

    ``labels`` is one label per column (shape ``(k,)``) or per cell (``(n, k)``);
    ``shown`` is a boolean ``(n, k)`` array. Built column by column, so that a
    list of a million customers is not joined row by row in Python.
    """
    shown = np.asarray(shown, dtype=bool)
    cells = np.broadcast_to(np.asarray(labels, dtype=object), shown.shape)
    text = np.full(shown.shape[0], "", dtype=object)
    for column in range(shown.shape[1]):
        on = shown[:, column]
        first = on & (text == "")
        text = np.where(first, cells[:, column], text)
        text = np.where(on & ~first, text + separator + cells[:, column], text)
    return text
