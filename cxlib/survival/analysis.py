"""The churn analysis of one client: all survival results, numbers only.

:func:`analyse` runs the whole analysis on a client's data (survival table,
Kaplan-Meier overall and per group, log-rank tests, the Cox model of early
churn, competing risks by churn reason, the time-varying model of the
early-warning signals (:mod:`cxlib.survival.signal_model`) and the ranked
churn drivers linked to the chosen journey (:mod:`cxlib.survival.drivers`))
and returns a frozen :class:`SurvivalReport`: numbers, tables and text keys,
never words. A client without customer data, or without a single churn yet,
gets a :class:`SurvivalUnavailable` instead; :func:`cxlib.survival.view.section`
then says what is missing and the rest of the report is written as usual.

Labels the analysis makes up itself are language-neutral: the early-ticket
groups are :data:`~cxlib.survival.table.EARLY_TICKET_GROUPS` and churns without
a recorded reason count as :data:`~cxlib.survival.competing_risks.MISSING_REASON`;
:mod:`cxlib.survival.wording` puts them into words.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar, Literal

import numpy as np
import pandas as pd

from cxlib.exceptions import CXError
from cxlib.kpis.early_warning import EarlyWarning, client_warning
from cxlib.kpis.retention import (
    EarlyChurn,
    FirstToSecond,
    client_early_churn,
    first_to_second,
    inactivity_sensitivity,
)
from cxlib.survival.claims import Claims, assess
from cxlib.survival.competing_risks import CumulativeIncidence, cumulative_incidence
from cxlib.survival.cox import CoxModel, fit
from cxlib.survival.curves import KaplanMeier, KaplanMeierGroups, LogRank, kaplan_meier, logrank
from cxlib.survival.drivers import ChurnDrivers, Driver, rank_drivers
from cxlib.survival.errors import NoCustomersError, NoEventsError, SurvivalError
from cxlib.survival.projection import RetentionProjection, project_retention
from cxlib.survival.signal_model import SignalModel, fit_signal_model
from cxlib.survival.table import (
    DAYS_PER_MONTH,
    DAYS_PER_WEEK,
    EARLY_TICKET_GROUPS,
    SurvivalData,
    build_survival_table,
    cox_population,
)
from cxlib.voice.callbacks import CallBacks, call_backs
from cxlib.voice.codebook import Codebook, load_codebook

if TYPE_CHECKING:
    from cxlib.io.loading import ClientData
    from cxlib.parameters.schema import ClientParameters
    from cxlib.report.testing import Hypothesis, TestFamily

__all__ = [
    "SurvivalReport",
    "SurvivalResult",
    "SurvivalUnavailable",
    "analyse",
    "hypotheses",
]

#: Events per model column the Cox model needs at least (rule of thumb).
EVENTS_PER_COLUMN = 10
#: At most this many effects in the forest plot (the model's table in the appendix has all).
FOREST_LIMIT = 8
#: Days per unit of SurvivalOptions.time_unit (the curves' time axis).
UNIT_DAYS = {"months": DAYS_PER_MONTH, "weeks": DAYS_PER_WEEK, "days": 1.0}


@dataclass(frozen=True)
class SurvivalUnavailable:
    """The churn analysis of a client whose data allow none yet.

    ``reason`` is ``customers`` (no customers table) or ``events`` (not a
    single churn up to ``cutoff``). The section says what is missing in
    place of its charts, makes no summary statement and records
    ``available: false``.
    """

    reason: Literal["customers", "events"]
    cutoff: dt.date
    #: the closed loop's call-backs: without a risk model the team's list holds only them
    call_backs: CallBacks | None = None
    codebook: Codebook | None = field(default=None, repr=False)
    #: customers with two or more early-warning signals in the latest month, for the same list
    warning: EarlyWarning | None = field(default=None, repr=False)
    calls_per_week: int = 25
    #: Tells the two results apart (mypy narrows :data:`SurvivalResult` on it).
    available: ClassVar[Literal[False]] = False

    def figures(self) -> dict[str, object]:
        """``results.json``: that the analysis is missing, and why."""
        return {"available": False, "reason": self.reason}


@dataclass(frozen=True)
class SurvivalReport:
    """Everything the churn section shows, computed once (numbers, no words).

    ``model_note`` is a text key (``survival.model_*``) when the Cox model
    was reduced, fitted on the whole lifetime, or not fitted at all;
    ``model_frame`` is the model's population in whole weeks (the risk list
    scores its active customers); ``early`` is the early-ticket rule
    (minimum tickets, days).
    """

    available: ClassVar[Literal[True]] = True

    data: SurvivalData
    overall: KaplanMeier
    new: KaplanMeier | None
    groups: dict[str, KaplanMeierGroups]
    tests: dict[str, LogRank]
    model: CoxModel | None
    model_note: str | None
    model_frame: pd.DataFrame = field(repr=False)
    followup_days: float | None
    horizons: tuple[int, ...]
    small_n: int
    min_n: int
    risk_horizon_months: int
    risk_factors: int
    reasons: CumulativeIncidence | None = None
    early: tuple[int, int] = (2, 90)  # early tickets: minimum and days
    signals: SignalModel | None = None
    drivers: ChurnDrivers | None = None
    time_unit: Literal["months", "weeks", "days"] = "months"
    claims: Claims = field(default_factory=Claims)
    #: Early churn by the one definition every section uses (cxlib.kpis.retention), by months.
    early_churn_counts: tuple[EarlyChurn, ...] = ()
    #: The team's capacity for the risk list: calls per week and weeks the list covers.
    calls_per_week: int = 25
    call_weeks: int = 4
    #: Without contracts: first-time buyers who buy again within the inactivity period.
    conversion: FirstToSecond | None = None
    #: Without contracts: early churn (6 months) by inactivity period in days.
    sensitivity: tuple[tuple[int, EarlyChurn], ...] = ()
    #: With contracts: retention projected by the sBG model (:mod:`cxlib.survival.projection`).
    projection: RetentionProjection | None = None
    #: The closed loop's call-backs, merged with the risk list into the team's one list
    #: (:mod:`cxlib.survival.team_list`), and the codebook naming their comments' themes.
    call_backs: CallBacks | None = None
    codebook: Codebook | None = field(default=None, repr=False)
    #: customers with two or more early-warning signals in the latest month, for the same list
    warning: EarlyWarning | None = field(default=None, repr=False)

    @property
    def best_grouping(self) -> str | None:
        """The grouping whose curves differ most (largest log-rank statistic)."""
        if not self.tests:
            return None
        return max(self.tests, key=lambda name: self.tests[name].statistic)

    @property
    def unit_days(self) -> float:
        """Days per unit of the curves' time axis (:attr:`time_unit`)."""
        return UNIT_DAYS[self.time_unit]

    def early_churn(self, months: int = 6) -> float:
        """Share of new customers lost within ``months``: the same figure as the KPI section's.

        The one definition of :func:`cxlib.kpis.retention.early_churn` (customers who
        started in the data window and could be observed for ``months``); where it
        has nobody to count, the Kaplan-Meier estimate of the new (else all) customers.
        """
        for counted in self.early_churn_counts:
            if counted.months == months and counted.n:
                return counted.share
        curve = self.new or self.overall
        return 1.0 - curve.survival_at(months * DAYS_PER_MONTH)

    def horizon_frame(self) -> pd.DataFrame:
        """Survival, interval and numbers at risk at each horizon (months)."""
        rows = []
        for m in self.horizons:
            days = m * DAYS_PER_MONTH
            low, high = self.overall.interval_at(days)
            at = self.overall.table[self.overall.table["time"] >= days]["at_risk"]
            rows.append(
                {
                    "months": m,
                    "survival": self.overall.survival_at(days),
                    "low": low,
                    "high": high,
                    "at_risk": int(at.iloc[0]) if len(at) else 0,
                    "rmst_months": self.overall.rmst(days) / DAYS_PER_MONTH,
                }
            )
        return pd.DataFrame(rows)

    def headline_driver(self) -> Driver | None:
        """The driver of the key message and the summary: the first row of the drivers table.

        A rule fixed in advance (:mod:`cxlib.survival.drivers`): of the findings
        (:mod:`cxlib.survival.claims`: Holm-adjusted, relevant, at least 10 churns
        in each compared group) the one with the largest cautious share of churns.
        """
        top = self.top_drivers(1)
        return top[0] if top else None

    def top_drivers(self, n: int = 3) -> tuple[Driver, ...]:
        """The ``n`` most important secured drivers (see :mod:`cxlib.survival.drivers`)."""
        return self.drivers.top(n) if self.drivers is not None else ()

    def forest_columns(self, limit: int = FOREST_LIMIT) -> tuple[str, ...]:
        """The model's effects the forest plot shows, at most ``limit``, largest first.

        First the effects the section states as findings (Holm-adjusted, relevant:
        :mod:`cxlib.survival.claims`), then the others, each group by the size of
        the effect (distance of the relative risk from 1 on the log scale). The
        rest is in the model's table in the appendix.
        """
        if self.model is None:
            return ()
        hr = self.model.hazard_ratios
        secured = {x.name for x in self.claims.findings("cox")}
        size = np.abs(np.log(hr["hr"].astype(float)))
        order = sorted(hr.index, key=lambda c: (c not in secured, -float(size[c]), str(c)))
        return tuple(order[:limit])

    def reference(self, column: str) -> str | None:
        """The reference level of a categorical model column ('channel: Website')."""
        name, _, level = column.partition(": ")
        levels = self.model.design.levels.get(name) if self.model else None
        return levels[0] if levels and level else None

    def figures(self) -> dict[str, object]:
        """Key figures for results.json (plain numbers, no words).

        ``reasons_24_months`` lists churns without a recorded reason under
        :data:`~cxlib.survival.competing_risks.MISSING_REASON`; the section
        names them in the report's language.
        """
        horizons = self.horizon_frame()
        out: dict[str, object] = {
            "available": True,
            "definition": self.data.definition,
            "customers": self.data.n,
            "churns": self.data.n_events,
            "left_truncated": self.data.left_truncated,
            "one_time_buyers": self.data.one_time_buyers,
            "inactivity_days": self.data.inactivity_days,
            "median_months": _months(self.overall.median),
            "median_reached": self.overall.median is not None,
            "early_churn_6_months": self.early_churn(6),
            "horizons": horizons.to_dict(orient="records"),
            "logrank": {
                k: {"statistic": v.statistic, "df": v.df, "p": v.p} for k, v in self.tests.items()
            },
            "claims": self.claims.figures(),
        }
        if self.conversion is not None:
            c = self.conversion
            out["first_to_second"] = {
                "window_days": c.window_days,
                "converted": c.converted,
                "n": c.n,
                "share": c.share,
                "low": c.interval.low,
                "high": c.interval.high,
            }
        if self.sensitivity:
            out["early_churn_6_months_by_inactivity_days"] = [
                {"days": days, "lost": e.lost, "n": e.n, "share": e.share}
                for days, e in self.sensitivity
            ]
        if self.projection is not None:
            out["projection_sbg"] = self.projection.figures()
        if self.drivers is not None:
            out["drivers"] = self.drivers.to_frame().to_dict(orient="records")
            out["drivers_selected_journey"] = self.drivers.selected_journey
        if self.signals is not None:
            out["signals"] = _signal_figures(self.signals)
        if self.reasons is not None:
            out["reasons_24_months"] = self.reasons.at(24 * DAYS_PER_MONTH).to_dict()
        if self.model is not None:
            hr = self.model.hazard_ratios
            out["cox"] = {
                "n": self.model.n,
                "churns": self.model.n_events,
                "followup_months": _months(self.followup_days),
                "concordance": self.model.concordance,
                "ph_violated": list(self.model.ph_test.index[self.model.ph_test["violated"]]),
                "hazard_ratios": hr[["hr", "low", "high", "p"]].reset_index().to_dict("records"),
            }
        return out


#: What :func:`analyse` returns: the analysis, or why there is none.
SurvivalResult = SurvivalReport | SurvivalUnavailable


def _months(days: float | None) -> float | None:
    """Days as months for results.json (None stays None, NaN becomes None)."""
    return (
        None
        if days is None or (isinstance(days, float) and math.isnan(days))
        else (days / DAYS_PER_MONTH)
    )


def _signal_figures(signals: SignalModel) -> dict[str, object]:
    """The signal model for results.json (plain numbers; dates as ISO text)."""
    out: dict[str, object] = {
        "note": signals.note,
        "window_months": signals.window_months,
        "first_month": None if signals.first_month is None else f"{signals.first_month:%Y-%m}",
        "last_month": None if signals.last_month is None else f"{signals.last_month:%Y-%m}",
        "customers": signals.customers,
        "churns": signals.churns,
        "episodes": len(signals.episodes),
    }
    if signals.model is not None:
        frame = signals.to_frame()
        keep = ["hr", "low", "high", "p", "share_months", "share_churns"]
        out["hazard_ratios"] = frame[keep].reset_index(names="signal").to_dict("records")
    return out


def _signal_model(
    params: ClientParameters, data: ClientData, table: SurvivalData
) -> SignalModel | None:
    """The time-varying model of the early-warning signals (None when switched off)."""
    options = params.analysis.survival
    if not options.signal_covariates:
        return None
    signals = data.get("signals")
    if signals is None or signals.empty:
        return fit_signal_model(table, None, ())
    warning = client_warning(data)
    assert warning is not None  # there are signals
    return fit_signal_model(
        table,
        warning.flags,
        warning.available,
        window_months=options.signal_window_months,
        min_n=params.analysis.min_n,
        small_n=params.analysis.small_n,
    )


def _selected_journey(params: ClientParameters) -> str | None:
    """The chosen journey's name (None when the workshop rated none)."""
    from cxlib.journeys.selection import from_workshop

    try:
        selection = from_workshop(params.workshop, params.analysis.journey)
    except CXError:
        return None
    return selection.selected if selection is not None else None


def _weeks(frame: pd.DataFrame) -> pd.DataFrame:
    """Tenure in whole weeks (ties make the Efron fit fast; harmless for churn)."""
    out = frame.copy()
    out["duration"] = np.ceil(out["duration"] / DAYS_PER_WEEK)
    out["entry"] = np.floor(out["entry"] / DAYS_PER_WEEK)
    return out


def _model(
    table: SurvivalData,
    covariates: list[str],
    tests: dict[str, LogRank],
    followup: float | None,
) -> tuple[CoxModel | None, str | None, pd.DataFrame, float | None]:
    """Fit the early-churn Cox model; fall back to the whole lifetime if too few churns."""
    frame = cox_population(table, followup)
    note = None
    if followup is not None and frame["event"].sum() < 2 * EVENTS_PER_COLUMN:
        frame, followup = cox_population(table, None), None
        note = "survival.model_whole"
    frame = _weeks(frame)
    usable = [c for c in covariates if c in frame.columns]
    usable = [c for c in usable if frame[c].isna().mean() <= 0.5]
    frame = frame.dropna(subset=usable)
    events = int(frame["event"].sum())
    ranked = sorted(usable, key=lambda c: -tests[c].statistic if c in tests else 0.0)
    chosen: list[str] = []
    for name in ranked:
        width = max(1, frame[name].nunique() - 1)
        used = sum(max(1, frame[c].nunique() - 1) for c in chosen)
        if used + width <= events / EVENTS_PER_COLUMN:
            chosen.append(name)
    if len(chosen) < len(usable):
        note = "survival.model_reduced"
    if not chosen:
        return None, "survival.model_none", frame, followup
    try:
        model = fit(frame, "duration", "event", chosen, entry="entry", strict=False)
    except SurvivalError:
        return None, "survival.model_none", frame, followup
    return model, note, frame, followup


def _group_labels(frame: pd.DataFrame, name: str) -> pd.Series:
    """One grouping's labels; early tickets as :data:`EARLY_TICKET_GROUPS`, trouble first."""
    if name != "early_tickets":
        return frame[name].astype("string")
    order = list(EARLY_TICKET_GROUPS.values())
    return frame[name].map(EARLY_TICKET_GROUPS).astype(pd.CategoricalDtype(order))


@dataclass(frozen=True)
class SurvivalFit:
    """The curves, tests and models of one client before the report's family judges them."""

    table: SurvivalData
    overall: KaplanMeier
    new: KaplanMeier | None
    groups: dict[str, KaplanMeierGroups]
    logranks: dict[str, LogRank]
    model: CoxModel | None
    model_note: str | None
    model_frame: pd.DataFrame | None
    followup: float | None
    reasons: CumulativeIncidence | None
    signals: SignalModel | None
    early_churn_counts: tuple[EarlyChurn, ...]
    conversion: FirstToSecond | None
    sensitivity: tuple[tuple[int, EarlyChurn], ...]
    #: with contracts: the sBG projection of the retention (None without, or too few)
    projection: RetentionProjection | None = None


def fitted(params: ClientParameters, data: ClientData) -> SurvivalFit:
    """The client's curves, tests and models before judging, fitted once per data and parameters.

    Kept in the data's memo (:meth:`~cxlib.io.loading.ClientData.remembered`):
    the testing family, the churn notebook and the KPI section's loss forecast
    share one fit. Raises :class:`~cxlib.survival.errors.SurvivalError` where
    the data carry no survival analysis.
    """
    from cxlib.io.loading import ClientData

    if not isinstance(data, ClientData):  # a {name: frame} mapping in tests: nothing to keep
        return _fit(params, data)
    return data.remembered(f"survival.fitted/{params.fingerprint()}", lambda: _fit(params, data))


def hypotheses(params: ClientParameters, data: ClientData) -> tuple[Hypothesis, ...]:
    """The churn section's tests for the report's family, unadjusted; none without an analysis.

    The same tests as the claims of :func:`analyse` (log-rank, Cox columns,
    signals), from the same fit (:func:`fitted`), without the parts of the
    section that have no test (the call list, the driver ranking).
    """
    try:
        fit = fitted(params, data)
    except (NoCustomersError, NoEventsError):
        return ()
    return _claims(fit).hypotheses()


def _claims(fit: SurvivalFit, family: TestFamily | None = None) -> Claims:
    """The section's tests (log-rank, Cox columns, signals) of ``fit``, judged in ``family``."""
    frame = fit.model_frame if fit.model is not None else None
    return assess(fit.logranks, fit.groups, fit.model, frame, fit.signals, family=family)


def analyse(
    params: ClientParameters, data: ClientData, tests: TestFamily | None = None
) -> SurvivalResult:
    """Run the whole churn analysis of one client (see the module docstring).

    ``tests`` is the report's testing family (:mod:`cxlib.report.testing`) that
    judges the section's tests; without it they are judged on their own. The
    curves and models are fitted once per data and parameters
    (:meth:`~cxlib.io.loading.ClientData.remembered`): the family, computed
    before the notebooks run, and the churn notebook share them.
    """
    options = params.analysis.survival
    backs = call_backs(data.get("survey"), data.get("tickets"), params.cutoff)
    own = params.analysis.voice.codebook
    codebook = load_codebook(params.resolve(own) if own else None)
    try:
        fit = fitted(params, data)
    except (NoCustomersError, NoEventsError) as error:
        reason: Literal["customers", "events"] = (
            "customers" if isinstance(error, NoCustomersError) else "events"
        )
        return SurvivalUnavailable(
            reason,
            params.cutoff,
            backs,
            codebook,
            calls_per_week=options.calls_per_week,
            warning=client_warning(data),
        )
    model, frame = fit.model, fit.model_frame
    selected = _selected_journey(params)
    claims = _claims(fit, tests)
    drivers = rank_drivers(model, frame, fit.signals, params.workshop, selected, claims=claims)
    table, note, followup = fit.table, fit.model_note, fit.followup
    overall, new, groups, logranks = fit.overall, fit.new, fit.groups, fit.logranks
    reasons, signals, conversion = fit.reasons, fit.signals, fit.conversion
    sensitivity, early_churn_counts = fit.sensitivity, fit.early_churn_counts
    min_n = params.analysis.min_n
    return SurvivalReport(
        projection=fit.projection,
        conversion=conversion,
        sensitivity=sensitivity,
        claims=claims,
        early_churn_counts=early_churn_counts,
        signals=signals,
        drivers=drivers,
        time_unit=options.time_unit,
        reasons=reasons,
        early=(options.early_ticket_min, options.early_ticket_days),
        data=table,
        overall=overall,
        new=new,
        groups=groups,
        tests=logranks,
        model=model,
        model_note=note,
        model_frame=frame,
        followup_days=followup,
        horizons=tuple(options.horizons_months),
        small_n=params.analysis.small_n,
        min_n=min_n,
        risk_horizon_months=options.risk_horizon_months,
        risk_factors=options.risk_factors,
        calls_per_week=options.calls_per_week,
        call_weeks=options.call_weeks,
        call_backs=backs,
        codebook=codebook,
        warning=client_warning(data),
    )


def _fit(params: ClientParameters, data: ClientData) -> SurvivalFit:
    """Everything of :func:`analyse` that does not depend on the testing family."""
    table = build_survival_table(params, data)
    options = params.analysis.survival
    f = table.frame
    overall = kaplan_meier(f["duration"], f["event"], entry=f["entry"])
    new_rows = f[f["new"]]
    new = None
    if 0 < len(new_rows) < len(f) and new_rows["event"].any():
        new = kaplan_meier(new_rows["duration"], new_rows["event"])
    groups: dict[str, KaplanMeierGroups] = {}
    logranks: dict[str, LogRank] = {}
    min_n = params.analysis.min_n
    for name in options.group_by:
        if name not in f.columns:
            continue
        labels = _group_labels(f, name)
        counts = labels.value_counts()
        labels = labels.where(labels.isin(counts[counts >= min_n].index))
        if labels.nunique() < 2:
            continue
        groups[name] = kaplan_meier(f["duration"], f["event"], entry=f["entry"], groups=labels)
        logranks[name] = logrank(f["duration"], f["event"], labels, entry=f["entry"])
    followup = options.cox_followup_months * DAYS_PER_MONTH if options.cox_followup_months else None
    model, note, frame, followup = _model(table, list(options.covariates), logranks, followup)
    reasons = None
    if f.loc[f["event"], "reason"].notna().any():
        reasons = cumulative_incidence(f["duration"], f["event"], f["reason"], entry=f["entry"])
    sales = data.get("transactions")
    conversion: FirstToSecond | None = None
    sensitivity: tuple[tuple[int, EarlyChurn], ...] = ()
    if table.definition == "non_contractual" and sales is not None:
        conversion = first_to_second(sales, params.cutoff, options.inactivity_days)
        sensitivity = inactivity_sensitivity(params, data.get("customers"), sales, 6)
    return SurvivalFit(
        table=table,
        overall=overall,
        new=new,
        groups=groups,
        logranks=logranks,
        model=model,
        model_note=note,
        model_frame=frame,
        followup=followup,
        reasons=reasons,
        signals=_signal_model(params, data, table),
        early_churn_counts=client_early_churn(
            params, data.get("customers"), data.get("transactions"), [6]
        ),
        conversion=conversion,
        sensitivity=sensitivity,
        projection=project_retention(table, overall),
    )
