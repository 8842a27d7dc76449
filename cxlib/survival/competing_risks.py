"""Churn reasons as competing risks: cumulative incidence per reason (Aalen-Johansen).

Treating "moved house" churners as censored when studying "went to a
competitor" overstates the competitor share (1 − KM is not a probability when
other reasons remove customers first). The Aalen-Johansen estimate of the
cumulative incidence of reason k is

    F_k(t) = Σ_{t_i ≤ t} S(t_i−) · d_{k,i} / n_i

with S the all-cause Kaplan-Meier curve, d_{k,i} the churns for reason k and
n_i the number at risk (delayed entry allowed). The F_k add up to 1 − S.
Churns without a recorded reason form their own reason (``missing_label``,
by default :data:`MISSING_REASON`; the report names it in its language).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from cxlib.survival.curves import _arrays, at_risk_counts
from cxlib.survival.table import DAYS_PER_MONTH

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from numpy.typing import ArrayLike

__all__ = ["MISSING_REASON", "CumulativeIncidence", "cumulative_incidence"]

#: The reason of churns without a recorded reason (language-neutral).
MISSING_REASON = "(missing)"


@dataclass(frozen=True)
class CumulativeIncidence:
    """Cumulative incidence per reason: ``table`` has ``time`` and one column per reason."""

    table: pd.DataFrame
    counts: pd.Series  # churns per reason

    @property
    def reasons(self) -> list[str]:
        """The reasons, most frequent first."""
        return list(self.counts.index)

    def at(self, t: float) -> pd.Series:
        """F_k(t) for every reason."""
        times = self.table["time"].to_numpy()
        i = np.searchsorted(times, t, side="right") - 1
        if i < 0:
            return pd.Series(0.0, index=self.reasons)
        return self.table.iloc[i][self.reasons].astype(float)

    def to_frame(self) -> pd.DataFrame:
        """Tidy: time, reason, incidence."""
        return self.table.melt("time", var_name="reason", value_name="incidence")

    def renamed(self, names: Mapping[str, str]) -> CumulativeIncidence:
        """The same estimate with reasons renamed (``names``: old → new; others kept)."""
        table = self.table.rename(columns=dict(names))
        counts = self.counts.rename(index=dict(names))
        return CumulativeIncidence(table, counts)

    def plot(
        self, ax: Axes | None = None, lang: str = "de", unit_days: float = DAYS_PER_MONTH
    ) -> Axes:
        """One step line per reason; returns the Axes."""
        from cxlib.survival.plots import incidence

        return incidence(self, ax=ax, lang=lang, unit_days=unit_days)


def cumulative_incidence(
    durations: ArrayLike,
    events: ArrayLike,
    reasons: ArrayLike,
    entry: ArrayLike | None = None,
    missing_label: str = MISSING_REASON,
) -> CumulativeIncidence:
    """Aalen-Johansen cumulative incidence of each churn reason (see the module docstring)."""
    d, e, en = _arrays(durations, events, entry)
    labels = pd.Series(reasons).reset_index(drop=True).astype("string").fillna(missing_label)
    labels = labels.where(pd.Series(e), None)
    counts = labels.dropna().value_counts()
    times = np.unique(d[e])
    n = at_risk_counts(times, d, en)
    idx = np.searchsorted(times, d[e])
    total = np.bincount(idx, minlength=times.size)
    surv_before = np.concatenate([[1.0], np.cumprod(1.0 - total / n)[:-1]])
    table = {"time": times}
    for reason in counts.index:
        hit = (labels[e].to_numpy() == reason) if e.any() else np.zeros(0, bool)
        dk = np.bincount(idx[hit], minlength=times.size)
        table[str(reason)] = np.cumsum(surv_before * dk / n)
    counts.index = counts.index.astype(str)
    return CumulativeIncidence(pd.DataFrame(table), counts)
