"""Euros at risk: lost customers × customer value, with a joint bootstrap interval.

Expected values are worked by hand from the formulas (Gupta & Lehmann's CLV,
the count of lost customers) or from scipy's binomial quantiles, never from
the code's own output.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from scipy.stats import binom

from cxlib import kpis
from cxlib.kpis.economics import contractual, contractual_clv_draws, non_contractual
from cxlib.kpis.readings import value_reading, value_statement
from cxlib.kpis.value_at_risk import interval_words, money_words, round_money, value_at_risk
from cxlib.report.summary import checked

from .demo_clients import demo_client


def _customers() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "customer_id": ["a", "b", "c"],
            "start_date": pd.to_datetime(["2020-01-01", "2021-01-01", "2022-01-01"]),
            "end_date": pd.to_datetime([None, None, None]),
            "revenue_month": [100.0, 200.0, 60.0],
        }
    )


def test_euros_at_risk_are_lost_customers_times_the_discounted_clv():
    # 12 of 100 customers lost in 2025; ARPU 120, margin 25 % -> m = 30 a month
    eco = contractual(_customers(), dt.date(2025, 12, 31), 12, 100, 0.25, 0.08, 2025)
    risk = value_at_risk(eco)
    assert risk is not None
    r = 0.88 ** (1 / 12)
    i = 1.08 ** (1 / 12) - 1
    clv = 30 * r / (1 + i - r)
    assert risk.lost == 12 and risk.of == 100 and risk.year == 2025
    assert risk.value == pytest.approx(12 * clv)
    # the simple CLV is the margin over the expected stay of 1 / monthly churn months
    assert risk.lifetime_years == pytest.approx(1 / (1 - r) / 12)
    assert risk.clv_simple == pytest.approx(30 * risk.lifetime_years * 12)
    assert risk.interval.low < risk.value < risk.interval.high


def test_interval_with_constant_revenue_follows_the_binomial_quantiles():
    """With every revenue equal the CLV varies only with the churn, and L·CLV(L) rises with L:

    the interval's bounds are then L·CLV(L) at the binomial's 2.5 % and 97.5 % quantiles
    (within the resolution of 2,000 draws: between the 2 % and 3 % quantiles).
    """
    at_start, lost, margin_rate, rate = 1000, 100, 0.2, 0.08
    revenue = np.full(50, 100.0)

    def euros(count: float) -> float:
        r = (1 - count / at_start) ** (1 / 12)
        i = 1.08 ** (1 / 12) - 1
        return count * 20 * r / (1 + i - r)

    draws = contractual_clv_draws(revenue, lost, at_start, margin_rate, rate)
    assert draws is not None
    values = draws.lost * draws.clv
    low, high = np.quantile(values, [0.025, 0.975])
    assert euros(binom.ppf(0.02, at_start, 0.1)) <= low <= euros(binom.ppf(0.03, at_start, 0.1))
    assert euros(binom.ppf(0.97, at_start, 0.1)) <= high <= euros(binom.ppf(0.98, at_start, 0.1))


def test_repurchase_view_counts_last_years_buyers_who_did_not_buy_again():
    tx = pd.DataFrame(
        {
            "customer_id": ["a", "a", "b", "c", "c", "c", "d"],
            "date": pd.to_datetime(
                [
                    "2024-01-10",
                    "2024-02-01",
                    "2024-03-01",
                    "2024-06-01",
                    "2024-12-01",
                    "2025-02-01",
                    "2025-11-01",
                ]
            ),
            "amount": [10.0, 20.0, 5.0, 7.0, 8.0, 9.0, 30.0],
        }
    )
    eco = non_contractual(tx, dt.date(2025, 12, 31), 120, 0.5, 0.1)
    risk = value_at_risk(eco)
    assert risk is not None
    # buyers of 2024: a, b, c; only c bought in 2025 -> a and b are lost
    assert (risk.lost, risk.of, risk.year) == (2, 3, None)
    clv = 19.5 * 0.5 * (1 / 3) / (1 + 0.1 - 1 / 3)
    assert risk.value == pytest.approx(2 * clv)
    assert risk.lifetime_years == pytest.approx(1 / (1 - 1 / 3))


def test_no_value_without_economics_or_customers_at_the_start():
    assert value_at_risk(None) is None
    eco = contractual(_customers(), dt.date(2025, 12, 31), 0, 0, 0.25, 0.08, 2025)
    assert value_at_risk(eco) is None


@pytest.mark.parametrize(
    ("value", "digits", "lang", "text"),
    [
        (1_481_947.8, 2, "de", "1,5 Mio.\u00a0€"),
        (1_481_947.8, 2, "en", "1.5 million €"),
        (1_535_493.3, 3, "de", "1,54 Mio.\u00a0€"),
        (10_374.9, 2, "de", "10.000\u00a0€"),
        (20_526.5, 3, "de", "20.500\u00a0€"),
        (0.0, 3, "de", "0\u00a0€"),
    ],
)
def test_money_in_words(value, digits, lang, text):
    # compare without caring whether the catalogue uses a plain or a protected space
    assert money_words(value, lang, digits).replace("\u00a0", " ") == text.replace("\u00a0", " ")


def test_rounding_is_half_up_to_significant_digits():
    assert round_money(1_450_000) == 1_500_000
    assert round_money(1_449_999) == 1_400_000
    assert round_money(42_673.5) == 43_000
    assert round_money(42_673.5, 3) == 42_700


@pytest.fixture(scope="module")
def stadtwerke():
    params, data = demo_client("stadtwerke-lindenau")
    return params, data, kpis.analyse(params, data)


def test_stadtwerke_reading_prices_the_years_lost_customers(stadtwerke):
    _, data, base = stadtwerke
    customers = data.get("customers")
    # recount from the raw table: contracts ended in 2025 among those running on 01.01.2025
    jan1, dec31 = pd.Timestamp(2025, 1, 1), pd.Timestamp(2025, 12, 31)
    running = (customers["start_date"] < jan1) & (
        customers["end_date"].isna() | (customers["end_date"] >= jan1)
    )
    ended = running & customers["end_date"].between(jan1, dec31)
    risk = base.value_at_risk
    assert risk.lost == int(ended.sum()) and risk.of == int(running.sum())
    assert risk.value == pytest.approx(risk.lost * base.economics.clv_discounted)
    text = value_reading(base, "de")
    millions = round(risk.value / 1e6, 1)
    assert f"{millions:.1f}".replace(".", ",") + " Mio." in text
    assert "Im Jahr 2025 gingen" in text
    # the reading states the one customer value; the simple one is a cross-check in the note
    assert "1.410" in text and "einfache" not in text


def test_statement_is_a_risk_and_never_green(stadtwerke):
    _, _, base = stadtwerke
    statement = value_statement(base, "de")
    assert statement is not None
    assert statement.kind == "risk" and statement.light != "green"
    assert checked(statement.__class__(statement.text, "green", "kpi", "risk")).light == "amber"
    assert "Mio." in statement.text


def test_figures_carry_the_euros_and_their_interval(stadtwerke):
    _, _, base = stadtwerke
    figures = kpis.section(base, "de").figures["value_at_risk"]
    assert figures["euros"] == pytest.approx(figures["lost"] * figures["clv"])
    assert figures["low"] < figures["euros"] < figures["high"]


def test_interval_bounds_get_the_digits_that_tell_them_apart() -> None:
    # a million customers' lost revenue: three digits would read "31,9 bis 31,9 Mio. €"
    assert money_words(31_879_732.2, "de", 3) == money_words(31_930_822.1, "de", 3)
    assert interval_words(31_879_732.2, 31_930_822.1, "de") == ("31,88 Mio. €", "31,93 Mio. €")
    # a wide interval keeps three digits; equal bounds stay equal
    assert interval_words(174_972.4, 180_671.6, "de") == ("175.000 €", "181.000 €")
    assert interval_words(5_000.0, 5_000.0, "de") == ("5.000 €", "5.000 €")
    assert interval_words(float("nan"), 2_000.0, "de")[0] == money_words(float("nan"), "de")
