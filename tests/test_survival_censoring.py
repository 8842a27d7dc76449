"""Unbiased churn without contracts: censoring at cut-off − inactivity period (issue 15).

A loss on day t (the day of the last purchase) can only be seen once
``inactivity_days`` (N) quiet days have passed: t + N ≤ cut-off. Customers who
bought after cut-off − N are censored there, not at their last purchase;
customers who started after it add nothing. Checked on a hand-worked example
and on the real CDNOW purchase log (shipped with the ``lifetimes`` package),
against lifelines' Kaplan-Meier estimate on durations derived here by the rule.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
from pathlib import Path

import pandas as pd
import pytest

from cxlib import workbook
from cxlib.survival.curves import kaplan_meier
from cxlib.survival.table import DAYS_PER_MONTH, build_survival_table


class _Data:
    """Stand-in for ClientData: only ``get`` is used."""

    def __init__(self, **tables: pd.DataFrame):
        self.tables = tables

    def get(self, name: str) -> pd.DataFrame | None:
        return self.tables.get(name)


@pytest.fixture(scope="module")
def shop():
    return workbook.open_client("cafe-bohnenglueck").params


def _params(base, cutoff: dt.date, days: int):
    survival = base.analysis.survival.model_copy(update={"inactivity_days": days})
    analysis = base.analysis.model_copy(
        update={"survival": survival, "observation_start": None, "data_cutoff": cutoff}
    )
    update = {"business_model": "non_contractual", "analysis": analysis, "report_date": cutoff}
    return base.model_copy(update=update)


def _tables(purchases: dict[str, list[str]]) -> _Data:
    sales = pd.DataFrame(
        [(cid, day) for cid, days in purchases.items() for day in days],
        columns=["customer_id", "date"],
    )
    sales["date"] = pd.to_datetime(sales["date"], format="ISO8601")
    first = sales.groupby("customer_id", as_index=False)["date"].min()
    customers = first.rename(columns={"date": "start_date"})
    return _Data(customers=customers, transactions=sales)


def test_hand_worked_censoring(shop) -> None:
    """Cut-off 31.12.2024, 90 days: a loss is observable up to 02.10.2024 (= 31.12. − 90).

    The curve counts from the second purchase occasion (day 1); a one-time buyer is
    not in it (issue 15: their own figure, not a loss on the day they arrived).
    """
    cutoff = dt.date(2024, 12, 31)
    last_seen = dt.date(2024, 10, 2)
    assert cutoff - dt.timedelta(days=90) == last_seen
    data = _tables(
        {
            "a1": ["2024-01-01", "2024-01-10", "2024-05-01"],  # lost on 01.05.
            "a2": ["2024-01-01", "2024-01-10", "2024-11-30"],  # bought after 02.10.: censored
            "b1": ["2024-07-01", "2024-07-02", "2024-12-01"],  # likewise, from its own 2nd day
            "b2": ["2024-07-01", "2024-07-05", "2024-07-14"],  # lost on 14.07.: day 10
            "late": ["2024-09-20", "2024-10-16"],  # second purchase after 02.10.: adds nothing
            "once": ["2024-02-01 09:00", "2024-02-01 17:30"],  # one day, two receipts: one-time
            "edge": ["2024-03-01", "2024-03-02", "2024-10-02"],  # last exactly on 02.10.: lost
        }
    )
    table = build_survival_table(_params(shop, cutoff, 90), data)
    f = table.frame.set_index("customer_id")

    def day(start: dt.date, stop: dt.date) -> int:
        return (stop - start).days + 1  # the second purchase day is day 1

    expected = {
        "a1": (day(dt.date(2024, 1, 10), dt.date(2024, 5, 1)), True),
        "a2": (day(dt.date(2024, 1, 10), last_seen), False),
        "b1": (day(dt.date(2024, 7, 2), last_seen), False),
        "b2": (day(dt.date(2024, 7, 5), dt.date(2024, 7, 14)), True),
        "edge": (day(dt.date(2024, 3, 2), last_seen), True),
    }
    # by hand: 10.01.-01.05. = 21 + 29 + 31 + 30 + 1 days, + 1; 02.07.-02.10. = 29 + 31 + 31 + 2
    assert expected["a1"][0] == 113 and expected["b1"][0] == 93 and expected["b2"][0] == 10
    assert sorted(f.index) == sorted(expected)
    for cid, (duration, event) in expected.items():
        assert f.loc[cid, "duration"] == duration, cid
        assert bool(f.loc[cid, "event"]) is event, cid
    assert table.too_recent == 1 and table.one_time_buyers == 1
    assert table.last_observable == last_seen
    # Kaplan-Meier by hand. Losses at day 10 (risk set: all 5), day 113 (b1 censored at 93:
    # a1, a2, edge remain), day 215 (edge; a2 censored at 267 remains): S = 4/5 · 2/3 · 1/2.
    # Censored at the last purchase instead, b1 (at risk up to day 154) would dilute day 113.
    # With the one-time buyer lost on its day 1, the curve would start at 5/6 instead of 1.
    curve = kaplan_meier(f["duration"], f["event"])
    assert expected["edge"][0] == 215 and expected["a2"][0] == 267
    assert curve.survival_at(5) == 1.0
    assert curve.survival_at(150) == pytest.approx(4 / 5 * 2 / 3)
    assert curve.survival_at(250) == pytest.approx(4 / 5 * 2 / 3 * 1 / 2)


def _cdnow_log() -> Path:
    spec = importlib.util.find_spec("lifetimes")  # the data only; lifetimes is never imported
    if spec is None or not spec.submodule_search_locations:
        pytest.skip("lifetimes (test dependency with the CDNOW data) is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "datasets" / "CDNOW_master.txt"


@pytest.fixture(scope="module")
def cdnow() -> pd.DataFrame:
    raw = pd.read_csv(_cdnow_log(), sep=r"\s+", dtype={"customer_id": str, "date": str})
    raw["date"] = pd.to_datetime(raw["date"], format="%Y%m%d")
    return raw[["customer_id", "date"]]


@pytest.mark.parametrize(("days", "months"), [(90, 12), (180, 11), (365, 5)])
def test_cdnow_survival_against_lifelines(shop, cdnow, days, months) -> None:
    """CDNOW (23,570 customers, 01.1997-06.1998): S(months) as lifelines on the rule,
    counted from each customer's second purchase day (one-time buyers not in the curve).

    With 365 days a loss is observable up to 30.06.1997 only, six months after the
    last start: the curve ends there (12 months cannot be estimated); with 180 days up
    to 01.01.1998, just under 12 months after the first second purchases.
    """
    lifelines = pytest.importorskip("lifelines")
    cutoff = pd.Timestamp("1998-06-30")
    # purchase days per customer, sorted: the second day is where the curve starts
    days_seen = cdnow.drop_duplicates().sort_values(["customer_id", "date"])
    nth = days_seen.groupby("customer_id").cumcount()
    span = days_seen.groupby("customer_id")["date"].agg(["min", "max"])
    span["second"] = days_seen[nth == 1].set_index("customer_id")["date"]
    once = span["second"].isna()
    seen_until = cutoff - pd.Timedelta(days=days)
    lost = span["max"] <= seen_until
    stop = span["max"].where(lost, seen_until)
    duration = (stop - span["second"]).dt.days + 1
    counted = ~once & (span["second"] <= seen_until)
    reference = lifelines.KaplanMeierFitter().fit(duration[counted], lost[counted])
    expected = float(reference.predict(months * DAYS_PER_MONTH))

    customers = span[["min"]].rename(columns={"min": "start_date"}).reset_index()
    data = _Data(customers=customers, transactions=cdnow)
    table = build_survival_table(_params(shop, cutoff.date(), days), data)
    f = table.frame
    ours = kaplan_meier(f["duration"], f["event"]).survival_at(months * DAYS_PER_MONTH)
    assert ours == pytest.approx(expected, abs=1e-9)
    assert table.n == int(counted.sum()) and table.n_events == int(lost[counted].sum())
    assert table.one_time_buyers == int(once.sum())
    assert table.too_recent == int((~once & ~counted).sum())
    # day 1 loses only customers whose second purchase day was their last (no one-time buyer)
    two_time = counted & lost & (span["max"] == span["second"])
    day_one = kaplan_meier(f["duration"], f["event"]).survival_at(1)
    assert day_one == pytest.approx(1 - two_time.sum() / counted.sum())


def test_cafe_report_states_the_rule_and_agrees_with_the_count() -> None:
    """Café Bohnenglück (120 days, cut-off 31.12.2025): the note names 02.09.2025 and the
    customers whose second purchase came after it; the Kaplan-Meier share lost within 6
    months agrees with the hand count of early churn (cxlib.kpis.retention, the same rule on
    the customers observable 6 months + 120 days after their second purchase) to within 2
    points. One-time buyers (a single purchase day) are not in the curve: it does not drop
    by their share (29 % of the customers in the curve before issue 15) on day 1."""
    from cxlib.survival.analysis import analyse
    from cxlib.survival.readings import definition_note

    client = workbook.open_client("cafe-bohnenglueck")
    params, data = client.params, client.data
    seen_until = params.cutoff - dt.timedelta(days=params.analysis.survival.inactivity_days)
    assert seen_until == dt.date(2025, 9, 2)
    report = analyse(params, data)
    sales = data.get("transactions")
    days = sales.assign(day=sales["date"].dt.normalize())[["customer_id", "day"]]
    days = days.drop_duplicates().sort_values(["customer_id", "day"])
    nth = days.groupby("customer_id", observed=True).cumcount()
    second = days[nth == 1].set_index("customer_id")["day"]
    once = days.groupby("customer_id", observed=True).size() == 1
    assert report.data.one_time_buyers == int(once.sum()) > 1000
    assert report.data.too_recent == int((second > pd.Timestamp(seen_until)).sum()) > 0
    assert report.data.n == int((second <= pd.Timestamp(seen_until)).sum())
    note = definition_note(report, "de")
    assert "02.09.2025" in note and f"{report.data.too_recent} Kunden" in note
    assert "02/09/2025" in definition_note(report, "en")
    counted = report.early_churn_counts[0]
    assert counted.months == 6 and counted.n > 1000
    curve = 1.0 - report.overall.survival_at(6 * DAYS_PER_MONTH)
    assert curve == pytest.approx(counted.share, abs=0.02)
    # day 1 loses only customers whose second purchase was their last (two-time buyers)
    f = report.data.frame
    first_day = int((f["event"] & (f["duration"] == 1)).sum())
    assert report.overall.survival_at(1) == pytest.approx(1 - first_day / report.data.n)
    assert first_day / report.data.n < 0.1 < report.data.one_time_buyers / len(once)


def test_shop_without_cut_off_gets_the_shop_diagnosis(shop) -> None:
    """Purchases up to 2019, report date 2025 and no cut-off: everyone looks lost. A shop
    is told about the missing cut-off, not about an export of cancelled contracts."""
    from cxlib.survival.errors import AllEventsError

    data = _tables({"a": ["2019-01-05", "2019-03-01"], "b": ["2019-02-01", "2019-06-30"]})
    params = _params(shop, dt.date(2025, 12, 31), 180)
    with pytest.raises(AllEventsError) as caught:
        build_survival_table(params, data)
    message = str(caught.value)
    assert "gekündigt" not in message and "Verträge" not in message
    assert "analysis.data_cutoff" in message and "30.06.2019" in message
    assert "31.12.2025" in message and "180 Tagen" in message
