"""Bubble chart of the candidate journeys: Häufigkeit × Schaden, bubble size = Machbarkeit.

The chosen journey is drawn in the client's accent colour, the others grey;
thin lines show the spread between raters (lowest to highest rating); dashed
lines mark the qualification threshold of the rule.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from cxlib import formatting as fmt
from cxlib.report import charts as plots
from cxlib.texts import t

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from cxlib.journeys.selection import Selection


def bubbles(selection: Selection, ax: Axes | None = None, lang: str = "de") -> Axes:
    """Draw the candidates of a :class:`cxlib.journeys.selection.Selection`; returns the Axes."""
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(7.0, 3.3))  # three to six bubbles: a low chart reads as well
    ranking = selection.ranking
    for _, row in ranking.iterrows():
        chosen = bool(row["selected"])
        colour = plots.ACCENT if chosen else plots.GREY
        x, y = row["frequency"], row["damage"]
        ax.plot(
            [row["frequency_min"], row["frequency_max"]],
            [y, y],
            color=colour,
            lw=0.8,
            alpha=0.6,
            zorder=1,
        )
        ax.plot(
            [x, x],
            [row["damage_min"], row["damage_max"]],
            color=colour,
            lw=0.8,
            alpha=0.6,
            zorder=1,
        )
        ax.scatter(
            [x],
            [y],
            s=180 * row["feasibility"] ** 1.5 / 3,
            color=colour,
            alpha=0.85 if chosen else 0.5,
            edgecolor=plots.INK if chosen else "white",
            linewidth=1.2 if chosen else 0.8,
            zorder=3,
        )
        label = row["journey"]
        detail = t("journeys.chart.point", lang, m=fmt.number(row["feasibility"], 1, lang))
        ax.annotate(
            f"{label}\n{detail}",
            (x, y),
            xytext=(14, 8),
            textcoords="offset points",
            fontsize=9,
            fontweight="bold" if chosen else "normal",
            color=plots.INK,
            zorder=4,
        )
    threshold = selection.min_rating
    ax.axvline(threshold, color=plots.GREY, ls="--", lw=0.8, zorder=0)
    ax.axhline(threshold, color=plots.GREY, ls="--", lw=0.8, zorder=0)
    ax.text(
        0.55,
        threshold,
        t("journeys.chart.threshold", lang),
        ha="left",
        va="bottom",
        fontsize=8,
        color=plots.GREY,
    )
    ax.set_xlim(0.5, 5.5)
    ax.set_ylim(0.5, 5.5)
    ax.set_xticks(range(1, 6))
    ax.set_yticks(range(1, 6))
    ax.grid(True, axis="both")
    ax.set_xlabel(t("journeys.chart.x", lang))
    ax.set_ylabel(t("journeys.chart.y", lang))
    return ax
