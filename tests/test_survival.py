"""Kaplan-Meier and log-rank against lifelines (test-only reference) and hand-worked cases."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

lifelines = pytest.importorskip("lifelines")
from lifelines import KaplanMeierFitter  # noqa: E402
from lifelines.datasets import load_rossi  # noqa: E402
from lifelines.statistics import logrank_test, multivariate_logrank_test  # noqa: E402
from lifelines.utils import restricted_mean_survival_time  # noqa: E402

from cxlib.survival.curves import kaplan_meier, logrank  # noqa: E402
from cxlib.survival.errors import DurationError, NoEventsError  # noqa: E402


@pytest.fixture(scope="module")
def rossi() -> pd.DataFrame:
    return load_rossi()


@pytest.fixture(scope="module")
def utility_table() -> pd.DataFrame:
    """The utility demo client's survival table (delayed entry at 01.01.2023)."""
    from cxlib import workbook
    from cxlib.survival.table import build_survival_table

    wb = workbook.open_client("stadtwerke-lindenau")
    return build_survival_table(wb.params, wb.data).frame


def _lifelines_km(d, e, entry=None):
    return KaplanMeierFitter().fit(d, e, entry=entry)


def test_hand_worked_curve() -> None:
    """Times 1, 2+, 3, 3, 4+: S = 4/5, then × (1 − 2/3) = 4/15; Greenwood by hand."""
    km = kaplan_meier([1, 2, 3, 3, 4], [1, 0, 1, 1, 0])
    table = km.table.set_index("time")
    assert table.loc[1, "survival"] == pytest.approx(0.8)
    assert table.loc[3, "survival"] == pytest.approx(0.8 / 3)
    greenwood = 1 / (5 * 4) + 2 / (3 * 1)
    assert table.loc[3, "se"] == pytest.approx(0.8 / 3 * math.sqrt(greenwood))
    assert km.median == 3.0
    # area under S up to 4: 1·1 + 0.8·2 + 0.8/3·1
    assert km.rmst(4) == pytest.approx(1 + 1.6 + 0.8 / 3)


def test_km_and_loglog_interval_match_lifelines(rossi: pd.DataFrame) -> None:
    km = kaplan_meier(rossi["week"], rossi["arrest"])
    ref = _lifelines_km(rossi["week"], rossi["arrest"])
    times = km.table["time"].to_numpy()
    np.testing.assert_allclose(
        km.table["survival"], ref.survival_function_.loc[times].iloc[:, 0], atol=1e-10
    )
    ci = ref.confidence_interval_.loc[times]
    np.testing.assert_allclose(km.table["low"], ci.iloc[:, 0], atol=1e-10)
    np.testing.assert_allclose(km.table["high"], ci.iloc[:, 1], atol=1e-10)
    assert km.rmst(40) == pytest.approx(restricted_mean_survival_time(ref, 40), abs=1e-9)
    assert km.survival_at(30.5) == pytest.approx(ref.predict(30.5), abs=1e-12)


def test_median_not_reached_is_none_never_inf(rossi: pd.DataFrame) -> None:
    km = kaplan_meier(rossi["week"], rossi["arrest"])
    assert np.isinf(_lifelines_km(rossi["week"], rossi["arrest"]).median_survival_time_)
    assert km.median is None
    assert math.isnan(km.survival_at(60))  # beyond the data: not estimable, not 0


def test_delayed_entry_matches_lifelines(rossi: pd.DataFrame) -> None:
    rng = np.random.default_rng(7)
    entry = np.floor(rng.uniform(0, 0.8, len(rossi)) * rossi["week"].to_numpy())
    km = kaplan_meier(rossi["week"], rossi["arrest"], entry=entry)
    ref = _lifelines_km(rossi["week"], rossi["arrest"], entry=entry)
    times = km.table["time"].to_numpy()
    np.testing.assert_allclose(
        km.table["survival"], ref.survival_function_.loc[times].iloc[:, 0], atol=1e-10
    )


def test_delayed_entry_equals_split_rows() -> None:
    """A customer split into (0, 5] censored + (5, 9] gives the same curve as one row (0, 9]."""
    d = np.array([2, 5, 5, 7, 9, 9, 11.0])
    e = np.array([1, 1, 0, 1, 0, 1, 1])
    whole = kaplan_meier(d, e)
    split_d = np.r_[d[:4], 5.0, d[4:]]
    split_e = np.r_[e[:4], 0, e[4:]]
    split_entry = np.r_[np.zeros(4), 0.0, 5.0, np.zeros(2)]
    # the row (0, 5] censored at an event time and the row entering at 5 must not double count
    split = kaplan_meier(split_d, split_e, entry=split_entry)
    for t in (2, 5, 7, 9, 11):
        assert split.survival_at(t) == pytest.approx(whole.survival_at(t))


def test_groups_on_demo_client_match_lifelines(utility_table: pd.DataFrame) -> None:
    f = utility_table
    result = kaplan_meier(f["duration"], f["event"], entry=f["entry"], groups=f["channel"])
    for name, curve in result.curves.items():
        rows = f[f["channel"] == name]
        ref = _lifelines_km(rows["duration"], rows["event"], entry=rows["entry"])
        times = curve.table["time"].to_numpy()[::50]
        want = ref.survival_function_.loc[times].iloc[:, 0].to_numpy()
        np.testing.assert_allclose(curve.table.set_index("time").loc[times, "survival"], want)


def test_logrank_two_and_multi_group(rossi: pd.DataFrame) -> None:
    two = logrank(rossi["week"], rossi["arrest"], rossi["fin"])
    a, b = rossi[rossi["fin"] == 1], rossi[rossi["fin"] == 0]
    ref = logrank_test(a["week"], b["week"], a["arrest"], b["arrest"])
    assert two.statistic == pytest.approx(ref.test_statistic, rel=1e-10)
    assert two.p == pytest.approx(ref.p_value, rel=1e-8)
    assert two.df == 1
    groups = rossi["prio"].clip(0, 4)
    multi = logrank(rossi["week"], rossi["arrest"], groups)
    ref = multivariate_logrank_test(rossi["week"], groups, rossi["arrest"])
    assert multi.statistic == pytest.approx(ref.test_statistic, rel=1e-10)
    assert multi.df == 4


def test_logrank_on_demo_client_matches_lifelines(utility_table: pd.DataFrame) -> None:
    new = utility_table[utility_table["new"]]
    mine = logrank(new["duration"], new["event"], new["channel"])
    ref = multivariate_logrank_test(new["duration"], new["channel"], new["event"])
    assert mine.statistic == pytest.approx(ref.test_statistic, rel=1e-9)


@pytest.mark.parametrize(
    ("durations", "events", "error"),
    [
        ([1, 2, 3], [0, 0, 0], NoEventsError),
        ([1, 0, 3], [1, 0, 1], DurationError),
        ([1, -2, 3], [1, 0, 1], DurationError),
    ],
)
def test_user_errors(durations, events, error) -> None:
    with pytest.raises(error) as info:
        kaplan_meier(durations, events)
    assert "Kunden" in str(info.value) or "Kündigung" in str(info.value)


def test_entry_after_end_is_a_user_error() -> None:
    with pytest.raises(DurationError):
        kaplan_meier([3, 4], [1, 1], entry=[3, 0])


def _eight_segments(n: int = 4000, seed: int = 19) -> pd.DataFrame:
    """Daily tenures in 8 segments (2 % without a label), 30 % with delayed entry."""
    rng = np.random.default_rng(seed)
    segment = pd.Series(rng.choice(list("ABCDEFGH"), n)).where(rng.uniform(size=n) > 0.02)
    duration = np.ceil(rng.exponential(400, n)).clip(1, 1500)
    entry = np.where(rng.uniform(size=n) < 0.3, np.floor(duration * rng.uniform(size=n)), 0.0)
    return pd.DataFrame(
        {
            "duration": duration,
            "event": rng.uniform(size=n) < 0.7,
            "entry": np.minimum(entry, duration - 1),
            "segment": segment,
        }
    )


def test_eight_segments_with_delayed_entry_match_lifelines_group_by_group() -> None:
    f = _eight_segments()
    result = kaplan_meier(f["duration"], f["event"], entry=f["entry"], groups=f["segment"])
    assert list(result.curves) == list("ABCDEFGH")  # the 2 % without a label are left out
    for name, curve in result.curves.items():
        rows = f[f["segment"] == name]
        ref = _lifelines_km(rows["duration"], rows["event"], entry=rows["entry"])
        times = curve.table["time"].to_numpy()
        want = ref.survival_function_at_times(times).to_numpy()
        np.testing.assert_allclose(curve.table["survival"], want, rtol=1e-12)
        assert curve.n == len(rows)
        assert curve.n_events == int(rows["event"].sum())
        assert list(times) == sorted(rows["duration"].unique())


def test_eight_segments_logrank_matches_lifelines() -> None:
    f = _eight_segments().dropna(subset=["segment"])
    mine = logrank(f["duration"], f["event"], f["segment"])
    ref = multivariate_logrank_test(f["duration"], f["segment"], f["event"])
    assert mine.statistic == pytest.approx(ref.test_statistic, rel=1e-10)
    assert mine.p == pytest.approx(ref.p_value, rel=1e-8)
    assert mine.df == 7
    assert mine.table["n"].tolist() == f["segment"].value_counts().sort_index().tolist()


def test_categorical_groups_keep_their_order_and_numbers_group_like_text() -> None:
    f = _eight_segments(800)
    order = [*"HGFEDCBA", "never used"]
    cat = f["segment"].astype(pd.CategoricalDtype(order))
    result = kaplan_meier(f["duration"], f["event"], groups=cat)
    assert list(result.curves) == list("HGFEDCBA")
    numbers = pd.Series([1, "1", 2, 2.5] * 200)
    mixed = kaplan_meier(f["duration"], f["event"], groups=numbers)
    assert list(mixed.curves) == ["1", "2", "2.5"]  # 1 and "1" read alike: one group
    assert mixed.curves["1"].n == 400


def test_continuous_times_in_many_groups_give_the_curves_of_each_group_alone(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import cxlib.survival.curves as curves

    rng = np.random.default_rng(5)
    d = rng.exponential(10.0, 3000) + 0.01
    e = rng.uniform(size=3000) < 0.6
    groups = rng.integers(0, 80, 3000)
    monkeypatch.setattr(curves, "_MAX_CELLS", 1000)  # force the group-by-group path
    split = kaplan_meier(d, e, groups=groups)
    for name in ("0", "17", "79"):
        rows = groups == int(name)
        alone = kaplan_meier(d[rows], e[rows])
        pd.testing.assert_frame_equal(split.curves[name].table, alone.table)
        ref = _lifelines_km(d[rows], e[rows])
        want = ref.survival_function_at_times(alone.table["time"]).to_numpy()
        np.testing.assert_allclose(alone.table["survival"], want, rtol=1e-12)
