"""Charts of the maturity section: radar profile, department heatmap, wave comparison.

Each function takes a :class:`cxlib.maturity.assessment.MaturityResult`, draws on ``ax``
(or a new figure) and returns the Axes. The client is drawn in the accent
colour, the reference (the next stage's threshold, an earlier wave) in grey.
"""

from __future__ import annotations

import textwrap
from typing import TYPE_CHECKING

import numpy as np

from cxlib import formatting as fmt
from cxlib.report import charts as plots
from cxlib.texts import t

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from cxlib.maturity.assessment import MaturityResult


def reference_level(result: MaturityResult) -> tuple[int, float]:
    """The reference profile: the threshold of the stage above the overall stage.

    At the top stage it is the top stage's own threshold. The reference is a
    target, not a benchmark of other companies (there is no open one).
    """
    cut = result.options.stage_cutoffs
    stage = min(result.stage + 1, 5)
    return stage, float(cut[stage - 2])


def _labels(result: MaturityResult, lang: str, width: int, scores: bool = False) -> list[str]:
    """The dimension names, wrapped; with ``scores`` each followed by its score ("… 77")."""
    names = [
        textwrap.fill(result.dimension_name(d, lang), width, break_long_words=False)
        for d in result.dimensions["dimension"]
    ]
    if not scores:
        return names
    values = result.dimensions["score"]
    return [f"{name} {fmt.integer(v, lang)}" for name, v in zip(names, values, strict=True)]


def radar(
    result: MaturityResult, ax: Axes | None = None, lang: str = "de", client: str = ""
) -> Axes:
    """Radar chart of the dimension scores (accent) against the reference line (grey).

    With two or more waves the previous wave is drawn as a dotted grey line.
    """
    import matplotlib.pyplot as plt
    from matplotlib.projections.polar import PolarAxes

    if ax is None:
        _, ax = plt.subplots(figsize=(6.4, 4.0), subplot_kw={"polar": True})
    if not isinstance(ax, PolarAxes):
        raise ValueError("the maturity radar needs polar axes (subplot_kw={'polar': True})")
    scores = result.dimensions["score"].to_numpy(dtype=float)
    angles = np.linspace(0, 2 * np.pi, len(scores), endpoint=False)
    closed = np.append(angles, angles[0])
    stage, level = reference_level(result)
    ax.set_theta_offset(np.pi / 2)
    ax.set_theta_direction(-1)
    ax.plot(
        closed,
        np.full(len(closed), level),
        color=plots.GREY,
        linestyle="--",
        linewidth=1.4,
        label=t("maturity.chart.reference", lang, stage=stage, target=fmt.integer(level, lang)),
    )
    if len(result.waves) > 1:
        before = result.changes[result.changes["dimension"] != "index"]["before"].to_numpy()
        ax.plot(
            closed,
            np.append(before, before[0]),
            color=plots.GREY,
            linestyle=":",
            marker="s",
            markersize=3,
            label=t("maturity.chart.wave", lang, wave=result.waves[-2]),
        )
    if client:
        label = f"{client} ({result.wave})" if result.wave else client
    elif result.wave:
        label = t("maturity.chart.wave", lang, wave=result.wave)
    else:
        label = t("maturity.chart.current", lang)
    ax.fill(closed, np.append(scores, scores[0]), color=plots.ACCENT, alpha=0.25)
    ax.plot(closed, np.append(scores, scores[0]), color=plots.ACCENT, marker="o", label=label)
    ax.set_xticks(angles)
    # each dimension's score beside its name: the section shows the numbers with the profile
    ax.set_xticklabels(_labels(result, lang, 18, scores=True), fontsize=8)
    ax.set_ylim(0, 100)
    ax.set_yticks([20, 40, 60, 80])
    ax.set_yticklabels(
        [fmt.integer(v, lang) for v in (20, 40, 60, 80)], fontsize=7, color=plots.GREY
    )
    ax.grid(True, color=plots.LIGHT_GREY)
    ax.legend(loc="upper left", bbox_to_anchor=(1.08, 1.05))
    return ax


def heatmap(result: MaturityResult, ax: Axes | None = None, lang: str = "de") -> Axes:
    """Department × dimension scores (0-100) as a heatmap with the numbers in the cells."""
    import matplotlib.pyplot as plt
    from matplotlib.colors import LinearSegmentedColormap

    frame = result.departments
    if ax is None:
        height = 1.4 + 0.42 * len(frame)
        _, ax = plt.subplots(figsize=(7.0, height))
    cmap = LinearSegmentedColormap.from_list("accent", ["#ffffff", plots.ACCENT])
    values = frame.to_numpy(dtype=float)
    # cells as vector shapes (imshow would put a raster image into the SVG)
    rows, cols = values.shape
    ax.pcolormesh(
        np.arange(cols + 1) - 0.5,
        np.arange(rows + 1) - 0.5,
        np.ma.masked_invalid(values),
        cmap=cmap,
        vmin=0,
        vmax=100,
        shading="flat",
        edgecolors="none",
        antialiased=False,
    )
    ax.set_ylim(rows - 0.5, -0.5)  # first department on top, as a table reads
    for (row, col), value in np.ndenumerate(values):
        if np.isfinite(value):
            colour = "white" if value > 60 else plots.INK
            ax.text(col, row, fmt.integer(value, lang), ha="center", va="center", color=colour)
    ax.set_xticks(range(values.shape[1]))
    ax.set_xticklabels(_labels(result, lang, 14), fontsize=7.5)
    ax.set_yticks(range(values.shape[0]))
    ax.set_yticklabels(list(frame.index))
    ax.tick_params(length=0)
    ax.grid(False)
    for spine in ax.spines.values():
        spine.set_visible(False)
    return ax


def waves(result: MaturityResult, ax: Axes | None = None, lang: str = "de") -> Axes:
    """Dimension scores of the previous (grey) and latest (accent) wave as paired bars."""
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(7.0, 3.6))
    changes = result.changes[result.changes["dimension"] != "index"]
    x = np.arange(len(changes))
    before, after = result.waves[-2], result.waves[-1]
    ax.bar(
        x - 0.2,
        changes["before"],
        0.4,
        color=plots.GREY,
        label=t("maturity.chart.wave", lang, wave=before),
    )
    ax.bar(
        x + 0.2,
        changes["after"],
        0.4,
        color=plots.ACCENT,
        label=t("maturity.chart.wave", lang, wave=after),
    )
    for xi, (value, change) in enumerate(zip(changes["after"], changes["change"], strict=True)):
        ax.text(xi + 0.2, value + 1.5, fmt.signed(change, 0, lang), ha="center", fontsize=7.5)
    ax.set_xticks(x)
    ax.set_xticklabels(_labels(result, lang, 13), fontsize=7.5)
    ax.set_ylim(0, 105)
    ax.set_ylabel(t("maturity.chart.score", lang))
    ax.legend(loc="upper left", ncols=2, bbox_to_anchor=(0, 1.15))
    return ax
