"""Maturity charts draw the numbers they are given: radar, department heatmap, wave bars.

Expected values are recomputed from the answers with plain pandas (mean score / 4 × 100,
CX_METHOD.md "Maturity") or are the stage cut-offs 20/40/60/80.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from cxlib.io.loading import load_client_data
from cxlib.maturity.assessment import assess
from cxlib.maturity.plots import heatmap, radar, reference_level, waves
from cxlib.parameters.files import load_parameters

PROJECT = Path(__file__).resolve().parent.parent
DIMS = [f"D{i}" for i in range(1, 9)]


@pytest.fixture(scope="module")
def answers() -> pd.DataFrame:
    params = load_parameters(PROJECT / "parameters" / "stadtwerke-lindenau.yaml")
    return load_client_data(params).get("maturity")


def points(frame: pd.DataFrame) -> pd.DataFrame:
    """The answers with their dimension and score on 0-100 (plain pandas)."""
    return frame.assign(
        dimension=frame["item"].str.split(".").str[0],
        points=frame["score"].astype(float) / 4 * 100,
    )


def uniform(score: int) -> pd.DataFrame:
    """Two respondents answering every item with ``score``."""
    rows = [
        (p, d, f"{dim}.{k}", score)
        for p, d in (("P1", "Vertrieb"), ("P2", "Service"))
        for dim in DIMS
        for k in (1, 2, 3)
    ]
    return pd.DataFrame(rows, columns=["respondent", "department", "item", "score"])


def half_up(value: float) -> int:
    """A number rounded as the report rounds it (0.5 up, not to even)."""
    return int(np.floor(value + 0.5))


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def test_radar_draws_the_dimension_scores_closed_around_the_circle(answers):
    result = assess(answers)
    ax = radar(result, lang="de", client="Stadtwerke")
    latest = points(answers[answers["wave"] == answers["wave"].max()])
    expected = latest.groupby("dimension")["points"].mean().reindex(DIMS).to_numpy()
    client = ax.get_lines()[-1]
    y = np.asarray(client.get_ydata(), dtype=float)
    assert y[:-1] == pytest.approx(expected) and y[-1] == pytest.approx(y[0])
    x = np.asarray(client.get_xdata(), dtype=float)
    assert np.diff(x[:-1]) == pytest.approx(np.full(7, 2 * np.pi / 8)) and x[-1] == x[0]


def test_radar_previous_wave_line_is_the_first_wave_alone(answers):
    result = assess(answers)
    first = points(answers[answers["wave"] == answers["wave"].min()])
    expected = first.groupby("dimension")["points"].mean().reindex(DIMS).to_numpy()
    reference, previous, _ = radar(result, lang="en").get_lines()
    assert np.asarray(previous.get_ydata(), dtype=float)[:-1] == pytest.approx(expected)
    # the overall stage is 3 (capped), so the reference is stage 4's threshold: 60
    assert set(np.asarray(reference.get_ydata(), dtype=float)) == {60.0}


@pytest.mark.parametrize(("score", "stage", "level"), [(1, 2, 40.0), (2, 3, 60.0), (4, 5, 80.0)])
def test_reference_is_the_next_stage_threshold(score: int, stage: int, level: float):
    # every answer = score → every dimension = score / 4 × 100 (25, 50, 100)
    result = assess(uniform(score))
    assert result.stage == stage
    assert reference_level(result) == (min(stage + 1, 5), level)
    [line, _] = radar(result).get_lines()  # one wave: reference and client only
    assert set(np.asarray(line.get_ydata(), dtype=float)) == {level}


def test_heatmap_cells_are_the_department_means(answers):
    result = assess(answers)
    latest = points(answers[answers["wave"] == answers["wave"].max()])
    expected = latest.pivot_table(
        index="department", columns="dimension", values="points", aggfunc="mean"
    ).reindex(columns=DIMS)
    ax = heatmap(result, lang="de")
    assert len(ax.images) == 0  # vector cells (a QuadMesh), no raster image in the SVG
    rows = [label.get_text() for label in ax.get_yticklabels()]
    shown = np.ma.filled(ax.collections[0].get_array(), np.nan).reshape(len(rows), -1)
    assert sorted(rows) == sorted(expected.index)
    assert shown == pytest.approx(expected.loc[rows].to_numpy(), nan_ok=True)
    numbers = [int(text.get_text()) for text in ax.texts]
    cells = expected.loc[rows].to_numpy().ravel()
    assert numbers == [half_up(v) for v in cells if np.isfinite(v)]


def test_wave_bars_are_the_two_waves_scores(answers):
    result = assess(answers)
    means = (
        points(answers)
        .groupby(["wave", "dimension"])["points"]
        .mean()
        .unstack()
        .reindex(columns=DIMS)
    )
    before, after = means.iloc[0].to_numpy(), means.iloc[1].to_numpy()
    ax = waves(result, lang="de")
    heights = np.array([bar.get_height() for bar in ax.patches])
    assert heights[:8] == pytest.approx(before) and heights[8:] == pytest.approx(after)
    labels = [text.get_text() for text in ax.texts]
    assert [int(label.replace("−", "-")) for label in labels] == [
        half_up(d) for d in after - before
    ]
    assert all(label.startswith("+") for label in labels if int(label.replace("−", "-")) > 0)
