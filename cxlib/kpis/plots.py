"""Charts of the KPI section. Each takes a :class:`cxlib.kpis.analysis.Baseline`, returns the Axes.

Colours: the client's accent for its own figures, grey for passives and
reference lines, red only for detractors and groups that are significantly
below the rest (a risk). Groups below ``small_n`` answers are labelled
"geringe Aussagekraft" on the chart; groups below ``min_n`` are left out.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from cxlib import formatting as fmt
from cxlib.texts import t

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from cxlib.kpis.analysis import Baseline


def _tx(key: str, lang: str, **values: object) -> str:
    return t(f"kpis.{key}", lang, **values)


def _axes(ax: Axes | None, size: tuple[float, float] | None = None) -> Axes:
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=size) if size else plt.subplots()
    return ax


def _label(group: str, n: int, base: Baseline, lang: str) -> str:
    text = f"{group} (n = {fmt.integer(n, lang)})"
    if base.reliability(n) == "low":
        text += " " + _tx("charts.low_n", lang)
    return text


def ppd_bars(base: Baseline, ax: Axes | None = None, lang: str = "de") -> Axes:
    """Stacked bars of promoter, passive and detractor shares: all answers and per group."""
    from cxlib.report import charts as plots

    comp = base.comparisons
    dim = base.main_dimension()
    e = base.experience["nps"]
    rows = [
        (
            _label(_tx("charts.all", lang), e.n, base, lang),
            e.detractor_share,
            e.passive_share,
            e.promoter_share,
        )
    ]
    if dim is not None:
        part = comp[(comp["dimension"] == dim) & (comp["kpi"] == "nps")]
        part = part[part["n"] >= base.min_n].sort_values("value")
        for row in part.itertuples(index=False):
            detractors = row.share - row.value
            rows.append(
                (
                    _label(row.group, row.n, base, lang),
                    detractors,
                    100 - row.share - detractors,
                    row.share,
                )
            )
    height = 0.5 + 0.42 * len(rows)
    ax = _axes(ax, (7.0, max(1.8, height)))
    labels = [r[0] for r in rows][::-1]
    det, pas, pro = (np.array([r[i] for r in rows][::-1]) for i in (1, 2, 3))
    y = np.arange(len(rows))
    ax.barh(
        y, det, color=plots.RED, label=_tx("charts.detractors", lang), hatch="//", edgecolor="white"
    )
    ax.barh(y, pas, left=det, color=plots.LIGHT_GREY, label=_tx("charts.passives", lang))
    ax.barh(y, pro, left=det + pas, color=plots.ACCENT, label=_tx("charts.promoters", lang))
    for yi, d, p, q in zip(y, det, pas, pro, strict=True):
        for left, width, colour in ((0, d, plots.INK), (d, p, plots.INK), (d + p, q, "white")):
            if width >= 7:
                # detractor labels sit on a white patch: readable on the hatched red
                box = {"facecolor": "white", "edgecolor": "none", "pad": 1} if left == 0 else None
                ax.text(
                    left + width / 2,
                    float(yi),
                    fmt.percent(width / 100, 0, lang),
                    ha="center",
                    va="center",
                    color=colour,
                    fontsize=8,
                    bbox=box,
                )
    ax.set_yticks(y, labels)
    ax.set_xlim(0, 100)
    ax.set_xlabel(_tx("charts.share_axis", lang) + " (%)")
    ax.grid(axis="y", visible=False)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.25 if len(rows) > 3 else -0.45), ncol=3)
    return ax


def group_intervals(base: Baseline, ax: Axes | None = None, lang: str = "de") -> Axes:
    """NPS per group with its 95 % interval; groups significantly below the rest in red."""
    from cxlib.report import charts as plots

    comp = base.comparisons
    dim = base.main_dimension()
    part = comp[(comp["dimension"] == dim) & (comp["kpi"] == "nps") & (comp["n"] >= base.min_n)]
    part = part.sort_values("value")
    ax = _axes(ax, (7.0, max(1.8, 0.5 + 0.42 * len(part))))
    y = np.arange(len(part))
    colours = [plots.RED if d < 0 else plots.ACCENT for d in part["direction"]]
    ax.hlines(y, part["low"], part["high"], color=colours, linewidth=2.2)
    ax.scatter(part["value"], y, color=colours, zorder=3, s=28)
    overall = base.experience["nps"].value
    ax.axvline(overall, color=plots.GREY, linestyle="--", linewidth=1)
    ax.text(
        overall, len(part) - 0.4, _tx("charts.all", lang), color=plots.GREY, fontsize=8, ha="left"
    )
    labels = [_label(g, n, base, lang) for g, n in zip(part["group"], part["n"], strict=True)]
    ax.set_yticks(y, labels)
    ax.set_xlabel(_tx("charts.nps_axis", lang))
    ax.grid(axis="x", visible=True)
    ax.grid(axis="y", visible=False)
    return ax


def trend(base: Baseline, ax: Axes | None = None, lang: str = "de") -> Axes:
    """Monthly NPS with 95 % intervals (months below min_n left out)."""
    import matplotlib.dates as mdates

    from cxlib.report import charts as plots

    nps = base.monthly[(base.monthly["kpi"] == "nps") & (base.monthly["n"] >= base.min_n)]
    ax = _axes(ax)
    ax.errorbar(
        nps["month"],
        nps["value"],
        yerr=[nps["value"] - nps["low"], nps["high"] - nps["value"]],
        fmt="o-",
        color=plots.ACCENT,
        ecolor=plots.GREY,
        capsize=3,
        markersize=4,
    )
    small = nps[nps["n"] < base.small_n]
    if len(small):
        ax.scatter(
            small["month"],
            small["value"],
            facecolor="white",
            edgecolor=plots.ACCENT,
            zorder=4,
            label=_tx("charts.low_n", lang).strip("()"),
        )
        ax.legend(loc="lower left")
    ax.axhline(0, color=plots.GREY, linewidth=0.8)
    ax.set_ylabel(_tx("charts.nps_axis", lang))
    ax.xaxis.set_major_locator(mdates.AutoDateLocator(minticks=3, maxticks=8))
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%m/%Y"))
    return ax


def cohort_heatmap(base: Baseline, ax: Axes | None = None, lang: str = "de") -> Axes:
    """Share still customer by start month (rows) and months since start (columns)."""
    import matplotlib.colors as mcolors
    from matplotlib.ticker import FuncFormatter

    from cxlib.report import charts as plots

    matrix = base.cohorts
    if matrix is None:
        raise ValueError("cohort_heatmap needs the cohort matrix (contractual clients)")
    ax = _axes(ax, (7.0, 3.4))
    cmap = mcolors.LinearSegmentedColormap.from_list("accent", ["#ffffff", plots.ACCENT])
    values = np.ma.masked_invalid(matrix.to_numpy(float))
    low = float(np.nanmin(matrix.to_numpy(float))) if values.count() else 0.0
    # cells as vector shapes (imshow would put a raster image into the SVG)
    rows, cols = values.shape
    image = ax.pcolormesh(
        np.arange(cols + 1) - 0.5,
        np.arange(rows + 1) - 0.5,
        values,
        cmap=cmap,
        vmin=min(low, 0.95) - 0.02,
        vmax=1.0,
        shading="flat",
        edgecolors="none",
        antialiased=False,
    )
    ax.set_ylim(rows - 0.5, -0.5)  # first start month on top, as a table reads
    ticks = [i for i, k in enumerate(matrix.columns) if k % 3 == 0]
    ax.set_xticks(ticks, [str(matrix.columns[i]) for i in ticks])
    step = max(1, len(matrix) // 12)
    ax.set_yticks(
        np.arange(0, len(matrix), step), [fmt.month(m, lang) for m in matrix.index[::step]]
    )
    ax.set_xlabel(_tx("charts.months_since_start", lang))
    ax.set_ylabel(_tx("charts.start_month", lang))
    ax.grid(False)
    bar = ax.figure.colorbar(image, ax=ax, fraction=0.04, pad=0.02)
    bar.set_label(_tx("charts.still_customer", lang))
    if bar.solids is not None:  # a vector colour scale in the SVG, not a bitmap
        bar.solids.set_rasterized(False)
    bar.ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: fmt.percent(v, 0, lang)))
    return ax


#: The rating scale of the driver items (mean score 1-5): the quadrant's x axis.
ITEM_SCALE = (1, 5)


def driver_quadrant(base: Baseline, ax: Axes | None = None, lang: str = "de") -> Axes:
    """Importance (share of explained recommendation, with interval) × performance."""
    from cxlib.kpis.tables import item_label
    from cxlib.report import charts as plots

    if base.drivers is None:
        raise ValueError("driver_quadrant needs the key-driver analysis (NPS answers with items)")
    table = base.drivers.table
    ax = _axes(ax)
    ax.errorbar(
        table["performance"],
        table["share"],
        yerr=[table["share"] - table["share_low"], table["share_high"] - table["share"]],
        fmt="o",
        color=plots.ACCENT,
        ecolor=plots.GREY,
        capsize=3,
    )
    for row in table.itertuples(index=False):
        ax.annotate(
            item_label(row.item, lang),
            (row.performance, row.share),
            textcoords="offset points",
            xytext=(6, 4),
            fontsize=8.5,
        )
    ax.axvline(table["performance"].mean(), color=plots.GREY, linestyle="--", linewidth=1)
    ax.axhline(100 / len(table), color=plots.GREY, linestyle="--", linewidth=1)
    ax.set_xlabel(_tx("charts.performance", lang))
    ax.set_ylabel(_tx("charts.importance", lang) + " (%)")
    ax.set_ylim(bottom=0)
    # the whole rating scale (1-5): a zoomed axis makes tenths of a point look large
    ax.set_xlim(ITEM_SCALE[0] - 0.1, ITEM_SCALE[1] + 0.1)
    ax.set_xticks(range(ITEM_SCALE[0], ITEM_SCALE[1] + 1))
    return ax
