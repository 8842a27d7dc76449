"""Charts of the churn section: Verbleibkurven with numbers at risk, forest plot of risks.

Colours follow :mod:`cxlib.report.charts`: the client's curves in the accent colour
(groups differ by line style, so the chart reads in black and white), risk
(a significantly raised churn risk) in red, everything else grey.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from cxlib import formatting as fmt
from cxlib.survival.table import DAYS_PER_MONTH
from cxlib.texts import t

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from cxlib.survival.competing_risks import CumulativeIncidence
    from cxlib.survival.curves import KaplanMeier

__all__ = ["forest", "incidence", "km_curves"]
_LINES = ("-", "--", ":", "-.", (0, (5, 1, 1, 1)), (0, (1, 2)))


def km_curves(
    curves: Mapping[str, KaplanMeier],
    ax: Axes | None = None,
    lang: str = "de",
    unit_days: float = DAYS_PER_MONTH,
    unit_key: str = "months",
    max_time: float | None = None,
    extend_to: float | None = None,
    bands: Collection[str] | None = None,
) -> Axes:
    """Kaplan-Meier step curves with 95 % bands and numbers at risk under the axis.

    ``curves`` maps a label to a :class:`~cxlib.survival.curves.KaplanMeier`; times are
    shown in units of ``unit_days`` days (default: months). Each curve ends where
    too few of its customers are still observed
    (:meth:`~cxlib.survival.curves.KaplanMeier.shown_until`), the axis with the
    longest of them. ``bands``: the labels whose 95 % band is drawn (default:
    all when there are at most two curves, else none: overlapping bands hide the
    curves; the groups' comparison is the log-rank test). ``extend_to`` (in those
    units): the x axis reaches at least that far, room for a projection drawn
    afterwards (:func:`projection_curve`). Returns the Axes.
    """
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    from cxlib.report import charts as plots

    if ax is None:
        height = 2.6 + 0.22 * len(curves)
        _, ax = plt.subplots(figsize=(7.0, height))
    colours = [plots.ACCENT if i % 2 == 0 else plots.GREY for i in range(len(curves))]
    end = 0.0
    for number, (label, curve) in enumerate(curves.items()):
        table = _thin(curve.table[curve.table["time"] <= curve.shown_until()], unit_days)
        x = np.concatenate([[0.0], table["time"].to_numpy() / unit_days])
        y = np.concatenate([[1.0], table["survival"].to_numpy()])
        low = np.concatenate([[1.0], table["low"].to_numpy()])
        high = np.concatenate([[1.0], table["high"].to_numpy()])
        colour = colours[number]
        ax.step(
            x,
            y,
            where="post",
            color=colour,
            linestyle=_LINES[number % len(_LINES)],
            label=label or None,
        )
        if (label in bands) if bands is not None else len(curves) <= 2:
            ax.fill_between(x, low, high, step="post", color=colour, alpha=0.15, linewidth=0)
        end = max(end, x[-1])
    end = min(end, max_time) if max_time else end
    end = max(end, extend_to) if extend_to else end  # room for a projection
    ax.set_xlim(0, end)
    ax.set_ylim(0, 1.02)
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: fmt.percent(v, 0, lang)))
    ax.set_ylabel(t("survival.axis_share", lang))
    ax.set_xlabel(t(f"survival.axis_{unit_key}", lang))
    ax.xaxis.set_major_locator(MaxNLocator(nbins=6, integer=True))
    if any(curves):
        ax.legend(loc="lower left")
    ticks = [v for v in ax.get_xticks() if 0 <= v <= end]
    _at_risk(ax, curves, ticks, unit_days, lang)
    return ax


def _thin(table: pd.DataFrame, unit_days: float, bins: int = 800) -> pd.DataFrame:
    """At most ``bins`` steps for drawing (the last row per bin; the curve looks the same)."""
    if len(table) <= bins:
        return table
    times = table["time"].to_numpy()
    width = (times[-1] - times[0]) / bins or 1.0
    last = np.r_[np.diff(np.floor((times - times[0]) / width)) != 0, True]
    return table[last]


def _at_risk(
    ax: Axes, curves: Mapping[str, KaplanMeier], ticks: list[float], unit: float, lang: str
) -> None:
    """Numbers at risk at the x ticks, one row per curve, under the axis."""
    from matplotlib.transforms import blended_transform_factory

    trans = blended_transform_factory(ax.transData, ax.transAxes)
    top = -0.2
    ax.text(
        0,
        top,
        t("survival.at_risk_label", lang),
        transform=ax.transAxes,
        ha="right",
        va="top",
        fontsize=8,
        fontweight="bold",
    )
    for row, (label, curve) in enumerate(curves.items()):
        y = top - 0.075 * (row + 1)
        table = curve.table
        times = table["time"].to_numpy()
        n = table["at_risk"].to_numpy()
        counts = []
        for tick in ticks:
            i = np.searchsorted(times, tick * unit, side="left")
            counts.append(int(n[i]) if i < len(n) else 0)
        name = label or t("survival.all_customers", lang)
        ax.text(-0.05, y, name[:40], transform=ax.transAxes, ha="right", va="top", fontsize=7.5)
        for tick, count in zip(ticks, counts, strict=True):
            ax.text(
                tick,
                y,
                fmt.integer(count, lang),
                transform=trans,
                ha="center",
                va="top",
                fontsize=7.5,
            )


def forest(
    hazard_ratios: pd.DataFrame,
    ax: Axes | None = None,
    lang: str = "de",
    labels: Callable[[str], str] | None = None,
    secured: Collection[str] | None = None,
    *,
    columns: Sequence[str] | None = None,
    compared: Callable[[str], str] | None = None,
    cap: float | None = None,
) -> Axes:
    """Hazard ratios (log scale) with 95 % intervals; secured risks in red. Returns the Axes.

    ``secured``: the columns the section states as findings
    (:mod:`cxlib.survival.claims`); without it, those with p < 0.05.
    ``columns``: the rows to show (e.g. the largest effects,
    :meth:`~cxlib.survival.analysis.SurvivalReport.forest_columns`); ``compared``
    names each row's comparison group under its label; ``cap``: the axis ends
    there, a ratio beyond it is drawn at the edge with an arrow and "> cap".
    Labels are wrapped so that the chart keeps its width and its 9 pt letters on A4.
    """
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FixedLocator, FuncFormatter, NullFormatter

    from cxlib.report import charts as plots

    shown = hazard_ratios if columns is None else hazard_ratios.loc[list(columns)]
    hr = shown.sort_values("hr")
    names = []
    for column in hr.index:
        name = _wrap(labels(column) if labels else column)
        if compared is not None:
            name += "\n" + _wrap(compared(column))
        names.append(name)
    lines = sum(name.count("\n") + 1 for name in names)
    if ax is None:
        fig, ax = plt.subplots(figsize=(7.0, 0.9 + 0.17 * lines + 0.1 * len(hr)))
        fig.subplots_adjust(left=0.5, right=0.97)
    low_edge = min(float(hr["low"].min()), 0.5)
    high_edge = max(float(hr["high"].max()), 2.0)
    if cap is not None:
        low_edge, high_edge = max(low_edge, 1 / cap), min(high_edge, cap)
    low_edge, high_edge = low_edge / 1.15, high_edge * 1.15
    y = np.arange(len(hr))
    for i, (column, row) in enumerate(hr.iterrows()):
        sure = column in secured if secured is not None else row["p"] < 0.05
        risk = sure and row["hr"] > 1
        good = sure and row["hr"] < 1
        colour = plots.RED if risk else (plots.ACCENT if good else plots.GREY)
        left, right = max(row["low"], low_edge), min(row["high"], high_edge)
        ax.plot([left, right], [i, i], color=colour, linewidth=1.6)
        point = min(max(row["hr"], low_edge), high_edge)
        beyond = point != row["hr"]
        ax.plot(
            point,
            i,
            marker=(">" if row["hr"] > 1 else "<") if beyond else ("s" if sure else "o"),
            color=colour,
            markerfacecolor=colour if sure else "white",
            markersize=6,
        )
        if beyond and cap is not None:
            text = ("> " if row["hr"] > 1 else "< ") + fmt.number(
                cap if row["hr"] > 1 else 1 / cap, 0 if row["hr"] > 1 else 1, lang
            )
            ax.annotate(
                text,
                (point, i),
                xytext=(-4 if row["hr"] > 1 else 4, 6),
                textcoords="offset points",
                ha="right" if row["hr"] > 1 else "left",
                fontsize=8.5,
                color=colour,
            )
    ax.axvline(1.0, color=plots.INK, linewidth=0.8)
    ax.set_xscale("log")
    ax.set_xlim(low_edge, high_edge)
    ticks = [v for v in (0.1, 0.25, 0.5, 1.0, 2.0, 4.0, 10.0) if low_edge <= v <= high_edge]
    ax.xaxis.set_major_locator(FixedLocator(ticks))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: fmt.number(v, 2 if v < 1 else 0, lang)))
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.set_yticks(y, names)
    ax.set_ylim(-0.7, len(hr) - 0.3)
    ax.grid(axis="x", color=plots.LIGHT_GREY, linewidth=0.6)
    ax.grid(axis="y", visible=False)
    ax.set_xlabel(t("survival.axis_hr", lang))
    return ax


def _wrap(text: str, width: int = 42) -> str:
    """A long label on several lines (the forest plot keeps its width and its type size)."""
    import textwrap

    return "\n".join(textwrap.wrap(text, width)) or text


def incidence(
    result: CumulativeIncidence,
    ax: Axes | None = None,
    lang: str = "de",
    unit_days: float = DAYS_PER_MONTH,
    max_time: float | None = None,
) -> Axes:
    """Cumulative incidence per churn reason (step lines, most frequent first). Returns the Axes.

    ``max_time`` (days): the axis ends there (where too few customers are still
    observed, :meth:`~cxlib.survival.curves.KaplanMeier.shown_until`).
    """
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    from cxlib.report import charts as plots

    if ax is None:
        _, ax = plt.subplots(figsize=(7.0, 2.5))
    x = np.concatenate([[0.0], result.table["time"].to_numpy() / unit_days])
    for number, reason in enumerate(result.reasons):
        y = np.concatenate([[0.0], result.table[reason].to_numpy()])
        colour = plots.ACCENT if number % 2 == 0 else plots.GREY
        ax.step(
            x, y, where="post", color=colour, linestyle=_LINES[number % len(_LINES)], label=reason
        )
    end = min(x[-1], max_time / unit_days) if max_time else x[-1]
    ax.set_xlim(0, end)
    shown = result.table["time"].to_numpy() / unit_days <= end
    top = max((float(result.table.loc[shown, r].max()) for r in result.reasons), default=0.0)
    ax.set_ylim(0, max(top * 1.1, 0.01))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: fmt.percent(v, 0, lang)))
    ax.xaxis.set_major_locator(MaxNLocator(nbins=6, integer=True))
    ax.set_ylabel(t("survival.axis_cif", lang))
    ax.set_xlabel(t("survival.axis_months", lang))
    ax.legend(loc="upper left")
    return ax


def projection_curve(
    ax: Axes,
    months: np.ndarray,
    survival: np.ndarray,
    low: np.ndarray,
    high: np.ndarray,
    label: str,
    unit_days: float = DAYS_PER_MONTH,
) -> Axes:
    """A projected survival curve (dashed, grey band) on the Kaplan-Meier axes of :func:`km_curves`.

    ``months`` in months (30.4375 days), shown in units of ``unit_days`` days.
    """
    from cxlib.report import charts as plots

    x = np.asarray(months, dtype=float) * DAYS_PER_MONTH / unit_days
    ax.plot(x, survival, linestyle="--", color=plots.GREY, linewidth=1.4, label=label)
    ax.fill_between(x, low, high, color=plots.GREY, alpha=0.10, linewidth=0)
    ax.legend(loc="lower left")
    return ax
