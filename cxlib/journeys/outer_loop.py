"""The outer feedback loop: comment themes that recur and the plan's pain point of each.

The call-back list (:mod:`cxlib.voice.callbacks`) is the inner loop: follow up
the individual customer. The outer loop (seed 004, CX_METHOD "Feedback-
Kreislauf") fixes the cause. Its candidates are the themes customers keep
raising:

* a theme **recurs** when at least ``min_n`` comments name it negatively
  and, where the survey spans two or more half-years (its ``date``), it is
  named negatively in at least two of them (a cause that persists, not one
  bad week); with a single half-year the count alone decides and the result
  says that persistence could not be checked;
* each recurring theme **belongs to** the plan's pain points whose text or
  ticket category the same codebook codes into that theme
  (:func:`cxlib.voice.coding.code_comments`: "Abschlag passt nicht zum
  Verbrauch" → Rechnung/Abschlag); a recurring theme that belongs to none is
  a cause the plan does not address yet.

Numbers only; :mod:`cxlib.journeys.map_view` words them, and every number is
a fact (:mod:`cxlib.journeys.facts`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:
    from cxlib.journeys.plan import ActionPlan
    from cxlib.voice.codebook import Codebook

__all__ = ["MIN_PERIODS", "OuterLoop", "RecurringTheme", "half_year", "outer_loop", "pain_themes"]

#: Half-years with a negative mention a theme needs to count as recurring.
MIN_PERIODS = 2


@dataclass(frozen=True)
class RecurringTheme:
    """A theme named negatively in ``negative`` of ``comments`` comments, in ``periods``
    half-years, and the plan's pain points (numbers 1-3) it belongs to."""

    theme: str
    labels: tuple[tuple[str, str], ...]
    negative: int
    comments: int
    periods: int
    pain_points: tuple[int, ...] = ()

    @property
    def share(self) -> float:
        """negative / comments."""
        return self.negative / self.comments

    def label(self, lang: str = "de") -> str:
        """The theme's name in ``lang``."""
        return dict(self.labels).get(str(lang)[:2], self.theme)


@dataclass(frozen=True)
class OuterLoop:
    """Recurring themes (most negative comments first) and what the rule could check."""

    themes: tuple[RecurringTheme, ...]
    comments: int
    #: half-years the survey's comments span (0 without dates)
    periods: int
    min_n: int
    #: the plan's pain points by number (1-3), for the view
    pains: tuple[tuple[int, str], ...] = ()

    @property
    def persistence_checked(self) -> bool:
        """True when the comments span at least :data:`MIN_PERIODS` half-years."""
        return self.periods >= MIN_PERIODS

    def to_frame(self) -> pd.DataFrame:
        """One row per recurring theme."""
        return pd.DataFrame(
            [
                {
                    "theme": r.theme,
                    "negative": r.negative,
                    "comments": r.comments,
                    "share": r.share,
                    "periods": r.periods,
                    "pain_points": list(r.pain_points),
                }
                for r in self.themes
            ],
            columns=["theme", "negative", "comments", "share", "periods", "pain_points"],
        )


def half_year(dates: pd.Series) -> pd.Series:
    """'2025-H1' / '2025-H2' per date (missing stays missing)."""
    when = pd.to_datetime(dates, errors="coerce")
    label = when.dt.year.astype("Int64").astype("string") + "-H"
    return label + (1 + (when.dt.month > 6).astype("Int64")).astype("string")


def pain_themes(plan: ActionPlan | None, codebook: Codebook) -> dict[int, set[str]]:
    """The themes of each pain point (number 1-3): its text and ticket category, coded."""
    from cxlib.voice.coding import code_comments

    if plan is None or plan.pain_points.empty:
        return {}
    texts = []
    for _, row in plan.pain_points.iterrows():
        category = row.get("ticket_category")
        texts.append(f"{row['text']} {category if isinstance(category, str) else ''}")
    hits = code_comments(texts, codebook)
    return {i + 1: set(hits.loc[hits["row"] == i, "theme"]) for i in range(len(texts))}


def outer_loop(
    answered: pd.DataFrame,
    hits: pd.DataFrame,
    codebook: Codebook,
    plan: ActionPlan | None,
    min_n: int,
) -> OuterLoop:
    """The recurring themes of the coded comments and their pain points (module notes).

    ``answered`` are the survey answers with a comment and ``hits`` their
    themes (:func:`cxlib.journeys.journey_map.comment_hits`).
    """
    pains = (
        tuple((i + 1, str(text)) for i, text in enumerate(plan.pain_points["text"]))
        if plan is not None
        else ()
    )
    if answered.empty:
        return OuterLoop((), 0, 0, min_n, pains)
    period = half_year(answered["date"]) if "date" in answered else pd.Series(pd.NA, answered.index)
    periods = int(period.dropna().nunique())
    negative = hits[hits["tone"] == "negative"]
    by_pain = pain_themes(plan, codebook)
    found = []
    for theme in codebook.themes:
        rows = set(negative.loc[negative["theme"] == theme.id, "row"])
        seen = int(period[period.index.isin(rows)].dropna().nunique())
        if len(rows) < min_n or (periods >= MIN_PERIODS and seen < MIN_PERIODS):
            continue
        belongs = tuple(number for number, themes in by_pain.items() if theme.id in themes)
        found.append(
            RecurringTheme(theme.id, theme.labels, len(rows), len(answered), seen, belongs)
        )
    found.sort(key=lambda r: -r.negative)
    return OuterLoop(tuple(found), len(answered), periods, min_n, pains)
