"""NPS, CSAT and CES: hand-worked formulas and independent references.

References: the adjusted-Wald NPS interval written out by hand from Rocks
(2016), "Improving the Accuracy of Net Promoter Score Confidence Intervals",
The American Statistician 70(4); Wilson intervals from
``statsmodels.stats.proportion.proportion_confint(method="wilson")``; the
t interval from ``scipy.stats.t``.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from statsmodels.stats.proportion import proportion_confint

from cxlib.exceptions import CXError
from cxlib.kpis.survey import KpiInputError, by_group, ces, csat, nps, nps_difference, reliability

TEXTBOOK = [10] * 10 + [9] * 5 + [8] * 5 + [7] * 4 + [6] * 3 + [2] * 3  # 15 / 9 / 6


def test_textbook_nps_15_9_6_by_hand():
    e = nps(TEXTBOOK)
    assert (e.n, e.promoters, e.passives, e.detractors) == (30, 15, 9, 6)
    assert e.value == 30.0
    # by hand: n' = 33, p' = 15.75/33, d' = 6.75/33
    p, d = 15.75 / 33, 6.75 / 33
    se = math.sqrt((p + d - (p - d) ** 2) / 33)
    z = 1.959963984540054
    assert e.low == pytest.approx(100 * (p - d - z * se), abs=1e-9)
    assert e.high == pytest.approx(100 * (p - d + z * se), abs=1e-9)
    assert round(e.low) == 1 and round(e.high) == 54  # "about [1; 54]" (CX_METHOD)
    assert e.promoter_share == 50 and e.detractor_share == 20


def test_plain_wald_is_plus_minus_28_for_the_textbook_example():
    e = nps(TEXTBOOK, ci="wald")
    # Var = 0.5 + 0.2 − 0.3² = 0.61; SE = sqrt(0.61/30)
    half = 1.959963984540054 * math.sqrt(0.61 / 30) * 100
    assert e.high - e.value == pytest.approx(half) and round(half) == 28


def test_level_changes_the_width():
    assert nps(TEXTBOOK, level=0.90).high < nps(TEXTBOOK).high


@pytest.mark.parametrize("k,n", [(0, 12), (7, 12), (12, 12), (31, 41), (1234, 2520)])
def test_csat_wilson_against_statsmodels(k, n):
    scores = [5] * k + [2] * (n - k)
    e = csat(scores)
    low, high = proportion_confint(k, n, alpha=0.05, method="wilson")
    assert e.value == pytest.approx(100 * k / n)
    assert e.low == pytest.approx(100 * low, abs=1e-9)
    assert e.high == pytest.approx(100 * high, abs=1e-9)


def test_csat_counts_4_and_5_only():
    assert csat([1, 2, 3, 4, 5]).value == pytest.approx(40.0)


def test_ces_mean_t_interval_against_scipy_and_share_wilson():
    scores = [1, 2, 5, 5, 6, 7, 7, 3, 4, 6, 5, 7]
    e = ces(scores)
    low, high = stats.t.interval(0.95, len(scores) - 1, np.mean(scores), stats.sem(scores))
    assert e.value == pytest.approx(np.mean(scores))
    assert (e.low, e.high) == (pytest.approx(low), pytest.approx(high))
    k = sum(s >= 5 for s in scores)
    w_low, w_high = proportion_confint(k, len(scores), method="wilson")
    assert e.easy == k and e.easy_share == pytest.approx(100 * k / 12)
    assert (e.easy_low, e.easy_high) == (pytest.approx(100 * w_low), pytest.approx(100 * w_high))


def test_missing_answers_are_counted_not_dropped_silently():
    e = nps(pd.Series([10, None, 3, np.nan, 9], dtype="Float64"))
    assert e.n == 3 and e.missing == 2


@pytest.mark.parametrize(
    "call,scores,match",
    [
        (nps, [], "keine Antworten"),
        (nps, [None, None], "keine Antworten"),
        (nps, [3, 11], "außerhalb der Skala 0-10"),
        (nps, [3, 7.5], "außerhalb"),
        (nps, ["sehr gut", 3], "keine Zahlen"),
        (csat, [0, 4], "außerhalb der Skala 1-5"),
        (ces, [8], "außerhalb der Skala 1-7"),
        (nps, "9", "Liste"),
    ],
)
def test_bad_input_raises_the_projects_error_naming_the_problem(call, scores, match):
    with pytest.raises(KpiInputError, match=match) as info:
        call(scores)
    assert isinstance(info.value, CXError)


def test_estimates_are_frozen():
    e = nps(TEXTBOOK)
    with pytest.raises(AttributeError):
        e.value = 3


def test_reliability_thresholds():
    assert [reliability(n) for n in (9, 10, 29, 30)] == ["none", "low", "low", "ok"]


def test_two_group_nps_z_by_hand():
    a, b = nps(TEXTBOOK), nps([10] * 5 + [8] * 10 + [3] * 15)
    pa, da = 15.75 / 33, 6.75 / 33
    pb, db = 5.75 / 33, 15.75 / 33
    sea = math.sqrt((pa + da - (pa - da) ** 2) / 33)
    seb = math.sqrt((pb + db - (pb - db) ** 2) / 33)
    z_hand = ((pa - da) - (pb - db)) / math.sqrt(sea**2 + seb**2)
    z, p = nps_difference(a, b)
    assert z == pytest.approx(z_hand)
    assert p == pytest.approx(2 * stats.norm.sf(abs(z_hand)))


def test_by_group_matches_the_single_estimators():
    rng = np.random.default_rng(3)
    frame = pd.DataFrame(
        {
            "g": rng.choice(["a", "b", "c"], 500),
            "nps": pd.array(rng.integers(0, 11, 500), dtype="Int64"),
            "csat": pd.array(rng.integers(1, 6, 500), dtype="Int64"),
            "ces": pd.array(rng.integers(1, 8, 500), dtype="Int64"),
        }
    )
    frame.loc[:20, "csat"] = pd.NA
    out = by_group(frame, "g").set_index(["g", "kpi"])
    for g, part in frame.groupby("g"):
        for kpi, fn in (("nps", nps), ("csat", csat), ("ces", ces)):
            e = fn(part[kpi])
            row = out.loc[(g, kpi)]
            assert row["n"] == e.n and row["missing"] == e.missing
            assert (row["value"], row["low"], row["high"]) == (
                pytest.approx(e.value),
                pytest.approx(e.low),
                pytest.approx(e.high),
            )


def test_by_group_rejects_off_scale_answers():
    with pytest.raises(KpiInputError):
        by_group(pd.DataFrame({"g": ["a"], "nps": [12]}), "g")
