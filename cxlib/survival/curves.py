"""How long customers stay: Kaplan-Meier curves and the log-rank test.

All estimators are vectorised numpy (no loop over customers) and accept
delayed entry (left truncation): a customer who was already a customer when
the data window opened enters the risk set at his tenure on that day, not at
0. A row is at risk at time ``t`` when ``entry < t <= duration`` (R's
``Surv(entry, duration, event)`` convention).

* :func:`kaplan_meier` — S(t) = Π(1 − d/n), Greenwood variance, pointwise
  95 % log-log intervals, median ("not reached" is ``None``, never NaN or
  inf), survival at a time, restricted mean lifetime up to a horizon.
* :func:`logrank` — the two- and multi-group log-rank test.

The Cox model is in :mod:`cxlib.survival.cox`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, overload

import numpy as np
import pandas as pd

from cxlib.survival.errors import DurationError, NoEventsError, SurvivalError

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from numpy.typing import ArrayLike

__all__ = ["KaplanMeier", "KaplanMeierGroups", "LogRank", "kaplan_meier", "logrank"]

#: Two-sided 95 % normal quantile.
Z95 = 1.959963984540054


def _arrays(
    durations: ArrayLike, events: ArrayLike, entry: ArrayLike | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """Validated float durations, bool events and optional entry times."""
    d = np.asarray(durations, dtype=float)
    e = np.asarray(events)
    if d.ndim != 1 or e.shape != d.shape:
        raise SurvivalError("Dauer und Kündigungsmerkmal müssen gleich lang sein.")
    if d.size == 0:
        raise SurvivalError("Keine Kunden für die Verbleibanalyse vorhanden.")
    if np.isnan(d).any():
        raise DurationError(
            f"{int(np.isnan(d).sum())} Kunden ohne Vertragsdauer (leeres Datum?). "
            "Bitte Beginn und Ende in den Kundendaten prüfen."
        )
    if (d <= 0).any():
        raise DurationError(
            f"{int((d <= 0).sum())} Kunden haben eine Dauer von null oder weniger "
            "(Ende am oder vor dem Beginn). Bitte Beginn und Ende in den Kundendaten prüfen."
        )
    e = pd.Series(e).fillna(False).to_numpy(dtype=bool)
    if not e.any():
        raise NoEventsError(
            "In den Daten gibt es keine einzige Kündigung: Verbleibkurven und "
            "Risikomodell sind so nicht schätzbar. Ist das Vertragsende im Export enthalten?"
        )
    if entry is None:
        return d, e, None
    en = np.asarray(entry, dtype=float)
    if en.shape != d.shape or np.isnan(en).any():
        raise SurvivalError("Eintrittszeitpunkte fehlen oder passen nicht zu den Dauern.")
    if (en < 0).any() or (en >= d).any():
        raise DurationError(
            f"{int(((en < 0) | (en >= d)).sum())} Kunden treten erst am oder nach ihrem "
            "Vertragsende ins Datenfenster ein. Bitte Beginn des Datenfensters prüfen."
        )
    return d, e, (en if (en > 0).any() else None)


def at_risk_counts(
    times: np.ndarray, durations: np.ndarray, entry: np.ndarray | None
) -> np.ndarray:
    """Number at risk at each of ``times``: rows with ``entry < t <= duration``."""
    ds = np.sort(durations)
    n = durations.size - np.searchsorted(ds, times, side="left")
    if entry is not None:
        es = np.sort(entry)
        n = n - (entry.size - np.searchsorted(es, times, side="left"))
    return n


@dataclass(frozen=True)
class KaplanMeier:
    """One Kaplan-Meier curve.

    ``table`` has one row per distinct time (event or censoring): ``time``,
    ``at_risk``, ``events``, ``censored``, ``survival``, ``se`` (Greenwood),
    ``low`` and ``high`` (pointwise 95 % log-log interval).
    """

    table: pd.DataFrame
    n: int
    n_events: int
    label: str = ""

    @property
    def median(self) -> float | None:
        """First time at which S(t) ≤ 0.5; ``None`` when the curve never gets there."""
        hit = self.table.loc[self.table["survival"] <= 0.5, "time"]
        return float(hit.iloc[0]) if len(hit) else None

    @property
    def last_time(self) -> float:
        """The longest observed time (beyond it the curve is not estimable)."""
        return float(self.table["time"].iloc[-1])

    def _at(self, t: float, column: str) -> float:
        if t > self.last_time:
            return math.nan
        times = self.table["time"].to_numpy()
        i = np.searchsorted(times, t, side="right") - 1
        return 1.0 if i < 0 else float(self.table[column].iloc[i])

    def survival_at(self, t: float) -> float:
        """S(t) (NaN beyond the longest observed time: not estimable there)."""
        return self._at(t, "survival")

    def interval_at(self, t: float) -> tuple[float, float]:
        """The 95 % log-log interval of S(t)."""
        return self._at(t, "low"), self._at(t, "high")

    def rmst(self, horizon: float) -> float:
        """Restricted mean lifetime up to ``horizon``: the area under S(t) from 0 to it.

        NaN when the horizon lies beyond the longest observed time.
        """
        if horizon > self.last_time:
            return math.nan
        times = self.table["time"].to_numpy()
        surv = self.table["survival"].to_numpy()
        keep = times < horizon
        knots = np.concatenate([[0.0], times[keep], [horizon]])
        levels = np.concatenate([[1.0], surv[keep]])
        return float(np.sum(np.diff(knots) * levels))

    def to_frame(self) -> pd.DataFrame:
        """The curve as a tidy table (a copy)."""
        return self.table.assign(group=self.label).copy()

    def plot(
        self,
        ax: Axes | None = None,
        lang: str = "de",
        unit_days: float = 1.0,
        unit_key: str = "days",
    ) -> Axes:
        """The curve with its interval band and numbers at risk; returns the Axes.

        Times in units of ``unit_days`` days, the axis labelled ``unit_key``
        (``days``, ``weeks`` or ``months``).
        """
        from cxlib.survival.plots import km_curves

        return km_curves(
            {self.label: self}, ax=ax, lang=lang, unit_days=unit_days, unit_key=unit_key
        )


def _curve(d: np.ndarray, e: np.ndarray, entry: np.ndarray | None, label: str) -> KaplanMeier:
    times, inverse = np.unique(d, return_inverse=True)
    events = np.bincount(inverse, weights=e, minlength=times.size)
    removed = np.bincount(inverse, minlength=times.size)
    at_risk = at_risk_counts(times, d, entry)
    with np.errstate(divide="ignore", invalid="ignore"):
        step = np.where(at_risk > 0, 1.0 - events / np.maximum(at_risk, 1), 1.0)
        survival = np.cumprod(step)
        term = np.where(
            (events > 0) & (at_risk > events), events / (at_risk * (at_risk - events)), 0.0
        )
        term = np.where((events > 0) & (at_risk == events), np.inf, term)
        greenwood = np.cumsum(term)
        se = survival * np.sqrt(greenwood)
        log_s = np.log(survival)
        spread = Z95 * np.sqrt(greenwood) / log_s
        low = np.exp(-np.exp(np.log(-log_s) - spread))
        high = np.exp(-np.exp(np.log(-log_s) + spread))
    low = np.where(survival >= 1.0, 1.0, np.where(survival <= 0, 0.0, low))
    high = np.where(survival >= 1.0, 1.0, np.where(survival <= 0, 0.0, high))
    table = pd.DataFrame(
        {
            "time": times,
            "at_risk": at_risk.astype(int),
            "events": events.astype(int),
            "censored": (removed - events).astype(int),
            "survival": survival,
            "se": np.nan_to_num(se, nan=0.0, posinf=0.0),
            "low": np.nan_to_num(low, nan=1.0),
            "high": np.nan_to_num(high, nan=1.0),
        }
    )
    return KaplanMeier(table, int(d.size), int(e.sum()), label)


@dataclass(frozen=True)
class KaplanMeierGroups:
    """Kaplan-Meier curves per group (in the groups' order)."""

    curves: dict[str, KaplanMeier] = field(default_factory=dict)

    @property
    def table(self) -> pd.DataFrame:
        """All curves' tables with a ``group`` column."""
        return pd.concat([c.to_frame() for c in self.curves.values()], ignore_index=True)

    @property
    def median(self) -> pd.Series:
        """Median per group (``None`` where not reached)."""
        return pd.Series({k: c.median for k, c in self.curves.items()}, dtype=object)

    def survival_at(self, t: float) -> pd.Series:
        """S(t) per group."""
        return pd.Series({k: c.survival_at(t) for k, c in self.curves.items()})

    def rmst(self, horizon: float) -> pd.Series:
        """Restricted mean lifetime up to ``horizon`` per group."""
        return pd.Series({k: c.rmst(horizon) for k, c in self.curves.items()})

    def to_frame(self) -> pd.DataFrame:
        """All curves as one tidy table."""
        return self.table

    def plot(
        self,
        ax: Axes | None = None,
        lang: str = "de",
        unit_days: float = 1.0,
        unit_key: str = "days",
    ) -> Axes:
        """All curves in one chart with numbers at risk; returns the Axes (units as
        :meth:`KaplanMeier.plot`)."""
        from cxlib.survival.plots import km_curves

        return km_curves(self.curves, ax=ax, lang=lang, unit_days=unit_days, unit_key=unit_key)


def _group_codes(groups: ArrayLike) -> tuple[list[str], np.ndarray]:
    series = pd.Series(groups).reset_index(drop=True)
    if isinstance(series.dtype, pd.CategoricalDtype):
        labels = [str(c) for c in series.cat.categories if (series == c).any()]
    else:
        labels = sorted(str(v) for v in series.dropna().unique())
    text = series.astype("string")
    codes = np.full(series.size, -1)
    for number, label in enumerate(labels):
        codes[(text == label).fillna(False).to_numpy()] = number
    return labels, codes


@overload
def kaplan_meier(
    durations: ArrayLike,
    events: ArrayLike,
    entry: ArrayLike | None = None,
    groups: None = None,
    label: str = "",
) -> KaplanMeier: ...


@overload
def kaplan_meier(
    durations: ArrayLike,
    events: ArrayLike,
    entry: ArrayLike | None = None,
    *,
    groups: ArrayLike,
    label: str = "",
) -> KaplanMeierGroups: ...


def kaplan_meier(
    durations: ArrayLike,
    events: ArrayLike,
    entry: ArrayLike | None = None,
    groups: ArrayLike | None = None,
    label: str = "",
) -> KaplanMeier | KaplanMeierGroups:
    """Kaplan-Meier estimate of the share of customers still there after ``t``.

    ``durations`` are times since the start (> 0), ``events`` whether the
    customer left at that time (else censored), ``entry`` the time at which
    the customer entered observation (delayed entry; default 0). With
    ``groups`` (one label per customer; missing labels are left out) the
    result holds one curve per group.
    """
    d, e, en = _arrays(durations, events, entry)
    if groups is None:
        return _curve(d, e, en, label)
    labels, codes = _group_codes(groups)
    curves = {}
    for number, name in enumerate(labels):
        mask = codes == number
        curves[name] = _curve(d[mask], e[mask], None if en is None else en[mask], name)
    return KaplanMeierGroups(curves)


@dataclass(frozen=True)
class LogRank:
    """The log-rank test: do the groups' curves differ more than chance allows?"""

    statistic: float
    df: int
    p: float
    table: pd.DataFrame  # per group: n, observed, expected

    def to_frame(self) -> pd.DataFrame:
        """Per group observed and expected churns, with the test in the attributes."""
        return self.table.copy()

    @property
    def significant(self) -> bool:
        """p < 0.05."""
        return self.p < 0.05


def logrank(
    durations: ArrayLike, events: ArrayLike, groups: ArrayLike, entry: ArrayLike | None = None
) -> LogRank:
    """Log-rank test of equal survival in two or more groups (chi-square, K − 1 df)."""
    from scipy.special import chdtrc

    d, e, en = _arrays(durations, events, entry)
    labels, codes = _group_codes(groups)
    keep = codes >= 0
    d, e, codes = d[keep], e[keep], codes[keep]
    en = None if en is None else en[keep]
    k = len(labels)
    if k < 2:
        raise SurvivalError("Für den Log-Rank-Test braucht es mindestens zwei Gruppen.")
    times = np.unique(d[e])
    n_k = np.empty((times.size, k))
    d_k = np.empty((times.size, k))
    for g in range(k):
        mask = codes == g
        n_k[:, g] = at_risk_counts(times, d[mask], None if en is None else en[mask])
        hit = mask & e
        idx = np.searchsorted(times, d[hit])
        d_k[:, g] = np.bincount(idx, minlength=times.size)
    n = n_k.sum(1)
    dd = d_k.sum(1)
    valid = n > 0
    n_k, d_k, n, dd = n_k[valid], d_k[valid], n[valid], dd[valid]
    share = n_k / n[:, None]
    expected = (dd[:, None] * share).sum(0)
    observed = d_k.sum(0)
    factor = np.where(n > 1, dd * (n - dd) / np.maximum(n - 1, 1), 0.0)
    cov = np.einsum("t,tk,tl->kl", factor, share, share)
    var = np.diag((factor[:, None] * share).sum(0)) - cov
    diff = (observed - expected)[:-1]
    statistic = float(diff @ np.linalg.pinv(var[:-1, :-1]) @ diff)
    table = pd.DataFrame(
        {
            "group": labels,
            "n": np.bincount(codes, minlength=k),
            "observed": observed,
            "expected": expected,
        }
    )
    return LogRank(statistic, k - 1, float(chdtrc(k - 1, statistic)), table)
