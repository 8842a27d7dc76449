"""The common chart style."""

from __future__ import annotations

import re

import matplotlib

matplotlib.use("Agg")
import matplotlib as mpl
import matplotlib.pyplot as plt
import pandas as pd
import pytest

from cxlib.report import charts as plots


def test_apply_style_sets_accent_and_defaults(monkeypatch):
    monkeypatch.setattr(plots, "ACCENT", plots.ACCENT)  # restored afterwards
    with mpl.rc_context():
        plots.apply_style("#0b6e4f")
        assert plots.ACCENT == "#0b6e4f"
        assert tuple(mpl.rcParams["figure.figsize"]) == plots.FIGSIZE
        assert mpl.rcParams["savefig.dpi"] == plots.DPI
        assert not mpl.rcParams["axes.spines.top"] and not mpl.rcParams["axes.spines.right"]
        assert mpl.rcParams["axes.facecolor"] == "white"
        assert mpl.colors.to_hex(mpl.rcParams["axes.prop_cycle"].by_key()["color"][0]) == "#0b6e4f"


def test_apply_style_rejects_bad_colour():
    with pytest.raises(ValueError, match="#1f5f8b"):
        plots.apply_style("green")


def test_traffic_lights_cover_all_states():
    assert set(plots.LIGHTS) == {"green", "amber", "red", "grey"}


def test_monthly_counts_shows_empty_months_as_zero():
    months = pd.to_datetime(["2025-01-01", "2025-02-01", "2025-05-01"])
    ax = plots.monthly_counts({"tickets": pd.Series([3, 4, 5], index=months)})
    try:
        assert list(ax.get_lines()[0].get_ydata()) == [3, 4, 0, 0, 5]
    finally:
        plt.close(ax.figure)


def test_monthly_counts_one_line_per_table():
    months = pd.date_range("2025-01-01", periods=6, freq="MS")
    series = {
        "customers": pd.Series([1200, 1300, 900, 1000, 1100, 1250], index=months),
        "survey": pd.Series([10, 20, 30, 25, 15, 5], index=months),
    }
    ax = plots.monthly_counts(series, lang="de")
    try:
        assert [line.get_label() for line in ax.get_lines()] == ["Kunden", "Umfrageantworten"]
        assert len({line.get_linestyle() for line in ax.get_lines()}) == 2  # black-and-white
        assert ax.get_ylabel() == "Datensätze je Monat"
        ax.figure.canvas.draw()
        ticks = [label.get_text() for label in ax.get_yticklabels()]
        assert any(re.fullmatch(r"1\.\d{3}", tick) for tick in ticks), ticks  # 1.050
    finally:
        plt.close(ax.figure)
