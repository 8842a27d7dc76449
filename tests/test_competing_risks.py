"""Cumulative incidence per churn reason: against lifelines' AalenJohansenFitter (test-only)
without ties, and worked by hand with ties and delayed entry (as production data have them)."""

from __future__ import annotations

import numpy as np
import pytest

from cxlib.survival.competing_risks import MISSING_REASON, cumulative_incidence
from cxlib.survival.curves import kaplan_meier


def test_aalen_johansen_matches_lifelines() -> None:
    pytest.importorskip("lifelines")
    from lifelines import AalenJohansenFitter, KaplanMeierFitter
    from lifelines.datasets import load_rossi

    rossi = load_rossi()
    rng = np.random.default_rng(0)
    # continuous times: lifelines jitters tied times, so compare without ties
    d = rossi["week"].to_numpy() + rng.uniform(0, 0.5, len(rossi))
    reason = np.where(rng.uniform(size=len(rossi)) < 0.4, "Umzug", "Preis")
    result = cumulative_incidence(d, rossi["arrest"], reason)
    code = np.where(rossi["arrest"] == 1, np.where(reason == "Umzug", 1, 2), 0)
    for number, name in ((1, "Umzug"), (2, "Preis")):
        ref = AalenJohansenFitter(calculate_variance=False).fit(d, code, event_of_interest=number)
        want = ref.cumulative_density_.iloc[:, 0].reindex(result.table["time"]).to_numpy()
        np.testing.assert_allclose(result.table[name], want, atol=1e-12)
    # the reasons add up to 1 − KM (all causes)
    km = KaplanMeierFitter().fit(d, rossi["arrest"])
    total = result.table[["Umzug", "Preis"]].sum(1).to_numpy()
    np.testing.assert_allclose(total, 1 - km.predict(result.table["time"]).to_numpy())
    assert result.reasons[0] == "Preis"  # most frequent first


def test_aalen_johansen_by_hand_with_ties_and_delayed_entry() -> None:
    """Eight customers, worked by hand; production has both ties (whole days) and late entry.

    customer  entry  duration  churn  reason
    A         0      2         yes    X
    B         0      2         yes    Y      (tied with A)
    C         0      2         no            (censored at the tied time: still at risk there)
    D         1      3         yes    X      (enters late)
    E         0      4         yes    X
    H         0      4         yes    -      (no reason recorded; tied with E)
    F         2      5         no            (enters at 2: not at risk at t = 2)
    G         3      5         yes    Y      (enters at 3: not at risk at t = 3)

    At risk when entry < t <= duration. F_k(t) = Σ S(t_i−) · d_k,i / n_i:

    t=2: n = 6 (A B C D E H), d = 2 (X, Y):  F_X = F_Y = 1/6,            S = 4/6 = 2/3
    t=3: n = 4 (D E H F),     d = 1 (X):     F_X = 1/6 + 2/3 · 1/4 = 1/3, S = 2/3 · 3/4 = 1/2
    t=4: n = 4 (E H F G),     d = 2 (X, -):  F_X = 1/3 + 1/2 · 1/4 = 11/24,
                                              F_- = 1/8,                   S = 1/2 · 2/4 = 1/4
    t=5: n = 2 (F G),         d = 1 (Y):     F_Y = 1/6 + 1/4 · 1/2 = 7/24, S = 1/8
    Check: 11/24 + 7/24 + 3/24 = 7/8 = 1 − S(5).
    Ignoring the late entries (F and G at risk from 0) would give n = 8 at t = 2, F_X(2) = 1/8.
    """
    entry = [0, 0, 0, 1, 0, 0, 2, 3]
    duration = [2, 2, 2, 3, 4, 4, 5, 5]
    churn = [True, True, False, True, True, True, False, True]
    reason = ["X", "Y", None, "X", "X", None, None, "Y"]
    result = cumulative_incidence(duration, churn, reason, entry=entry, missing_label="-")
    assert result.reasons == ["X", "Y", "-"]  # 3, 2 and 1 churns
    np.testing.assert_array_equal(result.table["time"], [2, 3, 4, 5])
    np.testing.assert_allclose(result.table["X"], [1 / 6, 1 / 3, 11 / 24, 11 / 24], atol=1e-15)
    np.testing.assert_allclose(result.table["Y"], [1 / 6, 1 / 6, 1 / 6, 7 / 24], atol=1e-15)
    np.testing.assert_allclose(result.table["-"], [0, 0, 1 / 8, 1 / 8], atol=1e-15)
    assert result.at(4.5).to_dict() == pytest.approx({"X": 11 / 24, "Y": 1 / 6, "-": 1 / 8})
    assert result.at(1.0).sum() == 0.0  # before the first churn
    # the same data through the all-cause Kaplan-Meier with delayed entry: 1 − S
    km = kaplan_meier(duration, churn, entry=entry)
    total = result.table[result.reasons].sum(axis=1).to_numpy()
    np.testing.assert_allclose(total, [1 - km.survival_at(t) for t in (2, 3, 4, 5)], atol=1e-15)


def test_reasons_renamed_keep_their_numbers() -> None:
    """Churns without a reason count as MISSING_REASON; the report names it in its language."""
    durations, churn = [1, 2, 3, 4], [True, True, True, False]
    result = cumulative_incidence(durations, churn, ["Preis", None, None, None])
    assert result.reasons == [MISSING_REASON, "Preis"]  # 2 churns, then 1
    named = result.renamed({MISSING_REASON: "nicht erfasst"})
    assert named.reasons == ["nicht erfasst", "Preis"]
    np.testing.assert_array_equal(named.table["nicht erfasst"], result.table[MISSING_REASON])
