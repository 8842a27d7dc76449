"""Early-warning signals counted on a hand-built table."""

from __future__ import annotations

import pandas as pd

from cxlib.early_warning import early_warning


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
