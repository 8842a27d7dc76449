"""Early-warning signals as time-varying covariates of a Cox model of churn.

The signals (seed 003: falling usage, repeated tickets, longer payment times,
frequent queries, silent withdrawal; flagged per customer-month by
:mod:`cxlib.kpis.early_warning`) change from month to month and are observed only
in the window of the ``signals`` table. Putting "ever showed the signal" into
the customer-level model would give immortal-time bias: a customer must stay
long enough to show a signal. So each customer-month becomes one episode
(counting process, delayed entry):

* time scale: tenure in days since the start, as in the main model;
* episode of month m: (tenure at the start of m, tenure at its end or at
  churn/cut-off], churn if the customer leaves in m;
* covariates: the signal flags of the ``window_months`` months before m (a
  signal counts if it showed in any of them), never those of m itself, so the
  model only uses what was visible before the churn;
* the first month is the first whose window is fully evaluable (falling
  usage compares with the usage three months earlier, so it starts three
  months after the first signal month).

This is a landmark design refreshed every month. With at most one churn per
customer and non-overlapping episodes the partial likelihood is the ordinary
time-varying Cox likelihood, fitted by :func:`cxlib.survival.cox.fit` with ``entry``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from cxlib.survival.cox import CoxModel, fit
from cxlib.survival.errors import SurvivalError
from cxlib.survival.table import SurvivalData

__all__ = ["SignalModel", "fit_signal_model", "signal_episodes"]

#: Months of signal history the usage rule needs (usage vs three months earlier).
USAGE_LOOKBACK_MONTHS = 3
#: Events per model column the model needs at least (rule of thumb, as the main model).
EVENTS_PER_COLUMN = 10


@dataclass(frozen=True)
class SignalModel:
    """The time-varying Cox model of the early-warning signals, or why there is none.

    ``note`` is a text key (``survival.signals_*``) when the model was skipped
    or reduced; ``episodes`` has one row per customer-month (``customer_id``,
    ``month``, ``entry``, ``duration`` in days of tenure, ``event``, one bool
    column per signal).
    """

    model: CoxModel | None
    note: str | None
    signals: tuple[str, ...]
    window_months: int
    first_month: pd.Timestamp | None = None
    last_month: pd.Timestamp | None = None
    episodes: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)

    @property
    def customers(self) -> int:
        """Customers with at least one episode."""
        return int(self.episodes["customer_id"].nunique()) if len(self.episodes) else 0

    @property
    def churns(self) -> int:
        """Churns in the episodes."""
        return int(self.episodes["event"].sum()) if len(self.episodes) else 0

    def exposure(self) -> pd.DataFrame:
        """Per signal: share of customer-months with it and share of churns preceded by it."""
        rows = []
        ep = self.episodes
        events = ep["event"].to_numpy(dtype=bool) if len(ep) else np.zeros(0, bool)
        for name in self.signals:
            on = ep[name].to_numpy(dtype=bool)
            rows.append(
                {
                    "signal": name,
                    "months": int(on.sum()),
                    "share_months": float(on.mean()) if on.size else np.nan,
                    "churns": int((on & events).sum()),
                    "share_churns": float((on & events).sum() / events.sum())
                    if events.any()
                    else np.nan,
                }
            )
        return pd.DataFrame(
            rows, columns=["signal", "months", "share_months", "churns", "share_churns"]
        ).set_index("signal")

    def to_frame(self) -> pd.DataFrame:
        """Hazard ratios (if fitted) joined with the exposure per signal."""
        exposure = self.exposure()
        if self.model is None:
            return exposure
        return self.model.hazard_ratios.join(exposure, how="left")


def _lagged(
    flags: pd.DataFrame, signals: Sequence[str], window: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per customer-month: whether each signal showed in any of the ``window`` months before.

    Returns the signal matrix (rows as ``flags``), whether every month of the
    window is present, and the months as ``datetime64[M]``.
    """
    months = flags["month"].to_numpy().astype("datetime64[M]")
    codes = pd.factorize(flags["customer_id"].astype(str))[0].astype(np.int64)
    span = np.int64(1) << 32
    key = codes * span + months.astype(np.int64)
    order = np.argsort(key, kind="stable")
    sorted_keys = key[order]
    values = flags[list(signals)].to_numpy(dtype=bool)
    seen = np.zeros_like(values)
    complete = np.ones(len(flags), dtype=bool)
    for lag in range(1, window + 1):
        wanted = key - lag
        pos = np.clip(np.searchsorted(sorted_keys, wanted), 0, len(key) - 1)
        found = sorted_keys[pos] == wanted
        complete &= found
        seen |= np.where(found[:, None], values[order[pos]], False)
    return seen, complete, months


def signal_episodes(
    table: SurvivalData,
    flags: pd.DataFrame,
    signals: Sequence[str],
    window_months: int = 1,
    first_month: pd.Timestamp | str | None = None,
) -> pd.DataFrame:
    """One episode per customer-month with the signals of the months before.

    ``flags``: ``customer_id``, ``month`` (first day of the month) and one bool
    column per signal (:attr:`cxlib.kpis.early_warning.EarlyWarning.flags`).
    Episodes start at ``first_month`` (default: the first month whose window
    is fully evaluable); a month whose window has a missing month is left out.
    Columns: ``customer_id``, ``month``, ``entry``, ``duration``, ``event``
    and the signals (bool).
    """
    signals = list(signals)
    columns = ["customer_id", "month", "entry", "duration", "event", *signals]
    if flags.empty or not signals:
        return pd.DataFrame(columns=columns)
    seen, complete, months = _lagged(flags, signals, window_months)
    if first_month is None:
        start = months.min() + window_months
        if "usage_drop" in signals:
            start += USAGE_LOOKBACK_MONTHS
    else:
        start = np.datetime64(pd.Timestamp(first_month), "M")
    people = table.frame.set_index("customer_id")
    who = flags["customer_id"].astype(str)
    position = people.index.get_indexer(who)
    keep = complete & (months >= start) & (position >= 0)
    rows = position[keep]
    begin = people["start_date"].to_numpy().astype("datetime64[D]")[rows]
    exit_ = people["duration"].to_numpy(dtype=float)[rows]
    churned = people["event"].to_numpy(dtype=bool)[rows]
    entered = people["entry"].to_numpy(dtype=float)[rows]
    month_start = months[keep].astype("datetime64[D]")
    month_end = (months[keep] + 1).astype("datetime64[D]")
    low = np.maximum((month_start - begin).astype(float), np.maximum(entered, 0.0))
    high = (month_end - begin).astype(float)
    at_risk = (low < exit_) & (low < high)
    out = pd.DataFrame(
        {
            "customer_id": who.to_numpy()[keep],
            "month": month_start.astype("datetime64[ns]"),
            "entry": low,
            "duration": np.minimum(high, exit_),
            "event": churned & (exit_ <= high),
        }
    )
    for j, name in enumerate(signals):
        out[name] = seen[keep, j]
    return out[at_risk].reset_index(drop=True)[columns]


def fit_signal_model(
    table: SurvivalData,
    flags: pd.DataFrame | None,
    signals: Sequence[str],
    *,
    window_months: int = 1,
    min_n: int = 10,
    small_n: int = 30,
) -> SignalModel:
    """Fit the time-varying Cox model of the signals, or say (``note``) why not.

    Signals seen in fewer than ``min_n`` customer-months are left out (too
    rare to estimate); the model keeps at most one signal per
    :data:`EVENTS_PER_COLUMN` churns (the most frequent before a churn
    first) and needs at least ``small_n`` churns in the episodes.
    """
    if flags is None or flags.empty or not signals:
        return SignalModel(None, "survival.signals_none", (), window_months)
    episodes = signal_episodes(table, flags, signals, window_months)
    first = episodes["month"].min() if len(episodes) else None
    last = episodes["month"].max() if len(episodes) else None

    def skipped(note: str, used: tuple[str, ...] = tuple(signals)) -> SignalModel:
        return SignalModel(None, note, used, window_months, first, last, episodes)

    events = int(episodes["event"].sum()) if len(episodes) else 0
    if events < small_n:
        return skipped("survival.signals_few")
    counts = {s: int(episodes[s].sum()) for s in signals}
    before = {s: int((episodes[s] & episodes["event"]).sum()) for s in signals}
    usable = [s for s in signals if counts[s] >= min_n and 0 < before[s] < counts[s]]
    usable.sort(key=lambda s: -before[s])
    chosen = usable[: max(0, events // EVENTS_PER_COLUMN)]
    if not chosen:
        return skipped("survival.signals_rare")
    note = "survival.signals_reduced" if len(chosen) < len(usable) else None
    try:
        with np.errstate(all="ignore"):  # step halving may try overflowing steps first
            model = fit(episodes, "duration", "event", chosen, entry="entry", strict=False)
    except SurvivalError:
        return skipped("survival.signals_rare", tuple(chosen))
    used = tuple(c for c in chosen if c in model.design.columns)
    return SignalModel(model, note, used, window_months, first, last, episodes)
