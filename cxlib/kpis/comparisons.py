"""Segment, phase and wave comparisons, judged in the report's testing family; monthly trend.

Each group is compared with the rest of the answers (group vs. rest): NPS
with the adjusted-Wald z of Rocks (2016) (never a two-proportion test), CSAT
with the two-proportion z-test on the top-2-box. Every test is a member of the
report's testing family (:mod:`cxlib.report.testing`: Holm over all tests of
the report, the churn section's included); a group is called different
("statistisch gesichert") only when its adjusted p is below 0.05 *and* it lies
at least :data:`MIN_GAP` points (NPS points, top-2-box percentage points) from
the rest: with thousands of answers even a gap of one point is significant,
and it is not worth a sentence.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from cxlib.kpis.survey import by_group
from cxlib.report.testing import ALPHA, Hypothesis, TestFamily

__all__ = ["ALPHA", "DIMENSIONS", "MIN_GAP", "compare", "hypotheses", "judge", "monthly"]

#: Survey columns that define comparison groups, in display order.
DIMENSIONS = ("phase", "touchpoint", "segment", "wave")
#: The smallest gap to the rest worth stating: 5 NPS points or 5 top-2-box points.
MIN_GAP = 5.0


def _z_test(frame: pd.DataFrame, kpi: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """z, two-sided p and the gap to the rest of each group (columns from by_group + totals).

    The gap is the group's NPS minus the rest's NPS, or its top-2-box share
    minus the rest's, in points.
    """
    from scipy.special import ndtr

    n, n_all = frame["n"].to_numpy(float), frame["n_all"].to_numpy(float)
    top, top_all = frame["top"].to_numpy(float), frame["top_all"].to_numpy(float)
    rest_n, rest_top = n_all - n, top_all - top
    with np.errstate(invalid="ignore", divide="ignore"):
        if kpi == "nps":
            bottom, bottom_all = (
                frame["bottom"].to_numpy(float),
                frame["bottom_all"].to_numpy(float),
            )
            rest_bottom = bottom_all - bottom

            def adjusted(
                t: np.ndarray, b: np.ndarray, k: np.ndarray
            ) -> tuple[np.ndarray, np.ndarray]:
                p, d = (t + 0.75) / (k + 3), (b + 0.75) / (k + 3)
                return p - d, (p + d - (p - d) ** 2) / (k + 3)

            c1, v1 = adjusted(top, bottom, n)
            c2, v2 = adjusted(rest_top, rest_bottom, rest_n)
            z = (c1 - c2) / np.sqrt(v1 + v2)
            gap = 100 * ((top - bottom) / n - (rest_top - rest_bottom) / rest_n)
        else:
            p1, p2, pooled = top / n, rest_top / rest_n, top_all / n_all
            z = (p1 - p2) / np.sqrt(pooled * (1 - pooled) * (1 / n + 1 / rest_n))
            gap = 100 * (p1 - p2)
    return z, 2 * ndtr(-np.abs(z)), gap


def compare(
    survey: pd.DataFrame,
    dimensions: Sequence[str] = DIMENSIONS,
    min_n: int = 10,
    family: TestFamily | None = None,
) -> pd.DataFrame:
    """NPS and CSAT per group of each dimension, tested against the rest.

    Columns: dimension, group, kpi, n, value, low, high, share (promoters or
    top-2-box in %), z, p, gap (to the rest, points), test_id, and from
    :func:`judge`: p_adjusted, verdict, different (a finding), direction (+1
    above / −1 below the rest / 0). Groups with n < ``min_n`` get no test;
    dimensions with fewer than two groups are skipped. ``family`` is the
    report's testing family (default: these tests alone).
    """
    parts = []
    for dim in dimensions:
        if dim not in survey or survey[dim].nunique() < 2:
            continue
        stats = by_group(survey, dim, measures=("nps", "csat"))
        stats = stats[stats["kpi"].isin(["nps", "csat"])].rename(columns={dim: "group"})
        stats["top"] = np.round(stats["share"] * stats["n"] / 100)
        stats["bottom"] = np.where(
            stats["kpi"] == "nps",
            np.round(stats["top"] - stats["value"] * stats["n"] / 100),
            0,
        )
        for kpi, frame in stats.groupby("kpi", sort=False):
            frame = frame.copy()
            tested = frame["n"] >= min_n
            frame["n_all"] = frame["n"].sum()
            frame["top_all"] = frame["top"].sum()
            frame["bottom_all"] = frame["bottom"].sum()
            z, p, gap = _z_test(frame, kpi)
            frame["z"] = np.where(tested, z, np.nan)
            frame["p"] = np.where(tested, p, np.nan)
            frame["gap"] = gap
            frame["dimension"] = dim
            names = frame["group"].astype(str)
            # two groups: "a vs rest" and "b vs rest" are one and the same test
            frame["test_id"] = (
                f"kpi/{kpi}/{dim}"
                if len(frame) == 2
                else [f"kpi/{kpi}/{dim}/{name}" for name in names]
            )
            parts.append(frame)
    columns = ["dimension", "group", "kpi", "n", "value", "low", "high", "share", "z", "p"]
    columns += ["gap", "test_id"]
    if not parts:
        empty = pd.DataFrame(columns=columns)
        return judge(empty, family)
    out = pd.concat(parts, ignore_index=True)[columns]
    out["group"] = out["group"].astype(str)
    return judge(out, family)


def hypotheses(comparisons: pd.DataFrame) -> tuple[Hypothesis, ...]:
    """The comparisons' tests as members of the report's testing family (one per test id).

    Relevant: the gap to the rest is at least :data:`MIN_GAP` points.
    """
    tested = comparisons.dropna(subset=["p"]).drop_duplicates("test_id")
    return _row_hypotheses(tested)


def _row_hypotheses(comparisons: pd.DataFrame) -> tuple[Hypothesis, ...]:
    """One hypothesis per row (the two rows of a two-group dimension share their test id)."""
    return tuple(
        Hypothesis(str(row.test_id), float(row.p), True, bool(abs(row.gap) >= MIN_GAP))
        for row in comparisons.itertuples(index=False)
    )


def judge(comparisons: pd.DataFrame, family: TestFamily | None = None) -> pd.DataFrame:
    """The comparisons with the family's verdicts: p_adjusted, verdict, different, direction.

    ``family`` is the report's testing family; without it the comparisons'
    own tests form the family.
    """
    out = comparisons.copy()
    family = family or TestFamily.of(hypotheses(out))
    verdicts = [family.verdict(h) for h in _row_hypotheses(out)]
    out["p_adjusted"] = [family.p_adjusted(str(i)) for i in out["test_id"]]
    out["verdict"] = pd.Series(verdicts, index=out.index, dtype=object)
    out["different"] = out["verdict"] == "finding"
    out["direction"] = np.where(out["different"], np.sign(out["z"].astype(float)), 0).astype(int)
    return out


def monthly(survey: pd.DataFrame) -> pd.DataFrame:
    """NPS, CSAT and CES with intervals per calendar month of the answers."""
    frame = survey.assign(month=survey["date"].dt.to_period("M").dt.to_timestamp())
    return by_group(frame, "month")
