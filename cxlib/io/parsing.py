"""Parsing the cells of one column of a client's data file (vectorised).

This module knows nothing about files or headers (see :mod:`cxlib.io.sources`):
:func:`parse_cells` turns one column of :class:`Cells` into a typed
:class:`pandas.Series` of the canonical dtype and reports which cells are
invalid and why; :func:`expected_text` describes a valid cell in German.

Cells hold the stripped text of each cell plus, for XLSX files, the typed
values Excel stored (numbers, datetimes, booleans). Parsing uses pandas string
methods, :func:`pandas.to_datetime` with explicit formats and
:func:`pandas.to_numeric`, once per distinct value where values repeat; no
Python loop runs over rows except over XLSX typed cells, which openpyxl
delivers as Python objects anyway.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from cxlib.io.tables import Column

#: Text columns of loaded tables: Arrow-backed strings (compact in memory,
#: vectorised string methods; the dtype compares equal to ``"string"``).
STRING = pd.StringDtype("pyarrow")

# ---------------------------------------------------------------- cells


def format_value(value: object) -> str:
    """A typed Excel value as the user would read it (1001, 12.5, 2025-12-31)."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "WAHR" if value else "FALSCH"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime) and value.time() == dt.time():
        return value.date().isoformat()
    return str(value)


def _text_bytes(text: pd.Series) -> int:
    """Total UTF-8 length of an Arrow-backed string Series (one vectorised pass)."""
    lengths = pc.binary_length(text.array.__arrow_array__())
    return int(pc.sum(lengths).as_py() or 0)


def _may_have_space_at_an_end(text: pd.Series) -> bool:
    """False when no cell of an Arrow-backed string Series begins or ends with white space.

    Looks only at each cell's first and last byte in Arrow's buffers: white
    space is either an ASCII byte up to 0x20 or a character of several bytes,
    all of them 0x80 or above. A cell beginning or ending in such a byte may
    need stripping (also "Café" does, which ends in one): True. Empty and
    missing cells read a neighbour's byte instead, which can only add a True.
    About as fast as stripping, but without a stripped copy of the column
    (ten million receipt numbers: 100 MB less at the loader's peak).
    """
    for chunk in text.array.__arrow_array__().chunks:
        _, offsets_buffer, data = chunk.buffers()
        if data is None or not len(chunk) or not data.size:
            continue
        kind = np.int64 if pa.types.is_large_string(chunk.type) else np.int32
        offsets = np.frombuffer(offsets_buffer, kind).astype(np.int64, copy=False)
        offsets = offsets[chunk.offset : chunk.offset + len(chunk) + 1]
        raw = np.frombuffer(data, np.uint8)
        for edge in (raw.take(offsets[:-1], mode="clip"), raw.take(offsets[1:] - 1, mode="clip")):
            edge -= 0x21  # in place, wrapping: the bytes 0x21 to 0x7f become 0 to 0x5e
            if (edge >= 0x5F).any():
                return True
    return False


@dataclass(frozen=True)
class Cells:
    """The cells of one column: stripped text and (XLSX only) typed values.

    ``text`` is a string Series with NaN where a cell is empty or typed;
    ``typed`` is an object Series with None where a cell is text or empty.
    Both have a 0..n-1 index.
    """

    text: pd.Series
    typed: pd.Series | None = None

    @classmethod
    def from_text(cls, raw: pd.Series) -> Cells:
        """Cells of a CSV column (strings, '' for empty).

        Arrow strings are shared with ``raw`` where no cell needs stripping
        or masking, so that a big column is not held twice.
        """
        raw = raw.astype(STRING)
        text = raw.str.strip() if _may_have_space_at_an_end(raw) else raw
        if text is not raw and _text_bytes(text) == _text_bytes(raw):
            text = raw
        text = text.reset_index(drop=True)
        empty = text == ""
        return cls(text.mask(empty) if empty.any() else text)

    @classmethod
    def from_objects(cls, raw: pd.Series) -> Cells:
        """Cells of an XLSX column (str, numbers, datetimes, bools or None)."""
        values = raw.to_numpy(dtype=object)
        is_text = np.fromiter((isinstance(v, str) for v in values), bool, len(values))
        present = ~pd.isna(values)
        text = pd.Series(np.where(is_text, values, None), dtype="str").str.strip()
        text = text.mask(text == "")
        has_typed = present & ~is_text
        if not has_typed.any():
            return cls(text)
        return cls(text, pd.Series(np.where(has_typed, values, None), dtype=object))

    def __len__(self) -> int:
        return len(self.text)

    @property
    def empty(self) -> np.ndarray:
        """True where the cell holds nothing."""
        empty: np.ndarray = self.text.isna().to_numpy(copy=True)
        if self.typed is not None:
            empty &= self.typed.isna().to_numpy()
        return empty

    def subset(self, keep: np.ndarray) -> Cells:
        """Only the cells where ``keep`` is true (index reset)."""
        typed = None if self.typed is None else self.typed[keep].reset_index(drop=True)
        return Cells(self.text[keep].reset_index(drop=True), typed)

    def display(self, position: int) -> str:
        """The cell's value as shown in a problem message."""
        text = self.text.iloc[position]
        if isinstance(text, str):
            return text if len(text) <= 200 else text[:199] + "…"
        typed = None if self.typed is None else self.typed.iloc[position]
        return "" if typed is None else format_value(typed)


@dataclass(frozen=True)
class Formats:
    """How text cells write numbers and dates."""

    decimal: str = ","
    thousands: str = "."
    date_format: str | None = None

    @property
    def number_example(self) -> str:
        """1.234,56 in the file's own notation."""
        return f"1{self.thousands}234{self.decimal}56"


@dataclass(frozen=True)
class Parsed:
    """One parsed column: typed values, invalid cells and the expected form.

    ``errors`` pairs a boolean mask of invalid cells with the reason; invalid
    cells are missing in ``values``.
    """

    values: pd.Series
    errors: tuple[tuple[np.ndarray, str], ...]
    expected: str


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _german(number: float) -> str:
    return f"{number:g}".replace(".", ",")


def expected_text(column: Column, formats: Formats) -> str:
    """A short German description of a valid cell, e.g. "ganze Zahl von 0 bis 10"."""
    low, high = column.minimum, column.maximum
    if low is not None and high is not None:
        span = f"von {_german(low)} bis {_german(high)}"
    elif low is not None:
        span = f"ab {_german(low)}"
    else:
        span = f"bis {_german(high)}" if high is not None else ""
    if column.kind == "int":
        return f"ganze Zahl {span}".strip()
    if column.kind == "float":
        return f"Zahl wie {formats.number_example}" + (f", {span}" if span else "")
    if column.kind == "date":
        pattern = formats.date_format or "%d.%m.%Y"
        try:
            example = dt.date(2025, 12, 31).strftime(pattern)
        except ValueError:
            example = pattern
        return f"Datum wie {example}"
    if column.kind == "month":
        return "Monat wie 03.2025"
    if column.kind == "bool":
        return "ja oder nein"
    return "ein Wert"


def parse_cells(cells: Cells, column: Column, formats: Formats) -> Parsed:
    """Parse one column of cells as ``column.kind`` and check its range.

    Text columns with many repeated values (dates, ratings, flags) are parsed
    once per distinct value and then spread back onto the rows.
    """
    if cells.typed is None and column.kind not in ("id", "text", "category") and len(cells) > 500:
        codes, uniques = pd.factorize(cells.text)
        if len(uniques) <= len(cells) // 2:
            inner = _parse(Cells(pd.Series(uniques, dtype=STRING)), column, formats)
            values = inner.values.array.take(codes, allow_fill=True)
            errors = tuple((np.append(mask, False)[codes], why) for mask, why in inner.errors)
            return Parsed(pd.Series(values), errors, inner.expected)
    return _parse(cells, column, formats)


def _parse(cells: Cells, column: Column, formats: Formats) -> Parsed:
    kind = column.kind
    errors: list[tuple[np.ndarray, str]] = []
    if kind in ("int", "float"):
        numbers, bad = _numbers(cells, formats)
        errors.append((bad, "keine gültige Zahl"))
        if kind == "int":
            fraction = ~bad & ~np.isnan(numbers) & (numbers != np.round(numbers))
            too_big = np.abs(np.nan_to_num(numbers)) >= 1e15
            errors += [(fraction, "keine ganze Zahl"), (too_big & ~fraction, "Zahl zu groß")]
            numbers[fraction | too_big] = np.nan
        valid = ~np.isnan(numbers)
        outside = np.zeros(len(numbers), bool)
        if column.minimum is not None:
            outside |= valid & (numbers < column.minimum)
        if column.maximum is not None:
            outside |= valid & (numbers > column.maximum)
        errors.append((outside, "Wert außerhalb des erlaubten Bereichs"))
        numbers[outside] = np.nan
        values = pd.Series(numbers)
        if kind == "int":
            values = pd.Series(pd.array(np.round(numbers), dtype="Int64"))
    elif kind in ("date", "month"):
        values, date_errors = _dates(cells, formats, month=kind == "month")
        errors += date_errors
    elif kind == "bool":
        values, bad = _booleans(cells)
        errors.append((bad, "kein Ja/Nein-Wert"))
    else:
        values = cells.text.copy()
        if cells.typed is not None:
            has = cells.typed.notna()
            values[has] = cells.typed[has].map(format_value)
        values = values.astype(STRING)
    errors = [(np.asarray(mask, bool), message) for mask, message in errors if mask.any()]
    return Parsed(values, tuple(errors), expected_text(column, formats))


# ---------------------------------------------------------------- numbers

_CURRENCY = re.compile(r"(?i)^(?:€|euro|eur)\s*|\s*(?:€|euro|eur)\.?$")
_TRAILING_MINUS = re.compile(r"^(\d[\d.,\s]*)-$")


def _text_to_float(text: pd.Series, formats: Formats) -> pd.Series:
    converted = text
    if formats.thousands == " ":
        text = converted = text.str.replace("\u00a0", " ").str.replace("\u202f", " ")
    if formats.thousands:
        converted = converted.str.replace(formats.thousands, "", regex=False)
    if formats.decimal != ".":
        converted = converted.str.replace(formats.decimal, ".", regex=False)
    numbers = pd.to_numeric(converted, errors="coerce").astype("float64")
    numbers[~np.isfinite(numbers)] = np.nan
    if formats.thousands:
        grouped = text.str.contains(formats.thousands, regex=False)
        if grouped.any():
            t, d = re.escape(formats.thousands), re.escape(formats.decimal)
            pattern = rf"[+-]?\d{{1,3}}(?:{t}\d{{3}})+(?:{d}\d*)?"
            wrong = grouped & ~text.str.fullmatch(pattern).fillna(False).astype(bool)
            numbers[wrong] = np.nan
    return numbers


def _clean_number(text: pd.Series) -> pd.Series:
    """Drop currency signs and surrounding blanks; SAP's trailing minus to leading."""
    cleaned = text.str.replace(_CURRENCY, "", regex=True).str.strip()
    cleaned = cleaned.str.replace("−", "-", regex=False)
    cleaned = cleaned.str.replace(_TRAILING_MINUS, r"-\1", regex=True)
    return cleaned.str.replace(r"^([+-])\s+", r"\1", regex=True)


def _numbers(cells: Cells, formats: Formats) -> tuple[np.ndarray, np.ndarray]:
    values = np.full(len(cells), np.nan)
    present = cells.text.notna().to_numpy()
    if present.any():
        text = cells.text[present]
        numbers = _text_to_float(text, formats)
        retry = numbers.isna()
        if retry.any():
            numbers[retry] = _text_to_float(_clean_number(text[retry]), formats)
        values[present] = numbers.to_numpy()
    bad = present & np.isnan(values)
    if cells.typed is not None:
        for i, value in cells.typed.dropna().items():
            if _is_number(value):
                values[i] = float(value)
            else:
                bad[i] = True
        infinite = np.isinf(values)
        bad |= infinite
        values[infinite] = np.nan
    return values, bad


# ---------------------------------------------------------------- dates

_TIME = re.compile(
    r"^(\S+?)[ T]+\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:\s*Uhr)?(?:Z|[+-]\d{2}:?\d{2})?$"
)
_DATE_SHAPE = r"(?:\d{1,2}\.\d{1,2}\.(?:\d{2}|\d{4})|\d{4}-\d{1,2}-\d{1,2})(?:[ T].*)?"
_SHAPES = {
    False: re.compile(_DATE_SHAPE),
    True: re.compile(_DATE_SHAPE + r"|\d{1,2}[./]\d{4}|\d{4}-\d{1,2}"),
}
_MONTH_NAME = re.compile(r"^([a-zäöü]+)\.?[\s\-/]*(\d{4}|\d{2})$")
_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            "januar jan jänner jaenner january",
            "februar feb february",
            "märz mär maerz mrz march mar",
            "april apr",
            "mai may",
            "juni jun june",
            "juli jul july",
            "august aug",
            "september sep sept",
            "oktober okt october oct",
            "november nov",
            "dezember dez december dec",
        ),
        start=1,
    )
    for name in names.split()
}
_EARLIEST, _LATEST = pd.Timestamp("1900-01-01"), pd.Timestamp("2200-12-31")


def _full_year(text: pd.Series) -> pd.Series:
    """31.12.25 → 31.12.2025 (as Excel does: 00-29 → 20yy, 30-99 → 19yy)."""
    short = text.str.len() <= 8
    if not short.any():
        return text
    text = text.copy()
    part = text[short].str.replace(r"^(\d{1,2}\.\d{1,2}\.)([0-2]\d)$", r"\g<1>20\2", regex=True)
    text[short] = part.str.replace(r"^(\d{1,2}\.\d{1,2}\.)([3-9]\d)$", r"\g<1>19\2", regex=True)
    return text


_US = "datetime64[us]"  # internal resolution: wide enough for 31.12.9999


def _parse_formats(text: pd.Series, formats: tuple[str, ...]) -> pd.Series:
    out = pd.Series(pd.NaT, index=text.index, dtype=_US)
    for fmt in formats:
        rest = out.isna()
        if not rest.any():
            break
        parsed = pd.to_datetime(text[rest], format=fmt, errors="coerce")
        out[rest] = parsed.astype(_US)
    return out


def _text_dates(text: pd.Series, formats: Formats, month: bool) -> pd.Series:
    if formats.date_format and not month:
        return _parse_formats(text, (formats.date_format,))
    with_time = text.str.contains(":", regex=False)
    if with_time.any():
        text = text.copy()
        text[with_time] = text[with_time].str.replace(_TIME, r"\1", regex=True)
    candidates: tuple[str, ...] = ("%d.%m.%Y", "%Y-%m-%d")
    if formats.date_format:
        candidates = (formats.date_format, *candidates)
    if month:
        candidates += ("%m.%Y", "%m/%Y", "%Y-%m")
    out = _parse_formats(_full_year(text), candidates)
    rest = out.isna()
    if month and rest.any():
        parts = text[rest].str.lower().str.extract(_MONTH_NAME)
        number = parts[0].map(_MONTHS)
        known = number.notna() & parts[1].notna()
        if known.any():
            year = parts[1][known].astype(int)
            year = year.where(year >= 100, year + np.where(year < 30, 2000, 1900))
            combined = number[known].astype(int).astype(str) + "." + year.astype(str)
            out[combined.index] = _parse_formats(combined, ("%m.%Y",))
    return out


def _typed_date_kind(value: object) -> int:
    """0 empty, 1 datetime, 2 Excel serial day (up to 2201), 3 invalid."""
    if value is None:
        return 0
    if isinstance(value, dt.datetime | dt.date):
        return 1
    if isinstance(value, int | float) and not isinstance(value, bool):
        return 2 if 1 <= value < 110_000 else 3
    return 3


def _typed_dates(typed: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Excel datetimes and serial numbers; returns (values, invalid mask)."""
    values = typed.to_numpy()
    kinds = np.fromiter(map(_typed_date_kind, values), np.int8, len(values))
    out = np.full(len(values), np.datetime64("NaT"), dtype=_US)
    stamps, serials = kinds == 1, kinds == 2
    if stamps.any():
        out[stamps] = pd.to_datetime(list(values[stamps])).to_numpy(dtype=_US)
    if serials.any():
        days = pd.to_timedelta(values[serials].astype(float), unit="D")
        out[serials] = (pd.Timestamp("1899-12-30") + days).to_numpy(dtype=_US)
    return pd.Series(out, index=typed.index), pd.Series(kinds == 3, index=typed.index)


def _dates(
    cells: Cells, formats: Formats, month: bool
) -> tuple[pd.Series, list[tuple[np.ndarray, str]]]:
    values = pd.Series(pd.NaT, index=cells.text.index, dtype=_US)
    present = cells.text.notna()
    bad = pd.Series(False, index=cells.text.index)
    if present.any():
        values[present] = _text_dates(cells.text[present], formats, month)
        bad = present & values.isna()
    if cells.typed is not None:
        typed, typed_bad = _typed_dates(cells.typed)
        values = values.where(typed.isna(), typed)
        bad |= typed_bad
    outside = (values.notna() & ((values < _EARLIEST) | (values > _LATEST))).to_numpy(dtype=bool)
    bad = bad.to_numpy(dtype=bool)
    shaped = np.zeros(len(values), dtype=bool)
    if bad.any() and not (formats.date_format and not month):
        matches = cells.text[bad].fillna("").str.fullmatch(_SHAPES[month])
        shaped[bad] = matches.fillna(False).to_numpy(dtype=bool)
        # a well-shaped date with a year like 9999 is out of range, not impossible
        # (pandas 2 cannot even hold it, so it arrives here as unparsed)
        years = cells.text[shaped].str.extract(r"(\d{4})", expand=False).astype(float)
        far = ((years < _EARLIEST.year) | (years > _LATEST.year)).to_numpy(dtype=bool)
        where = np.flatnonzero(shaped)[far]
        shaped[where], bad[where], outside[where] = False, False, True
    word = "Monat" if month else "Datum"
    errors = [
        (bad & ~shaped, f"kein gültiger {word}" if month else "kein gültiges Datum"),
        (shaped, f"{word} gibt es nicht (Tag oder Monat zu groß)"),
        (outside, "Jahr außerhalb 1900–2200; ein offenes Ende bitte leer lassen"),
    ]
    stamps = values.mask(outside).to_numpy(dtype=_US)
    unit = "datetime64[M]" if month else "datetime64[D]"
    values = pd.Series(stamps.astype(unit).astype("datetime64[ns]"))
    return values, errors


# ---------------------------------------------------------------- booleans

_BOOLEANS = {
    **dict.fromkeys(("ja", "j", "wahr", "true", "yes", "y", "x", "1"), True),
    **dict.fromkeys(("nein", "n", "falsch", "false", "no", "0"), False),
}


def _booleans(cells: Cells) -> tuple[pd.Series, np.ndarray]:
    mapped = cells.text.str.lower().map(_BOOLEANS)
    values = mapped.astype(object).where(mapped.notna(), None)
    bad = (cells.text.notna() & mapped.isna()).to_numpy(copy=True)
    values = values.to_numpy(dtype=object, copy=True)
    if cells.typed is not None:
        for i, value in cells.typed.dropna().items():
            if isinstance(value, bool) or value in (0, 1):
                values[i] = bool(value)
            else:
                bad[i] = True
    return pd.Series(pd.array(values, dtype="boolean")), bad
