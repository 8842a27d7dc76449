"""Survey KPIs with honest intervals: NPS, CSAT and CES.

* :func:`nps`: Net Promoter Score on 0-10 answers (promoters 9-10, passives
  7-8, detractors 0-6; passives stay in n), NPS = 100·(n_P − n_D)/n on −100…+100.
  Interval: adjusted Wald (Rocks 2016, *The American Statistician* 70(4)):
  n' = n + 3, p' = (n_P + 0.75)/n', d' = (n_D + 0.75)/n',
  SE' = √((p' + d' − (p' − d')²)/n'), CI = 100·((p' − d') ± z·SE').
  The point estimate stays the plain NPS. ``ci="wald"`` gives the plain Wald
  interval. "Net Promoter Score" is a trademark of its owners.
* :func:`csat`: share of 4-5 answers on a 1-5 scale (top-2-box) on 0-100,
  Wilson interval.
* :func:`ces`: Customer Effort Score 2.0 on 1-7 (higher = easier): the mean
  with a t interval, and the share of 5-7 answers (Wilson) as a separate field.

Missing answers (None, NaN, pd.NA) are counted in ``.missing`` and left out;
anything else that is not a whole number on the scale raises
:class:`KpiInputError` naming the problem. :func:`by_group` computes all
three per group in one vectorised pass (no Python loop over rows or groups).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from pandas.api.types import is_bool_dtype, is_numeric_dtype

from cxlib.exceptions import CXError

__all__ = [
    "CesEstimate",
    "CsatEstimate",
    "KpiInputError",
    "NpsEstimate",
    "by_group",
    "ces",
    "csat",
    "nps",
    "nps_difference",
    "reliability",
    "wilson",
]

#: The answer scale of each KPI (inclusive).
SCALES = {"nps": (0, 10), "csat": (1, 5), "ces": (1, 7)}
_NAMES = {"nps": "Weiterempfehlung (NPS)", "csat": "Zufriedenheit (CSAT)", "ces": "Aufwand (CES)"}


class KpiInputError(CXError, ValueError):
    """Survey answers a KPI cannot be computed from (empty, not numeric, off the scale)."""


def _z(level: float) -> float:
    from scipy.special import ndtri

    if not 0 < level < 1:
        raise KpiInputError(f"Konfidenzniveau muss zwischen 0 und 1 liegen, nicht {level}")
    return float(ndtri(0.5 + level / 2))


def _clean(scores: ArrayLike, kpi: str) -> tuple[np.ndarray, int]:
    """The answers as whole numbers on the KPI's scale, and how many were missing."""
    low, high = SCALES[kpi]
    name = _NAMES[kpi]
    if isinstance(scores, (str, bytes)) or not isinstance(scores, Iterable | np.ndarray):
        raise KpiInputError(f"{name}: erwartet eine Liste von Antworten, nicht {scores!r}")
    given = pd.Series(list(scores) if not hasattr(scores, "__array__") else scores)
    if is_numeric_dtype(given.dtype) and not is_bool_dtype(given.dtype):
        # numbers already (the loaded survey): nothing can be text or a flag
        missing = given.isna().to_numpy()
        numeric = given[~missing].astype(float)
        values, bad = numeric, np.zeros(len(numeric), bool)
    else:
        series = given.astype(object)
        missing = series.isna().to_numpy()
        values = series[~missing]
        numeric = pd.to_numeric(values, errors="coerce")
        flags = [isinstance(v, (bool, np.bool_, str, bytes)) for v in values]
        bad = numeric.isna().to_numpy() | np.array(flags, bool)
    if bad.any():
        example = values[bad].iloc[0]
        raise KpiInputError(
            f"{name}: {int(bad.sum())} Antwort(en) sind keine Zahlen (z. B. „{example}“)"
        )
    numbers = numeric.to_numpy(dtype=float)
    off = (numbers < low) | (numbers > high) | (numbers != np.round(numbers))
    if off.any():
        example = numbers[off][0]
        raise KpiInputError(
            f"{name}: {int(off.sum())} Antwort(en) außerhalb der Skala {low}-{high} "
            f"(ganze Zahlen), z. B. {example:g}"
        )
    if len(numbers) == 0:
        raise KpiInputError(f"{name}: keine Antworten (n = 0)")
    return numbers.astype(int), int(missing.sum())


def reliability(n: int, small_n: int = 30, min_n: int = 10) -> Literal["ok", "low", "none"]:
    """How far a figure on ``n`` answers carries: ``ok``, ``low`` (n < small_n), ``none``."""
    if n < min_n:
        return "none"
    return "low" if n < small_n else "ok"


# --- vectorised formulas (arrays of counts) -------------------------------------------


def nps_interval(
    promoters: ArrayLike,
    detractors: ArrayLike,
    n: ArrayLike,
    z: float,
    method: str = "adjusted_wald",
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """NPS interval bounds (−100…100) and the standard error used, for arrays of counts."""
    promoters, detractors, n = (np.asarray(x, dtype=float) for x in (promoters, detractors, n))
    if method == "adjusted_wald":
        n_adj = n + 3.0
        p, d = (promoters + 0.75) / n_adj, (detractors + 0.75) / n_adj
    elif method == "wald":
        n_adj = n
        with np.errstate(invalid="ignore", divide="ignore"):
            p, d = promoters / n, detractors / n
    else:
        raise KpiInputError(f"unbekannte Intervallmethode „{method}“ (adjusted_wald, wald)")
    with np.errstate(invalid="ignore", divide="ignore"):
        se = np.sqrt((p + d - (p - d) ** 2) / n_adj)
    centre = p - d
    return 100 * (centre - z * se), 100 * (centre + z * se), 100 * se


def wilson(successes: ArrayLike, n: ArrayLike, z: float) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval of a proportion (0-1), for arrays of counts."""
    k, n = np.asarray(successes, dtype=float), np.asarray(n, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = k / n
        denominator = 1 + z**2 / n
        centre = (p + z**2 / (2 * n)) / denominator
        half = z * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / denominator
    return centre - half, centre + half


def t_interval(
    mean: ArrayLike, sd: ArrayLike, n: ArrayLike, level: float
) -> tuple[np.ndarray, np.ndarray]:
    """t interval of a mean (Student t with n − 1 degrees of freedom)."""
    from scipy.special import stdtrit

    mean, sd, n = (np.asarray(x, dtype=float) for x in (mean, sd, n))
    with np.errstate(invalid="ignore", divide="ignore"):
        df = np.where(n > 1, n - 1, np.nan)
        half = stdtrit(df, 0.5 + level / 2) * sd / np.sqrt(n)
    return mean - half, mean + half


# --- estimates -------------------------------------------------------------------------


@dataclass(frozen=True)
class NpsEstimate:
    """An NPS with its interval; shares of promoters, passives, detractors in %."""

    value: float
    low: float
    high: float
    n: int
    promoters: int
    passives: int
    detractors: int
    se: float
    level: float = 0.95
    method: str = "adjusted_wald"
    missing: int = 0

    @property
    def promoter_share(self) -> float:
        return 100 * self.promoters / self.n

    @property
    def passive_share(self) -> float:
        return 100 * self.passives / self.n

    @property
    def detractor_share(self) -> float:
        return 100 * self.detractors / self.n


@dataclass(frozen=True)
class CsatEstimate:
    """CSAT top-2-box in % (0-100) with its Wilson interval."""

    value: float
    low: float
    high: float
    n: int
    satisfied: int
    level: float = 0.95
    missing: int = 0


@dataclass(frozen=True)
class CesEstimate:
    """CES: mean on 1-7 with its t interval; share of 5-7 answers in % with Wilson interval."""

    value: float
    low: float
    high: float
    n: int
    sd: float
    easy: int
    easy_share: float
    easy_low: float
    easy_high: float
    level: float = 0.95
    missing: int = 0


def nps(
    scores: ArrayLike,
    ci: Literal["adjusted_wald", "wald"] = "adjusted_wald",
    level: float = 0.95,
) -> NpsEstimate:
    """The NPS of 0-10 answers with a ``level`` interval (adjusted Wald by default).

    >>> e = nps([10] * 15 + [8] * 9 + [3] * 6)
    >>> e.value, round(e.low), round(e.high)
    (30.0, 1, 54)
    """
    values, missing = _clean(scores, "nps")
    n = len(values)
    promoters, detractors = int((values >= 9).sum()), int((values <= 6).sum())
    low, high, se = nps_interval(promoters, detractors, n, _z(level), ci)
    return NpsEstimate(
        value=100 * (promoters - detractors) / n,
        low=float(low),
        high=float(high),
        n=n,
        promoters=promoters,
        passives=n - promoters - detractors,
        detractors=detractors,
        se=float(se),
        level=level,
        method=ci,
        missing=missing,
    )


def csat(scores: ArrayLike, level: float = 0.95) -> CsatEstimate:
    """CSAT: 100 × share of 4-5 answers on 1-5, with a Wilson interval."""
    values, missing = _clean(scores, "csat")
    n, k = len(values), int((values >= 4).sum())
    low, high = wilson(k, n, _z(level))
    return CsatEstimate(100 * k / n, float(100 * low), float(100 * high), n, k, level, missing)


def ces(scores: ArrayLike, level: float = 0.95) -> CesEstimate:
    """CES on 1-7: mean with a t interval, and the share of 5-7 answers (Wilson)."""
    values, missing = _clean(scores, "ces")
    n = len(values)
    mean = float(values.mean())
    sd = float(values.std(ddof=1)) if n > 1 else float("nan")
    low, high = t_interval(mean, sd, n, level)
    k = int((values >= 5).sum())
    e_low, e_high = wilson(k, n, _z(level))
    return CesEstimate(
        mean,
        float(low),
        float(high),
        n,
        sd,
        k,
        100 * k / n,
        float(100 * e_low),
        float(100 * e_high),
        level,
        missing,
    )


def nps_difference(first: NpsEstimate, second: NpsEstimate) -> tuple[float, float]:
    """z and two-sided p of NPS₁ − NPS₂ on the adjusted-Wald scale.

    z = (NPS'₁ − NPS'₂)/√(SE'₁² + SE'₂²) with NPS' = p' − d' (Rocks 2016); never a
    two-proportion test, because promoter and detractor shares are linked.
    """
    from scipy.special import ndtr

    centre = [
        (e.promoters + 0.75) / (e.n + 3) - (e.detractors + 0.75) / (e.n + 3)
        for e in (first, second)
    ]
    z = (centre[0] - centre[1]) / np.sqrt((first.se / 100) ** 2 + (second.se / 100) ** 2)
    return float(z), float(2 * ndtr(-abs(z)))


# --- grouped ---------------------------------------------------------------------------


def by_group(
    frame: pd.DataFrame,
    by: str | Sequence[str],
    level: float = 0.95,
    measures: Sequence[str] = ("nps", "csat", "ces"),
) -> pd.DataFrame:
    """NPS, CSAT and CES with intervals per group, in one vectorised pass.

    ``frame`` holds the survey columns ``nps``, ``csat`` and/or ``ces`` (whole
    numbers on their scales; missing cells are left out and counted) and the
    grouping column(s) ``by``. Returns one row per group and KPI with columns
    ``[*by, kpi, n, missing, value, low, high, share, share_low, share_high]``;
    ``share`` is the promoter share (NPS), the top-2-box (CSAT) or the 5-7
    share (CES), all in %. Off-scale answers raise :class:`KpiInputError`.
    """
    keys = [by] if isinstance(by, str) else list(by)
    z = _z(level)
    parts = []
    for kpi in measures:
        if kpi not in frame:
            continue
        scores = pd.to_numeric(frame[kpi], errors="coerce")
        if (scores.isna() & frame[kpi].notna()).any():
            raise KpiInputError(f"{_NAMES[kpi]}: Antworten, die keine Zahlen sind")
        low_, high_ = SCALES[kpi]
        valid = scores.dropna()
        if ((valid < low_) | (valid > high_) | (valid != np.round(valid))).any():
            raise KpiInputError(f"{_NAMES[kpi]}: Antworten außerhalb der Skala {low_}-{high_}")
        x = scores.to_numpy(dtype=float)
        cols = {
            "answered": ~np.isnan(x),
            "top": x >= (9 if kpi == "nps" else 4 if kpi == "csat" else 5),
            "bottom": x <= 6 if kpi == "nps" else np.zeros(len(x), bool),
            "sum": np.nan_to_num(x),
            "sq": np.nan_to_num(x) ** 2,
        }
        work = pd.DataFrame(cols, index=frame.index)
        grouped = work.groupby([frame[k] for k in keys], observed=True, dropna=True).sum()
        grouped["rows"] = frame.groupby(keys, observed=True, dropna=True).size()
        n = grouped["answered"].to_numpy(float)
        top, bottom = grouped["top"].to_numpy(float), grouped["bottom"].to_numpy(float)
        out = pd.DataFrame(index=grouped.index)
        out["kpi"] = kpi
        out["n"] = n.astype(int)
        out["missing"] = (grouped["rows"].to_numpy() - n).astype(int)
        s_low, s_high = wilson(top, n, z)
        with np.errstate(invalid="ignore", divide="ignore"):
            out["share"] = 100 * top / n
        out["share_low"], out["share_high"] = 100 * s_low, 100 * s_high
        with np.errstate(invalid="ignore", divide="ignore"):
            if kpi == "nps":
                out["value"] = 100 * (top - bottom) / n
                out["low"], out["high"], _ = nps_interval(top, bottom, n, z)
            elif kpi == "csat":
                out["value"], out["low"], out["high"] = (
                    out["share"],
                    out["share_low"],
                    out["share_high"],
                )
            else:
                mean = grouped["sum"].to_numpy() / n
                var = (grouped["sq"].to_numpy() - n * mean**2) / (n - 1)
                out["value"] = mean
                out["low"], out["high"] = t_interval(mean, np.sqrt(np.clip(var, 0, None)), n, level)
        parts.append(out.reset_index())
    columns = [*keys, "kpi", "n", "missing", "value", "low", "high"]
    columns += ["share", "share_low", "share_high"]
    if not parts:
        return pd.DataFrame(columns=columns)
    return pd.concat(parts, ignore_index=True)[columns]
