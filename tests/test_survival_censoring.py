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
    sales["date"] = pd.to_datetime(sales["date"])
    first = sales.groupby("customer_id", as_index=False)["date"].min()
    customers = first.rename(columns={"date": "start_date"})
    return _Data(customers=customers, transactions=sales)


def test_hand_worked_censoring(shop) -> None:
    """Cut-off 31.12.2024, 90 days: a loss is observable up to 02.10.2024 (= 31.12. − 90)."""
    cutoff = dt.date(2024, 12, 31)
    last_seen = dt.date(2024, 10, 2)
    assert cutoff - dt.timedelta(days=90) == last_seen
    data = _tables(
        {
            "a1": ["2024-01-01", "2024-05-01"],  # lost on 01.05.: day 122 (start day = day 1)
            "a2": ["2024-01-01", "2024-11-30"],  # bought after 02.10.: censored on 02.10.
            "b1": ["2024-07-01", "2024-12-01"],  # likewise, from its own start
            "b2": ["2024-07-01", "2024-07-10"],  # lost on 10.07.: day 10
            "late": ["2024-10-15", "2024-10-16"],  # started after 02.10.: adds nothing
            "edge": ["2024-03-01", "2024-10-02"],  # last purchase exactly on 02.10.: lost
        }
    )
    table = build_survival_table(_params(shop, cutoff, 90), data)
    f = table.frame.set_index("customer_id")

    def day(start: dt.date, stop: dt.date) -> int:
        return (stop - start).days + 1  # the start day is day 1

    expected = {
        "a1": (day(dt.date(2024, 1, 1), dt.date(2024, 5, 1)), True),
        "a2": (day(dt.date(2024, 1, 1), last_seen), False),
        "b1": (day(dt.date(2024, 7, 1), last_seen), False),
        "b2": (day(dt.date(2024, 7, 1), dt.date(2024, 7, 10)), True),
        "edge": (day(dt.date(2024, 3, 1), last_seen), True),
    }
    assert expected["a1"][0] == 122 and expected["b1"][0] == 94 and expected["b2"][0] == 10
    assert sorted(f.index) == sorted(expected)
    for cid, (duration, event) in expected.items():
        assert f.loc[cid, "duration"] == duration, cid
        assert bool(f.loc[cid, "event"]) is event, cid
    assert table.too_recent == 1 and table.last_observable == last_seen
    # Kaplan-Meier by hand. Losses at day 10 (risk set: all 5), day 122 (b1 censored at 94:
    # a1, a2, edge remain), day 216 (edge; a2 censored at 276 remains): S = 4/5 · 2/3 · 1/2.
    # Censored at the last purchase instead, b1 (at risk up to day 154) would dilute day 122.
    curve = kaplan_meier(f["duration"], f["event"])
    assert expected["edge"][0] == 216
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


@pytest.mark.parametrize(("days", "months"), [(90, 12), (180, 12), (365, 5)])
def test_cdnow_survival_against_lifelines(shop, cdnow, days, months) -> None:
    """CDNOW (23,570 customers, 01.1997-06.1998): S(months) as lifelines on the rule.

    With 365 days a loss is observable up to 30.06.1997 only, six months after the
    last start: the curve ends there (12 months cannot be estimated).
    """
    lifelines = pytest.importorskip("lifelines")
    cutoff = pd.Timestamp("1998-06-30")
    span = cdnow.groupby("customer_id")["date"].agg(["min", "max"])
    seen_until = cutoff - pd.Timedelta(days=days)
    lost = span["max"] <= seen_until
    stop = span["max"].where(lost, seen_until)
    duration = (stop - span["min"]).dt.days + 1
    counted = span["min"] <= seen_until
    reference = lifelines.KaplanMeierFitter().fit(duration[counted], lost[counted])
    expected = float(reference.predict(months * DAYS_PER_MONTH))

    customers = span[["min"]].rename(columns={"min": "start_date"}).reset_index()
    data = _Data(customers=customers, transactions=cdnow)
    table = build_survival_table(_params(shop, cutoff.date(), days), data)
    f = table.frame
    ours = kaplan_meier(f["duration"], f["event"]).survival_at(months * DAYS_PER_MONTH)
    assert ours == pytest.approx(expected, abs=1e-9)
    assert table.n == int(counted.sum()) and table.n_events == int(lost.sum())
    assert table.too_recent == int((~counted).sum())
    if days == 180:  # the figures: 0.227 censored at the last purchase, about 0.20 now
        assert round(ours, 2) == 0.20


def test_cafe_report_states_the_rule_and_agrees_with_the_count() -> None:
    """Café Bohnenglück (120 days, cut-off 31.12.2025): the note names 02.09.2025 and the
    customers who started after it; the Kaplan-Meier share lost within 6 months now agrees
    with the hand count of early churn (cxlib.kpis.retention, the same rule on the customers
    observable 6 months + 120 days) to within 2 points; censored at the last purchase, the
    curve said 49 % against the count's 52.5 % (issue 15)."""
    from cxlib.survival.analysis import analyse
    from cxlib.survival.readings import definition_note

    client = workbook.open_client("cafe-bohnenglueck")
    params, data = client.params, client.data
    seen_until = params.cutoff - dt.timedelta(days=params.analysis.survival.inactivity_days)
    assert seen_until == dt.date(2025, 9, 2)
    report = analyse(params, data)
    first = data.get("transactions").groupby("customer_id", observed=True)["date"].min()
    start = data.get("customers").set_index("customer_id")["start_date"]
    first = first.reindex(start.index)
    bought = first.notna()  # customers without a purchase are not in the analysis at all
    began = start[bought].where(start[bought] <= first[bought], first[bought])
    assert report.data.too_recent == int((began > pd.Timestamp(seen_until)).sum()) > 0
    note = definition_note(report, "de")
    assert "02.09.2025" in note and f"{report.data.too_recent} Kunden" in note
    assert "02/09/2025" in definition_note(report, "en")
    counted = report.early_churn_counts[0]
    assert counted.months == 6 and counted.n > 1000
    curve = 1.0 - report.overall.survival_at(6 * DAYS_PER_MONTH)
    assert curve == pytest.approx(counted.share, abs=0.02)


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
