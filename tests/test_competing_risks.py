"""Cumulative incidence per churn reason against lifelines' AalenJohansenFitter (test-only)."""

from __future__ import annotations

import numpy as np
import pytest

lifelines = pytest.importorskip("lifelines")
from lifelines import AalenJohansenFitter, KaplanMeierFitter  # noqa: E402
from lifelines.datasets import load_rossi  # noqa: E402

from cxlib.survival.competing_risks import cumulative_incidence  # noqa: E402


def test_aalen_johansen_matches_lifelines() -> None:
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
