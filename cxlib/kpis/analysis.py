"""The KPI baseline of one client: retention, experience and economics with uncertainty.

:func:`analyse` (public also as ``cxlib.kpis.baseline``) computes everything
the KPI section of the report shows from the client's parameters and loaded
tables: the survey KPIs (:mod:`cxlib.kpis.survey`) with intervals, n and the
small-n marker, group comparisons with Holm adjustment and the monthly trend
(:mod:`cxlib.kpis.comparisons`), churn, retention, cohorts and early churn
(:mod:`cxlib.kpis.retention`), the economics (:mod:`cxlib.kpis.economics`),
for clients without contracts the purchase model's active customers and
customer value (:mod:`cxlib.clv.customer_base`), key drivers
(:mod:`cxlib.kpis.drivers`), early-warning counts
(:mod:`cxlib.kpis.early_warning`) and, per KPI, the target from the parameters
and the smallest change the next survey wave could detect. The result holds
numbers and tables only; :func:`cxlib.kpis.view.section` turns it into the
report section (words, tables, charts).

Minimum detectable change (two-sided 5 %, power 80 %):
MDC = (z₀.₉₇₅ + z₀.₈) · √(σ²/n_now + σ²/n_next), with σ² the per-answer
variance of the KPI (NPS: p + d − (p − d)²; shares: p(1 − p); CES: s²).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, TypedDict, cast

import numpy as np
import pandas as pd

from cxlib.clv.customer_base import CustomerBase, customer_base
from cxlib.io.loading import ClientData
from cxlib.kpis import comparisons, drivers, early_warning, economics, retention
from cxlib.kpis import survey as kpis
from cxlib.kpis.intervals import Interval, share_interval
from cxlib.kpis.value_at_risk import (
    CustomerValue,
    RevenueAtRisk,
    ValueAtRisk,
    customer_value,
    revenue_at_risk,
    value_at_risk,
)
from cxlib.parameters.schema import ClientParameters, TargetKpi
from cxlib.voice.callbacks import CallBacks, call_backs
from cxlib.voice.codebook import load_codebook
from cxlib.voice.themes import CodedComments, CommentThemes, code_survey, comment_themes

if TYPE_CHECKING:
    from IPython.display import HTML
    from matplotlib.axes import Axes

    from cxlib.report.testing import TestFamily
    from cxlib.survival.projection import LossForecast

Z_MDC = 1.959963984540054 + 0.8416212335729143  # two-sided 5 %, power 80 %
SURVEY_KPIS = ("nps", "csat", "ces")
#: The charts of :meth:`Baseline.plot` (drawn by :mod:`cxlib.kpis.plots`).
ChartKind = Literal["ppd", "groups", "trend", "cohorts", "drivers"]
#: A survey KPI's estimate with its interval.
Estimate = kpis.NpsEstimate | kpis.CsatEstimate | kpis.CesEstimate


class Experience(TypedDict, total=False):
    """The survey KPIs a client's answers allow, each with its own estimate type."""

    nps: kpis.NpsEstimate
    csat: kpis.CsatEstimate
    ces: kpis.CesEstimate


@dataclass(frozen=True)
class Baseline:
    """The full KPI baseline of one client (see the module docstring)."""

    experience: Experience
    missing: dict[str, int]
    trends: dict[str, str]
    comparisons: pd.DataFrame
    monthly: pd.DataFrame
    yearly: pd.DataFrame | None
    cohorts: pd.DataFrame | None
    early: tuple[retention.EarlyChurn, ...]
    economics: economics.Economics | None
    drivers: drivers.DriverResult | None
    warning: early_warning.EarlyWarning | None
    targets: pd.DataFrame
    business_model: str
    small_n: int
    min_n: int
    cutoff: dt.date
    expected_n: int | None = None
    window_start: dt.date | None = None
    #: euros at risk: one year's lost customers × customer value (:mod:`cxlib.kpis.value_at_risk`)
    value_at_risk: ValueAtRisk | None = None
    #: with contracts: cancellations expected in the next 12 months × customer value, per segment
    revenue_at_risk: RevenueAtRisk | None = None
    #: whom to call back: detractors, open tickets, complaints (:mod:`cxlib.voice.callbacks`)
    call_backs: CallBacks | None = None
    #: clients without contracts: the purchase model's active customers and customer value
    #: (BG/NBD and Gamma-Gamma, :mod:`cxlib.clv.customer_base`); None otherwise or too few
    customer_base: CustomerBase | None = None
    #: what the survey comments are about: themes, tone, quotes (:mod:`cxlib.voice.themes`)
    themes: CommentThemes | None = None
    #: median new customers per start month (:func:`cxlib.kpis.retention.cohort_median`):
    #: below ``small_n`` the cohort chart is left out (every cell would be 0 % or 100 %)
    cohort_median: float | None = None

    # -- tidy numbers ---------------------------------------------------------------

    def to_frame(self) -> pd.DataFrame:
        """One row per KPI: level, kpi, value, low, high, n, reliability, trend, target, mdc."""
        return self.targets.copy()

    def reliability(self, n: int) -> str:
        """``ok``, ``low`` or ``none`` for a figure on n answers (small_n/min_n rule)."""
        return kpis.reliability(n, self.small_n, self.min_n)

    def main_dimension(self) -> str | None:
        """The survey grouping shown in the charts.

        Among the dimensions with 2-8 groups, the one with the most
        statistically significant differences (NPS and CSAT); ties go by the
        order phase, touchpoint, segment, wave.
        """
        comp = self.comparisons
        best, best_count = None, -1
        for dim in comparisons.DIMENSIONS:
            part = comp[comp["dimension"] == dim]
            if not 2 <= part["group"].nunique() <= 8:
                continue
            count = int(part["different"].sum())
            if count > best_count:
                best, best_count = dim, count
        return best

    # -- presentation (texts in cxlib.texts.<lang>.kpis) ------------------------------

    def summary(self, lang: str = "de") -> HTML:
        """The baseline table of the report (three levels; value, interval, n, …)."""
        from cxlib.kpis.tables import baseline_table

        return baseline_table(self, lang)

    def plot(self, kind: ChartKind = "ppd", ax: Axes | None = None, lang: str = "de") -> Axes:
        """One chart of the section: ``ppd``, ``groups``, ``trend``, ``cohorts``, ``drivers``."""
        from cxlib.kpis import plots

        charts = {
            "ppd": plots.ppd_bars,
            "groups": plots.group_intervals,
            "trend": plots.trend,
            "cohorts": plots.cohort_heatmap,
            "drivers": plots.driver_quadrant,
        }
        if kind not in charts:
            raise ValueError(f"unknown chart {kind!r}; known: {', '.join(charts)}")
        return charts[kind](self, ax=ax, lang=lang)


def _window_start(params: ClientParameters, customers: pd.DataFrame | None) -> dt.date | None:
    return retention.window_start(params, customers)


def _trend(survey: pd.DataFrame, kpi: str) -> str:
    """'up', 'down' or 'flat' from the last against the previous wave (or half-year)."""
    from scipy.special import ndtr

    if kpi not in survey or survey[kpi].notna().sum() == 0:
        return "none"
    if "wave" in survey and survey["wave"].nunique() >= 2:
        key = survey["wave"].astype(str)
    else:
        key = (
            survey["date"].dt.year.astype(str)
            + "-H"
            + ((survey["date"].dt.month > 6) + 1).astype(str)
        )
    periods = sorted(key.dropna().unique())
    if len(periods) < 2:
        return "none"
    last, previous = (
        survey[key == periods[-1]][kpi].dropna(),
        survey[key == periods[-2]][kpi].dropna(),
    )
    if min(len(last), len(previous)) < 10:
        return "none"
    if kpi == "nps":
        z, p = kpis.nps_difference(kpis.nps(last), kpis.nps(previous))
    else:
        a, b = last.to_numpy(float), previous.to_numpy(float)
        if kpi == "csat":
            a, b = a >= 4, b >= 4
        se = np.sqrt(a.var(ddof=1) / len(a) + b.var(ddof=1) / len(b))
        z = (a.mean() - b.mean()) / se if se > 0 else 0.0
        p = float(2 * ndtr(-abs(z)))
    if p >= comparisons.ALPHA:
        return "flat"
    return "up" if z > 0 else "down"


def _expected_n(params: ClientParameters, survey: pd.DataFrame | None) -> int | None:
    if params.analysis.kpi.expected_n:
        return params.analysis.kpi.expected_n
    if survey is None or survey.empty:
        return None
    if "wave" in survey and survey["wave"].notna().any():
        last = sorted(survey["wave"].dropna().astype(str).unique())[-1]
        return int((survey["wave"].astype(str) == last).sum())
    latest = survey["date"].max()
    return int((survey["date"] > latest - pd.Timedelta(days=182)).sum()) or len(survey)


def _mdc(variance: float, n_now: int, n_next: int | None) -> float:
    if not n_next or not n_now or not np.isfinite(variance):
        return float("nan")
    return float(Z_MDC * np.sqrt(variance / n_now + variance / n_next))


@dataclass(frozen=True)
class _Parts:
    """What :func:`_rows` tabulates (the analysis' parts before the baseline exists)."""

    experience: Experience
    trends: dict[str, str]
    yearly_last: list[dict[str, Any]]  # the last year's row of retention.yearly
    churn_trend: str
    early: tuple[retention.EarlyChurn, ...]
    economics: economics.Economics | None
    expected_n: int | None
    #: THE customer value (:func:`cxlib.kpis.value_at_risk.customer_value`)
    customer_value: CustomerValue | None = None


def _rows(base: _Parts, params: ClientParameters) -> pd.DataFrame:
    """The tidy baseline table (one row per KPI) with targets and MDC."""
    targets = params.analysis.kpi.targets
    n_next = base.expected_n
    rows: list[dict[str, object]] = []

    def add(
        level: str,
        kpi: TargetKpi,
        value: float,
        low: float,
        high: float,
        n: int,
        trend: str,
        variance: float = np.nan,
        scale: float = 1.0,
        unit: str = "",
        how: str | Interval = "",
    ) -> None:
        # ``how``: the interval's method, or (as an Interval) method and reason together
        method, reason = (how.method, how.reason) if isinstance(how, Interval) else (how, "")
        if not (np.isfinite(low) and np.isfinite(high)):
            method, reason = "", reason or "too_few"
        rows.append(
            {
                "level": level,
                "kpi": kpi,
                "value": value,
                "low": low,
                "high": high,
                "method": method,
                "reason": reason,
                "n": n,
                "reliability": kpis.reliability(n, params.analysis.small_n, params.analysis.min_n)
                if n
                else "none",
                "trend": trend,
                "target": targets.get(kpi, np.nan),
                "mdc": scale * _mdc(variance, n, n_next if level == "experience" else n),
                "unit": unit,
            }
        )

    for year in base.yearly_last:
        flipped = {"up": "down", "down": "up"}.get(base.churn_trend, base.churn_trend)
        # the retention rate is a share of the customers at the start of the year
        kept = share_interval(int(year["start"]) - int(year["lost"]), int(year["start"]))
        add(
            "retention",
            "retention",
            100 * year["retention"],
            100 * kept.low,
            100 * kept.high,
            year["start"],
            flipped,
            year["churn"] * (1 - year["churn"]),
            100,
            "%",
            kept,
        )
        add(
            "retention",
            "churn",
            100 * year["churn"],
            100 * year["churn_low"],
            100 * year["churn_high"],
            year["start"],
            base.churn_trend,
            year["churn"] * (1 - year["churn"]),
            100,
            "%",
            "wilson",
        )
    for item in base.early:
        if item.months == max(params.analysis.kpi.early_churn_months) and item.n:
            low, high = kpis.wilson(item.lost, item.n, 1.959963984540054)
            add(
                "retention",
                "early_churn",
                100 * item.share,
                100 * float(low),
                100 * float(high),
                item.n,
                "none",
                item.share * (1 - item.share),
                100,
                "%",
                "wilson",
            )
    exp, trends = base.experience, base.trends
    if "nps" in exp:
        nps = exp["nps"]
        p, d = nps.promoters / nps.n, nps.detractors / nps.n
        add(
            "experience",
            "nps",
            nps.value,
            nps.low,
            nps.high,
            nps.n,
            trends["nps"],
            p + d - (p - d) ** 2,
            100,
            how="adjusted_wald",
        )
    if "csat" in exp:
        csat = exp["csat"]
        p = csat.value / 100
        add(
            "experience",
            "csat",
            csat.value,
            csat.low,
            csat.high,
            csat.n,
            trends["csat"],
            p * (1 - p),
            100,
            "%",
            "wilson",
        )
    if "ces" in exp:
        ces = exp["ces"]
        add(
            "experience",
            "ces",
            ces.value,
            ces.low,
            ces.high,
            ces.n,
            trends["ces"],
            ces.sd**2,
            how="t",
        )
        p = ces.easy_share / 100
        add(
            "experience",
            "ces_share",
            ces.easy_share,
            ces.easy_low,
            ces.easy_high,
            ces.n,
            "none",
            p * (1 - p),
            100,
            "%",
            "wilson",
        )
    eco = base.economics
    if isinstance(eco, economics.Economics):
        money = eco.arpu_interval
        add(
            "economics",
            "arpu",
            eco.arpu,
            money.low,
            money.high,
            eco.arpu_n,
            "none",
            unit="€",
            how=money,
        )
        if eco.model == "non_contractual":
            r, share = eco.repurchase_rate, eco.repurchase_interval
            add(
                "economics",
                "repurchase",
                100 * r,
                100 * share.low,
                100 * share.high,
                eco.repurchase_n,
                "none",
                r * (1 - r),
                100,
                "%",
                share,
            )
        elif np.isfinite(eco.upsell_rate):
            u, share = eco.upsell_rate, eco.upsell_interval
            add(
                "economics",
                "upsell",
                100 * u,
                100 * share.low,
                100 * share.high,
                eco.upsell_n,
                "none",
                u * (1 - u),
                100,
                "%",
                share,
            )
    value_of = base.customer_value
    if value_of is not None:
        clv = value_of.interval
        add(
            "economics",
            "clv",
            value_of.value,
            clv.low,
            clv.high,
            value_of.n,
            "none",
            unit="€",
            how=clv,
        )
    return pd.DataFrame(rows)


def survey_comparisons(
    params: ClientParameters, survey: pd.DataFrame | None, tests: TestFamily | None = None
) -> pd.DataFrame:
    """The survey's group and wave comparisons (:func:`cxlib.kpis.comparisons.compare`).

    Empty without survey KPIs; ``tests`` is the report's testing family.
    """
    has_survey = survey is not None and any(
        kpi in survey and survey[kpi].notna().any() for kpi in SURVEY_KPIS
    )
    if survey is None or not has_survey:
        return comparisons.compare(pd.DataFrame(), family=tests)
    return comparisons.compare(survey, min_n=params.analysis.min_n, family=tests)


def analyse(
    params: ClientParameters,
    data: ClientData | Mapping[str, pd.DataFrame],
    tests: TestFamily | None = None,
) -> Baseline:
    """The KPI baseline of one client from its parameters and loaded tables.

    ``tests`` is the report's testing family (:mod:`cxlib.report.testing`) that
    judges the survey comparisons; without it they are judged on their own.

    ``data`` is the :class:`cxlib.io.loading.ClientData` of a run (or, in
    tests and explorations, a ``{name: frame}`` mapping); every table is
    optional and each part is computed only where its data are there. The
    result has numbers and tables, no words: :func:`cxlib.kpis.view.section`
    turns it into the report section.
    """
    get = data.get
    survey, customers = get("survey"), get("customers")
    transactions, tickets = get("transactions"), get("tickets")
    options, cutoff = params.analysis.kpi, params.cutoff
    experience: Experience = {}
    missing: dict[str, int] = {}
    trends: dict[str, str] = {}
    for kpi in SURVEY_KPIS:
        if survey is None or kpi not in survey or not survey[kpi].notna().any():
            continue
        estimate: Estimate
        if kpi == "nps":
            estimate = experience["nps"] = kpis.nps(survey[kpi])
        elif kpi == "csat":
            estimate = experience["csat"] = kpis.csat(survey[kpi])
        else:
            estimate = experience["ces"] = kpis.ces(survey[kpi])
        missing[kpi] = estimate.missing
        trends[kpi] = _trend(survey, kpi)
    has_survey = survey is not None and bool(experience)
    monthly = comparisons.monthly(survey) if has_survey else pd.DataFrame()
    window = _window_start(params, customers)
    yearly = cohorts = None
    cohort_median: float | None = None
    early: tuple[retention.EarlyChurn, ...] = ()
    churn_trend = "none"
    yearly_last: list[dict[str, Any]] = []
    contractual = params.business_model == "contractual"
    if customers is not None and window is not None:
        months = sorted(options.early_churn_months)
        early = retention.client_early_churn(params, customers, transactions, months)
    if customers is not None and window is not None and contractual:
        yearly = retention.yearly(customers, window, cutoff)
        cohorts = retention.cohort_matrix(customers, window, cutoff)
        cohort_median = retention.cohort_median(customers, window)
        if len(yearly):
            last = yearly.iloc[-1].to_dict()
            low, high = kpis.wilson(last["lost"], last["start"], 1.959963984540054)
            last.update(churn_low=float(low), churn_high=float(high))
            yearly_last = [last]
            if len(yearly) >= 2:
                churn_trend = _churn_trend(yearly.iloc[-2], yearly.iloc[-1])
    eco, base = economy(params, data)
    driver = (
        drivers.key_drivers(survey, draws=options.bootstrap_draws)
        if has_survey and "nps" in experience
        else None
    )
    expected = _expected_n(params, survey) if has_survey else None
    backs = call_backs(survey, tickets, cutoff)
    # last, what needs the report's testing family or its memo (in a run: computed meanwhile)
    comp = survey_comparisons(params, survey, tests)
    warning = early_warning.client_warning(data)
    losses = _loss_forecast(params, data) if contractual else None
    themes = comment_themes_of(params, data, tests)
    parts = _Parts(
        experience=experience,
        trends=trends,
        yearly_last=yearly_last,
        churn_trend=churn_trend,
        early=early,
        economics=eco,
        expected_n=expected,
        customer_value=customer_value(eco, base),
    )
    return Baseline(
        experience=experience,
        missing=missing,
        trends=trends,
        comparisons=comp,
        monthly=monthly,
        yearly=yearly,
        cohorts=cohorts,
        cohort_median=cohort_median,
        early=early,
        economics=eco,
        drivers=driver,
        warning=warning,
        targets=_rows(parts, params),
        business_model=params.business_model,
        small_n=params.analysis.small_n,
        min_n=params.analysis.min_n,
        cutoff=cutoff,
        expected_n=expected,
        window_start=window,
        value_at_risk=value_at_risk(eco, base),
        revenue_at_risk=revenue_at_risk(losses, customer_value(eco, base), eco),
        call_backs=backs,
        customer_base=base,
        themes=themes,
    )


def economy(
    params: ClientParameters, data: ClientData | Mapping[str, pd.DataFrame]
) -> tuple[economics.Economics | None, CustomerBase | None]:
    """The section's economics and, without contracts, the purchase model, once per data.

    The KPI section and the plan's value (:mod:`cxlib.journeys.plan_value`)
    read THE customer value from them (:func:`cxlib.kpis.value_at_risk.customer_value`);
    with a :class:`~cxlib.io.loading.ClientData` they are kept in its memo.
    """

    def compute() -> tuple[economics.Economics | None, CustomerBase | None]:
        customers, transactions = data.get("customers"), data.get("transactions")
        options, cutoff = params.analysis.kpi, params.cutoff
        contractual = params.business_model == "contractual"
        window = _window_start(params, customers)
        eco = None
        if contractual and customers is not None and window is not None:
            yearly = retention.yearly(customers, window, cutoff)
            if len(yearly):
                eco = economics.contractual(
                    customers,
                    cutoff,
                    int(yearly["lost"].iloc[-1]),
                    int(yearly["start"].iloc[-1]),
                    options.margin_rate,
                    options.discount_rate,
                    int(yearly["year"].iloc[-1]),
                )
        base = None
        if not contractual and transactions is not None and len(transactions):
            days = options.repurchase_window_days or params.analysis.survival.inactivity_days
            eco = economics.non_contractual(
                transactions, cutoff, days, options.margin_rate, options.discount_rate
            )
            base = customer_base(
                transactions, cutoff, options.margin_rate, options.discount_rate, customers
            )
        return eco, base

    if isinstance(data, ClientData):
        return data.remembered(f"kpis.economy/{params.fingerprint()}", compute)
    return compute()


def _loss_forecast(
    params: ClientParameters, data: ClientData | Mapping[str, pd.DataFrame]
) -> LossForecast | None:
    """Cancellations the sBG model expects in the next 12 months (clients with contracts).

    The churn section's survival table and projection (:mod:`cxlib.survival.projection`),
    the same definitions; None where the data carry no survival analysis.
    """
    from cxlib.survival.analysis import fitted
    from cxlib.survival.errors import SurvivalError
    from cxlib.survival.projection import expected_losses

    try:
        fit = fitted(params, cast("ClientData", data))  # the churn section's fit, kept once
    except SurvivalError:
        return None
    projection, table = fit.projection, fit.table
    return None if projection is None else expected_losses(projection, table)


def coded_comments(
    params: ClientParameters, data: ClientData | Mapping[str, pd.DataFrame]
) -> CodedComments:
    """The survey's comments coded with the client's codebook, once per data and parameters.

    The KPI section's themes, the journey map and the outer loop read the same
    coding; with a :class:`~cxlib.io.loading.ClientData` it is kept in its memo
    (:meth:`~cxlib.io.loading.ClientData.remembered`), so that the testing
    family's coding serves every notebook.
    """

    def code() -> CodedComments:
        own = params.analysis.voice.codebook
        codebook = load_codebook(params.resolve(own) if own else None)
        return code_survey(data.get("survey"), codebook)

    if isinstance(data, ClientData):
        return data.remembered(f"voice.coded/{params.fingerprint()}", code)
    return code()


def comment_themes_of(
    params: ClientParameters,
    data: ClientData | Mapping[str, pd.DataFrame],
    tests: TestFamily | None = None,
) -> CommentThemes | None:
    """The comment themes with the client's codebook (``analysis.voice.codebook``) if any.

    ``tests`` is the report's testing family that judges which themes separate
    detractors from promoters (the coding is :func:`coded_comments`).
    """

    def themes_of() -> CommentThemes | None:
        coded = coded_comments(params, data)
        small_n, min_n = params.analysis.small_n, params.analysis.min_n
        return comment_themes(
            data.get("survey"), coded.codebook, min_n=min_n, small_n=small_n, coded=coded
        )

    if isinstance(data, ClientData):  # the testing family's themes serve the notebook too
        themes = data.remembered(f"voice.themes/{params.fingerprint()}", themes_of)
    else:
        themes = themes_of()
    return themes.judged(tests) if themes is not None and tests is not None else themes


#: The documented public name of :func:`analyse` (``cxlib.kpis.baseline``), the same function.
baseline = analyse


def _churn_trend(previous: pd.Series, last: pd.Series) -> str:
    """Direction of the churn rate between two years (two-proportion z-test, 5 %)."""
    from scipy.special import ndtr

    n1, n2 = previous["start"], last["start"]
    p1, p2 = previous["churn"], last["churn"]
    pooled = (previous["lost"] + last["lost"]) / (n1 + n2)
    se = np.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    if not se:
        return "none"
    z = (p2 - p1) / se
    if 2 * ndtr(-abs(z)) >= comparisons.ALPHA:
        return "flat"
    return "up" if z > 0 else "down"
