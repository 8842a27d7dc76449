"""The KPI charts draw the numbers they are given.

Bar lengths, points and labels are read back from the matplotlib artists and
compared with shares recounted from the raw survey answers of the utility
demo client (docs/demo-data.md, effect 3), not with the code's own tables.
"""

from __future__ import annotations

import warnings

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.colors import to_hex

from cxlib.io.loading import load_client_data
from cxlib.kpis import plots
from cxlib.kpis.analysis import analyse
from cxlib.parameters.files import load_parameters
from cxlib.report import charts
from cxlib.texts import t


@pytest.fixture(scope="module")
def utility(project):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        params = load_parameters(project / "parameters" / "stadtwerke-lindenau.yaml")
        data = load_client_data(params)
        return analyse(params, data), data.get("survey")


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def shares(scores: pd.Series) -> tuple[float, float, float]:
    """Detractor, passive and promoter shares in % of the given answers."""
    s = scores.dropna().to_numpy(float)
    return 100 * (s <= 6).mean(), 100 * ((s >= 7) & (s <= 8)).mean(), 100 * (s >= 9).mean()


def nps(scores: pd.Series) -> float:
    detractors, _, promoters = shares(scores)
    return promoters - detractors


def test_ppd_bars_stack_the_shares_of_each_phase(utility):
    base, survey = utility
    ax = plots.ppd_bars(base, lang="de")
    detractors, passives, promoters = ax.containers
    labels = [label.get_text() for label in ax.get_yticklabels()]
    # bottom up: the phases from the highest NPS down, all answers in the top row
    answers = {p: survey.loc[survey["phase"] == p, "nps"] for p in survey["phase"].unique()}
    phases = sorted(answers, key=lambda p: nps(answers[p]), reverse=True)
    expected = [*(shares(answers[p]) for p in phases), shares(survey["nps"])]
    everyone = t("kpis.charts.all", "de")
    assert [label.split(" (n = ")[0] for label in labels] == [*phases, everyone]
    assert labels[-1] == f"{everyone} (n = 2.520)"
    for bar_d, bar_p, bar_q, (d, p, q) in zip(
        detractors, passives, promoters, expected, strict=True
    ):
        assert bar_d.get_x() == 0 and bar_d.get_width() == pytest.approx(d)
        assert bar_p.get_x() == pytest.approx(d) and bar_p.get_width() == pytest.approx(p)
        assert bar_q.get_x() == pytest.approx(d + p) and bar_q.get_width() == pytest.approx(q)
        assert bar_d.get_x() + d + p + q == pytest.approx(100)
    assert to_hex(detractors[0].get_facecolor()) == to_hex(charts.RED)


def test_group_intervals_mark_the_phases_below_the_rest_in_red(utility):
    base, survey = utility
    ax = plots.group_intervals(base, lang="de")
    points = ax.collections[-1]  # the scatter of NPS values, above the interval lines
    xs = points.get_offsets()[:, 0]
    labels = [label.get_text().split(" (n = ")[0] for label in ax.get_yticklabels()]
    by_phase = {p: nps(survey.loc[survey["phase"] == p, "nps"]) for p in survey["phase"].unique()}
    assert list(xs) == pytest.approx([by_phase[p] for p in labels])
    assert list(xs) == sorted(xs)
    red = {
        label
        for label, colour in zip(labels, points.get_facecolors(), strict=True)
        if to_hex(colour) == to_hex(charts.RED)
    }
    # planted: Service/Problemfall −0.35 and Verlängerung/Rechnung −0.5 (docs/demo-data.md)
    assert red == {"Service/Problemfall", "Verlängerung/Rechnung"}
    overall = next(line for line in ax.get_lines() if line.get_linestyle() == "--")
    assert overall.get_xdata()[0] == pytest.approx(nps(survey["nps"]))


def test_trend_draws_one_point_per_month_with_enough_answers(utility):
    base, survey = utility
    ax = plots.trend(base, lang="de")
    line = ax.get_lines()[0]
    month = survey["date"].dt.to_period("M").dt.to_timestamp()
    counts = month.value_counts().sort_index()
    months = counts[counts >= base.min_n].index
    expected = [nps(survey.loc[month == m, "nps"]) for m in months]
    assert list(line.get_ydata()) == pytest.approx(expected)
    assert len(line.get_xdata()) == len(months)


def test_driver_quadrant_places_each_item_at_its_rating_and_share(utility):
    base, survey = utility
    ax = plots.driver_quadrant(base, lang="de")
    table = base.drivers.table
    x, y = ax.get_lines()[0].get_data()
    assert list(x) == pytest.approx(survey[table["item"]].mean().tolist())
    assert list(y) == pytest.approx(table["share"].tolist())
    assert sum(y) == pytest.approx(100)  # shares of the explained recommendation score
    names = [text.get_text() for text in ax.texts]
    # the reader's names (label map), not the data headers ("Rechnung verstaendlich")
    expected = [
        "Rechnung verständlich",
        "Erreichbarkeit",
        "Preis fair",
        "Einstieg (Onboarding) klar",
    ]
    assert names == expected
    level = [line for line in ax.get_lines() if list(line.get_ydata()) == [25, 25]]
    assert level  # the equal-share line: 100 % / 4 items


def test_cohort_heatmap_shows_the_cohort_matrix(utility):
    base, _survey = utility
    ax = plots.cohort_heatmap(base, lang="de")
    assert len(ax.get_images()) == 0  # vector cells (a QuadMesh), no raster image in the SVG
    [mesh] = ax.collections
    matrix = base.cohorts.to_numpy(float)
    image = np.ma.masked_invalid(np.ma.filled(mesh.get_array(), np.nan)).reshape(matrix.shape)
    assert image.shape == matrix.shape
    assert np.array_equal(np.ma.getmaskarray(image), np.isnan(matrix))
    assert np.allclose(image.filled(np.nan), matrix, equal_nan=True)
