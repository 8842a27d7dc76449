"""Retention, churn, cohorts and early churn against hand-built tables."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from cxlib.kpis.retention import cohort_matrix, early_churn, yearly


def customers() -> pd.DataFrame:
    # id: start, end
    rows = {
        "A": ("2020-05-01", None),  # in S 2024 and 2025, stays
        "B": ("2021-03-01", "2024-06-30"),  # S 2024, lost 2024
        "C": ("2022-01-01", "2025-01-01"),  # S 2024, S 2025, lost 2025 (1 Jan)
        "D": ("2024-02-15", "2024-04-10"),  # new 2024, lost within 3 months
        "E": ("2024-03-01", None),  # new 2024, stays
        "F": ("2024-12-31", "2025-08-31"),  # new 2024 (last day), lost after 8 months
        "G": ("2025-10-01", None),  # new 2025, only 3 months observable
        "H": ("2019-01-01", "2023-12-31"),  # ended before the window
    }
    frame = pd.DataFrame(
        [(k, pd.Timestamp(s), pd.Timestamp(e) if e else pd.NaT) for k, (s, e) in rows.items()],
        columns=["customer_id", "start_date", "end_date"],
    )
    return frame


def test_yearly_s_n_e_lost_by_hand():
    out = yearly(customers(), dt.date(2024, 1, 1), dt.date(2025, 12, 31)).set_index("year")
    # 2024: S = A, B, C (H ended 31.12.2023) = 3; N = D, E, F = 3; E = A, C, E, F = 4;
    # lost = B (of S), lost_new = D (started and ended in 2024): 3 + 3 − 1 − 1 = 4
    assert out.loc[2024, ["start", "new", "end", "lost", "lost_new"]].tolist() == [3, 3, 4, 1, 1]
    # retention = share of S still customer on 31.12. (A, C) = 2/3 = 1 − churn
    assert out.loc[2024, "retention"] == pytest.approx(2 / 3)
    assert out.loc[2024, "churn"] == pytest.approx(1 / 3)
    # 2025: S = A, C, E, F = 4; N = G; E = A, E, G = 3; lost = C, F; 4 + 1 − 2 − 0 = 3
    assert out.loc[2025, ["start", "new", "end", "lost", "lost_new"]].tolist() == [4, 1, 3, 2, 0]
    assert out.loc[2025, "retention"] == pytest.approx(2 / 4)


def test_only_full_years_inside_the_window():
    out = yearly(customers(), dt.date(2024, 3, 1), dt.date(2025, 11, 30))
    assert out["year"].tolist() == []
    assert yearly(customers(), dt.date(2024, 1, 1), dt.date(2025, 11, 30))["year"].tolist() == [
        2024
    ]


def test_early_churn_counts_only_customers_observable_that_long():
    frame, window, cut = customers(), dt.date(2024, 1, 1), dt.date(2025, 12, 31)
    three = early_churn(frame, window, cut, 3)
    # new customers D, E, F, G; G started 01.10.2025: 3 months reached on 01.01.2026 > cut-off
    assert (three.n, three.lost) == (3, 1)  # D lost after < 2 months
    six = early_churn(frame, window, cut, 6)
    assert (six.n, six.lost) == (3, 1)
    nine = early_churn(frame, window, cut, 9)
    assert (nine.n, nine.lost) == (3, 2)  # F lived 8 months
    assert nine.share == pytest.approx(2 / 3)


def test_cohort_matrix_by_hand_with_right_censoring():
    frame = pd.DataFrame(
        {
            "customer_id": ["a", "b", "c", "d"],
            "start_date": pd.to_datetime(["2025-01-05", "2025-01-20", "2025-01-10", "2025-03-02"]),
            "end_date": pd.to_datetime(["2025-02-10", None, "2025-04-09", None]),
        }
    )
    m = cohort_matrix(frame, dt.date(2025, 1, 1), dt.date(2025, 6, 30), max_months=6)
    jan, mar = pd.Timestamp("2025-01-01"), pd.Timestamp("2025-03-01")
    # January: a lives 1 full month, c lives 2 full months (10.01.→09.04. is 2 months 30 days)
    assert m.loc[jan, 1] == pytest.approx(1.0)
    assert m.loc[jan, 2] == pytest.approx(2 / 3)
    assert m.loc[jan, 3] == pytest.approx(1 / 3)
    assert m.loc[jan, 5] == pytest.approx(1 / 3)
    # a January start can be observed 5 months by 30.06. (31.01. + 5 months = 30.06.), not 6
    assert np.isnan(m.loc[jan, 6])
    # March: observable 3 months (31.03. + 3 months = 30.06.)
    assert m.loc[mar, 3] == 1.0 and np.isnan(m.loc[mar, 4])


def test_purchase_occasions_are_kept_per_frame_and_cutoff_and_handed_out_as_copies() -> None:
    from cxlib.kpis.retention import purchase_occasions

    sales = pd.DataFrame(
        {
            "customer_id": ["A", "A", "A", "B", "B", None],
            "date": pd.to_datetime(
                ["2024-01-05", "2024-01-05", "2024-03-01", "2024-02-01", "2024-06-01", "2024-01-01"]
            ),
        }
    )
    # by hand: A buys on 05.01. (twice: one occasion) and 01.03.; B on 01.02. and 01.06.
    every = purchase_occasions(sales)
    assert every.loc["A"].tolist() == list(
        pd.to_datetime(["2024-01-05", "2024-03-01", "2024-03-01"])
    )
    assert every.loc["B"].tolist() == list(
        pd.to_datetime(["2024-02-01", "2024-06-01", "2024-06-01"])
    )
    until_may = purchase_occasions(sales, "2024-05-31")  # B's second purchase is after the cut
    assert until_may.loc["B", "second"] is pd.NaT and until_may.loc["B", "last"] == pd.Timestamp(
        "2024-02-01"
    )
    every.loc["A", "last"] = pd.NaT  # a caller changing its copy changes nothing kept
    assert purchase_occasions(sales).loc["A", "last"] == pd.Timestamp("2024-03-01")
    changed = sales.copy()  # another frame: computed for itself
    changed.loc[4, "date"] = pd.Timestamp("2024-07-01")
    assert purchase_occasions(changed).loc["B", "last"] == pd.Timestamp("2024-07-01")
