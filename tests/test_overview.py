"""Data overview: counts checked against hand-counted small tables."""

from __future__ import annotations

import pandas as pd

from cxlib.io.overview import DataOverview, describe_table, period_text


def customers() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "customer_id": pd.array(["K1", "K2", "K3", "K4"], dtype="string"),
            "start_date": pd.to_datetime(["2024-01-15", "2024-01-20", "2024-03-01", None]),
            "segment": pd.array(["Privat", "Privat", "Gewerbe", None], dtype="string"),
        }
    )


def test_describe_table_counts_rows_period_categories_and_gaps():
    o = describe_table("customers", customers())
    assert o.rows == 4
    assert o.period_start == pd.Timestamp("2024-01-15")
    assert o.period_end == pd.Timestamp("2024-03-01")
    assert o.monthly.to_dict() == {pd.Timestamp("2024-01-01"): 2, pd.Timestamp("2024-03-01"): 1}
    assert o.categories == {"segment": (("Privat", 2), ("Gewerbe", 1))}
    assert o.missing == {"start_date": 1, "segment": 1}
    assert o.distinct == {"customer_id": 4}


def test_overview_frame_and_key_message_in_both_languages():
    overview = DataOverview("survival", (describe_table("customers", customers()),))
    frame = overview.to_frame()
    assert frame.loc[0, "rows"] == 4 and frame.loc[0, "missing_cells"] == 2
    assert overview.key_message("de") == ("Datenbasis: 4 Kunden. Zeitraum 15.01.2024 – 01.03.2024.")
    assert overview.key_message("en") == (
        "Data basis: 4 customers. Period 15/01/2024 – 01/03/2024."
    )
    shares = overview.categories_frame("de")
    # Privat 2 of 4, Gewerbe 1 of 4: the customer without a segment stays in the denominator
    assert shares["Anteil"].tolist() == [2 / 4, 1 / 4]


def test_empty_overview_says_so():
    overview = DataOverview("kpi", ())
    assert not overview
    assert overview.key_message("de") == "Für diesen Abschnitt liegen noch keine Daten vor."
    assert period_text(None, None) == "–"
