"""ARPU, repurchase, up-sell and CLV: hand-worked formulas on small tables."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from cxlib.kpis.economics import (
    clv_discounted,
    clv_simple,
    contractual,
    monthly_rate,
    non_contractual,
)


def test_clv_formulas_by_hand():
    # Gupta & Lehmann (2003): m r / (1 + i - r); m = 100, r = 0.8, i = 0.1 -> 80 / 0.3
    assert clv_discounted(100, 0.8, 0.1) == pytest.approx(266.6666666)
    assert clv_simple(10, 0.02) == pytest.approx(500)
    assert monthly_rate(0.08) == pytest.approx(1.08 ** (1 / 12) - 1)
    assert (1 + monthly_rate(0.08)) ** 12 == pytest.approx(1.08)


def test_contractual_arpu_upsell_and_monthly_clv():
    frame = pd.DataFrame(
        {
            "customer_id": ["a", "b", "c", "d"],
            "start_date": pd.to_datetime(["2020-01-01", "2021-01-01", "2022-01-01", "2025-03-01"]),
            "end_date": pd.to_datetime([None, "2025-05-31", None, None]),
            "revenue_month": [100.0, 50.0, 200.0, 60.0],
            "upgrade_date": pd.to_datetime(["2025-02-01", "2025-03-01", None, "2025-06-01"]),
        }
    )
    # 12 of 100 customers at the start of 2025 lost in it: yearly churn 12 %
    eco = contractual(frame, dt.date(2025, 12, 31), 12, 100, 0.25, 0.08, 2025)
    assert eco.arpu == pytest.approx((100 + 200 + 60) / 3)  # active at the cut-off
    assert eco.margin == pytest.approx(120 * 0.25)
    assert eco.upsell_rate == pytest.approx(2 / 3) and eco.upsell_n == 3  # a, b of a, b, c
    churn_m = 1 - 0.88 ** (1 / 12)
    i = 1.08 ** (1 / 12) - 1
    assert eco.clv_simple == pytest.approx(30 / churn_m)
    assert eco.clv_discounted == pytest.approx(30 * (1 - churn_m) / (1 + i - (1 - churn_m)))


def test_non_contractual_repurchase_view():
    tx = pd.DataFrame(
        {
            "customer_id": ["a", "a", "b", "c", "c", "c", "d"],
            "date": pd.to_datetime(
                [
                    "2024-01-10",
                    "2024-02-01",  # a: second after 22 days
                    "2024-03-01",  # b: one-time
                    "2024-06-01",
                    "2024-12-01",
                    "2025-02-01",  # c: second after 183 days
                    "2025-11-01",  # d: too late to judge a 120-day window
                ]
            ),
            "amount": [10.0, 20.0, 5.0, 7.0, 8.0, 9.0, 30.0],
        }
    )
    eco = non_contractual(tx, dt.date(2025, 12, 31), 120, 0.5, 0.1)
    assert eco.repurchase_n == 3 and eco.repurchase_rate == pytest.approx(1 / 3)
    assert eco.one_time_share == pytest.approx(2 / 4)  # b and d
    # last 12 months (after 31.12.2024): c 9, d 30 -> ARPU 19.5 per year
    assert eco.arpu == pytest.approx(19.5) and eco.customers == 2
    # buyers of the year before: a, b, c -> c bought again: r = 1/3
    assert eco.retention == pytest.approx(1 / 3)
    assert eco.clv_discounted == pytest.approx(19.5 * 0.5 * (1 / 3) / (1 + 0.1 - 1 / 3))


def test_records_of_one_day_are_one_purchase_occasion():
    """b has two receipts on 01.03. (and nothing else): one occasion, a one-time buyer.

    Eligible (first purchase by 02.09.2025 for a 120-day window): a, b, c; a bought
    again after 22 days, c after 183 days (outside the window): repurchase 1 of 3.
    """
    tx = pd.DataFrame(
        {
            "customer_id": ["a", "a", "b", "b", "c", "c", "c", "c"],
            "date": pd.to_datetime(
                [
                    "2024-01-10",
                    "2024-02-01",
                    "2024-03-01 09:10:00",
                    "2024-03-01 17:45:00",  # b: a second receipt the same day
                    "2024-06-01",
                    "2024-06-01",  # c: two lines of one receipt
                    "2024-12-01",
                    "2025-02-01",
                ],
                format="ISO8601",
            ),
            "amount": [10.0, 20.0, 5.0, 6.0, 7.0, 1.0, 8.0, 9.0],
        }
    )
    eco = non_contractual(tx, dt.date(2025, 12, 31), 120, 0.5, 0.1)
    assert eco.repurchase_n == 3 and eco.repurchase_rate == pytest.approx(1 / 3)
    assert eco.one_time_share == pytest.approx(1 / 3)  # b only


def test_contractual_intervals_by_hand():
    """ARPU: t interval of 100, 200, 60; up-sell: Wilson of 2 of 3 (formulas written out)."""
    frame = pd.DataFrame(
        {
            "customer_id": ["a", "b", "c", "d"],
            "start_date": pd.to_datetime(["2020-01-01", "2021-01-01", "2022-01-01", "2025-03-01"]),
            "end_date": pd.to_datetime([None, "2025-05-31", None, None]),
            "revenue_month": [100.0, 50.0, 200.0, 60.0],
            "upgrade_date": pd.to_datetime(["2025-02-01", "2025-03-01", None, "2025-06-01"]),
        }
    )
    eco = contractual(frame, dt.date(2025, 12, 31), 12, 100, 0.25, 0.08, 2025)
    # mean 120, s = √((20² + 80² + 60²)/2) = √5200, t(0.975; 2) = 4.302653
    half = 4.302652729911275 * 5200**0.5 / 3**0.5
    assert eco.arpu_n == 3 and eco.arpu_interval.method == "t"
    assert (eco.arpu_interval.low, eco.arpu_interval.high) == pytest.approx(
        (120 - half, 120 + half)
    )
    # Wilson, p = 2/3, n = 3: (p + z²/2n ± z√(p(1−p)/n + z²/4n²)) / (1 + z²/n)
    z, p, n = 1.959963984540054, 2 / 3, 3
    centre = (p + z**2 / (2 * n)) / (1 + z**2 / n)
    spread = z * (p * (1 - p) / n + z**2 / (4 * n**2)) ** 0.5 / (1 + z**2 / n)
    assert (eco.upsell_interval.low, eco.upsell_interval.high) == pytest.approx(
        (centre - spread, centre + spread)
    )
    # the CLV interval is a bootstrap around the CLV (its checks: test_kpi_intervals.py)
    assert eco.clv_interval.method == "bootstrap"
    assert eco.clv_interval.low < eco.clv_discounted < eco.clv_interval.high


def test_repurchase_intervals_by_hand():
    """Repurchase 1 of 3 (Wilson); a single buyer in the last year: no ARPU interval."""
    tx = pd.DataFrame(
        {
            "customer_id": ["a", "a", "b", "c", "c"],
            "date": pd.to_datetime(
                ["2024-01-10", "2024-02-01", "2024-03-01", "2024-06-01", "2025-02-01"]
            ),
            "amount": [10.0, 20.0, 5.0, 7.0, 9.0],
        }
    )
    eco = non_contractual(tx, dt.date(2025, 12, 31), 120, 0.5, 0.1)
    assert eco.repurchase_n == 3 and eco.repurchase_rate == pytest.approx(1 / 3)
    z, p, n = 1.959963984540054, 1 / 3, 3
    centre = (p + z**2 / (2 * n)) / (1 + z**2 / n)
    spread = z * (p * (1 - p) / n + z**2 / (4 * n**2)) ** 0.5 / (1 + z**2 / n)
    got = eco.repurchase_interval
    assert (got.low, got.high) == pytest.approx((centre - spread, centre + spread))
    assert eco.arpu_n == 1 and eco.arpu_interval.reason == "too_few"
    assert eco.clv_interval.reason == "too_few"
