"""The survival table: delayed entry, the non-contractual churn definition, user errors."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from cxlib import workbook
from cxlib.survival.errors import AllEventsError, DurationError, NoEventsError
from cxlib.survival.table import build_survival_table, cox_population


class _Data:
    """Stand-in for ClientData: only ``get`` is used."""

    def __init__(self, **tables: pd.DataFrame):
        self.tables = tables

    def get(self, name: str) -> pd.DataFrame | None:
        return self.tables.get(name)


@pytest.fixture(scope="module")
def utility():
    return workbook.open_client("stadtwerke-lindenau")


def _params(utility, **analysis):
    update = utility.params.analysis.model_copy(update=analysis)
    return utility.params.model_copy(update={"analysis": update})


def _customers(rows):
    frame = pd.DataFrame(rows, columns=["customer_id", "start_date", "end_date"])
    for column in ("start_date", "end_date"):
        frame[column] = pd.to_datetime(frame[column])
    return frame


def test_delayed_entry_and_censoring_by_hand(utility) -> None:
    params = _params(utility, observation_start=dt.date(2023, 1, 1))
    customers = _customers(
        [
            ("A", "2022-01-01", "2023-07-01"),  # old customer, churned in the window
            ("B", "2024-03-01", None),  # new, active: censored at the cut-off
            ("C", "2020-05-01", "2022-06-30"),  # left before the window: not in the analysis
            ("D", "2025-06-01", "2026-03-31"),  # end after the cut-off: not yet observed
        ]
    )
    table = build_survival_table(params, _Data(customers=customers))
    f = table.frame.set_index("customer_id")
    assert list(f.index) == ["A", "B", "D"] and table.excluded == 1
    assert f.loc["A", "entry"] == 365 and f.loc["A", "duration"] == 546 and f.loc["A", "event"]
    assert f.loc["B", "entry"] == 0 and not f.loc["B", "event"]
    assert f.loc["B", "duration"] == (pd.Timestamp("2025-12-31") - pd.Timestamp("2024-03-01")).days
    assert not f.loc["D", "event"] and table.left_truncated == 1


def test_non_contractual_churn_is_inactivity(utility) -> None:
    params = utility.params.model_copy(update={"business_model": "non_contractual"})
    customers = pd.DataFrame(
        {"customer_id": ["a", "b", "c", "d"], "start_date": pd.to_datetime(["2024-01-10"] * 4)}
    )
    sales = pd.DataFrame(
        {
            "customer_id": ["a", "b", "b", "b", "c", "d", "d", "d"],
            "date": pd.to_datetime(
                [
                    "2024-01-10",
                    "2024-01-10",
                    "2024-02-10",
                    "2025-08-01",
                    "2025-11-01",
                    "2024-01-10",
                    "2024-01-20",
                    "2024-03-01",
                ]
            ),
        }
    )
    table = build_survival_table(params, _Data(customers=customers, transactions=sales))
    f = table.frame.set_index("customer_id")
    days = params.analysis.survival.inactivity_days  # 180 by default
    # the curve counts from the second purchase day (day 1); a and c bought once: not in it
    # (their own figure, not a loss on day 1). d: second purchase 20.01.2024, last 01.03.2024
    # → lost on day 42 (11 + 29 + 1, + 1). b: second purchase 10.02.2024, last 01.08.2025
    # + 180 days is after the cut-off → still possibly active, censored on the last day a
    # loss can be seen, 31.12.2025 − 180 days = 04.07.2025 (day 366 + 144 + 1 = 511 from
    # 10.02.2024), not at its last purchase
    seen_until = pd.Timestamp("2025-12-31") - pd.Timedelta(days=days)
    assert seen_until == pd.Timestamp("2025-07-04")
    assert sorted(f.index) == ["b", "d"] and table.one_time_buyers == 2
    assert f.loc["d", "event"] and f.loc["d", "duration"] == 42
    assert not f.loc["b", "event"] and f.loc["b", "duration"] == 511
    assert pd.Timestamp("2025-08-01") + pd.Timedelta(days=days) > pd.Timestamp("2025-12-31")
    assert table.definition == "non_contractual" and table.inactivity_days == days


@pytest.mark.parametrize(
    ("rows", "error", "words"),
    [
        ([("A", "2024-01-01", None), ("B", "2024-02-01", None)], NoEventsError, "keine einzige"),
        ([("A", "2024-01-01", "2024-05-01")], AllEventsError, "Alle Kunden"),
        ([("A", "2024-05-01", "2024-01-01"), ("B", "2024-01-01", None)], DurationError, "vor dem"),
    ],
)
def test_user_errors(utility, rows, error, words) -> None:
    with pytest.raises(error, match=words):
        build_survival_table(utility.params, _Data(customers=_customers(rows)))


def test_utility_table_and_early_tickets(utility) -> None:
    """Realised figures of docs/demo-data.md: 20,001 customers, 13,200 before 2023, 13 % early."""
    table = build_survival_table(utility.params, utility.data)
    f = table.frame
    assert table.n + table.excluded == 20_001
    assert table.left_truncated == pytest.approx(13_200, abs=2)
    new = f[f["new"] & (f["start_date"] <= "2024-12-31")]
    assert len(new) == 4_551
    assert new["early_tickets"].mean() == pytest.approx(0.130, abs=0.002)
    capped = cox_population(table, 365.25)
    assert capped["duration"].max() <= 365.25 and (capped["entry"] < 365.25).all()
    assert np.isnan(f.loc[~f["new"], "early_tickets"].astype(float)).all()
