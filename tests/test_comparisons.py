"""Group comparisons: Holm against statsmodels, NPS z by hand, CSAT against statsmodels."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import proportions_ztest

from cxlib.kpis.comparisons import compare, holm


@pytest.mark.parametrize(
    "p", [[0.01, 0.04, 0.03, 0.5], [0.001, 0.2, np.nan, 0.04, 0.049], [0.9], [0.02, 0.02, 0.02]]
)
def test_holm_matches_statsmodels(p):
    p = np.asarray(p, dtype=float)
    ok = ~np.isnan(p)
    reference = multipletests(p[ok], method="holm")[1]
    assert np.allclose(holm(p)[ok], reference)
    assert np.isnan(holm(p)[~ok]).all()


def survey() -> pd.DataFrame:
    groups = {
        "A": [10] * 20 + [8] * 10 + [3] * 10,  # NPS +25
        "B": [10] * 10 + [8] * 10 + [3] * 20,  # NPS -25
        "C": [10] * 15 + [8] * 10 + [3] * 15,  # NPS 0
        "D": [9] * 5,  # too few answers for a test
    }
    rows = [(g, s) for g, scores in groups.items() for s in scores]
    frame = pd.DataFrame(rows, columns=["phase", "nps"])
    frame["csat"] = np.where(frame["nps"] >= 8, 5, 2)
    return frame


def test_group_against_rest_nps_z_by_hand_and_holm():
    out = compare(survey(), ["phase"], min_n=10).set_index(["group", "kpi"])

    # group A (20 P, 10 D of 40) against the rest B + C + D (30 P incl. 5 nines, 35 D of 85)
    def adj(p, d, n):
        pp, dd = (p + 0.75) / (n + 3), (d + 0.75) / (n + 3)
        return pp - dd, (pp + dd - (pp - dd) ** 2) / (n + 3)

    c1, v1 = adj(20, 10, 40)
    c2, v2 = adj(30, 35, 85)
    z = (c1 - c2) / math.sqrt(v1 + v2)
    assert out.loc[("A", "nps"), "z"] == pytest.approx(z)
    assert math.isnan(out.loc[("D", "nps"), "p"])  # n = 5 < min_n: no test
    tested = out.xs("nps", level="kpi")["p"].dropna()
    assert np.allclose(
        out.xs("nps", level="kpi").loc[tested.index, "p_holm"],
        multipletests(tested, method="holm")[1],
    )


def test_csat_group_against_rest_is_the_pooled_two_proportion_z_test():
    out = compare(survey(), ["phase"], min_n=10).set_index(["group", "kpi"])
    frame = survey()
    a = frame["phase"] == "A"
    counts = [int((frame.loc[a, "csat"] >= 4).sum()), int((frame.loc[~a, "csat"] >= 4).sum())]
    z, p = proportions_ztest(counts, [int(a.sum()), int((~a).sum())])
    assert out.loc[("A", "csat"), "z"] == pytest.approx(z)
    assert out.loc[("A", "csat"), "p"] == pytest.approx(p)


def test_a_difference_is_called_only_when_the_adjusted_test_says_so():
    out = compare(survey(), ["phase"], min_n=10)
    assert ((out["different"]) == (out["p_holm"] < 0.05)).all()
    assert (out.loc[~out["different"], "direction"] == 0).all()


def test_single_group_dimensions_are_skipped():
    frame = survey().assign(segment="Privat")
    assert set(compare(frame, ["segment", "phase"])["dimension"]) == {"phase"}
