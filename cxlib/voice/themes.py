"""What do customers write about? Theme frequencies, detractor/promoter differences, quotes.

For the KPI section of the report (:func:`cxlib.kpis.analysis.analyse` calls
:func:`comment_themes`): the survey's free-text comments are coded into the
codebook's themes (:mod:`cxlib.voice.coding`), and per theme

* **frequency**: the share of the comments that name it, with a Wilson 95 %
  interval and n, overall, by NPS group (detractor 0-6, passive 7-8,
  promoter 9-10) and by journey phase where the survey has one; with the
  comments naming it negatively and positively;
* **separation**: does it separate detractors from promoters? Fisher's exact
  test of the detractors' share against the promoters' share, Holm-adjusted
  over the themes named at all (the report's testing family: α = 0.05,
  :mod:`cxlib.kpis.comparisons`), and stated only when the adjusted p is
  below α *and* the difference is at least :data:`MIN_DIFFERENCE` points;
  no test when either group has fewer than ``min_n`` comments;
* **quotes**: up to :data:`QUOTES` short comments (at most
  :data:`QUOTE_CHARS` characters), masked (:func:`cxlib.voice.masking.mask`);
  a comment that is mostly personal detail is never quoted, and a comment
  with any masked detail only when no clean one is left.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from cxlib.report.testing import Hypothesis, TestFamily
from cxlib.voice.codebook import Codebook
from cxlib.voice.coding import code_comments
from cxlib.voice.fisher_exact import fisher_exact_p
from cxlib.voice.masking import MASK, mask, mostly_personal

#: Smallest detractor-promoter difference (percentage points) worth stating.
MIN_DIFFERENCE = 5.0
#: Quotes per theme, and the longest comment quoted (characters).
QUOTES = 3
QUOTE_CHARS = 160
#: NPS groups in display order and their score ranges.
NPS_GROUPS = ("detractor", "passive", "promoter")
FREQUENCY_COLUMNS = [
    "theme",
    "by",
    "group",
    "mentions",
    "n",
    "share",
    "low",
    "high",
    "negative",
    "positive",
]


@dataclass(frozen=True)
class CommentThemes:
    """The themes of a client's survey comments (see the module docstring)."""

    #: survey answers with a comment, and of them the ones naming at least one theme
    comments: int
    coded: int
    #: theme ids in codebook order and their labels by language
    themes: tuple[str, ...]
    labels: dict[str, dict[str, str]]
    #: one row per theme and group (FREQUENCY_COLUMNS); ``by`` is all, nps_group or phase
    frequency: pd.DataFrame = field(repr=False)
    #: one row per theme: detractors, n_detractors, promoters, n_promoters, difference
    #: (points), p, p_holm, relevant, different
    separation: pd.DataFrame = field(repr=False)
    #: up to QUOTES masked quotes per theme (themes without a quotable comment are absent)
    quotes: dict[str, tuple[str, ...]] = field(default_factory=dict, repr=False)
    min_n: int = 10
    small_n: int = 30

    def hypotheses(self) -> tuple[Hypothesis, ...]:
        """The detractor-promoter tests as members of the report's testing family."""
        return _hypotheses(self.separation)

    def judged(self, family: TestFamily) -> CommentThemes:
        """These themes with their detractor-promoter tests judged by the report's ``family``.

        The coding (the costly part) is kept; only ``p_holm`` and ``different``
        are taken from the family.
        """
        return replace(self, separation=_judged(self.separation, family))

    def to_frame(self) -> pd.DataFrame:
        """The frequency table: one row per theme and group (all, NPS group, phase)."""
        return self.frequency.copy()

    def overall(self) -> pd.DataFrame:
        """One row per theme named at least once, most frequent first."""
        rows = self.frequency[(self.frequency["by"] == "all") & (self.frequency["mentions"] > 0)]
        return rows.sort_values(["mentions", "theme"], ascending=[False, True]).reset_index(
            drop=True
        )

    @property
    def separating(self) -> tuple[str, ...]:
        """Themes that separate detractors from promoters (tested and relevant)."""
        if self.separation.empty:
            return ()
        return tuple(self.separation.loc[self.separation["different"], "theme"])

    def separation_up(self) -> tuple[str, ...]:
        """Separating themes that detractors name more often than promoters (a risk)."""
        if self.separation.empty:
            return ()
        up = self.separation["different"] & (self.separation["difference"] > 0)
        return tuple(self.separation.loc[up, "theme"])

    def label(self, theme: str, lang: str = "de") -> str:
        """The theme's name in ``lang``."""
        return self.labels[theme][lang]


def nps_group(scores: pd.Series) -> pd.Series:
    """detractor (0-6), passive (7-8), promoter (9-10); missing where there is no score."""
    values = pd.to_numeric(scores, errors="coerce")
    out = pd.Series(pd.NA, index=scores.index, dtype="object")
    out[values <= 6] = "detractor"
    out[(values >= 7) & (values <= 8)] = "passive"
    out[values >= 9] = "promoter"
    return out


def _frequency(
    hits: pd.DataFrame, groups: pd.Series, by: str, themes: tuple[str, ...]
) -> list[dict[str, object]]:
    """Rows for every theme and every group of ``groups`` (a label per comment row)."""
    # imported here: cxlib.kpis (its __init__) imports this module for the baseline
    from cxlib.kpis.intervals import share_interval

    rows: list[dict[str, object]] = []
    labels = groups.dropna()
    order = NPS_GROUPS if by == "nps_group" else sorted(labels.unique(), key=str)
    for group in order:
        members = set(labels.index[labels == group])
        n = len(members)
        if not n:
            continue
        part = hits[hits["row"].isin(members)]
        for theme in themes:
            own = part[part["theme"] == theme]
            k = len(own)
            interval = share_interval(k, n)
            rows.append(
                {
                    "theme": theme,
                    "by": by,
                    "group": str(group),
                    "mentions": k,
                    "n": n,
                    "share": k / n,
                    "low": interval.low,
                    "high": interval.high,
                    "negative": int((own["tone"] == "negative").sum()),
                    "positive": int((own["tone"] == "positive").sum()),
                }
            )
    return rows


def theme_test_id(theme: str) -> str:
    """The id of a theme's test in the report's testing family."""
    return f"voice/theme/{theme}"


def _hypotheses(separation: pd.DataFrame) -> tuple[Hypothesis, ...]:
    """One detractor-promoter test per theme, as members of the report's testing family."""
    return tuple(
        Hypothesis(theme_test_id(str(row.theme)), float(row.p), True, bool(row.relevant))
        for row in separation.itertuples(index=False)
    )


def _separation(
    hits: pd.DataFrame,
    groups: pd.Series,
    themes: tuple[str, ...],
    min_n: int,
    family: TestFamily | None = None,
) -> pd.DataFrame:
    """Fisher's exact test per theme, detractors against promoters, in the report's family.

    ``family`` is the report's testing family (:mod:`cxlib.report.testing`);
    without it the themes' tests are Holm-adjusted among themselves.
    """
    columns = [
        "theme",
        "detractors",
        "n_detractors",
        "promoters",
        "n_promoters",
        "difference",
        "p",
        "p_holm",
        "relevant",
        "different",
    ]
    detractors = set(groups.index[groups == "detractor"])
    promoters = set(groups.index[groups == "promoter"])
    n_d, n_p = len(detractors), len(promoters)
    if min(n_d, n_p) < min_n:
        return pd.DataFrame(columns=columns)
    rows = []
    for theme in themes:
        named = set(hits.loc[hits["theme"] == theme, "row"])
        k_d, k_p = len(named & detractors), len(named & promoters)
        if k_d + k_p == 0:
            continue
        p = fisher_exact_p(k_d, n_d - k_d, k_p, n_p - k_p)
        rows.append(
            {
                "theme": theme,
                "detractors": k_d,
                "n_detractors": n_d,
                "promoters": k_p,
                "n_promoters": n_p,
                "difference": 100 * (k_d / n_d - k_p / n_p),
                "p": p,
            }
        )
    frame = pd.DataFrame(rows, columns=columns[:7])
    frame["relevant"] = frame["difference"].abs() >= MIN_DIFFERENCE
    return _judged(frame.reindex(columns=columns), family)


def _judged(separation: pd.DataFrame, family: TestFamily | None) -> pd.DataFrame:
    """``separation`` with ``p_holm`` and ``different`` from ``family`` (or its own Holm)."""
    frame = separation.copy()
    tests = _hypotheses(frame)
    family = family or TestFamily.of(tests)
    frame["p_holm"] = [family.p_adjusted(h.id) for h in tests]
    frame["different"] = [family.verdict(h) == "finding" for h in tests]
    return frame.reset_index(drop=True)


def _quotes(
    texts: pd.Series, hits: pd.DataFrame, themes: tuple[str, ...]
) -> dict[str, tuple[str, ...]]:
    """Up to QUOTES masked, short, distinct comments per theme (module notes)."""
    out: dict[str, tuple[str, ...]] = {}
    for theme in themes:
        own = hits[hits["theme"] == theme]
        candidates: dict[str, tuple[int, int, str]] = {}  # masked text -> (clean, count, tone)
        for row, tone in zip(own["row"], own["tone"], strict=True):
            text = " ".join(str(texts.iloc[row]).split())
            if len(text) > QUOTE_CHARS:
                continue
            masked = mask(text)
            if mostly_personal(text, masked):
                continue
            clean, count, _ = candidates.get(masked, (int(MASK not in masked), 0, tone))
            candidates[masked] = (clean, count + 1, tone)
        ranked = sorted(candidates.items(), key=lambda kv: (-kv[1][0], -kv[1][1], len(kv[0])))
        chosen: list[str] = []
        for wanted in (
            "negative",
            "positive",
            None,
        ):  # one of each tone first, then the most common
            for text, (_, _, tone) in ranked:
                if len(chosen) < QUOTES and text not in chosen and wanted in (tone, None):
                    chosen.append(text)
                    if wanted is not None:
                        break
        if chosen:
            out[theme] = tuple(chosen)
    return out


def code_survey(survey: pd.DataFrame | None, codebook: Codebook) -> CodedComments:
    """The survey answers with a comment and their themes (row, theme, tone, mentions).

    Comments are masked before coding: a name, address or e-mail never becomes
    a theme ("t-online.de"). The KPI section's themes and the journey map read
    the same coding (:func:`cxlib.kpis.analysis.coded_comments` keeps it once
    per data).
    """
    empty = pd.DataFrame(columns=["row", "theme", "tone", "mentions"])
    if survey is None or "comment" not in survey:
        return CodedComments(pd.DataFrame(), pd.Series(dtype="string"), empty, codebook)
    text = survey["comment"].astype("string").fillna("").str.strip()
    answered = survey[text != ""].reset_index(drop=True)
    texts = text[text != ""].reset_index(drop=True)
    if answered.empty:
        return CodedComments(answered, texts, empty, codebook)
    hits = code_comments([mask(str(x)) for x in texts], codebook)
    return CodedComments(answered, texts, hits, codebook)


@dataclass(frozen=True)
class CodedComments:
    """Survey answers with a comment, their texts, their themes and the codebook used."""

    answered: pd.DataFrame = field(repr=False)
    texts: pd.Series = field(repr=False)
    #: row (position in ``answered``), theme, tone, mentions
    hits: pd.DataFrame = field(repr=False)
    codebook: Codebook = field(repr=False)


def comment_themes(
    survey: pd.DataFrame | None,
    codebook: Codebook,
    min_n: int = 10,
    small_n: int = 30,
    family: TestFamily | None = None,
    coded: CodedComments | None = None,
) -> CommentThemes | None:
    """The themes of the survey's comments (module notes); None without any comment.

    ``family`` is the report's testing family that judges the detractor-promoter
    tests; ``coded`` the survey's :func:`code_survey` when already done.
    """
    coded = coded or code_survey(survey, codebook)
    answered, texts, hits = coded.answered, coded.texts, coded.hits
    if answered.empty:
        return None
    themes = codebook.ids
    everyone = pd.Series("all", index=answered.index, dtype="object")
    rows = _frequency(hits, everyone, "all", themes)
    groups = (
        nps_group(answered["nps"])
        if "nps" in answered
        else pd.Series(pd.NA, index=answered.index, dtype="object")
    )
    rows += _frequency(hits, groups, "nps_group", themes)
    if "phase" in answered and answered["phase"].notna().any():
        rows += _frequency(hits, answered["phase"].astype("object"), "phase", themes)
    return CommentThemes(
        comments=len(answered),
        coded=int(hits["row"].nunique()) if len(hits) else 0,
        themes=themes,
        labels={t: {lang: codebook.theme(t).label(lang) for lang in ("de", "en")} for t in themes},
        frequency=pd.DataFrame(rows, columns=FREQUENCY_COLUMNS),
        separation=_separation(hits, groups, themes, min_n, family),
        quotes=_quotes(texts, hits, themes),
        min_n=min_n,
        small_n=small_n,
    )


def shares_by_group(result: CommentThemes, by: str) -> pd.DataFrame:
    """Theme × group table of shares (0-1) for ``by`` (``nps_group`` or ``phase``)."""
    part = result.frequency[result.frequency["by"] == by]
    if part.empty:
        return pd.DataFrame()
    table = part.pivot(index="theme", columns="group", values="share")
    order = [g for g in NPS_GROUPS if g in table.columns] if by == "nps_group" else table.columns
    return (
        table.reindex(index=list(result.themes), columns=list(order)).astype(float).fillna(np.nan)
    )
