"""Group comparisons: Holm against statsmodels, NPS z by hand, CSAT against statsmodels.

The comparisons are judged in the report's testing family; on their own (no
family given) all their tests, both KPIs, form the family.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import proportions_ztest

from cxlib.kpis.comparisons import MIN_GAP, compare, hypotheses
from cxlib.report.testing import Hypothesis, TestFamily, holm


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
    # the gap to the rest in NPS points: +25 against (30 − 35) / 85
    assert out.loc[("A", "nps"), "gap"] == pytest.approx(25 - 100 * (30 - 35) / 85)
    # one family: the NPS and the CSAT tests of all tested groups together
    tested = out["p"].dropna()
    assert len(tested) == 6
    assert np.allclose(out.loc[tested.index, "p_adjusted"], multipletests(tested, method="holm")[1])


def test_csat_group_against_rest_is_the_pooled_two_proportion_z_test():
    out = compare(survey(), ["phase"], min_n=10).set_index(["group", "kpi"])
    frame = survey()
    a = frame["phase"] == "A"
    counts = [int((frame.loc[a, "csat"] >= 4).sum()), int((frame.loc[~a, "csat"] >= 4).sum())]
    z, p = proportions_ztest(counts, [int(a.sum()), int((~a).sum())])
    assert out.loc[("A", "csat"), "z"] == pytest.approx(z)
    assert out.loc[("A", "csat"), "p"] == pytest.approx(p)


def big_survey() -> pd.DataFrame:
    """The same answers three times (clear differences after the family's adjustment)."""
    return pd.concat([survey()] * 3, ignore_index=True)


def test_a_difference_is_called_only_when_the_adjusted_test_and_the_gap_say_so():
    out = compare(big_survey(), ["phase"], min_n=10)
    expected = (out["p_adjusted"] < 0.05) & (out["gap"].abs() >= 5)
    assert (out["different"] == expected).all()
    assert out["different"].any() and (out.loc[~out["different"], "direction"] == 0).all()


def test_a_significant_gap_below_five_points_is_not_a_finding():
    """Thousands of answers make a 3-point gap significant; it is not worth a sentence."""
    rng = np.random.default_rng(3)
    a = rng.choice([10, 8, 3], size=20_000, p=[0.41, 0.30, 0.29])  # NPS about +12
    b = rng.choice([10, 8, 3], size=20_000, p=[0.40, 0.30, 0.30])  # NPS about +10
    frame = pd.DataFrame({"phase": ["A"] * len(a) + ["B"] * len(b), "nps": [*a, *b]})
    frame["csat"] = np.where(frame["nps"] >= 8, 5, 2)
    out = compare(frame, ["phase"], min_n=10).set_index(["group", "kpi"])
    row = out.loc[("A", "nps")]
    assert row["p_adjusted"] < 0.05 and abs(row["gap"]) < MIN_GAP
    assert row["verdict"] == "small" and not row["different"] and row["direction"] == 0
    assert abs(row["gap"]) == pytest.approx(
        100 * abs(((a == 10).mean() - (a == 3).mean()) - ((b == 10).mean() - (b == 3).mean()))
    )


def test_two_groups_are_one_test_in_the_family():
    frame = survey()
    frame = frame[frame["phase"].isin(["A", "B"])]
    out = compare(frame, ["phase"], min_n=10)
    found = hypotheses(out)
    assert [h.id for h in found] == ["kpi/nps/phase", "kpi/csat/phase"]


def test_the_report_family_judges_the_comparisons():
    """With more tests in the family an adjusted p-value grows: A's NPS is no longer stated."""
    own = compare(big_survey(), ["phase"], min_n=10)
    row = own[(own["group"] == "A") & (own["kpi"] == "nps")].iloc[0]
    assert row["different"]
    others = [Hypothesis(f"survival/cox/x{i}", row["p"] * 2) for i in range(200)]
    family = TestFamily.of([*hypotheses(own), *others])
    judged = compare(big_survey(), ["phase"], min_n=10, family=family)
    again = judged[(judged["group"] == "A") & (judged["kpi"] == "nps")].iloc[0]
    members = [*hypotheses(own), *others]
    expected = multipletests([h.p for h in members], method="holm")[1]
    at = [h.id for h in members].index(row["test_id"])
    assert again["p_adjusted"] == pytest.approx(expected[at])
    assert again["p_adjusted"] > row["p_adjusted"]


def test_single_group_dimensions_are_skipped():
    frame = survey().assign(segment="Privat")
    assert set(compare(frame, ["segment", "phase"])["dimension"]) == {"phase"}
