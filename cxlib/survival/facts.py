"""The churn section's facts (:mod:`cxlib.report.facts`): the figures it states, each once.

Built from the :class:`~cxlib.survival.analysis.SurvivalReport`: early churn
(the one definition ``churn.early.<months>`` shared with the KPI section, or
the Kaplan-Meier estimate where nobody can be counted), the share still a
customer after twelve months, the median lifetime with its interval (the
times at which the interval of the curve crosses one half, Brookmeyer and
Crowley 1982), and per churn driver its relative risk against its named
comparison group and its share of the churns.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from cxlib.kpis.facts import early_churn_fact, rule_fact
from cxlib.report.facts import Fact, FactSheet, NoInterval, Unit, bounded
from cxlib.survival.body_facts import body_facts
from cxlib.survival.claims import HR_CAP
from cxlib.survival.curves import SHOWN_AT_RISK
from cxlib.survival.projection import HORIZONS
from cxlib.survival.table import DAYS_PER_MONTH

if TYPE_CHECKING:
    from cxlib.survival.analysis import SurvivalReport
    from cxlib.survival.curves import KaplanMeier
    from cxlib.survival.drivers import Driver

__all__ = ["driver_id", "early_churn_fact_id", "facts", "forest_more", "median_interval"]

#: The sources of the projection's facts.
SOURCES = ("customers",)
#: The months of the key message's early churn and the horizon of the second statement.
EARLY_MONTHS, HORIZON_MONTHS = 6, 12


def forest_more(report: SurvivalReport) -> int:
    """How many of the model's effects the forest plot leaves to the table in the appendix."""
    if report.model is None:
        return 0
    return len(report.model.hazard_ratios) - len(report.forest_columns())


def driver_id(driver: Driver) -> str:
    """The id prefix of a churn driver's facts (``survival.driver.channel: Website``)."""
    return f"survival.driver.{driver.column}"


def early_churn_fact_id(report: SurvivalReport, months: int = EARLY_MONTHS) -> str:
    """The id of the early churn the section states (counted, else Kaplan-Meier)."""
    for counted in report.early_churn_counts:
        if counted.months == months and counted.n:
            return f"churn.early.{months}"
    return f"survival.early_km.{months}"


def median_interval(curve: KaplanMeier) -> tuple[float | None, float | None]:
    """The 95 % interval of the median lifetime (days); None where the bound is not reached.

    The lower bound is the first time at which the curve's lower interval
    bound falls to one half or below, the upper bound the first time its upper
    bound does (Brookmeyer and Crowley 1982, with the curve's log-log interval).
    """
    table = curve.table
    lower = table.loc[table["low"] <= 0.5, "time"]
    upper = table.loc[table["high"] <= 0.5, "time"]
    return (
        float(lower.iloc[0]) if len(lower) else None,
        float(upper.iloc[0]) if len(upper) else None,
    )


def facts(report: SurvivalReport) -> FactSheet:
    """The churn section's facts."""
    out: list[Fact] = [
        rule_fact(f"rule.months.{EARLY_MONTHS}", EARLY_MONTHS, "months", "rule.months"),
        rule_fact(f"rule.months.{HORIZON_MONTHS}", HORIZON_MONTHS, "months", "rule.months"),
    ]
    out += [early_churn_fact(c) for c in report.early_churn_counts if c.n]
    out.append(rule_fact("rule.hr_cap", HR_CAP, "ratio", "rule.hr_cap"))
    out.append(rule_fact("rule.shown_at_risk", SHOWN_AT_RISK, "share", "rule.shown_at_risk"))
    if report.model is not None:
        out.append(
            Fact(
                "survival.forest_more",
                forest_more(report),
                "count",
                "survival.forest_more",
                no_interval="count",
            )
        )
    if early_churn_fact_id(report).startswith("survival."):
        curve = report.new or report.overall
        days = EARLY_MONTHS * DAYS_PER_MONTH
        low, high = curve.interval_at(days)
        out.append(
            Fact(
                early_churn_fact_id(report),
                1 - curve.survival_at(days),
                "share",
                "survival.early_km",
                n=curve.n,
                low=1 - high,
                high=1 - low,
                sources=("customers",),
            )
        )
    twelve = HORIZON_MONTHS * DAYS_PER_MONTH
    low, high = report.overall.interval_at(twelve)
    out.append(
        Fact(
            "survival.retained.12",
            report.overall.survival_at(twelve),
            "share",
            "survival.retained",
            n=report.data.n,
            low=low,
            high=high,
            sources=("customers",),
        )
    )
    median = report.overall.median
    if median is not None:
        first, last = median_interval(report.overall)
        known = first is not None and last is not None
        out.append(
            Fact(
                "survival.median",
                median / DAYS_PER_MONTH,
                "months",
                "survival.median",
                n=report.data.n,
                low=first / DAYS_PER_MONTH if first is not None and known else None,
                high=last / DAYS_PER_MONTH if last is not None and known else None,
                no_interval=None if known else "too_few",
                sources=("customers",),
            )
        )
    c = report.conversion
    if c is not None and c.n:
        interval = (
            {"low": c.interval.low, "high": c.interval.high}
            if c.interval.exists
            else {"no_interval": "too_few"}
        )
        out += [
            Fact(
                "survival.first_to_second",
                c.share,
                "share",
                "survival.first_to_second",
                n=c.n,
                sources=("transactions",),
                **interval,
            ),
            rule_fact("rule.inactivity_days", c.window_days, "days", "rule.inactivity_days"),
        ]
    for days, counted in report.sensitivity:
        if counted.n:
            fact = early_churn_fact(counted)
            out.append(
                replace(fact, id=f"survival.sensitivity.{days}", definition="survival.sensitivity")
            )
    out += _projection_facts(report)
    for driver in report.top_drivers(len(report.drivers.drivers) if report.drivers else 0):
        out += _driver_facts(driver)
    out += _call_facts(report)
    out += body_facts(report, {fact.id for fact in out})
    return FactSheet(tuple(out))


def _modelled(
    fact_id: str, value: float, unit: Unit, definition: str, n: int, low: float, high: float
) -> Fact:
    """A model figure with its interval where both bounds are finite, else marked too few."""
    return bounded(
        fact_id, value, unit, definition, n=n, low=low, high=high, reason="too_few", sources=SOURCES
    )


def _projection_facts(report: SurvivalReport) -> list[Fact]:
    """With contracts: the sBG projection (:mod:`cxlib.survival.projection`)."""
    p = report.projection
    if p is None:
        return []
    out = [
        Fact(
            "survival.sbg.churns",
            p.churns,
            "count",
            "survival.sbg_churns",
            no_interval="count",
            sources=("customers",),
        ),
        Fact(
            "survival.sbg.observed",
            p.observed_months,
            "months",
            "survival.sbg_observed",
            n=p.n,
            no_interval="derived",
            sources=("customers",),
        ),
    ]
    for name, (low, high) in p.model.intervals().items():
        value = p.model.params[name]
        out.append(
            _modelled(
                f"survival.sbg.{name}", value, "ratio", f"survival.sbg_{name}", p.n, low, high
            )
        )
    for months in HORIZONS:
        value, low, high = p.at(months)
        out += [
            rule_fact(f"rule.years.{months // 12}", months // 12, "years", "rule.years"),
            _modelled(
                f"survival.sbg.retained.{months}",
                value,
                "share",
                "survival.sbg_retained",
                p.n,
                low,
                high,
            ),
        ]
    for year, (value, low, high) in p.year_churn.items():
        out.append(
            _modelled(
                f"survival.sbg.year_churn.{year}",
                value,
                "share",
                "survival.sbg_year_churn",
                p.n,
                low,
                high,
            )
        )
    return out


def _call_facts(report: SurvivalReport) -> list[Fact]:
    """The risk list's capacity: calls per week and weeks (inputs), active and listed customers."""
    if report.model is None:
        return []
    from cxlib.survival.risk_list import active_customers, listed_customers

    def count(key: str, value: int, why: NoInterval) -> Fact:
        return Fact(
            f"survival.calls.{key}",
            value,
            "count",
            f"survival.calls_{key}",
            no_interval=why,
            sources=("customers",) if why == "count" else (),
        )

    return [
        count("per_week", report.calls_per_week, "input"),
        count("weeks", report.call_weeks, "input"),
        count("active", len(active_customers(report)), "count"),
        count("listed", listed_customers(report), "count"),
    ]


def _driver_facts(driver: Driver) -> list[Fact]:
    """A driver's relative risk (risk side, and turned round where it protects) and shares."""
    key = driver_id(driver)
    who = driver.comparison or ""
    out = [
        Fact(
            f"{key}.hr",
            driver.hr,
            "ratio",
            "survival.driver_hr",
            low=driver.low,
            high=driver.high,
            population=who,
            sources=("customers",),
        ),
        Fact(
            f"{key}.attributable",
            driver.attributable,
            "share",
            "survival.driver_share",
            low=driver.attributable_low,
            high=driver.attributable_high,
            sources=("customers",),
        ),
        Fact(
            f"{key}.exposed",
            driver.share_exposed,
            "share",
            "survival.driver_exposed",
            no_interval="census",
            sources=("customers",),
        ),
    ]
    if driver.turned:
        hr = 1 / driver.hr
        out += [
            Fact(
                f"{key}.hr_turned",
                hr,
                "ratio",
                "survival.driver_hr",
                low=1 / driver.high,
                high=1 / driver.low,
                population=who,
                sources=("customers",),
            ),
            Fact(
                f"{key}.less",
                1 - hr,
                "share",
                "survival.driver_less",
                low=1 - 1 / driver.low,
                high=1 - 1 / driver.high,
                sources=("customers",),
            ),
        ]
    return out
