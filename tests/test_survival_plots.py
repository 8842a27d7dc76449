"""The churn section's charts draw the numbers they are given (read back from the Axes)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.colors import to_hex

from cxlib.report import charts
from cxlib.survival import plots
from cxlib.survival.competing_risks import cumulative_incidence
from cxlib.survival.curves import kaplan_meier
from cxlib.texts import t


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def test_km_curve_steps_through_the_survival_table() -> None:
    """Five customers, times in weeks of 7 days: S = 4/5 after day 7, 4/5 · 2/3 after day 21.

    At risk (still there at the tick, duration >= t): 5 at days 0 and 7, 4 at
    day 14 (one left at 7; the one censored at 14 still counts), 3 at day 21, 1 at day 28.
    """
    curve = kaplan_meier([7, 14, 21, 21, 28], [True, False, True, False, False])
    ax = plots.km_curves({"Alle": curve}, lang="de", unit_days=7.0, unit_key="weeks")
    line = ax.get_lines()[0]
    np.testing.assert_allclose(line.get_xdata(), [0, 1, 2, 3, 4])
    np.testing.assert_allclose(line.get_ydata(), [1, 0.8, 0.8, 0.8 * 2 / 3, 0.8 * 2 / 3])
    assert line.get_drawstyle() == "steps-post"
    assert to_hex(line.get_color()) == to_hex(charts.ACCENT)
    assert ax.get_xlabel() == t("survival.axis_weeks", "de")
    assert [text.get_text() for text in ax.get_legend().get_texts()] == ["Alle"]
    ticks = [v for v in ax.get_xticks() if 0 <= v <= 4]
    at_risk = {0: 5, 1: 5, 2: 4, 3: 3, 4: 1}  # counted by hand
    shown = [text.get_text() for text in ax.texts]
    assert t("survival.at_risk_label", "de") in shown
    row = shown[shown.index("Alle") + 1 :]
    assert row == [str(at_risk[int(tick)]) for tick in ticks]


def test_km_groups_differ_by_line_style_and_keep_their_order() -> None:
    durations = [3, 5, 8, 2, 4, 9]
    groups = ["B", "B", "B", "A", "A", "A"]
    curves = kaplan_meier(durations, [1, 1, 0, 1, 0, 1], groups=groups).curves
    ax = plots.km_curves(curves, lang="en")
    lines = ax.get_lines()
    assert [line.get_label() for line in lines] == ["A", "B"]
    assert lines[0].get_linestyle() != lines[1].get_linestyle()  # readable in black and white
    for line, curve in zip(lines, curves.values(), strict=True):
        np.testing.assert_allclose(line.get_ydata()[1:], curve.table["survival"])
    assert ax.get_xlabel() == t("survival.axis_months", "en")


def test_forest_draws_each_hazard_ratio_with_its_interval_and_meaning() -> None:
    hr = pd.DataFrame(
        {
            "hr": [2.0, 0.5, 1.1],
            "low": [1.5, 0.3, 0.8],
            "high": [2.7, 0.8, 1.5],
            "p": [0.001, 0.01, 0.4],
        },
        index=["early_tickets", "channel: Website", "segment: Gewerbe"],
    )
    ax = plots.forest(hr, lang="de", labels=str.upper)
    # sorted by hazard ratio, bottom to top: 0.5, 1.1, 2.0
    names = [label.get_text() for label in ax.get_yticklabels()]
    assert names == ["CHANNEL: WEBSITE", "SEGMENT: GEWERBE", "EARLY_TICKETS"]
    lines = [
        line
        for line in ax.get_lines()
        if len(line.get_xdata()) == 2 and line.get_ydata()[0] == line.get_ydata()[1]
    ]
    intervals = {float(line.get_ydata()[0]): tuple(line.get_xdata()) for line in lines}
    assert intervals == {0.0: (0.3, 0.8), 1.0: (0.8, 1.5), 2.0: (1.5, 2.7)}
    points = [line for line in ax.get_lines() if len(line.get_xdata()) == 1]
    drawn = {
        float(p.get_ydata()[0]): (float(p.get_xdata()[0]), to_hex(p.get_color())) for p in points
    }
    assert drawn == {
        0.0: (0.5, to_hex(charts.ACCENT)),  # secured lower risk
        1.0: (1.1, to_hex(charts.GREY)),  # not secured
        2.0: (2.0, to_hex(charts.RED)),  # secured risk
    }
    assert ax.get_xscale() == "log"


def test_incidence_draws_each_reason_from_zero() -> None:
    result = cumulative_incidence(
        [30.0, 60.0, 60.0, 90.0, 120.0],
        [True, True, True, False, True],
        ["Preis", "Umzug", "Preis", None, "Preis"],
    )
    ax = plots.incidence(result, lang="de", unit_days=30.0)
    lines = ax.get_lines()
    assert [line.get_label() for line in lines] == ["Preis", "Umzug"]  # most frequent first
    for line, reason in zip(lines, ["Preis", "Umzug"], strict=True):
        np.testing.assert_allclose(line.get_xdata(), [0, 1, 2, 4])
        np.testing.assert_allclose(line.get_ydata(), [0, *result.table[reason]])
    assert ax.get_ylabel() == t("survival.axis_cif", "de")
