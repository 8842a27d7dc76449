"""German and English number and date formats (checked against hand-written strings)."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd

from cxlib import formatting as fmt


def test_german_numbers():
    assert fmt.number(1234.5) == "1.234,5"
    assert fmt.number(1234567.891, 2) == "1.234.567,89"
    assert fmt.integer(20000) == "20.000"
    assert fmt.number(-3.25, 1) == "−3,3"  # commercial rounding, typographic minus
    assert fmt.number(22.25, 1) == "22,3"
    assert fmt.percent(0.125) == "13\u202f%"


def test_numbers_agree_with_pythons_own_grouping():
    # Python's format spec as an independent reference: "," groups thousands, "." marks
    # decimals (the English form); German swaps the two. Cents need no rounding, so the
    # half-up rule plays no part; negatives use the typographic minus.
    rng = np.random.default_rng(3)
    cents = np.concatenate([rng.integers(-(10**9), 10**9, 200), [0, 5, -5, 99_999, 100_000]])
    german = str.maketrans({",": ".", ".": ",", "-": "−"})
    for value in cents / 100:
        reference = f"{value:,.2f}"
        assert fmt.number(value, 2, "en") == reference.replace("-", "−"), value
        assert fmt.number(value, 2, "de") == reference.translate(german), value


def test_english_numbers():
    assert fmt.number(1234.5, 1, "en") == "1,234.5"
    assert fmt.integer(20000, "en") == "20,000"


def test_percent_and_signed():
    assert fmt.percent(0.123) == "12\u202f%"
    assert fmt.percent(0.123, 1, "en") == "12.3%"
    assert fmt.signed(12) == "+12"
    assert fmt.signed(-3) == "−3"
    assert fmt.signed(0) == "0"
    assert fmt.signed(0.4) == "0"


def test_plural_category_follows_cldr_for_german_and_english():
    # CLDR for de and en: "one" for the integer 1, "other" for every other count
    for lang in ("de", "en"):
        assert fmt.plural(1, lang) == "one"
        assert [fmt.plural(n, lang) for n in (0, 2, 3, 11, 21, 1000)] == ["other"] * 6


def test_dates():
    day = dt.date(2025, 12, 31)
    assert fmt.date(day) == "31.12.2025"
    assert fmt.date(day, "en") == "31/12/2025"
    assert fmt.date(pd.Timestamp("2025-03-01 14:00")) == "01.03.2025"
    assert fmt.month(pd.Timestamp("2025-03-01")) == "03/2025"


def test_missing_values_never_print_as_nan():
    dash = "\u2013"  # an en dash (module docstring)
    for value in (None, math.nan, pd.NA, pd.NaT):
        assert fmt.number(value) == dash
        assert fmt.signed(value) == dash
    assert fmt.date(pd.NaT) == dash and fmt.month(None) == dash
    assert fmt.percent(None) == dash and fmt.integer(math.nan, "en") == dash


def test_join_where_joins_the_shown_labels_per_row_in_column_order():
    from cxlib.formatting import join_where

    shown = np.array([[True, False, True], [False, False, False], [False, True, True]])
    names = np.array(["Nutzung", "Tickets", "Zahlung"], dtype=object)
    assert join_where(names, shown).tolist() == ["Nutzung, Zahlung", "", "Tickets, Zahlung"]
    # one label per cell: a risk list's top factors, strongest first
    cells = np.array([["Tarif", "Kanal"], ["Region", "Tarif"], ["Kanal", "Region"]], dtype=object)
    raising = np.array([[True, True], [False, False], [True, False]])
    assert join_where(cells, raising).tolist() == ["Tarif, Kanal", "", "Kanal"]
    assert join_where(names, np.zeros((0, 3), bool)).tolist() == []
