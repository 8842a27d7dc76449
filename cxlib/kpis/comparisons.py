"""Segment, phase and wave comparisons with Holm adjustment; monthly trend.

Each group is compared with the rest of the answers (group vs. rest): NPS
with the adjusted-Wald z of Rocks (2016) (never a two-proportion test), CSAT
with the two-proportion z-test on the top-2-box. Within one dimension and KPI
the p-values are adjusted with Holm's step-down method; a group is called
different ("statistisch gesichert") only when its adjusted p is below 0.05.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from cxlib.kpis.survey import by_group

#: Survey columns that define comparison groups, in display order.
DIMENSIONS = ("phase", "touchpoint", "segment", "wave")
ALPHA = 0.05


def holm(pvalues: Sequence[float]) -> np.ndarray:
    """Holm step-down adjusted p-values (NaN stays NaN)."""
    p = np.asarray(pvalues, dtype=float)
    out = np.full_like(p, np.nan)
    ok = ~np.isnan(p)
    values = p[ok]
    m = len(values)
    if m == 0:
        return out
    order = np.argsort(values)
    adjusted = np.maximum.accumulate((m - np.arange(m)) * values[order])
    result = np.empty(m)
    result[order] = np.minimum(adjusted, 1.0)
    out[ok] = result
    return out


def _z_test(frame: pd.DataFrame, kpi: str) -> tuple[np.ndarray, np.ndarray]:
    """z and two-sided p of each group against the rest (columns from by_group + totals)."""
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
        else:
            p1, p2, pooled = top / n, rest_top / rest_n, top_all / n_all
            z = (p1 - p2) / np.sqrt(pooled * (1 - pooled) * (1 / n + 1 / rest_n))
    return z, 2 * ndtr(-np.abs(z))


def compare(
    survey: pd.DataFrame, dimensions: Sequence[str] = DIMENSIONS, min_n: int = 10
) -> pd.DataFrame:
    """NPS and CSAT per group of each dimension, tested against the rest (Holm).

    Columns: dimension, group, kpi, n, value, low, high, share (promoters or
    top-2-box in %), z, p, p_holm,
    different (adjusted p < 0.05), direction (+1 above / −1 below the rest /
    0). Groups with n < ``min_n`` get no test; dimensions with fewer than two
    groups are skipped.
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
            z, p = _z_test(frame, kpi)
            frame["z"] = np.where(tested, z, np.nan)
            frame["p"] = np.where(tested, p, np.nan)
            # two groups: "a vs rest" and "b vs rest" are one and the same test
            frame["p_holm"] = holm(frame["p"]) if len(frame) > 2 else frame["p"]
            frame["dimension"] = dim
            parts.append(frame)
    columns = ["dimension", "group", "kpi", "n", "value", "low", "high", "share", "z", "p"]
    columns.append("p_holm")
    if not parts:
        return pd.DataFrame(columns=[*columns, "different", "direction"])
    out = pd.concat(parts, ignore_index=True)[columns]
    out["group"] = out["group"].astype(str)
    out["different"] = out["p_holm"] < ALPHA
    out["direction"] = np.where(out["different"], np.sign(out["z"]), 0).astype(int)
    return out


def monthly(survey: pd.DataFrame) -> pd.DataFrame:
    """NPS, CSAT and CES with intervals per calendar month of the answers."""
    frame = survey.assign(month=survey["date"].dt.to_period("M").dt.to_timestamp())
    return by_group(frame, "month")
