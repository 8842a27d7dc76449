"""HTML snippets the analysis notebooks display; the report keeps them as they are.

Every helper escapes the text it is given (except already-safe HTML: a
``markupsafe.Markup`` or another helper's result, e.g. a :func:`small_n_badge`
inside a :func:`note`) and returns an :class:`IPython.display.HTML` object.
The CSS classes (``cx-…``) are styled by the report template
(``cxlib/report/templates/report/report.css``). Words the helpers add themselves
("Lesehilfe:", "Hinweis:", "geringe Aussagekraft") come from the catalogue
(namespace ``report.display``).
"""

from __future__ import annotations

import base64
import datetime as dt
import io
import numbers
import re
from collections.abc import Hashable, Iterable, Mapping
from html import escape
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd
from IPython.display import HTML

from cxlib import formatting as fmt
from cxlib.texts import t

if TYPE_CHECKING:
    from matplotlib.figure import Figure, SubFigure

__all__ = [
    "APPENDIX_CLASS",
    "anchor",
    "appendix",
    "chart_alt",
    "figure",
    "nobreak",
    "note",
    "reading",
    "section_heading",
    "small_n_badge",
    "subheading",
    "table",
]


def _e(text: Any) -> str:
    """Escaped text; already-safe HTML (``markupsafe.Markup``, a helper's result) stays."""
    if hasattr(text, "__html__"):
        return str(text.__html__())
    if isinstance(text, HTML):
        return str(text.data)
    return escape(str(text), quote=True)


def nobreak(text: str) -> str:
    """Keep "n = 212" and "12 %" together on one line (no-break spaces)."""
    text = re.sub(r"\b([nN]) = (?=[\d−-])", "\\1\u00a0=\u00a0", str(text))
    return re.sub(r"(\d) %", "\\1\u202f%", text)


def anchor(section_id: str) -> str:
    """The HTML id of a report section (``sec-<id>``), also used by the table of contents."""
    slug = re.sub(r"[^a-z0-9_-]+", "-", str(section_id).strip().lower()).strip("-")
    return f"sec-{slug or 'section'}"


def section_heading(section_id: str, title: str, subtitle: str) -> HTML:
    """A section's heading (h2, anchored) with its key message as the subtitle."""
    sub = f'<p class="cx-key-message">{_e(nobreak(subtitle))}</p>' if subtitle else ""
    return HTML(
        f'<header class="cx-section-head"><h2 id="{anchor(section_id)}">{_e(title)}</h2>'
        f"{sub}</header>"
    )


def subheading(text: str) -> HTML:
    """A sub-heading (h3) inside a section."""
    return HTML(f'<h3 class="cx-subheading">{_e(text)}</h3>')


def reading(text: str, lang: str = "de") -> HTML:
    """The one-sentence reading aid under a chart ("Lesehilfe: …")."""
    label = t("report.display.reading", lang)
    return HTML(f'<p class="cx-reading"><span class="cx-label">{_e(label)}</span> {_e(text)}</p>')


def note(text: str, kind: Literal["info", "warning"] = "info", lang: str = "de") -> HTML:
    """A boxed note, e.g. a small-sample warning; ``kind`` is ``info`` or ``warning``."""
    if kind not in ("info", "warning"):
        raise ValueError(f"kind must be 'info' or 'warning', not {kind!r}")
    label = t(f"report.display.note_{kind}", lang)
    return HTML(
        f'<div class="cx-note cx-note-{kind}"><span class="cx-label">{_e(label)}</span> '
        f"{_e(text)}</div>"
    )


#: The class of a block the report moves from its section into the appendix.
APPENDIX_CLASS = "cx-to-appendix"


def appendix(
    title: str,
    *parts: Any,
    lang: str = "de",
    place: Literal["details", "quality"] = "details",
) -> HTML:
    """Detail for the appendix: the report moves it there and leaves a pointer in its place.

    ``title`` names the detail (a table's heading); ``parts`` are HTML snippets
    (escaped like every helper's). In the notebook it shows where it is; the
    report (:func:`cxlib.report.render.render_report`) lifts it out of the
    section into the appendix, in report order, and puts a one-line pointer
    where it stood: ``place`` ``details`` (the detail tables, under the
    section's title) or ``quality`` (beside the data quality, e.g. a data
    profile). For tables a director needs only to check a number, not to read
    the story.
    """
    if place not in ("details", "quality"):
        raise ValueError(f"place must be 'details' or 'quality', not {place!r}")
    pointer = t("report.display.in_appendix", lang, title=title)
    inner = "".join(_e(p) for p in parts)
    return HTML(
        f'<div class="{APPENDIX_CLASS}" data-place="{place}" data-title="{_e(title)}" '
        f'data-pointer="{_e(pointer)}">'
        f'<h4 class="cx-appendix-title">{_e(title)}</h4>{inner}</div>'
    )


def small_n_text(n: int, lang: str = "de") -> str:
    """'geringe Aussagekraft (n = 24)' as plain text (for chart labels)."""
    return t("report.display.small_n", lang, n=fmt.integer(n, lang))


def small_n_badge(n: int, lang: str = "de") -> HTML:
    """An inline badge 'geringe Aussagekraft (n = 24)'."""
    return HTML(f'<span class="cx-badge cx-small-n">{_e(small_n_text(n, lang))}</span>')


# --- tables -------------------------------------------------------------------------

_Kind = Literal["int", "float", "percent", "signed", "date", "bool", "text"]


def _is_missing(value: Any) -> bool:
    if value is None or value is pd.NaT:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):  # lists, arrays
        return False


def _column_kind(
    series: pd.Series, name: Hashable, percent: set[Hashable], signed: set[Hashable]
) -> _Kind:
    if name in percent:
        return "percent"
    if name in signed:
        return "signed"
    if pd.api.types.is_bool_dtype(series):
        return "bool"
    if pd.api.types.is_integer_dtype(series):
        return "int"
    if pd.api.types.is_numeric_dtype(series):
        return "float"
    if pd.api.types.is_datetime64_any_dtype(series):
        return "date"
    return "text"


def _cell(value: Any, kind: _Kind, decimals: int, lang: str) -> tuple[str, bool]:
    """Formatted text of one cell and whether it is a number-like (right-aligned) value."""
    if _is_missing(value):
        return fmt.MISSING, kind != "text"
    if isinstance(value, bool | np.bool_) or kind == "bool":
        return t(f"report.display.{'yes' if value else 'no'}", lang), False
    if isinstance(value, dt.date | pd.Timestamp):
        return fmt.date(value, lang), True
    if isinstance(value, numbers.Real):
        number = float(value)
        if kind == "percent":
            return fmt.percent(number, decimals, lang), True
        if kind == "signed":
            return fmt.signed(number, decimals, lang), True
        if kind == "int" or (kind == "text" and isinstance(value, numbers.Integral)):
            return fmt.integer(number, lang), True
        return fmt.number(number, decimals, lang), True
    return str(value), False


def _decimals_for(name: Hashable, kind: _Kind, decimals: Mapping[Hashable, int] | int) -> int:
    if not isinstance(decimals, int):
        if name in decimals:
            return decimals[name]
        return 0 if kind in ("percent", "signed", "int") else 1
    return 0 if kind in ("percent", "signed", "int") else decimals


def _right_aligned(kind: _Kind, cells: list[tuple[str, bool]]) -> bool:
    """Numbers and dates are right-aligned; a text column only if all its filled cells are."""
    if kind != "text":
        return kind != "bool"
    filled = [is_number for text, is_number in cells if text != fmt.MISSING]
    return bool(filled) and all(filled)


def _header(name: Any) -> str:
    if isinstance(name, tuple):
        return " · ".join(str(part) for part in name if str(part))
    return "" if name is None else str(name)


#: Terms a column header must not break inside ("95 %-Intervall", "%-Pkt.", "n = 12").
_UNBREAKABLE = re.compile(r"\d+[\s\u00a0\u202f]?%-?[\w.]*|[nN][\s\u00a0]=[\s\u00a0]\d+")


#: A slash between two letters ("Verlängerung/Rechnung", "IT/Digitales"; not 31/12/2025).
_SLASH = re.compile(r"(?<=[^\W\d_])/(?=[^\W\d_])")


def _cell_html(text: str) -> str:
    """An escaped cell whose slashed compounds may break after the slash (a narrow column
    in print would otherwise be as wide as "Verlängerung/Rechnung")."""
    return _SLASH.sub("/<wbr>", _e(text))


def _header_html(name: Any) -> str:
    """An escaped column header whose units and intervals stay on one line."""
    text = _e(_header(name))
    return _UNBREAKABLE.sub(lambda m: f'<span class="nowrap">{m.group(0)}</span>', text)


def table(
    frame: pd.DataFrame,
    lang: str = "de",
    *,
    decimals: Mapping[Hashable, int] | int = 1,
    percent: Iterable[Hashable] = (),
    signed: Iterable[Hashable] = (),
    caption: str | None = None,
    index: bool = False,
) -> HTML:
    """A report table: numbers in the language's format, right-aligned, all text escaped.

    ``decimals`` is one number for all decimal columns or ``{column: decimals}``
    (integer columns show no decimals unless named). Columns in ``percent``
    hold shares (0.12 → "12 %", 0 decimals unless named in ``decimals``);
    columns in ``signed`` show their sign (+12, as NPS is written). Dates are
    written 31.12.2025, missing values "–". The index is shown only with
    ``index=True``.
    """
    percent, signed = set(percent), set(signed)
    columns = list(frame.columns)
    kinds = [_column_kind(frame.iloc[:, i], c, percent, signed) for i, c in enumerate(columns)]
    places = [_decimals_for(c, k, decimals) for c, k in zip(columns, kinds, strict=True)]

    body_cells: list[list[tuple[str, bool]]] = []
    for row in frame.itertuples(index=False, name=None):
        body_cells.append(
            [_cell(v, k, d, lang) for v, k, d in zip(row, kinds, places, strict=True)]
        )
    numeric = [_right_aligned(kind, [row[i] for row in body_cells]) for i, kind in enumerate(kinds)]

    def cls(i: int) -> str:
        return ' class="num"' if numeric[i] else ""

    row_heads: list[str] = []
    if index:
        index_kind = _column_kind(frame.index.to_series(), None, set(), set())
        row_heads = [
            _header(label) if isinstance(label, tuple) else _cell(label, index_kind, 1, lang)[0]
            for label in frame.index
        ]

    parts = ['<table class="cx-table">']
    if caption:
        parts.append(f"<caption>{_e(caption)}</caption>")
    head = "".join(f'<th{cls(i)} scope="col">{_header_html(c)}</th>' for i, c in enumerate(columns))
    if index:
        names = " · ".join(str(n) for n in frame.index.names if n is not None)
        head = f'<th scope="col">{_e(names)}</th>{head}'
    parts.append(f"<thead><tr>{head}</tr></thead><tbody>")
    for r, cells in enumerate(body_cells):
        row_html = "".join(
            f"<td{cls(i)}>{_cell_html(text)}</td>" for i, (text, _) in enumerate(cells)
        )
        if index:
            row_html = f'<th scope="row">{_e(row_heads[r])}</th>{row_html}'
        parts.append(f"<tr>{row_html}</tr>")
    parts.append("</tbody></table>")
    return HTML("".join(parts))


# --- figures ------------------------------------------------------------------------


def chart_alt(title: str, finding: str, lang: str = "de") -> str:
    """A chart's alt text: its title and what it shows (its reading), not the heading alone."""
    return t("report.display.chart_alt", lang, title=title, finding=finding)


def _svg_size(svg: bytes) -> tuple[float, float]:
    """Width and height in CSS pixels of a matplotlib SVG (written in pt)."""
    head = svg[:2000].decode("utf-8", "replace")
    found = re.search(r'<svg[^>]*\swidth="([\d.]+)pt"[^>]*\sheight="([\d.]+)pt"', head)
    if not found:
        return 0.0, 0.0
    return float(found.group(1)) * 96 / 72, float(found.group(2)) * 96 / 72


#: The smallest print scale of a chart: its 9 pt tick labels print at 8 pt (report.css caps
#: the height of tall charts in print, down to this scale and no further).
LEGIBLE_SCALE = 8 / 9

_PATH_DATA = re.compile(rb' d="([^"]*)"')
_LONG_DECIMAL = re.compile(rb"(\d\.\d)\d+")


def _compact_paths(svg: bytes) -> bytes:
    """Path coordinates to 0.1 pt (0.035 mm, below what paper shows): a fifth smaller report.

    Only ``d`` attributes change; transforms (which scale the glyph outlines) keep
    matplotlib's precision.
    """
    return _PATH_DATA.sub(
        lambda match: b' d="' + _LONG_DECIMAL.sub(rb"\1", match.group(1)) + b'"', svg
    )


def figure(fig: Figure | SubFigure, alt: str, *, caption: str | None = None) -> HTML:
    """A matplotlib figure as an inline SVG image with alt text (the figure is closed).

    Vector graphics stay sharp on paper at any size; the letters are drawn as
    paths (matplotlib's ``svg.fonttype = "path"``), so the chart looks the same
    on every machine and the report loads no font. The SVG is a ``data:`` URI of
    an ``<img>``: self-contained, with its own alt text, and its ids cannot
    clash with another chart's. Use it instead of letting the notebook show the
    figure, so that the chart carries a description and is never drawn twice.
    """
    import matplotlib.pyplot as plt

    root: Figure = fig.figure  # a subfigure is saved with the figure it belongs to
    buffer = io.BytesIO()
    with plt.rc_context({"svg.fonttype": "path", "svg.hashsalt": "cx-report"}):
        root.savefig(
            buffer, format="svg", bbox_inches="tight", facecolor="white", metadata={"Date": None}
        )
    plt.close(root)
    svg = _compact_paths(buffer.getvalue())
    # shown at its physical size (fonts as set in plots), or narrower on small screens;
    # in print a tall chart may shrink (report.css), but never below --cx-legible: the
    # height at which 9 pt tick labels still print at 8 pt
    width, height = _svg_size(svg)
    legible = height * LEGIBLE_SCALE * 25.4 / 96
    data = base64.b64encode(svg).decode("ascii")
    cap = f"<figcaption>{_e(caption)}</figcaption>" if caption else ""
    return HTML(
        f'<figure class="cx-figure"><img src="data:image/svg+xml;base64,{data}" '
        f'width="{round(width)}" style="--cx-legible: {legible:.0f}mm" alt="{_e(alt)}">'
        f"{cap}</figure>"
    )
