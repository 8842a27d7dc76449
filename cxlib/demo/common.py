"""Shared helpers of the demo-data generators: dates, number formats, files.

Everything here is deterministic: no clock, locale, environment or hash
ordering leaks into the bytes written. Numbers are formatted with Python's
locale-independent format mini-language (``f"{x:,.2f}"`` and swapping the
separators for German), dates with numeric ``strftime`` codes only, CSV text
is encoded explicitly, and XLSX workbooks are rewritten with fixed document
properties and fixed zip-entry metadata.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

#: Fixed timestamp for XLSX document properties ("created"/"modified").
FIXED_TIMESTAMP = dt.datetime(2026, 1, 1, 8, 0, 0)
#: Fixed zip-entry timestamp (the DOS format cannot store dates before 1980).
FIXED_ZIP_TIME = (2026, 1, 1, 8, 0, 0)

DAY = np.timedelta64(1, "D")


# --------------------------------------------------------------------------- dates


def day(text: str) -> np.datetime64:
    """An ISO date string as ``numpy.datetime64[D]``."""
    return np.datetime64(text, "D")


def month_starts(first: str, last: str) -> np.ndarray:
    """First days of the months from ``first`` to ``last`` ("YYYY-MM"), inclusive."""
    months = np.arange(np.datetime64(first, "M"), np.datetime64(last, "M") + 1)
    return months.astype("datetime64[D]")


def month_ends(starts: np.ndarray) -> np.ndarray:
    """Last days of the months that begin at ``starts``."""
    return ((starts.astype("datetime64[M]") + 1).astype("datetime64[D]")) - DAY


def uniform_days(rng: np.random.Generator, low: np.ndarray, high: np.ndarray) -> np.ndarray:
    """One uniformly drawn day in ``[low, high]`` (inclusive) per element."""
    low = np.asarray(low, dtype="datetime64[D]")
    high = np.asarray(high, dtype="datetime64[D]")
    span = (high - low).astype(np.int64) + 1
    offset = np.floor(rng.random(low.shape) * span).astype(np.int64)
    return low + np.minimum(offset, span - 1).astype("timedelta64[D]")


def format_dates(values: np.ndarray, pattern: str) -> np.ndarray:
    """Dates as text (``NaT`` → empty); ``pattern`` uses numeric codes only."""
    series = pd.Series(np.asarray(values, dtype="datetime64[D]").astype("datetime64[s]"))
    out = series.dt.strftime(pattern)
    return out.astype(object).where(series.notna(), "").to_numpy(dtype=object)


def de_dates(values: np.ndarray) -> np.ndarray:
    """Dates like 31.12.2025."""
    return format_dates(values, "%d.%m.%Y")


def iso_dates(values: np.ndarray) -> np.ndarray:
    """Dates like 2025-12-31."""
    return format_dates(values, "%Y-%m-%d")


def to_python_dates(values: np.ndarray) -> list[dt.date | None]:
    """``datetime64[D]`` values as ``datetime.date`` (``NaT`` → ``None``), for XLSX cells."""
    out: list[dt.date | None] = []
    for value in np.asarray(values, dtype="datetime64[D]"):
        out.append(None if np.isnat(value) else value.astype(dt.date))
    return out


# --------------------------------------------------------------------------- numbers


def format_numbers(
    values: np.ndarray, decimals: int, *, decimal: str = ".", thousands: str = ""
) -> np.ndarray:
    """Numbers as text with a fixed number of decimals (``NaN`` → empty).

    ``decimal=","`` and ``thousands="."`` give German exports like 1.234,50.
    """
    spec = f"{',' if thousands else ''}.{decimals}f"
    out = []
    for value in np.asarray(values, dtype=float):
        if np.isnan(value):
            out.append("")
            continue
        text = format(float(value), spec)
        if text.startswith("-") and float(text.replace(",", "")) == 0:
            text = text[1:]
        if thousands or decimal != ".":
            text = text.replace(",", "\0").replace(".", decimal).replace("\0", thousands)
        out.append(text)
    return np.array(out, dtype=object)


def format_ints(values: np.ndarray) -> np.ndarray:
    """Integers (or NaN) as text without decimals (``NaN`` → empty)."""
    return format_numbers(values, 0)


def choice(
    rng: np.random.Generator, labels: Sequence[Any], probs: Sequence[float], size: int
) -> np.ndarray:
    """Draw ``size`` labels with the given probabilities (normalised)."""
    p = np.asarray(probs, dtype=float)
    cum = np.cumsum(p / p.sum())
    idx = np.searchsorted(cum, rng.random(size), side="right")
    return np.asarray(labels, dtype=object)[np.minimum(idx, len(p) - 1)]


def choice_rows(rng: np.random.Generator, labels: Sequence[Any], probs: np.ndarray) -> np.ndarray:
    """One label per row of ``probs`` (shape ``(n, len(labels))``, rows normalised)."""
    p = np.asarray(probs, dtype=float)
    cum = np.cumsum(p / p.sum(axis=1, keepdims=True), axis=1)
    u = rng.random(len(p))[:, None]
    idx = (u >= cum).sum(axis=1)
    return np.asarray(labels, dtype=object)[np.minimum(idx, p.shape[1] - 1)]


def words(text: str) -> tuple[str, ...]:
    """The whitespace-separated words of ``text`` (compact word lists)."""
    return tuple(text.split())


def likert(latent: np.ndarray, centre: float, scale: float, low: int, high: int) -> np.ndarray:
    """Round ``centre + scale * latent`` to integers and clip to ``[low, high]``."""
    return np.clip(np.round(centre + scale * latent), low, high).astype(np.int64)


# --------------------------------------------------------------------------- files


def write_bytes(path: Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` (creating folders) and return the path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def write_csv(
    path: Path,
    frame: pd.DataFrame,
    *,
    sep: str,
    encoding: str,
    bom: bool = False,
    lineterminator: str = "\n",
) -> Path:
    """Write a frame whose cells are already text, in an explicit CSV dialect.

    ``encoding`` is applied strictly (a character that does not exist in
    cp1252 is an error, not a silent ``?``); ``bom`` adds the UTF-8 byte
    order mark that Excel writes.
    """
    text = frame.astype(object).where(frame.notna(), "")
    buffer = io.StringIO()
    writer = csv.writer(
        buffer, delimiter=sep, lineterminator=lineterminator, quoting=csv.QUOTE_MINIMAL
    )
    writer.writerow([str(c) for c in frame.columns])
    writer.writerows(text.to_numpy(dtype=object).tolist())
    data = buffer.getvalue().encode(encoding, errors="strict")
    if bom:
        data = b"\xef\xbb\xbf" + data
    return write_bytes(path, data)


@dataclass
class Sheet:
    """One worksheet: optional title rows above a header, then the rows.

    ``formats`` maps a column name to an Excel number format (dates, euros);
    ``widths`` a column name to a column width.
    """

    name: str
    header: list[str]
    rows: list[list[Any]]
    title_rows: list[str] = field(default_factory=list)
    formats: dict[str, str] = field(default_factory=dict)
    widths: dict[str, float] = field(default_factory=dict)


def write_xlsx(path: Path, sheets: list[Sheet], *, title: str | None = None) -> Path:
    """Write a workbook whose bytes do not depend on the clock.

    openpyxl stamps ``docProps/core.xml`` with the current time and zip
    entries with the file time. Both are fixed here: the document properties
    get :data:`FIXED_TIMESTAMP`, and the archive is rewritten with sorted
    entries, :data:`FIXED_ZIP_TIME`, fixed permissions and no compression
    (``ZIP_STORED``: deflate output can differ between zlib builds, stored
    bytes cannot).
    """
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter
    from openpyxl.writer.excel import ExcelWriter

    wb = Workbook()
    wb.remove(wb.active)
    bold = Font(bold=True)
    for spec in sheets:
        ws = wb.create_sheet(spec.name)
        for text in spec.title_rows:
            ws.append([text] if text else [])
        if spec.title_rows and spec.title_rows[0]:
            ws.cell(row=1, column=1).font = Font(bold=True, size=12)
        ws.append(spec.header)
        header_row = len(spec.title_rows) + 1
        for col in range(1, len(spec.header) + 1):
            ws.cell(row=header_row, column=col).font = bold
        for row in spec.rows:
            ws.append(row)
        for col, name in enumerate(spec.header, start=1):
            letter = get_column_letter(col)
            if name in spec.formats:
                for cell in ws[letter][header_row:]:
                    cell.number_format = spec.formats[name]
            ws.column_dimensions[letter].width = spec.widths.get(name, max(10, len(name) + 2))
        ws.freeze_panes = ws.cell(row=header_row + 1, column=1)
    props = wb.properties
    props.creator = "cxlib.demo (synthetische Demodaten)"
    props.lastModifiedBy = None
    props.title = title
    props.created = FIXED_TIMESTAMP
    props.modified = FIXED_TIMESTAMP

    raw = io.BytesIO()
    archive = zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED)
    ExcelWriter(wb, archive).save()  # unlike Workbook.save, keeps props.modified

    out = io.BytesIO()
    with zipfile.ZipFile(raw) as src, zipfile.ZipFile(out, "w") as dst:
        for name in sorted(src.namelist()):
            info = zipfile.ZipInfo(name, date_time=FIXED_ZIP_TIME)
            info.compress_type = zipfile.ZIP_STORED
            info.create_system = 3
            info.external_attr = 0o644 << 16
            dst.writestr(info, src.read(name))
    return write_bytes(path, out.getvalue())


def sha256(path: Path) -> str:
    """Hex SHA-256 of a file."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def wordmark_svg(text: str, subtitle: str, color: str) -> str:
    """A small, fictional text logo as SVG (``text`` is XML-escaped)."""
    from xml.sax.saxutils import escape

    width = 28 + 11 * max(len(text), int(len(subtitle) * 0.62))
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="56" '
        f'viewBox="0 0 {width} 56" role="img" aria-label="{escape(text)}">\n'
        f'  <rect x="0" y="8" width="8" height="40" rx="2" fill="{color}"/>\n'
        f'  <text x="18" y="30" font-family="Helvetica, Arial, sans-serif" font-size="20" '
        f'font-weight="700" fill="#222222">{escape(text)}</text>\n'
        f'  <text x="18" y="47" font-family="Helvetica, Arial, sans-serif" font-size="11" '
        f'fill="{color}">{escape(subtitle)}</text>\n'
        "</svg>\n"
    )
