"""Early-warning signals counted on a hand-built table."""

from __future__ import annotations

import pandas as pd

from cxlib.kpis.early_warning import early_warning
from cxlib.survival.team_list import team_list


def test_signals_by_hand():
    months = pd.date_range("2025-01-01", periods=5, freq="MS")
    rows = []
    for customer in ("A", "B", "C", "D"):
        for i, month in enumerate(months):
            usage, pay, contacts = 100.0, 5.0, 0
            if customer == "A" and i == 4:  # usage drop, slow payment: two signals
                usage, pay = 50.0, 12.0
            if customer == "B" and i == 4:  # frequent queries only
                contacts = 3
            if customer == "C" and i == 4:  # silent withdrawal
                usage = 0.0
            rows.append((customer, month, usage, pay, contacts))
    signals = pd.DataFrame(
        rows, columns=["customer_id", "month", "usage", "days_to_pay", "contacts"]
    )
    tickets = pd.DataFrame(
        {
            "customer_id": ["B", "B", "D"],
            "opened": pd.to_datetime(["2025-03-10", "2025-05-02", "2025-05-03"]),
        }
    )
    result = early_warning(signals, tickets)
    last = result.monthly.set_index("month").loc[months[-1]]
    assert last["customers"] == 4
    assert last["usage_drop"] == 2  # A (0.5) and C (0.0) against the median ratio 1.0
    assert last["slow_payment"] == 1  # A: 12 ≥ own median 5 + 5
    assert last["frequent_queries"] == 1  # B
    assert last["silent"] == 1  # C
    assert last["repeated_tickets"] == 1  # B: 2 tickets in 03-05.2025; D only 1
    # A: usage + payment; B: queries + tickets; C: usage + silent
    assert result.flagged == ("A", "B", "C")
    assert last["two_or_more"] == 3
    assert result.monthly.set_index("month").loc[months[0], "two_or_more"] == 0


def test_flagged_customers_are_on_the_call_list_by_id_and_signal():
    months = pd.date_range("2025-01-01", periods=4, freq="MS")
    rows = [
        (customer, month, 100.0, 5.0, 3 if (customer == "K-2" and i == 3) else 0)
        for customer in ("K-1", "K-2", "K-3")
        for i, month in enumerate(months)
    ]
    rows[3] = ("K-1", months[3], 0.0, 15.0, 0)  # K-1: usage drop, slow payment, silent
    signals = pd.DataFrame(
        rows, columns=["customer_id", "month", "usage", "days_to_pay", "contacts"]
    )
    result = early_warning(signals)
    assert result.flagged == ("K-1",)
    # the flagged customers go onto the team's one list, with their signals in words
    listed = team_list(None, None, 25, None, "de", result).frame("de")
    assert len(listed) == 1  # K-2 has one signal (frequent queries), K-3 none
    row = listed.iloc[0]
    assert row["Kundennummer"] == "K-1" and row["Grund"] == "Frühwarnsignale"
    assert row["Frühwarnsignale (letzter Monat)"] == (
        "sinkende Nutzung, längere Zahlungsdauer, stiller Rückzug"
    )


def _payments(days: list[float]) -> pd.DataFrame:
    months = pd.date_range("2025-01-01", periods=len(days), freq="MS")
    return pd.DataFrame({"customer_id": "E", "month": months, "days_to_pay": days})


def test_slow_payment_compares_with_the_customers_own_earlier_months_only():
    # prior medians by hand: –, –, –, 10, 10, 10, 10 (months 1-3 lack three earlier months)
    flags = early_warning(_payments([10, 10, 10, 10, 16, 14, 2])).flags["slow_payment"]
    assert flags.tolist() == [False, False, False, False, True, False, False]
    # a customer who pays faster later: month 4 is no signal (the whole-period median, 2,
    # would have flagged it with hindsight)
    faster = early_warning(_payments([10, 10, 10, 10, 2, 2, 2, 2, 2])).flags["slow_payment"]
    assert not faster.any()


def test_a_months_flags_never_depend_on_later_months():
    rows = _payments([5, 7, 6, 15, 6, 5, 30])
    changed = rows.assign(days_to_pay=[5, 7, 6, 15, 40, 1, 1])
    before = early_warning(rows).flags["slow_payment"].iloc[:4]
    after = early_warning(changed).flags["slow_payment"].iloc[:4]
    assert before.tolist() == after.tolist() == [False, False, False, True]
