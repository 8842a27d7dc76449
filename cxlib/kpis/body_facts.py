"""The facts behind the KPI section's tables and readings (:mod:`cxlib.report.facts`).

:mod:`cxlib.kpis.facts` holds the headline figures (the ones the summary
states); this module adds every other figure the section's body prints: the
baseline table's rows and detectable changes, the group comparisons (the same
ids as the journey section's phase figures, see :func:`survey_fact_id`), the
monthly trend, the yearly customer flows, the cohorts, the economics, the key
drivers, the early-warning table, the call-back counts and the comment themes.
All are read from the :class:`~cxlib.kpis.analysis.Baseline`; nothing new is
estimated here.
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING

import pandas as pd

from cxlib.kpis.survey import wilson
from cxlib.report.facts import Fact, Unit, bounded
from cxlib.report.testing import ALPHA
from cxlib.voice.themes import MIN_DIFFERENCE

if TYPE_CHECKING:
    from cxlib.kpis.analysis import Baseline
    from cxlib.kpis.survey import NpsEstimate

__all__ = ["body_facts", "shown_shares", "survey_fact_id"]

Z95 = 1.959963984540054
#: Unit and display scale of each survey KPI as the comparison tables hold it.
_SURVEY: dict[str, tuple[Unit, float]] = {
    "nps": ("points", 1.0),
    "csat": ("share", 0.01),
    "ces": ("score", 1.0),
    "ces_share": ("share", 0.01),
}
#: Unit and scale of the rows of the baseline table (:meth:`Baseline.to_frame`).
_LEVELS: dict[str, tuple[Unit, float]] = {
    "retention": ("share", 0.01),
    "churn": ("share", 0.01),
    "early_churn": ("share", 0.01),
    "nps": ("points", 1.0),
    "csat": ("share", 0.01),
    "ces": ("score", 1.0),
    "ces_share": ("share", 0.01),
    "arpu": ("euro", 1.0),
    "upsell": ("share", 0.01),
    "clv": ("euro", 1.0),
    "repurchase": ("share", 0.01),
}


def survey_fact_id(kpi: str, dimension: str, group: str) -> str:
    """The report-wide id of a survey KPI in one group (``kpi.nps.phase.Onboarding``).

    The KPI section's comparison tables and the journey section's evidence use
    it for the same figure (same estimator, same interval).
    """
    return f"kpi.{kpi}.{dimension}.{group}"


def shown_shares(nps: NpsEstimate) -> tuple[int, Decimal, Decimal]:
    """Decimals and the promoter and detractor shares (in %) as the report shows them.

    One decimal, or two or three where one would make their difference round
    to another whole NPS than the one shown elsewhere: the reading's
    subtraction is then exact (:func:`cxlib.kpis.readings.ppd_reading`).
    """
    whole = _rounded(nps.value, 0)
    for decimals in (1, 2, 3):
        promoters = _rounded(nps.promoter_share, decimals)
        detractors = _rounded(nps.detractor_share, decimals)
        if _rounded(float(promoters - detractors), 0) == whole:
            break
    return decimals, promoters, detractors


def _rounded(value: float, decimals: int) -> Decimal:
    """``value`` rounded half up as :mod:`cxlib.formatting` shows it."""
    return Decimal(str(value)).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)


def _finite(*values: object) -> bool:
    return all(isinstance(v, (int, float)) and math.isfinite(v) for v in values)


def body_facts(base: Baseline, known: set[str]) -> list[Fact]:
    """Every figure of the section's body that ``known`` (the headline ids) lacks."""
    found = (
        _level_facts(base)
        + _group_facts(base)
        + _monthly_facts(base)
        + _yearly_facts(base)
        + _cohort_facts(base)
        + _economics_facts(base)
        + _driver_facts(base)
        + _warning_facts(base)
        + _call_back_facts(base)
        + _theme_facts(base)
        + _customer_base_facts(base)
    )
    return [fact for fact in found if fact.id not in known]


def _level_facts(base: Baseline) -> list[Fact]:
    """The baseline table: each KPI's value, interval, n and the change it can detect."""
    out: list[Fact] = []
    frame = base.to_frame()
    ids = _level_ids(base)
    for row in frame.itertuples(index=False):
        unit, scale = _LEVELS.get(str(row.kpi), ("score", 1.0))
        fact_id, definition = ids.get(str(row.kpi), (f"kpi.{row.kpi}", f"kpi.{row.kpi}"))
        if _finite(row.value) and row.kpi not in _FLOWS:
            out.append(
                bounded(
                    fact_id,
                    float(row.value) * scale,
                    unit,
                    definition,
                    n=row.n,
                    low=row.low * scale if _finite(row.low) else None,
                    high=row.high * scale if _finite(row.high) else None,
                    reason="too_few",
                )
            )
        if _finite(row.mdc):
            mdc_unit: Unit = "points" if unit in ("share", "points") else unit
            out.append(
                bounded(
                    f"kpi.detectable.{row.kpi}",
                    float(row.mdc),
                    mdc_unit,
                    "kpi.detectable",
                    n=base.expected_n,
                    reason="derived",
                )
            )
    if "nps" in base.experience:
        nps = base.experience["nps"]
        for group in ("promoters", "detractors"):
            count = getattr(nps, group)
            low, high = wilson(count, nps.n, Z95)
            out.append(
                bounded(
                    f"kpi.nps.{group}",
                    count / nps.n,
                    "share",
                    f"kpi.nps_{group}",
                    n=nps.n,
                    low=float(low),
                    high=float(high),
                    sources=("survey",),
                )
            )
        _, promoters, detractors = shown_shares(nps)
        out.append(
            bounded(
                "kpi.nps.shown_difference",
                float(promoters - detractors),
                "points",
                "kpi.nps_shown_difference",
                n=nps.n,
                reason="derived",
            )
        )
        if base.drivers is not None:
            table = base.drivers.table
            out += [
                bounded(f"kpi.missing.{item}", nps.n - int(n), "count", "kpi.missing")
                for item, n in zip(table["item"], table["n"], strict=True)
            ]
    out += [
        bounded(f"churn.early.{c.months}.lost", c.lost, "count", "churn.early_lost")
        for c in base.early
        if c.n
    ]
    if base.expected_n:
        out.append(bounded("kpi.expected_n", base.expected_n, "count", "kpi.expected_n"))
    out += [
        bounded(f"kpi.missing.{item}", count, "count", "kpi.missing", sources=("survey",))
        for item, count in base.missing.items()
    ]
    out.append(bounded("rule.bootstrap_samples", BOOTSTRAP_SAMPLES, "count", "rule.bootstrap"))
    return out


#: Bootstrap samples of the customer value's interval (:mod:`cxlib.kpis.economics`).
BOOTSTRAP_SAMPLES = 2000


#: Rows of the baseline table whose facts the yearly flows and the early churn count hold.
_FLOWS = ("retention", "churn", "early_churn")


def _level_ids(base: Baseline) -> dict[str, tuple[str, str]]:
    """The ids (and definitions) of the baseline table's rows: the headline facts' where one exists.

    The table shows the same figures as the headline facts (one fact, one
    number); the rows without a headline fact get their own id.
    """
    ids = {
        kpi: (f"kpi.{kpi}", f"kpi.{kpi}")
        for kpi in ("nps", "csat", "ces", "clv", "repurchase", "arpu", "upsell")
    }
    ids["ces_share"] = ("kpi.ces_easy", "kpi.ces_easy")
    counted = [c.months for c in base.early if c.n]
    if counted:
        months = max(counted)
        ids["early_churn"] = (f"churn.early.{months}", "churn.early")
    if base.yearly is not None and len(base.yearly):
        year = int(base.yearly["year"].iloc[-1])
        ids["retention"] = (f"kpi.retention.{year}", "kpi.retention")
        ids["churn"] = (f"kpi.churn.{year}", "kpi.churn")
    return ids


def _group_facts(base: Baseline) -> list[Fact]:
    """Each group's NPS, CSAT and CES with interval and n (the comparison tables)."""
    out: list[Fact] = []
    for row in base.comparisons.itertuples(index=False):
        kpi = str(row.kpi)
        if kpi not in _SURVEY or not _finite(row.value):
            continue
        unit, scale = _SURVEY[kpi]
        out.append(
            bounded(
                survey_fact_id(kpi, str(row.dimension), str(row.group)),
                float(row.value) * scale,
                unit,
                f"kpi.{kpi}",
                n=row.n,
                low=float(row.low) * scale if _finite(row.low) else None,
                high=float(row.high) * scale if _finite(row.high) else None,
                reason="too_few",
                population=str(row.group),
                sources=("survey",),
            )
        )
    return out


def _monthly_facts(base: Baseline) -> list[Fact]:
    """The monthly NPS/CSAT trend, and the range the reading states."""
    out: list[Fact] = []
    monthly = base.monthly
    if monthly is None or monthly.empty:
        return out
    for row in monthly.itertuples(index=False):
        kpi = str(row.kpi)
        if kpi not in _SURVEY or not _finite(row.value):
            continue
        unit, scale = _SURVEY[kpi]
        month = pd.Timestamp(row.month).strftime("%Y-%m")
        out.append(
            bounded(
                f"kpi.{kpi}.month.{month}",
                float(row.value) * scale,
                unit,
                f"kpi.{kpi}",
                n=row.n,
                low=float(row.low) * scale if _finite(row.low) else None,
                high=float(row.high) * scale if _finite(row.high) else None,
                reason="too_few",
                population=month,
                sources=("survey",),
            )
        )
    shown = monthly[(monthly["kpi"] == "nps") & (monthly["n"] >= base.small_n)]
    if len(shown):
        out += [
            bounded("kpi.nps.months_shown", len(shown), "count", "kpi.months_shown"),
            bounded("rule.small_n", base.small_n, "count", "rule.small_n", reason="rule"),
        ]
    return out


def _yearly_facts(base: Baseline) -> list[Fact]:
    """The yearly customer flows: start, new, lost (existing and new customers), end, churn."""
    out: list[Fact] = []
    yearly = base.yearly
    if yearly is None:
        return out
    for row in yearly.itertuples(index=False):
        year = int(row.year)
        for column in ("start", "new", "lost", "lost_new", "end"):
            value = getattr(row, column)
            if _finite(value):
                out.append(
                    bounded(
                        f"kpi.flow.{year}.{column}",
                        int(value),
                        "count",
                        f"kpi.flow_{column}",
                        population=str(year),
                        sources=("customers",),
                    )
                )
        if _finite(row.churn) and row.start > 0:
            low, high = wilson(int(row.lost), int(row.start), Z95)
            out.append(
                bounded(
                    f"kpi.churn.{year}",
                    float(row.churn),
                    "share",
                    "kpi.churn",
                    n=row.start,
                    low=float(low),
                    high=float(high),
                    population=str(year),
                    sources=("customers",),
                )
            )
    return out


def _cohort_facts(base: Baseline) -> list[Fact]:
    """The cohorts' mean share still a customer after 12 months (the heatmap's reading)."""
    cohorts = base.cohorts
    if cohorts is None or cohorts.empty or 12 not in cohorts.columns:
        return []
    after = cohorts[12].dropna()
    if after.empty:
        return []
    return [
        bounded(
            "kpi.cohorts.after_12", float(after.mean()), "share", "kpi.cohorts_12", n=len(after)
        ),
        bounded("rule.months.12", 12, "months", "rule.months", reason="rule"),
    ]


def _economics_facts(base: Baseline) -> list[Fact]:
    """Margin, monthly churn, the simple customer value and the assumptions behind them."""
    eco = base.economics
    if eco is None:
        return []
    out = [
        bounded("kpi.margin", eco.margin, "euro", "kpi.margin", n=eco.arpu_n, reason="derived"),
        bounded("kpi.margin_rate", eco.margin_rate, "share", "kpi.margin_rate", reason="input"),
        bounded(
            "kpi.discount_rate", eco.discount_rate, "share", "kpi.discount_rate", reason="input"
        ),
    ]
    if _finite(eco.clv_simple):
        out.append(
            bounded("kpi.clv_simple", eco.clv_simple, "euro", "kpi.clv_simple", reason="derived")
        )
    if _finite(eco.retention):
        out.append(
            bounded(
                "kpi.churn_month", 1 - eco.retention, "share", "kpi.churn_month", reason="derived"
            )
        )
    return out


def _driver_facts(base: Baseline) -> list[Fact]:
    """Each survey item's share of the explained recommendation, with interval, and its rating."""
    result = base.drivers
    if result is None:
        return []
    out = [bounded("kpi.drivers.n", result.n, "count", "kpi.drivers_n", sources=("survey",))]
    for row in result.table.itertuples(index=False):
        item = str(row.item)
        out += [
            bounded(
                f"kpi.driver.{item}.share",
                float(row.share) / 100,
                "share",
                "kpi.driver_share",
                n=row.n,
                low=float(row.share_low) / 100,
                high=float(row.share_high) / 100,
                population=item,
                sources=("survey",),
            ),
            bounded(
                f"kpi.driver.{item}.rating",
                float(row.performance),
                "score",
                "kpi.driver_rating",
                n=row.n,
                reason="census",
                population=item,
                sources=("survey",),
            ),
        ]
    return out


def _warning_facts(base: Baseline) -> list[Fact]:
    """Customers per month and per early-warning signal; how many go onto the team's call list."""
    warning = base.warning
    if warning is None:
        return []
    out = [bounded("kpi.warning.flagged", len(warning.flagged), "count", "kpi.warning_flagged")]
    for row in warning.monthly.to_dict(orient="records"):
        month = pd.Timestamp(row["month"]).strftime("%Y-%m")
        for column, value in row.items():
            if column == "month" or not _finite(value):
                continue
            out.append(
                bounded(
                    f"kpi.warning.{month}.{column}",
                    int(value),
                    "count",
                    "kpi.warning_customers" if column == "customers" else "kpi.warning_signal",
                    population=month,
                    sources=("signals",),
                )
            )
    return out


def _call_back_facts(base: Baseline) -> list[Fact]:
    """The call-back list's counts (the list itself goes to the file, never the report)."""
    calls = base.call_backs
    if calls is None:
        return []
    counts = {
        "customers": calls.customers,
        "first_priority": calls.first_priority,
        "detractors": calls.detractors,
        "detractors_anonymous": calls.detractors_anonymous,
        "open_tickets": calls.open_tickets,
        "complaints": calls.complaints,
    }
    out = [
        bounded(f"voice.calls.{k}", int(v), "count", f"voice.calls_{k}") for k, v in counts.items()
    ]
    out.append(
        bounded(
            "rule.call_back_days", calls.window_days, "days", "rule.call_back_days", reason="rule"
        )
    )
    return out


def _theme_facts(base: Baseline) -> list[Fact]:
    """Comment counts, each theme's mentions and share per group, and the separation tests."""
    themes = base.themes
    if themes is None:
        return []
    out = [
        bounded("voice.comments", themes.comments, "count", "voice.comments", sources=("survey",)),
        bounded("voice.coded", themes.coded, "count", "voice.coded", sources=("survey",)),
    ]
    for row in themes.frequency.to_dict(orient="records"):
        group = f"{row['by']}.{row['group']}"
        population = str(row["group"])
        prefix = f"voice.theme.{row['theme']}.{group}"
        for column in ("mentions", "negative", "positive", "n"):
            if column in row and _finite(row[column]):
                out.append(
                    bounded(
                        f"{prefix}.{column}",
                        int(row[column]),
                        "count",
                        f"voice.theme_{column}",
                        population=population,
                        sources=("survey",),
                    )
                )
        if "share" in row and _finite(row["share"]):
            out.append(
                bounded(
                    f"{prefix}.share",
                    float(row["share"]),
                    "share",
                    "voice.theme_share",
                    n=row.get("n"),
                    low=row.get("low"),
                    high=row.get("high"),
                    reason="too_few",
                    population=population,
                    sources=("survey",),
                )
            )
    out += [
        bounded("rule.alpha", ALPHA, "ratio", "rule.alpha", reason="rule"),
        bounded("rule.per_100", 100, "count", "rule.per_100", reason="rule"),
        bounded(
            "rule.voice.min_difference", MIN_DIFFERENCE, "points", "rule.min_gap", reason="rule"
        ),
    ]
    for row in themes.separation.to_dict(orient="records"):
        prefix = f"voice.separation.{row['theme']}"
        for group in ("detractors", "promoters"):
            out.append(
                bounded(f"{prefix}.{group}", int(row[group]), "count", f"voice.separation_{group}")
            )
            out.append(
                bounded(
                    f"{prefix}.n_{group}", int(row[f"n_{group}"]), "count", "voice.separation_n"
                )
            )
        out.append(
            bounded(
                f"{prefix}.difference",
                float(row["difference"]),
                "points",
                "voice.separation_difference",
                reason="derived",
            )
        )
    return out


def _customer_base_facts(base: Baseline) -> list[Fact]:
    """The purchase model's active customers, purchases, losses and values per segment."""
    cb = base.customer_base
    if cb is None:
        return []
    sources = ("transactions",)
    out = [
        bounded("clv.customers", cb.customers, "count", "clv.customers", sources=sources),
        bounded(
            "clv.repeat_buyers", cb.repeat_buyers, "count", "clv.repeat_buyers", sources=sources
        ),
        bounded(
            "clv.active",
            cb.active.value,
            "count",
            "clv.active",
            n=cb.customers,
            low=cb.active.low,
            high=cb.active.high,
            reason="too_few",
            sources=sources,
        ),
        bounded(
            "clv.active_share",
            cb.active_share,
            "share",
            "clv.active_share",
            n=cb.customers,
            reason="derived",
            sources=sources,
        ),
        bounded(
            "clv.purchases_year",
            cb.purchases_year.value,
            "count",
            "clv.purchases_year",
            n=cb.customers,
            low=cb.purchases_year.low,
            high=cb.purchases_year.high,
            reason="too_few",
            sources=sources,
        ),
        bounded("clv.lost", cb.lost, "count", "clv.lost", sources=sources),
        bounded(
            "clv.lost_revenue",
            cb.lost_revenue.value,
            "euro",
            "clv.lost_revenue",
            n=cb.lost,
            low=cb.lost_revenue.low,
            high=cb.lost_revenue.high,
            reason="too_few",
            sources=sources,
        ),
        bounded("clv.horizon_years", cb.horizon_years, "years", "clv.horizon", reason="input"),
        bounded(
            "kpi.discount_rate", cb.discount_rate, "share", "kpi.discount_rate", reason="input"
        ),
        bounded("kpi.margin_rate", cb.margin_rate, "share", "kpi.margin_rate", reason="input"),
    ]
    for row in cb.segments.to_dict(orient="records"):
        segment, prefix = str(row["segment"]), f"clv.segment.{row['segment']}"
        out += [
            bounded(f"{prefix}.customers", int(row["customers"]), "count", "clv.customers"),
            bounded(
                f"{prefix}.active",
                float(row["active"]),
                "count",
                "clv.active",
                n=int(row["customers"]),
                reason="derived",
                population=segment,
            ),
            bounded(
                f"{prefix}.value",
                float(row["value"]),
                "euro",
                "clv.segment_value",
                n=int(row["customers"]),
                low=row["low"],
                high=row["high"],
                reason="too_few",
                population=segment,
            ),
            bounded(
                f"{prefix}.total",
                float(row["total"]),
                "euro",
                "clv.segment_total",
                n=int(row["customers"]),
                reason="derived",
                population=segment,
            ),
            bounded(f"{prefix}.lost", int(row["lost"]), "count", "clv.lost", population=segment),
            bounded(
                f"{prefix}.lost_revenue",
                float(row["lost_revenue"]),
                "euro",
                "clv.lost_revenue",
                n=int(row["lost"]),
                low=row["lost_low"],
                high=row["lost_high"],
                reason="too_few",
                population=segment,
                sources=sources,
            ),
        ]
    return out
