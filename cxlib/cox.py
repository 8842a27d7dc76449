"""The Cox proportional-hazards model of churn (Efron ties), with the checks around it.

Coefficients come from statsmodels ``PHReg(ties="efron")`` (its default,
Breslow, shrinks hazard ratios on tied daily or monthly data). Around it this
module computes what statsmodels lacks or gets wrong (CX_METHOD, verified on
statsmodels 0.15):

* delayed entry: statsmodels counts a row whose entry time equals an event
  time as at risk for that event; R (and this module) does not. The entry
  times are moved by a tiny amount below the smallest gap between times, so
  that statsmodels' risk sets equal R's.
* the baseline cumulative hazard: statsmodels' lags one event time; here it
  is the Breslow estimate H0(t) = Σ_{t_i ≤ t} d_i / Σ_{at risk} exp(x'β)
  (as lifelines), so per-customer survival is S(t | x) = exp(−H0(t)·exp(x'β)).
* concordance (Harrell's C) and the proportional-hazards test on scaled
  Schoenfeld residuals (Grambsch-Therneau, Kaplan-Meier time transform as R's
  ``cox.zph``, 1 df each).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from .survival import Z95, _arrays
from .survival_errors import CovariateError, SurvivalError

__all__ = ["CoxModel", "Design", "design_matrix", "fit"]

#: A category level needs this many customers and at least one churn, else it is merged.
MIN_LEVEL_N = 20
#: Label of merged small levels.
OTHER = "übrige"


@dataclass(frozen=True)
class Design:
    """How the covariates were turned into model columns.

    ``levels`` maps a categorical covariate to its kept levels (the first is
    the reference); ``dropped`` lists ``(covariate, reason)`` of covariates
    left out, ``merged`` ``(covariate, level)`` of levels merged into
    :data:`OTHER`.
    """

    columns: tuple[str, ...]
    levels: dict[str, tuple[str, ...]]
    numeric: tuple[str, ...]
    dropped: tuple[tuple[str, str], ...] = ()
    merged: tuple[tuple[str, str], ...] = ()

    def matrix(self, frame: pd.DataFrame) -> np.ndarray:
        """The model matrix of ``frame`` (unknown levels count as :data:`OTHER`)."""
        parts = []
        for name, levels in self.levels.items():
            values = frame[name].astype("string").fillna(OTHER)
            values = values.where(values.isin(levels), OTHER)
            for level in levels[1:]:
                parts.append((values == level).to_numpy(dtype=float))
        for name in self.numeric:
            parts.append(pd.to_numeric(frame[name]).to_numpy(dtype=float))
        return np.column_stack(parts) if parts else np.empty((len(frame), 0))


def _is_numeric(series: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series)


def design_matrix(
    frame: pd.DataFrame, event: str, covariates: Sequence[str], *, strict: bool = True
) -> Design:
    """Decide the model columns; with ``strict`` a problem raises :class:`CovariateError`.

    Categorical covariates: dummy columns against the most frequent level; levels
    with fewer than :data:`MIN_LEVEL_N` customers or without a single churn are
    merged into :data:`OTHER` (a level without churn would make its hazard ratio
    0: perfect separation). A covariate with one value is dropped.
    """
    events = frame[event].astype(bool).to_numpy()
    levels: dict[str, tuple[str, ...]] = {}
    numeric, columns, dropped, merged = [], [], [], []
    for name in covariates:
        if name not in frame.columns:
            dropped.append((name, "fehlt in den Daten"))
            continue
        series = frame[name]
        if _is_numeric(series):
            values = pd.to_numeric(series).astype(float)
            if values.nunique(dropna=True) < 2:
                dropped.append((name, "hat nur einen Wert"))
                continue
            if values.nunique() == 2:
                low = values == values.min()
                if events[low.to_numpy()].sum() == 0 or events[~low.to_numpy()].sum() == 0:
                    dropped.append((name, "eine Ausprägung ohne jede Kündigung"))
                    continue
            numeric.append(name)
            columns.append(name)
            continue
        text = series.astype("string").fillna(OTHER)
        counts = text.value_counts()
        churns = pd.Series(events).groupby(text.to_numpy()).sum()
        small = [
            lvl for lvl in counts.index if counts[lvl] < MIN_LEVEL_N or churns.get(lvl, 0) == 0
        ]
        text = text.where(~text.isin(small), OTHER)
        merged += [(name, str(lvl)) for lvl in small if lvl != OTHER]
        counts = text.value_counts()
        if OTHER in counts.index and pd.Series(events)[(text == OTHER).to_numpy()].sum() == 0:
            counts = counts.drop(OTHER)  # merged levels without churn: stay in the reference
        if len(counts) < 2:
            dropped.append((name, "hat nur einen Wert"))
            continue
        ordered = [str(v) for v in counts.index if v != OTHER]
        ordered += [OTHER] if OTHER in counts.index else []
        levels[name] = tuple(ordered)
        columns += [f"{name}: {lvl}" for lvl in ordered[1:]]
    if strict and (dropped or merged):
        problems = [f"„{n}“ {why}" for n, why in dropped]
        problems += [f"„{n}“ = „{lvl}“ zu selten oder ohne Kündigung" for n, lvl in merged]
        raise CovariateError(
            "Einflussgröße(n) für das Risikomodell ungeeignet: " + "; ".join(problems) + ". "
            "Bitte weglassen oder seltene Ausprägungen zusammenfassen."
        )
    if not columns:
        raise CovariateError("Keine geeignete Einflussgröße für das Risikomodell vorhanden.")
    cat_cols = [c for c in columns if c not in numeric]
    return Design(
        tuple(cat_cols + numeric),
        levels,
        tuple(numeric),
        tuple(dropped),
        tuple(merged),
    )


def _full_rank(x: np.ndarray) -> bool:
    """Whether the centred columns of ``x`` are linearly independent."""
    x = x - x.mean(0)
    return bool(np.linalg.matrix_rank(x.T @ x, hermitian=True) == x.shape[1])


def _independent(frame: pd.DataFrame, event: str, covariates: list[str], strict: bool) -> Design:
    """The design without covariates that repeat others (collinear dummy columns)."""
    design = design_matrix(frame, event, covariates, strict=strict)
    if _full_rank(design.matrix(frame)):
        return design
    kept: list[str] = []
    extra: list[tuple[str, str]] = []
    for name in covariates:
        trial = design_matrix(frame, event, [*kept, name], strict=False)
        if name in trial.levels or name in trial.numeric:
            if not _full_rank(trial.matrix(frame)):
                extra.append((name, "misst dasselbe wie eine andere Einflussgröße"))
                continue
            kept.append(name)
    if not extra:
        return design
    if strict:
        raise CovariateError(
            "Einflussgröße(n) für das Risikomodell ungeeignet: "
            + "; ".join(f"„{n}“ {why}" for n, why in extra)
            + ". Bitte eine der beiden weglassen."
        )
    final = design_matrix(frame, event, kept, strict=False)
    return Design(
        final.columns, final.levels, final.numeric, design.dropped + tuple(extra), final.merged
    )


def _risk_sums(
    times: np.ndarray, d: np.ndarray, entry: np.ndarray | None, weights: np.ndarray
) -> np.ndarray:
    """Σ weights over rows at risk (entry < t ≤ d) at each of ``times``; weights 1- or 2-d."""
    w = weights.reshape(len(d), -1)
    order = np.argsort(d)
    tail = np.vstack([np.cumsum(w[order][::-1], axis=0)[::-1], np.zeros((1, w.shape[1]))])
    sums = tail[np.searchsorted(d[order], times, side="left")]
    if entry is not None:
        order = np.argsort(entry)
        tail = np.vstack([np.cumsum(w[order][::-1], axis=0)[::-1], np.zeros((1, w.shape[1]))])
        sums = sums - tail[np.searchsorted(entry[order], times, side="left")]
    return sums


def concordance(d: np.ndarray, e: np.ndarray, risk: np.ndarray, max_pairs: float = 4e7) -> float:
    """Harrell's C: share of comparable pairs in which the earlier leaver has the higher risk.

    A pair is comparable when the one with the shorter time churned (equal times:
    one churned, the other censored). Ties in risk count one half. Above
    ``max_pairs`` a fixed random subsample of customers is used.
    """
    if e.sum() * d.size > max_pairs:
        pick = np.random.default_rng(0).choice(d.size, int(max_pairs**0.5), replace=False)
        d, e, risk = d[pick], e[pick], risk[pick]
    idx = np.flatnonzero(e)
    good = ties = total = 0.0
    for chunk in np.array_split(idx, max(1, idx.size * d.size // 2_000_000)):
        later = (d[None, :] > d[chunk, None]) | ((d[None, :] == d[chunk, None]) & ~e[None, :])
        higher = risk[chunk, None] > risk[None, :]
        same = risk[chunk, None] == risk[None, :]
        total += later.sum()
        good += (later & higher).sum()
        ties += (later & same).sum()
    return float((good + 0.5 * ties) / total) if total else math.nan


@dataclass(frozen=True)
class CoxModel:
    """A fitted Cox model of churn.

    ``hazard_ratios``: per model column ``coef``, ``se``, ``hr``, ``low``,
    ``high`` (95 %), ``p``; ``ph_test``: per column the Schoenfeld test
    (``statistic``, ``p``, ``violated`` at 5 %); ``baseline``: the Breslow
    cumulative hazard at each event time (for centred covariates).
    """

    hazard_ratios: pd.DataFrame
    concordance: float
    ph_test: pd.DataFrame
    log_likelihood: float
    lr_statistic: float
    n: int
    n_events: int
    design: Design
    baseline: pd.DataFrame
    means: np.ndarray = field(repr=False)
    covariance: np.ndarray = field(repr=False)

    def partial_hazard(self, frame: pd.DataFrame) -> np.ndarray:
        """exp((x − mean)'β) of each row of ``frame``."""
        x = self.design.matrix(frame) - self.means
        return np.exp(x @ self.hazard_ratios["coef"].to_numpy())

    def predict_survival(self, frame: pd.DataFrame, times: Sequence[float]) -> pd.DataFrame:
        """S(t | x) of each row of ``frame`` (rows) at ``times`` (columns)."""
        times = np.asarray(times, dtype=float)
        steps = self.baseline["time"].to_numpy()
        cum = np.concatenate([[0.0], self.baseline["cumulative_hazard"].to_numpy()])
        h0 = cum[np.searchsorted(steps, times, side="right")]
        surv = np.exp(-np.outer(self.partial_hazard(frame), h0))
        return pd.DataFrame(surv, index=frame.index, columns=times)

    def to_frame(self) -> pd.DataFrame:
        """Hazard ratios with intervals, p-values and the PH test, one row per column."""
        return self.hazard_ratios.join(self.ph_test.add_prefix("ph_"))

    def summary(self, lang: str = "de") -> Any:
        """The hazard-ratio table for the report."""
        from .survival_display import cox_table

        return cox_table(self, lang)

    def plot(self, ax: Any = None, lang: str = "de") -> Any:
        """Forest plot of the hazard ratios with 95 % intervals; returns the Axes."""
        from .plots.survival import forest

        return forest(self.hazard_ratios, ax=ax, lang=lang)


def _schoenfeld_test(
    x: np.ndarray,
    d: np.ndarray,
    e: np.ndarray,
    entry: np.ndarray | None,
    beta: np.ndarray,
    cov: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Grambsch-Therneau test per column on scaled Schoenfeld residuals (KM time scale)."""
    from scipy.special import chdtrc

    from .survival import kaplan_meier

    w = np.exp(x @ beta)
    times, inverse = np.unique(d[e], return_inverse=True)
    sums = _risk_sums(times, d, entry, np.column_stack([w, w[:, None] * x]))
    tie = np.zeros((times.size, 1 + x.shape[1]))
    np.add.at(tie, inverse, np.column_stack([w[e], w[e, None] * x[e]]))
    n_tie = np.bincount(inverse, minlength=times.size)
    rows = np.repeat(np.arange(times.size), n_tie)
    frac = (np.arange(rows.size) - np.repeat(np.cumsum(n_tie) - n_tie, n_tie)) / n_tie[rows]
    s0 = sums[rows, 0] - frac * tie[rows, 0]
    s1 = sums[rows, 1:] - frac[:, None] * tie[rows, 1:]
    mean = np.zeros((times.size, x.shape[1]))
    np.add.at(mean, rows, s1 / s0[:, None])
    mean /= n_tie[:, None]
    resid = x[e] - mean[inverse]
    scaled = e.sum() * resid @ cov
    curve = kaplan_meier(d, e).table
    g = 1.0 - curve["survival"].to_numpy()[np.searchsorted(curve["time"].to_numpy(), d[e])]
    g = g - g.mean()
    stat = (g @ scaled) ** 2 / (e.sum() * np.diag(cov) * (g**2).sum())
    return stat, chdtrc(1, stat)


_NOT_CONVERGED = (
    "Das Risikomodell konvergiert nicht (wahrscheinlich trennt eine Einflussgröße Kündiger und "
    "Bleibende vollständig, oder zwei Größen messen dasselbe). Bitte Einflussgrößen reduzieren "
    "oder seltene Ausprägungen zusammenfassen."
)


def _fit_statsmodels(
    x: np.ndarray, d: np.ndarray, e: np.ndarray, en: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray, float, float]:
    """statsmodels PHReg with Efron ties; entry moved just past itself (R's risk sets)."""
    from statsmodels.duration.hazard_regression import PHReg
    from statsmodels.tools.sm_exceptions import ConvergenceWarning

    sm_entry = None
    if en is not None:
        grid = np.unique(np.concatenate([d, en]))
        gap = np.diff(grid).min() if grid.size > 1 else 1.0
        sm_entry = en + gap * 1e-6  # entry == event time: not at risk (as R)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        warnings.simplefilter("ignore", RuntimeWarning)
        try:
            model = PHReg(d, x, status=e.astype(float), entry=sm_entry, ties="efron")
            result = model.fit(disp=False)
        except (ConvergenceWarning, np.linalg.LinAlgError) as exc:
            raise CovariateError(_NOT_CONVERGED) from exc
    beta = np.asarray(result.params)
    return (
        beta,
        np.asarray(result.cov_params()),
        float(result.llf),
        float(model.loglike(np.zeros_like(beta))),
    )


def fit(
    frame: pd.DataFrame,
    duration: str,
    event: str,
    covariates: Sequence[str],
    entry: str | None = None,
    *,
    strict: bool = True,
    engine: Literal["cxlib", "statsmodels"] = "cxlib",
) -> CoxModel:
    """Fit a Cox model of churn with Efron ties.

    ``frame`` has one row per customer; ``duration`` the time to churn or
    censoring, ``event`` whether churned, ``entry`` the delayed-entry time.
    Rows with a missing covariate are left out. With ``strict=False``,
    unusable covariates are dropped and rare levels merged (listed in
    ``design``) instead of raising :class:`CovariateError`. ``engine``: the
    vectorised Efron solver of :mod:`cxlib.efron` (default; fast) or
    statsmodels ``PHReg(ties="efron")`` (entry times corrected as R); both agree
    to 1e-6 (tests).
    """
    cols = [c for c in covariates if c in frame.columns]
    complete = frame.dropna(subset=[c for c in cols if _is_numeric(frame[c])])
    d, e, en = _arrays(
        complete[duration], complete[event], None if entry is None else complete[entry]
    )
    design = _independent(complete.assign(**{event: e}), event, list(covariates), strict)
    x = design.matrix(complete)
    means = x.mean(0)
    xc = x - means
    if engine == "statsmodels":
        beta, cov, llf, null_ll = _fit_statsmodels(xc, d, e, en)
    else:
        from .efron import fit_efron

        try:
            result = fit_efron(xc, d, e, en)
        except np.linalg.LinAlgError as exc:
            raise CovariateError(_NOT_CONVERGED) from exc
        if not result.converged:
            raise CovariateError(_NOT_CONVERGED)
        beta, cov = result.params, result.covariance
        llf, null_ll = result.log_likelihood, result.null_log_likelihood
    se = np.sqrt(np.diag(cov))
    if not (np.isfinite(beta).all() and np.isfinite(se).all()) or (np.abs(beta) > 15).any():
        raise CovariateError(
            "Das Risikomodell liefert keine stabilen Werte (eine Einflussgröße trennt Kündiger "
            "und Bleibende fast vollständig). Bitte diese Größe weglassen oder zusammenfassen."
        )
    from scipy.special import ndtr

    hr = pd.DataFrame(
        {
            "coef": beta,
            "se": se,
            "hr": np.exp(beta),
            "low": np.exp(beta - Z95 * se),
            "high": np.exp(beta + Z95 * se),
            "p": 2 * ndtr(-np.abs(beta / se)),
        },
        index=pd.Index(design.columns, name="covariate"),
    )
    w = np.exp(xc @ beta)
    times, inverse = np.unique(d[e], return_inverse=True)
    deaths = np.bincount(inverse, minlength=times.size)
    risk = _risk_sums(times, d, en, w)[:, 0]
    baseline = pd.DataFrame({"time": times, "cumulative_hazard": np.cumsum(deaths / risk)})
    stat, p = _schoenfeld_test(xc, d, e, en, beta, cov)
    ph = pd.DataFrame({"statistic": stat, "p": p, "violated": p < 0.05}, index=hr.index)
    if not np.isfinite(llf):
        raise SurvivalError("Das Risikomodell ließ sich nicht schätzen.")
    return CoxModel(
        hazard_ratios=hr,
        concordance=concordance(d, e, xc @ beta),
        ph_test=ph,
        log_likelihood=float(llf),
        lr_statistic=float(2 * (llf - null_ll)),
        n=int(d.size),
        n_events=int(e.sum()),
        design=design,
        baseline=baseline,
        means=means,
        covariance=cov,
    )
