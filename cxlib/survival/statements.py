"""What the churn section tells the management: its key message and summary statements.

The key message is the section heading's subtitle: the share of new
customers lost in their first six months and the headline driver, the first
row of the drivers table (:meth:`~cxlib.survival.analysis.SurvivalReport.headline_driver`).
The statements go to the management summary, most important first, the
first with a traffic light (:data:`EARLY_CHURN_AMBER`, :data:`EARLY_CHURN_RED`).
Without an analysis (:class:`~cxlib.survival.analysis.SurvivalUnavailable`)
the key message says what cannot be said yet, and there is no statement.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from cxlib import formatting as fmt
from cxlib.report.summary import Kind, Light, Statement
from cxlib.survival.driver_wording import drivers_statement
from cxlib.survival.facts import (
    EARLY_MONTHS,
    HORIZON_MONTHS,
    driver_id,
    early_churn_fact_id,
)
from cxlib.survival.table import DAYS_PER_MONTH
from cxlib.survival.wording import capped, driver_sentence, median_text
from cxlib.texts import t

if TYPE_CHECKING:
    from cxlib.survival.analysis import SurvivalReport, SurvivalResult
    from cxlib.survival.drivers import Driver

__all__ = ["EARLY_CHURN_AMBER", "EARLY_CHURN_RED", "key_message", "statements"]

#: Traffic light of early churn (share lost in the first 6 months): a choice.
EARLY_CHURN_AMBER, EARLY_CHURN_RED = 0.05, 0.15


def _of_new_customers(result: SurvivalReport) -> bool:
    """Whether early churn is counted among new customers (the one definition, or the new curve)."""
    counted = any(c.months == 6 and c.n for c in result.early_churn_counts)
    return counted or result.new is not None


def key_message(result: SurvivalResult, lang: str = "de") -> str:
    """The section's key message: early churn and the headline driver, or what is missing."""
    if not result.available:
        return t(f"survival.unavailable.{result.reason}.key_message", lang)
    text = t(
        "survival.key_early",
        lang,
        share=fmt.percent(result.early_churn(6), 0, lang),
        who=t(f"survival.who_{'new' if _of_new_customers(result) else 'all'}", lang),
    )
    driver = result.headline_driver()
    if driver:
        text += " " + driver_sentence(result, driver, lang)
    return text


def _conversion_statement(result: SurvivalReport, lang: str) -> str | None:
    """Without contracts: the one-time buyers instead of a median of "0 months".

    Whether a first-time buyer comes back is a figure of its own (the curve counts
    from the second purchase, :mod:`cxlib.survival.table`); the statement gives it
    beside the share of returning customers still buying 12 months later.
    """
    c = result.conversion
    if c is None or not c.n:
        return None
    twelve = 12 * DAYS_PER_MONTH
    low, high = result.overall.interval_at(twelve)
    return t(
        "survival.statement_conversion",
        lang,
        share=fmt.percent(c.share, 0, lang),
        days=fmt.integer(c.window_days, lang),
        c_low=fmt.percent(c.interval.low, 0, lang),
        c_high=fmt.percent(c.interval.high, 0, lang),
        c_n=fmt.integer(c.n, lang),
        twelve=fmt.percent(result.overall.survival_at(twelve), 0, lang),
        low=fmt.percent(low, 0, lang),
        high=fmt.percent(high, 0, lang),
        n=fmt.integer(result.data.n, lang),
    )


def statements(result: SurvivalResult, lang: str = "de") -> list[Statement]:
    """The section's summary statements, most important first (none without an analysis)."""
    if not result.available:
        return []
    early = result.early_churn(6)
    light: Light = (
        "red" if early >= EARLY_CHURN_RED else "amber" if early >= EARLY_CHURN_AMBER else "green"
    )
    # early churn against its thresholds is a figure; with a churn driver in the sentence
    # it is a risk, which the summary never shows green (cxlib.report.summary.checked)
    driver = result.headline_driver()
    kind: Kind = "risk" if driver else "figure"
    cited = [early_churn_fact_id(result), f"rule.months.{EARLY_MONTHS}"]
    if driver is not None:
        cited += _driver_facts(driver)
    first = Statement(
        t("survival.statement_title", lang) + ": " + key_message(result, lang),
        light,
        "survival",
        kind,
        tuple(cited),
    )
    twelve = 12 * DAYS_PER_MONTH
    low, high = result.overall.interval_at(twelve)
    second = _conversion_statement(result, lang) or t(
        "survival.statement_median",
        lang,
        median=median_text(result, lang),
        share=fmt.percent(result.overall.survival_at(twelve), 0, lang),
        low=fmt.percent(low, 0, lang),
        high=fmt.percent(high, 0, lang),
        n=fmt.integer(result.data.n, lang),
    )
    cited = ["survival.retained.12", f"rule.months.{HORIZON_MONTHS}"]
    if _conversion_statement(result, lang) is not None:
        cited += ["survival.first_to_second", "rule.inactivity_days"]
    elif result.overall.median is not None:
        cited.append("survival.median")
    out = [first, Statement(second, "grey", "survival", "context", tuple(cited))]
    drivers = drivers_statement(result, lang)
    if drivers:
        top = [f"{driver_id(d)}.attributable" for d in result.top_drivers(3)]
        out.append(Statement(drivers, "grey", "survival", "risk", tuple(top)))
    return out


def _driver_facts(driver: Driver) -> list[str]:
    """The facts a driver sentence states: its relative risk (turned round where it protects).

    Above the cap the sentence says "mehr als 10-mal": the cap is a fact too.
    """
    key = driver_id(driver)
    if driver.turned:
        return [f"{key}.hr_turned", f"{key}.less"]
    return [f"{key}.hr", "rule.hr_cap"] if capped(driver.hr) else [f"{key}.hr"]
