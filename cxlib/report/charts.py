"""The common chart style of the report, and its colours.

Colours carry one meaning each throughout the report: :data:`ACCENT` (the
client's accent colour, set by :func:`apply_style`) marks "this client",
:data:`GREY` a reference or comparison, :data:`RED` a risk, and nothing else.
:data:`LIGHTS` holds the traffic-light colours shared with the report's CSS.
On the white background, :data:`INK` has the contrast of body text (at least
4.5:1, WCAG AA) and :data:`GREY` and :data:`RED`, drawn as lines and bars, the
contrast of graphics (at least 3:1, WCAG 1.4.11); :data:`LIGHT_GREY` is faint
on purpose (grids and bands).
Read ``plots.ACCENT`` at drawing time (not ``from cxlib.report.charts import ACCENT``),
because :func:`apply_style` replaces it. Chart functions take ``ax=None`` and
return the Axes; their words come from the catalogue (``report.charts``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from cxlib import formatting as fmt
from cxlib.texts import t

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.axes import Axes

DEFAULT_ACCENT = "#1f5f8b"
#: "This client" (replaced by :func:`apply_style`).
ACCENT = DEFAULT_ACCENT
#: A reference value, benchmark or comparison group.
GREY = "#8c8c8c"
#: Light grey for grids, bands and de-emphasised bars.
LIGHT_GREY = "#d9d9d9"
#: Risk only (e.g. customers likely to churn).
RED = "#c0392b"
#: Text and axes.
INK = "#222222"
#: Traffic lights of the management summary (the report's CSS uses the same).
#: Each reaches 4.5:1 on white (WCAG AA for text): the symbols and words of the lights are text.
LIGHTS = {"green": "#2e7d32", "amber": "#a86400", "red": "#c62828", "grey": "#737373"}
#: WCAG AA contrast for normal text.
AA_CONTRAST = 4.5

#: Figure size in inches that fits the A4 text width.
FIGSIZE = (7.0, 3.5)
#: Resolution of the PNGs in the report: sharp enough on paper, small files.
DPI = 110

_HEX = re.compile(r"^#[0-9a-fA-F]{6}$")


def _luminance(colour: str) -> float:
    """Relative luminance of ``#rrggbb`` (WCAG 2.x)."""
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast_ratio(first: str, second: str) -> float:
    """WCAG contrast ratio of two ``#rrggbb`` colours (1 to 21)."""
    low, high = sorted((_luminance(first), _luminance(second)))
    return (high + 0.05) / (low + 0.05)


def tint(colour: str, strength: float) -> str:
    """``colour`` laid over white at ``strength`` (0: white, 1: the colour), as ``#rrggbb``."""
    strength = min(max(strength, 0.0), 1.0)
    channels = [int(colour[i : i + 2], 16) for i in (1, 3, 5)]
    mixed = [round(255 + (c - 255) * strength) for c in channels]
    return "#" + "".join(f"{c:02x}" for c in mixed)


def heat_cell(colour: str, strength: float) -> tuple[str, str]:
    """Background and text colour of a shaded table cell, the text always readable (≥ 4.5:1).

    The background is ``colour`` at ``strength``; the text is white or :data:`INK`,
    whichever contrasts more. Where neither reaches WCAG AA (middle shades of a
    light accent), the background is lightened until :data:`INK` does.
    """
    background = tint(colour, strength)
    while True:
        ink = max(("#ffffff", INK), key=lambda text: contrast_ratio(text, background))
        if contrast_ratio(ink, background) >= AA_CONTRAST or strength <= 0:
            return background, ink
        strength -= 0.02
        background = tint(colour, strength)


def apply_style(accent: str = DEFAULT_ACCENT) -> None:
    """Set the matplotlib defaults of the report and the accent colour.

    White background, a light horizontal grid, no top or right frame lines,
    readable font sizes at A4 width, 7 × 3.5 in figures saved at 110 dpi:
    seaborn's "whitegrid" look, set directly in matplotlib, because importing
    seaborn (and with it scipy.stats) would cost every report run 1.5 s.
    """
    import matplotlib as mpl
    from cycler import cycler

    global ACCENT
    if not _HEX.match(accent):
        raise ValueError(f"accent colour must look like #1f5f8b, not {accent!r}")
    ACCENT = accent
    mpl.rcParams.update(
        {
            "axes.prop_cycle": cycler(color=[accent, GREY, RED]),
            "xtick.bottom": False,
            "ytick.left": False,
            "patch.edgecolor": "white",
            "patch.force_edgecolor": True,
            "grid.linestyle": "-",
            "figure.figsize": FIGSIZE,
            "figure.dpi": DPI,
            "savefig.dpi": DPI,
            "savefig.bbox": "tight",
            "figure.facecolor": "white",
            "axes.facecolor": "white",
            "savefig.facecolor": "white",
            "font.family": "sans-serif",
            "font.size": 9.5,
            "axes.titlesize": 11,
            "axes.titleweight": "bold",
            "axes.titlelocation": "left",
            "axes.labelsize": 9.5,
            "xtick.labelsize": 9,
            "ytick.labelsize": 9,
            "legend.fontsize": 9,
            "legend.frameon": False,
            "axes.edgecolor": INK,
            "axes.labelcolor": INK,
            "text.color": INK,
            "xtick.color": INK,
            "ytick.color": INK,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "axes.grid": True,
            "axes.grid.axis": "y",
            "grid.color": LIGHT_GREY,
            "grid.linewidth": 0.6,
            "axes.axisbelow": True,
            "lines.linewidth": 1.8,
        }
    )


def _thousands(ax: Any, lang: str) -> None:
    """Whole-number y ticks in the report's language (1.234 / 1,234)."""
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda value, _: fmt.integer(value, lang)))


def _table_label(name: str, lang: str) -> str:
    try:
        return t(f"tables.{name}", lang)
    except KeyError:
        return name


def monthly_counts(
    series: Mapping[str, pd.Series], ax: Axes | None = None, lang: str = "de"
) -> Axes:
    """Rows per calendar month, one line per table (``{table: counts by month}``).

    Months without rows inside a table's period are drawn as 0, so gaps show.
    All lines are the client's (accent colour); tables differ by line style so
    that the chart also reads in black and white. Returns the Axes.
    """
    import matplotlib.dates as mdates
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots()
    import pandas as pd

    styles = ("-", "--", ":", "-.")
    for number, (name, counts) in enumerate(series.items()):
        if isinstance(counts.index, pd.DatetimeIndex) and len(counts):
            # a month without rows is a 0 on the chart, not a line across the gap
            months = pd.date_range(counts.index.min(), counts.index.max(), freq="MS")
            counts = counts.reindex(months, fill_value=0)
        ax.plot(
            counts.index,
            counts.to_numpy(),
            color=ACCENT,
            linestyle=styles[number % len(styles)],
            marker="o" if len(counts) <= 36 else None,
            markersize=3,
            label=_table_label(name, lang),
        )
    ax.set_ylabel(t("report.charts.rows_per_month", lang))
    ax.set_ylim(bottom=0)
    ax.xaxis.set_major_locator(mdates.AutoDateLocator(minticks=3, maxticks=7))
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%m/%Y"))
    _thousands(ax, lang)
    if len(series) > 1:
        ax.legend(loc="upper left")
    return ax
