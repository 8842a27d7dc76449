"""The comment themes in the report: chart, reading, tables and quotes (block ``themes``).

:func:`themes_block` turns a :class:`cxlib.voice.themes.CommentThemes` into
the displays of the KPI section's ``themes`` block (called by
:mod:`cxlib.kpis.view`): heading; a chart of each named theme's share of the
comments with its 95 % interval (red: detractors name it reliably more often
than promoters); a plain reading (coverage, the top three, the most negative
theme, what separates detractors from promoters); a table by NPS group; a
table by journey phase where the survey has phases; short masked quotes of the
top themes (escaped like every table cell); the method note. Every number
comes from the result; this module only words and draws it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from cxlib import formatting as fmt
from cxlib.report import blocks as display
from cxlib.texts import t
from cxlib.voice.themes import MIN_DIFFERENCE, CommentThemes, shares_by_group

if TYPE_CHECKING:
    from matplotlib.axes import Axes

#: Themes whose quotes are shown (the most frequent ones).
QUOTED_THEMES = 5


def _tx(key: str, lang: str, **values: object) -> str:
    return t(f"voice.themes.{key}", lang, **values)


def _pct(share: float, lang: str) -> str:
    return fmt.percent(share, 0, lang)


def _points(share: float, lang: str) -> str:
    """A share as a bare number of percent (the low end of a range: "34" in "34–45 %")."""
    return fmt.number(100 * share, 0, lang)


def chart(result: CommentThemes, ax: Axes | None = None, lang: str = "de") -> Axes:
    """Share of comments per named theme with its 95 % interval, most frequent on top."""
    import matplotlib.pyplot as plt

    from cxlib.report import charts as plots

    rows = result.overall().iloc[::-1]
    if ax is None:
        _, ax = plt.subplots(figsize=(7.0, max(1.8, 0.5 + 0.4 * len(rows))))
    separating = set(result.separation_up())
    colours = [plots.RED if theme in separating else plots.ACCENT for theme in rows["theme"]]
    y = np.arange(len(rows))
    ax.hlines(y, 100 * rows["low"], 100 * rows["high"], color=colours, linewidth=2.2)
    ax.scatter(100 * rows["share"], y, color=colours, zorder=3, s=28)
    labels = [
        _tx("chart_label", lang, theme=result.label(theme, lang), mentions=fmt.integer(k, lang))
        for theme, k in zip(rows["theme"], rows["mentions"], strict=True)
    ]
    ax.set_yticks(y, labels)
    ax.set_xlim(0, max(5.0, float(100 * rows["high"].max()) * 1.1) if len(rows) else 100)
    ax.set_xlabel(_tx("chart_axis", lang))
    ax.grid(axis="x", visible=True)
    ax.grid(axis="y", visible=False)
    return ax


def reading(result: CommentThemes, lang: str) -> str:
    """The plain-language reading: coverage, top themes, tone, detractors vs promoters."""
    rows = result.overall()
    if rows.empty:
        return _tx("none_coded", lang, comments=fmt.integer(result.comments, lang))
    top = [
        _tx(
            "top_item",
            lang,
            theme=result.label(r.theme, lang),
            share=_pct(r.share, lang),
            low=_pct(r.low, lang),
            high=_pct(r.high, lang),
        )
        for r in rows.head(3).itertuples()
    ]
    parts = [
        _tx(
            "reading",
            lang,
            coded=fmt.integer(result.coded, lang),
            comments=fmt.integer(result.comments, lang),
            top="; ".join(top),
        )
    ]
    negative = rows[rows["negative"] > 0].sort_values(
        ["negative", "mentions"], ascending=[False, False]
    )
    if len(negative):
        worst = negative.iloc[0]
        parts.append(
            _tx(
                "negative",
                lang,
                theme=result.label(str(worst["theme"]), lang),
                negative=fmt.integer(int(worst["negative"]), lang),
                mentions=fmt.integer(int(worst["mentions"]), lang),
            )
        )
    parts.append(_separation_text(result, lang))
    return " ".join(parts)


def _separation_text(result: CommentThemes, lang: str) -> str:
    sep = result.separation
    groups = result.frequency[result.frequency["by"] == "nps_group"]
    if sep.empty:
        n = groups.groupby("group")["n"].first() if len(groups) else pd.Series(dtype=int)
        return _tx(
            "separating_too_few",
            lang,
            min_n=result.min_n,
            detractors=fmt.integer(int(n.get("detractor", 0)), lang),
            promoters=fmt.integer(int(n.get("promoter", 0)), lang),
        )
    found = sep[sep["different"]]
    if found.empty:
        return _tx("separating_none", lang, points=fmt.number(MIN_DIFFERENCE, 0, lang))
    texts = []
    for r in found.itertuples():
        key = "more_detractors" if r.difference > 0 else "more_promoters"
        texts.append(
            _tx(
                key,
                lang,
                theme=result.label(r.theme, lang),
                detractors=_pct(r.detractors / r.n_detractors, lang),
                promoters=_pct(r.promoters / r.n_promoters, lang),
            )
        )
    return " ".join(texts)


def groups_frame(result: CommentThemes, lang: str) -> pd.DataFrame:
    """One row per named theme: comments, share with interval, negative, detractors, promoters."""
    rows = result.overall()
    sep = result.separation.set_index("theme") if len(result.separation) else pd.DataFrame()
    by_group = shares_by_group(result, "nps_group")
    frame = pd.DataFrame(
        {
            _tx("columns.theme", lang): [result.label(theme, lang) for theme in rows["theme"]],
            _tx("columns.mentions", lang): rows["mentions"].astype(int).to_numpy(),
            _tx("columns.share", lang): [
                _tx("share", lang, share=_pct(p, lang), low=_points(lo, lang), high=_pct(hi, lang))
                for p, lo, hi in zip(rows["share"], rows["low"], rows["high"], strict=True)
            ],
            _tx("columns.negative", lang): rows["negative"].astype(int).to_numpy(),
        }
    )
    groups = result.frequency[result.frequency["by"] == "nps_group"]
    sizes = groups.groupby("group")["n"].first()
    for group, key in (("detractor", "detractors"), ("promoter", "promoters")):
        if group in by_group.columns:
            # a share of fewer than min_n comments is no figure ("–")
            small = int(sizes.get(group, 0)) < result.min_n
            frame[_tx(f"columns.{key}", lang)] = [
                np.nan if small else float(by_group.loc[theme, group]) for theme in rows["theme"]
            ]
    if len(sep):
        frame[_tx("columns.different", lang)] = [
            _tx(
                "answer_yes" if theme in sep.index and sep.loc[theme, "different"] else "answer_no",
                lang,
            )
            for theme in rows["theme"]
        ]
    return frame


def phase_frame(result: CommentThemes, lang: str, top: int = 3) -> pd.DataFrame:
    """One row per journey phase: its comments and its ``top`` themes with their shares."""
    part = result.frequency[
        (result.frequency["by"] == "phase") & (result.frequency["mentions"] > 0)
    ]
    if part.empty:
        return pd.DataFrame()
    rows = []
    for phase, own in part.groupby("group", sort=False):
        best = own.sort_values(["mentions", "theme"], ascending=[False, True]).head(top)
        named = [
            _tx("phase_item", lang, theme=result.label(r.theme, lang), share=_pct(r.share, lang))
            for r in best.itertuples()
        ]
        rows.append((phase, int(own["n"].iloc[0]), "; ".join(named)))
    return pd.DataFrame(
        rows,
        columns=[
            _tx("columns.phase", lang),
            _tx("columns.mentions", lang),
            _tx("columns.top_themes", lang),
        ],
    )


def quotes_frame(result: CommentThemes, lang: str) -> pd.DataFrame:
    """Up to three masked quotes for each of the most frequent themes."""
    rows = []
    for theme in list(result.overall()["theme"])[:QUOTED_THEMES]:
        for quote in result.quotes.get(theme, ()):
            rows.append(
                {"theme": result.label(theme, lang), "quote": _tx("quote", lang, quote=quote)}
            )
    frame = pd.DataFrame(rows, columns=["theme", "quote"])
    return frame.rename(
        columns={"theme": _tx("columns.theme", lang), "quote": _tx("columns.quote", lang)}
    )


def comment_figures(result: CommentThemes) -> dict[str, object]:
    """The comment themes for ``results.json``: counts, named themes, separating themes."""
    named = result.overall()[["theme", "mentions", "n", "share", "low", "high", "negative"]]
    return {
        "comments": result.comments,
        "coded": result.coded,
        "themes": named.to_dict(orient="records"),
        "separating": list(result.separating),
        "min_difference_points": MIN_DIFFERENCE,
    }


def themes_block(result: CommentThemes | None, lang: str) -> list[object]:
    """The displays of the KPI section's ``themes`` block; nothing without comments."""
    if result is None:
        return []
    items: list[object] = [display.subheading(_tx("heading", lang))]
    if result.comments < result.small_n:
        text = _tx("small_n", lang, comments=fmt.integer(result.comments, lang))
        items.append(display.note(text, "warning", lang))
    named = result.overall()
    said = reading(result, lang)
    if len(named):
        ax = chart(result, lang=lang)
        alt = display.chart_alt(_tx("heading", lang), said, lang)
        items.append(display.figure(ax.figure, alt=alt))
    items.append(display.reading(said, lang))
    points = fmt.number(MIN_DIFFERENCE, 0, lang)
    # how the themes are found is for checking them: with their table in the appendix
    method = display.note(_tx("method", lang, points=points), "info", lang)
    if not len(named):
        items.append(method)
        return items
    items.append(display.note(_tx("note", lang), "info", lang))  # what red means
    frame = groups_frame(result, lang)
    shares = [c for c in frame.columns[1:] if frame[c].dtype == float]
    table = display.table(frame, lang, percent=shares)
    items.append(display.appendix(_tx("heading", lang), table, method, lang=lang))
    phases = phase_frame(result, lang)
    if len(phases):
        table = display.table(phases, lang)
        aid = display.reading(_tx("phase_reading", lang), lang)
        items.append(display.appendix(_tx("phase_heading", lang), table, aid, lang=lang))
    quotes = quotes_frame(result, lang)
    if len(quotes):
        table = display.table(quotes, lang)
        items.append(display.appendix(_tx("quotes_heading", lang), table, lang=lang))
    return items
