"""The bubble chart draws the ratings it is given: mean position, raters' spread, size, threshold.

Expected values are the demo parameter file's workshop ratings, averaged by hand.
"""

from __future__ import annotations

from pathlib import Path
from statistics import mean

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pytest

from cxlib.journeys.plots import bubbles
from cxlib.journeys.selection import from_workshop
from cxlib.parameters.files import load_parameters
from cxlib.report import charts

PROJECT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("client", ["stadtwerke-lindenau", "berger-haustechnik"])
def test_bubbles_sit_at_the_mean_ratings_with_the_raters_spread(client: str):
    params = load_parameters(PROJECT / "parameters" / f"{client}.yaml")
    workshop, options = params.workshop, params.analysis.journey
    selection = from_workshop(workshop, options)
    charts.apply_style("#00704a")
    ax = bubbles(selection, lang="de")
    try:
        rated = {j.name: j for j in workshop.journeys if j.ratings}
        # each bubble is labelled with its journey's name (labels drawn in the bubbles' order)
        names = [text.get_text().split("\n")[0] for text in ax.texts[: len(ax.collections)]]
        assert sorted(names) == sorted(rated)
        lines = ax.get_lines()
        for i, (name, bubble) in enumerate(zip(names, ax.collections, strict=True)):
            ratings = rated[name].ratings
            freq = [r.frequency for r in ratings]
            damage = [r.damage for r in ratings]
            feas = mean(r.feasibility for r in ratings)
            assert tuple(bubble.get_offsets()[0]) == pytest.approx((mean(freq), mean(damage)))
            assert bubble.get_sizes()[0] == pytest.approx(180 * feas**1.5 / 3)
            colour = charts.ACCENT if name == selection.selected else charts.GREY
            face = bubble.get_facecolor()[0][:3]
            assert tuple(face) == pytest.approx(matplotlib.colors.to_rgb(colour))
            # the raters' spread: a horizontal and a vertical line, lowest to highest rating
            horizontal, vertical = lines[2 * i], lines[2 * i + 1]
            assert list(horizontal.get_xdata()) == pytest.approx([min(freq), max(freq)])
            assert list(vertical.get_ydata()) == pytest.approx([min(damage), max(damage)])
        # the qualification threshold on both axes: a vertical, then a horizontal line
        vertical, horizontal = lines[2 * len(rated) :]
        assert set(vertical.get_xdata()) == {options.min_rating}
        assert set(horizontal.get_ydata()) == {options.min_rating}
    finally:
        plt.close(ax.figure)
