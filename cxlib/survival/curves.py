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

#: Charts draw a curve while at least this share of its customers, and at least
#: :data:`SHOWN_MIN` of them, are still observed (:meth:`KaplanMeier.shown_until`).
SHOWN_AT_RISK, SHOWN_MIN = 0.10, 10

__all__ = [
    "SHOWN_AT_RISK",
    "SHOWN_MIN",
    "KaplanMeier",
    "KaplanMeierGroups",
    "LogRank",
    "kaplan_meier",
    "logrank",
]

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
    if e.dtype != bool:
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

    def shown_until(self, share: float = SHOWN_AT_RISK, minimum: int = SHOWN_MIN) -> float:
        """The last time (days) at which at least ``share`` of the customers are still observed.

        And at least ``minimum`` of them: beyond it a few customers make the
        curve jump, so charts end there instead of at the longest time anyone
        was observed.
        """
        need = max(share * self.n, minimum)
        kept = self.table.loc[self.table["at_risk"] >= need, "time"]
        return float(kept.iloc[-1]) if len(kept) else self.last_time

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


#: Above this many (group, time) cells the counts are made group by group
#: (continuous times in many groups), not in one (groups x times) table.
_MAX_CELLS = 20_000_000


@dataclass(frozen=True)
class _Counts:
    """Removals, churns and numbers at risk per group (rows) and distinct time (columns)."""

    times: np.ndarray  # distinct durations, ascending
    removed: np.ndarray  # rows leaving (churn or censoring) at each time
    events: np.ndarray  # churns at each time
    at_risk: np.ndarray  # rows with entry < t <= duration


def _time_codes(d: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct durations (ascending) and each row's position among them.

    A hash (``pd.factorize``) and a sort of the few distinct values instead of
    a sort of all rows: durations in days have a few thousand values.
    """
    codes, uniques = pd.factorize(d, sort=False)
    order = np.argsort(uniques, kind="stable")
    rank = np.empty(order.size, dtype=np.intp)
    rank[order] = np.arange(order.size)
    return np.asarray(uniques)[order], rank[codes]


def _counts(
    d: np.ndarray, e: np.ndarray, entry: np.ndarray | None, codes: np.ndarray, k: int
) -> _Counts:
    """One pass of bincounts over all rows: the (k x times) tables of :class:`_Counts`.

    ``codes`` are group numbers 0..k-1 (rows with -1 are left out). At risk at
    time ``t_i`` are the rows with ``duration >= t_i`` (a reverse cumulative sum
    of the removals) minus those with ``entry >= t_i``.
    """
    keep = codes >= 0
    if not keep.all():
        d, e, codes = d[keep], e[keep], codes[keep]
        entry = None if entry is None else entry[keep]
    times, position = _time_codes(d)
    size = times.size
    cell = codes * size + position
    removed = np.bincount(cell, minlength=k * size).reshape(k, size)
    events = np.bincount(cell[e], minlength=k * size).reshape(k, size)
    at_risk = np.cumsum(removed[:, ::-1], axis=1)[:, ::-1]
    if entry is not None:
        # rows with entry >= t_i: those whose entry lies at or after the i-th time
        after = np.searchsorted(times, entry, side="right")  # times <= entry
        late = np.bincount(codes * (size + 1) + after, minlength=k * (size + 1))
        late = late.reshape(k, size + 1)[:, 1:]
        at_risk = at_risk - np.cumsum(late[:, ::-1], axis=1)[:, ::-1]
    return _Counts(times, removed, events, at_risk)


def _curve_from(
    times: np.ndarray,
    removed: np.ndarray,
    events_int: np.ndarray,
    at_risk_int: np.ndarray,
    label: str,
) -> KaplanMeier:
    """One curve from its counts at the times where a row of it leaves."""
    present = removed > 0
    times, removed = times[present], removed[present]
    events = events_int[present].astype(float)
    at_risk = at_risk_int[present]
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
    return KaplanMeier(table, int(removed.sum()), int(events.sum()), label)


def _curves(
    d: np.ndarray,
    e: np.ndarray,
    entry: np.ndarray | None,
    codes: np.ndarray,
    labels: list[str],
) -> dict[str, KaplanMeier]:
    """One curve per label (``codes`` number the rows' groups in ``labels``' order)."""
    k = len(labels)
    if k <= 64 or k * pd.unique(d).size <= _MAX_CELLS:
        c = _counts(d, e, entry, codes, k)
        return {
            name: _curve_from(c.times, c.removed[g], c.events[g], c.at_risk[g], name)
            for g, name in enumerate(labels)
        }
    curves = {}
    for g, name in enumerate(labels):
        mask = codes == g
        sub = None if entry is None else entry[mask]
        c = _counts(d[mask], e[mask], sub, np.zeros(int(mask.sum()), dtype=np.intp), 1)
        curves[name] = _curve_from(c.times, c.removed[0], c.events[0], c.at_risk[0], name)
    return curves


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
    """Group labels (as text) and each row's group number in them (-1: no label).

    Categorical groups keep their categories' order (those present); others
    are sorted as text. Values with the same text form one group. One hash
    pass over the rows (``pd.factorize``), then work on the few labels.
    """
    series = pd.Series(groups).reset_index(drop=True)
    if isinstance(series.dtype, pd.CategoricalDtype):
        raw = series.cat.codes.to_numpy()
        present = np.bincount(raw[raw >= 0], minlength=len(series.cat.categories)) > 0
        texts = [str(c) for c in series.cat.categories]
        labels = list(dict.fromkeys(t for t, p in zip(texts, present, strict=True) if p))
    else:
        raw, uniques = pd.factorize(series, sort=False)
        texts = [str(v) for v in uniques]
        labels = sorted(set(texts))
    number = {label: i for i, label in enumerate(labels)}
    lookup = np.array([number.get(text, -1) for text in texts] + [-1], dtype=np.intp)
    return labels, lookup[raw]  # raw -1 (missing) picks the trailing -1


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
        return _curves(d, e, en, np.zeros(d.size, dtype=np.intp), [label])[label]
    labels, codes = _group_codes(groups)
    return KaplanMeierGroups(_curves(d, e, en, codes, labels))


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
    counts = _counts(d, e, en, codes, k)
    at_events = counts.events.sum(0) > 0  # the distinct churn times
    n_k = counts.at_risk[:, at_events].T.astype(float)
    d_k = counts.events[:, at_events].T.astype(float)
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
