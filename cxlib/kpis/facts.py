"""The KPI section's facts (:mod:`cxlib.report.facts`): the figures it states, each once.

Built from the :class:`~cxlib.kpis.analysis.Baseline` alone (no new numbers):
the survey KPIs with their intervals, the survey waves of the headline KPIs,
early churn (the one definition, shared with the churn and journey sections as
``churn.early.<months>``), yearly retention, repurchase and the euros at risk.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from cxlib.kpis.body_facts import body_facts
from cxlib.kpis.survey import wilson
from cxlib.report.facts import Fact, FactSheet, Unit

if TYPE_CHECKING:
    from cxlib.kpis.analysis import Baseline
    from cxlib.kpis.intervals import Interval
    from cxlib.kpis.retention import EarlyChurn
    from cxlib.kpis.value_at_risk import ValueAtRisk

__all__ = ["early_churn_fact", "early_churn_id", "facts", "rule_fact", "wave_fact_id"]

Z95 = 1.959963984540054


def early_churn_id(months: int) -> str:
    """The report-wide id of early churn within ``months`` (one definition everywhere)."""
    return f"churn.early.{months}"


def early_churn_fact(counted: EarlyChurn) -> Fact:
    """Early churn as counted (:func:`cxlib.kpis.retention.early_churn`), Wilson interval."""
    low, high = wilson(counted.lost, counted.n, Z95)
    period = ""
    if counted.first_start is not None and counted.last_start is not None:
        period = f"{counted.first_start.isoformat()}/{counted.last_start.isoformat()}"
    return Fact(
        early_churn_id(counted.months),
        counted.share,
        "share",
        "churn.early",
        n=counted.n,
        low=float(low),
        high=float(high),
        period=period,
        sources=("customers",),
    )


def wave_fact_id(kpi: str, wave: str) -> str:
    """The id of a headline KPI in one survey wave (``kpi.nps.wave.2024-H1``)."""
    return f"kpi.{kpi}.wave.{wave}"


def _interval(
    fact_id: str,
    value: float,
    unit: Unit,
    definition: str,
    interval: Interval,
    n: int,
    sources: tuple[str, ...] = (),
) -> Fact:
    """A fact with the analysis's interval, or marked as too little data for one."""
    if interval.exists:
        return Fact(
            fact_id,
            value,
            unit,
            definition,
            n=n,
            low=interval.low,
            high=interval.high,
            sources=sources,
        )
    return Fact(fact_id, value, unit, definition, n=n, no_interval="too_few", sources=sources)


def clv_fact(risk: ValueAtRisk, model_customers: int | None) -> Fact:
    """THE customer value (fact ``kpi.clv``), the same wherever a section states it.

    n: the purchase model's customers (``model_customers``, clients without
    contracts) or the customers the lost ones are counted of.
    """
    return _interval(
        "kpi.clv",
        risk.clv,
        "euro",
        "kpi.clv",
        risk.clv_interval,
        model_customers if model_customers is not None else risk.of,
        sources=("transactions",) if risk.basis == "model" else ("customers",),
    )


def rule_fact(fact_id: str, value: float, unit: Unit, definition: str) -> Fact:
    """A number the method fixes (a horizon, a window): a rule, no interval."""
    return Fact(fact_id, value, unit, definition, no_interval="rule")


def facts(base: Baseline) -> FactSheet:
    """The KPI section's facts."""
    out: list[Fact] = []
    survey = ("survey",)
    e = base.experience
    if "nps" in e:
        x = e["nps"]
        out.append(
            Fact(
                "kpi.nps",
                x.value,
                "points",
                "kpi.nps",
                n=x.n,
                low=x.low,
                high=x.high,
                sources=survey,
            )
        )
    if "csat" in e:
        c = e["csat"]
        out.append(
            Fact(
                "kpi.csat",
                c.value / 100,
                "share",
                "kpi.csat",
                n=c.n,
                low=c.low / 100,
                high=c.high / 100,
                sources=survey,
            )
        )
    if "ces" in e:
        s = e["ces"]
        out.append(
            Fact(
                "kpi.ces",
                s.value,
                "score",
                "kpi.ces",
                n=s.n,
                low=s.low,
                high=s.high,
                sources=survey,
            )
        )
    out += _wave_facts(base)
    out += [early_churn_fact(counted) for counted in base.early if counted.n]
    out += [
        rule_fact(f"rule.months.{c.months}", c.months, "months", "rule.months") for c in base.early
    ]
    out += _retention_facts(base)
    out += _money_facts(base)
    out += body_facts(base, {fact.id for fact in out})
    return FactSheet(tuple(out))


def _wave_facts(base: Baseline) -> list[Fact]:
    """Each wave of NPS and CSAT, and the other waves together (the wave comparison)."""
    comp = base.comparisons
    rows = comp[(comp["dimension"] == "wave") & comp["kpi"].isin(["nps", "csat"])]
    out: list[Fact] = []
    for row in rows.itertuples(index=False):
        scale = 1.0 if row.kpi == "nps" else 0.01
        unit: Unit = "points" if row.kpi == "nps" else "share"
        value, low, high = (float(v) * scale for v in (row.value, row.low, row.high))
        if not all(map(math.isfinite, (value, low, high))):
            continue
        wave = str(row.group)
        out.append(
            Fact(
                wave_fact_id(row.kpi, wave),
                value,
                unit,
                f"kpi.{row.kpi}_wave",
                n=int(row.n),
                low=low,
                high=high,
                population=wave,
                sources=("survey",),
            )
        )
        rest = value - float(row.gap) * (1.0 if row.kpi == "nps" else 0.01)
        out.append(
            Fact(
                f"kpi.{row.kpi}.wave_rest.{wave}",
                rest,
                unit,
                f"kpi.{row.kpi}_rest",
                no_interval="derived",
                population=wave,
                sources=("survey",),
            )
        )
    return out


def _retention_facts(base: Baseline) -> list[Fact]:
    y = base.yearly
    out: list[Fact] = []
    if y is None:
        return out
    for row in y.itertuples(index=False):
        year = int(row.year)
        lost, start = int(row.lost), int(row.start)
        if start <= 0:
            continue
        low, high = wilson(lost, start, Z95)
        out.append(
            Fact(
                f"kpi.retention.{year}",
                float(row.retention),
                "share",
                "kpi.retention",
                n=start,
                low=1 - float(high),
                high=1 - float(low),
                period=f"{year}-01-01/{year}-12-31",
                sources=("customers",),
            )
        )
    return out


def _money_facts(base: Baseline) -> list[Fact]:
    out: list[Fact] = []
    eco = base.economics
    if eco is not None and np.isfinite(eco.repurchase_rate):
        out.append(
            _interval(
                "kpi.repurchase",
                eco.repurchase_rate,
                "share",
                "kpi.repurchase",
                eco.repurchase_interval,
                eco.repurchase_n,
                sources=("transactions",),
            )
        )
        if np.isfinite(eco.one_time_share):
            out.append(
                Fact(
                    "kpi.one_time_buyers",
                    eco.one_time_share,
                    "share",
                    "kpi.one_time_buyers",
                    no_interval="census",
                    sources=("transactions",),
                )
            )
        out.append(
            rule_fact(
                "rule.repurchase_window",
                eco.repurchase_window_days,
                "days",
                "rule.repurchase_window",
            )
        )
    out += _revenue_at_risk_facts(base)
    risk = base.value_at_risk
    if risk is not None:
        out.append(
            Fact(
                "kpi.lost_customers",
                risk.lost,
                "count",
                "kpi.lost_customers",
                no_interval="count",
                sources=("customers",),
            )
        )
        out.append(
            Fact(
                "kpi.lost_of",
                risk.of,
                "count",
                "kpi.lost_of",
                no_interval="count",
                sources=("customers",),
            )
        )
        model = base.customer_base
        out.append(clv_fact(risk, model.customers if model is not None else None))
        # the "simple" customer value: only a named cross-check of THE value (kpi.clv)
        out.append(
            Fact(
                "kpi.clv_simple",
                risk.clv_simple,
                "euro",
                "kpi.clv_simple",
                no_interval="derived",
                sources=("customers",),
            )
        )
        if np.isfinite(risk.lifetime_years):
            out.append(
                Fact(
                    "kpi.clv_lifetime",
                    risk.lifetime_years,
                    "years",
                    "kpi.clv_lifetime",
                    no_interval="derived",
                    sources=("customers",),
                )
            )
        out.append(
            _interval(
                "kpi.value_at_risk",
                risk.value,
                "euro",
                "kpi.value_at_risk",
                risk.interval,
                risk.lost,
                sources=("customers",),
            )
        )
    return out


def revenue_fact_id(kind: str, months: int, group: str | None) -> str:
    """``kpi.<kind>.<months>`` for all customers, ``….<segment>`` per segment."""
    return f"kpi.{kind}.{months}" + ("" if group is None else f".{group}")


def _revenue_at_risk_facts(base: Baseline) -> list[Fact]:
    """With contracts: expected cancellations and euros at risk in the next 12 months."""
    risk = base.revenue_at_risk
    if risk is None:
        return []
    out: list[Fact] = []
    for row in risk.frame.itertuples(index=False):
        group = None if pd.isna(row.group) else str(row.group)
        n = int(row.active)
        population = group or ""
        out.append(
            Fact(
                revenue_fact_id("active", risk.months, group),
                n,
                "count",
                "kpi.active_customers",
                no_interval="count",
                population=population,
                sources=("customers",),
            )
        )
        for kind, value, low, high in (
            ("expected_losses", row.expected, row.low, row.high),
            ("revenue_at_risk", row.euros, row.euros_low, row.euros_high),
        ):
            fact_id = revenue_fact_id(kind, risk.months, group)
            unit: Unit = "count" if kind == "expected_losses" else "euro"
            if math.isfinite(low) and math.isfinite(high):
                out.append(
                    Fact(
                        fact_id,
                        float(value),
                        unit,
                        f"kpi.{kind}",
                        n=n,
                        low=float(low),
                        high=float(high),
                        population=population,
                        sources=("customers",),
                    )
                )
            else:
                out.append(
                    Fact(
                        fact_id,
                        float(value),
                        unit,
                        f"kpi.{kind}",
                        n=n,
                        no_interval="too_few",
                        population=population,
                        sources=("customers",),
                    )
                )
    return out
