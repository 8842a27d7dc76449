"""Early-warning signals as time-varying Cox covariates, and the ranked churn drivers.

References: hand-worked episodes, a simulation with a planted hazard ratio,
lifelines' CoxPHFitter with ``entry_col`` on the same episodes, hand-computed
attributable shares, and the planted signal effect of the demo utility
(docs/demo-data.md, effect 4).
"""

from __future__ import annotations

import json
from dataclasses import replace
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from cxlib import workbook
from cxlib.parameters.schema import Workshop
from cxlib.survival.analysis import analyse
from cxlib.survival.cox import fit
from cxlib.survival.driver_wording import driver_text
from cxlib.survival.drivers import rank_drivers
from cxlib.survival.signal_model import fit_signal_model, signal_episodes
from cxlib.survival.statements import statements
from cxlib.survival.table import SurvivalData
from cxlib.survival.view import section

WORKSHOP = SimpleNamespace(
    phases=Workshop().phases,  # the method's standard phases
    journeys=[
        SimpleNamespace(name="Startphase", phases=["Kauf/Abschluss", "Onboarding"]),
        SimpleNamespace(name="Geldphase", phases=["Verlängerung/Rechnung"]),
    ],
)


def _table(frame: pd.DataFrame, cutoff: str, window: str) -> SurvivalData:
    return SurvivalData(
        frame=frame,
        definition="contractual",
        cutoff=pd.Timestamp(cutoff).date(),
        window_start=pd.Timestamp(window).date(),
        inactivity_days=None,
        left_truncated=int((frame["entry"] > 0).sum()),
        excluded=0,
    )


# --- episodes: worked by hand -----------------------------------------------------------


def test_episodes_by_hand() -> None:
    """A: started 15.06.2023, left 10.03.2024; B: started 10.02.2024, active on 30.04.2024.

    Tenure in days: A on 01.02.2024 = 231, 01.03. = 260, 10.03. = 269 (leap year);
    B on 01.03. = 20, 01.04. = 51, 30.04. = 80. Covariate = the previous month's flag;
    B's February has no January row, so it has no episode.
    """
    frame = pd.DataFrame(
        {
            "customer_id": ["A", "B"],
            "start_date": pd.to_datetime(["2023-06-15", "2024-02-10"]),
            "entry": [200.0, 0.0],  # A entered the data window on 01.01.2024
            "duration": [269.0, 80.0],
            "event": [True, False],
        }
    )
    flags = pd.DataFrame(
        {
            "customer_id": ["A", "A", "A", "B", "B", "B"],
            "month": pd.to_datetime(
                ["2024-01-01", "2024-02-01", "2024-03-01", "2024-02-01", "2024-03-01", "2024-04-01"]
            ),
            "slow_payment": [True, False, False, False, True, False],
        }
    )
    episodes = signal_episodes(_table(frame, "2024-04-30", "2024-01-01"), flags, ["slow_payment"])
    expected = pd.DataFrame(
        {
            "customer_id": ["A", "A", "B", "B"],
            "month": pd.to_datetime(["2024-02-01", "2024-03-01", "2024-03-01", "2024-04-01"]),
            "entry": [231.0, 260.0, 20.0, 51.0],
            "duration": [260.0, 269.0, 51.0, 80.0],
            "event": [False, True, False, False],
            "slow_payment": [True, False, False, True],
        }
    )
    got = episodes.sort_values(["customer_id", "month"]).reset_index(drop=True)
    pd.testing.assert_frame_equal(got, expected, check_dtype=False)
    # a two-month window: A's March sees January's flag; B's March lacks January
    two = signal_episodes(
        _table(frame, "2024-04-30", "2024-01-01"), flags, ["slow_payment"], window_months=2
    )
    assert two[["customer_id", "month"]].astype(str).values.tolist() == [
        ["A", "2024-03-01"],
        ["B", "2024-04-01"],
    ]
    assert two["slow_payment"].tolist() == [True, True]


# --- a simulation with a planted hazard ratio ---------------------------------------------


def _simulate(hr: float, n: int = 6000, seed: int = 7) -> tuple[SurvivalData, pd.DataFrame]:
    """Monthly signals (15 % of customer-months); churn hazard × ``hr`` after a signal month.

    Every customer is active on 01.01.2024 (start 2015-2023, delayed entry);
    constant hazard 2 % a month; the churn day is uniform over the days after the 1st.
    """
    rng = np.random.default_rng(seed)
    window, cutoff = pd.Timestamp("2024-01-01"), pd.Timestamp("2024-12-31")
    start = window - pd.to_timedelta(rng.integers(1, 9 * 365, n), unit="D")
    months = pd.date_range("2024-01-01", periods=12, freq="MS")
    active = np.ones(n, dtype=bool)
    end = np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]")
    previous = rng.random(n) < 0.15  # December 2023, not in the table
    rows = []
    for month in months:
        signal = rng.random(n) < 0.15
        ids = np.flatnonzero(active)
        rows.append(pd.DataFrame({"customer": ids, "month": month, "flag": signal[ids]}))
        rate = 0.02 * np.where(previous, hr, 1.0)
        leave = active & (rng.random(n) < 1 - np.exp(-rate))
        days = (month + pd.offsets.MonthBegin(1) - month).days
        day = rng.integers(1, days + 1, n)  # (month start, next month start]
        end[leave] = (month + pd.to_timedelta(day[leave], unit="D")).to_numpy()
        active &= ~leave
        previous = signal
    stop = pd.Series(end).fillna(cutoff)
    frame = pd.DataFrame(
        {
            "customer_id": [f"C{i:05d}" for i in range(n)],
            "start_date": start,
            "entry": (window - start).days.astype(float),
            "duration": (stop - pd.Series(start)).dt.days.astype(float),
            "event": pd.Series(end).notna().to_numpy(),
        }
    )
    flags = pd.concat(rows, ignore_index=True)
    flags = pd.DataFrame(
        {
            "customer_id": frame["customer_id"].to_numpy()[flags["customer"]],
            "month": flags["month"],
            "slow_payment": flags["flag"],
        }
    )
    return _table(frame, "2024-12-31", "2024-01-01"), flags


@pytest.fixture(scope="module")
def planted():
    table, flags = _simulate(hr=2.5)
    return fit_signal_model(table, flags, ["slow_payment"])


def test_planted_hazard_ratio_is_recovered(planted) -> None:
    row = planted.model.hazard_ratios.loc["slow_payment"]
    assert planted.first_month == pd.Timestamp("2024-02-01")  # January has no previous month
    assert planted.churns > 800
    assert row["low"] < 2.5 < row["high"]
    assert row["hr"] == pytest.approx(2.5, rel=0.12)


def test_signal_model_equals_lifelines_on_the_same_episodes() -> None:
    lifelines = pytest.importorskip("lifelines")
    table, flags = _simulate(hr=2.5, n=600, seed=5)  # 225 entries equal an event time
    planted = fit_signal_model(table, flags, ["slow_payment"])
    ep = planted.episodes.assign(slow_payment=planted.episodes["slow_payment"].astype(float))
    ref = lifelines.CoxPHFitter().fit(
        ep[["entry", "duration", "event", "slow_payment"]],
        "duration",
        "event",
        entry_col="entry",
        fit_options={"precision": 1e-12},  # its default stops 6e-5 short here
    )
    ours = planted.model.hazard_ratios.loc["slow_payment"]
    assert ours["coef"] == pytest.approx(ref.params_["slow_payment"], abs=1e-6)
    assert ours["se"] == pytest.approx(ref.standard_errors_["slow_payment"], abs=1e-6)
    assert planted.model.log_likelihood == pytest.approx(ref.log_likelihood_, abs=1e-6)


def test_no_immortal_time_bias_without_an_effect() -> None:
    """HR 1 planted: 'ever showed the signal' looks protective, the episodes do not."""
    table, flags = _simulate(hr=1.0, seed=11)
    result = fit_signal_model(table, flags, ["slow_payment"])
    row = result.model.hazard_ratios.loc["slow_payment"]
    assert row["low"] < 1.0 < row["high"]
    ever = flags.groupby("customer_id")["slow_payment"].any()
    naive = table.frame.assign(ever=table.frame["customer_id"].map(ever).astype(float))
    biased = fit(naive, "duration", "event", ["ever"], entry="entry")
    assert biased.hazard_ratios.loc["ever", "high"] < 0.8


def test_signal_model_skips_with_a_plain_note() -> None:
    table, flags = _simulate(hr=2.5, n=300)
    few = fit_signal_model(table, flags, ["slow_payment"], small_n=1000)
    assert few.model is None and few.note == "survival.signals_few"
    none = fit_signal_model(table, None, ["slow_payment"])
    assert none.model is None and none.note == "survival.signals_none"


# --- ranking and links: hand-computed attributable shares ----------------------------------


@pytest.fixture(scope="module")
def ranked():
    """Channel A (reference, 50 %) riskier than B (30 %) and C (20 %); early tickets × 2."""
    rng = np.random.default_rng(3)
    n = 5000
    channel = rng.choice(["A", "B", "C"], n, p=[0.5, 0.3, 0.2])
    early = rng.random(n) < 0.2
    rate = 0.05 * np.where(channel == "A", 2.0, 1.0) * np.where(early, 2.0, 1.0)
    time = rng.exponential(1 / rate)
    frame = pd.DataFrame(
        {
            "duration": np.minimum(np.ceil(time), 24.0),
            "event": time < 24,
            "channel": channel,
            "early_tickets": early,
        }
    )
    model = fit(frame, "duration", "event", ["channel", "early_tickets"])
    return model, frame, rank_drivers(model, frame, None, WORKSHOP, selected="Geldphase")


def test_attributable_share_by_hand(ranked) -> None:
    model, frame, result = ranked
    hr = model.hazard_ratios
    churners = frame[frame["event"]]
    by = {d.covariate: d for d in result.drivers}
    # channel: the reference A is the risk side, compared with the larger level B
    d = by["channel"]
    assert (d.turned, d.risk_level, d.comparison) == (True, "A", "B")
    p_c = (churners["channel"] == "A").mean()
    assert d.share_churners == pytest.approx(p_c, abs=1e-12)
    assert d.share_exposed == pytest.approx((frame["channel"] == "A").mean(), abs=1e-12)
    assert d.hr == pytest.approx(1 / hr.loc["channel: B", "hr"], rel=1e-12)
    assert d.attributable_low == pytest.approx(p_c * (1 - hr.loc["channel: B", "high"]), rel=1e-9)
    # early tickets: exposed = with early tickets; AF with the lower bound
    e = by["early_tickets"]
    p_e = churners["early_tickets"].mean()
    assert e.attributable == pytest.approx(p_e * (1 - 1 / hr.loc["early_tickets", "hr"]), rel=1e-9)
    assert e.attributable_low == pytest.approx(
        p_e * (1 - 1 / hr.loc["early_tickets", "low"]), rel=1e-9
    )
    assert 1.7 < e.hr < 2.3 and 1.6 < d.hr < 2.4  # planted 2 and 2
    # ranked by the cautious share: channel (≈ 2/3 of churners) before early tickets
    assert [x.covariate for x in result.top(3)] == ["channel", "early_tickets"]
    assert result.to_frame()["rank"].tolist() == [1, 2]


def test_links_to_journey_phase_and_signal(ranked) -> None:
    _, _, result = ranked
    by = {d.covariate: d for d in result.drivers}
    assert (by["early_tickets"].phase, by["early_tickets"].journey) == ("Onboarding", "Startphase")
    assert by["early_tickets"].signal == "repeated_tickets"
    assert not by["early_tickets"].chosen
    assert by["channel"].signal is None
    # the chosen journey wins when two candidates share the phase
    both = SimpleNamespace(
        phases=WORKSHOP.phases,
        journeys=[*WORKSHOP.journeys, SimpleNamespace(name="Neu", phases=["Onboarding"])],
    )
    model, frame, _ = ranked
    linked = rank_drivers(model, frame, None, both, selected="Neu")
    early = next(d for d in linked.drivers if d.covariate == "early_tickets")
    assert (early.journey, early.chosen) == ("Neu", True)


# --- the demo clients ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def utility():
    client = workbook.open_client("stadtwerke-lindenau")
    return analyse(client.params, client.data)


def test_demo_signals_raise_churn(utility) -> None:
    """Effect 4: leavers show slower payment, falling usage and more contacts before leaving."""
    sm = utility.signals
    assert sm.model is not None and sm.window_months == 1
    assert sm.first_month == pd.Timestamp("2025-05-01")  # usage needs three earlier months
    assert 3500 < sm.customers <= 4000 and sm.churns > 100
    hr = sm.model.hazard_ratios
    for name in ("usage_drop", "slow_payment", "frequent_queries"):
        assert hr.loc[name, "hr"] > 3 and hr.loc[name, "p"] < 0.001


def test_demo_top_drivers_and_links(utility) -> None:
    top = utility.top_drivers(3)
    assert len(top) == 3
    channel = next(d for d in top if d.covariate == "channel")
    assert channel.risk_level == "Vergleichsportal"  # planted ×1.8, the highest channel
    pay = next(d for d in utility.drivers.drivers if d.covariate == "slow_payment")
    assert (pay.journey, pay.chosen) == ("Geldphase", True)  # the chosen journey
    text = driver_text(utility, pay, "de")
    assert "Journey „Geldphase“ (gewählt" in text and "Kundenmonate" in text
    statement = statements(utility, "de")[-1].text
    assert statement.startswith("Wichtigste Kündigungstreiber")
    assert "Geldphase" in statement and "nan" not in statement.lower()
    figures = json.loads(json.dumps(utility.figures()))
    assert figures["drivers"][0]["rank"] == 1
    assert figures["signals"]["churns"] == utility.signals.churns
    assert {r["signal"] for r in figures["signals"]["hazard_ratios"]} >= {"slow_payment"}


def drivers_html(report, lang: str) -> str:
    """The HTML the drivers block of the churn section shows."""
    return "".join(item.data for item in section(report, lang).show("drivers"))


def test_demo_block_html(utility) -> None:
    html = drivers_html(utility, "de")
    assert "Die wichtigsten Kündigungstreiber" in html
    assert "Frühwarnsignale als Risikofaktoren" in html
    assert "nie mit denen des Kündigungsmonats selbst" in html
    assert "The most important churn drivers" in drivers_html(utility, "en")


def test_small_client_stays_honest() -> None:
    client = workbook.open_client("berger-haustechnik")
    report = analyse(client.params, client.data)
    assert report.signals is not None and report.signals.note == "survival.signals_none"
    html = drivers_html(report, "de")
    assert "Frühwarnsignale (Nutzung, Zahlungsdauer, Kontakte je Kundenmonat) liegen" in html
    if report.top_drivers(3):  # 26 churns: every ranking is flagged as a hint only
        assert "Geringe Aussagekraft" in html
    params = client.params
    survival = params.analysis.survival.model_copy(update={"signal_covariates": False})
    analysis = params.analysis.model_copy(update={"survival": survival})
    off = analyse(params.model_copy(update={"analysis": analysis}), client.data)
    assert off.signals is None and "Frühwarnsignale" not in drivers_html(off, "de")


def test_time_unit_reaches_the_curves(utility, monkeypatch) -> None:
    from cxlib.survival import plots

    seen = {}
    original = plots.km_curves

    def spy(curves, **kwargs):
        seen.update(kwargs)
        return original(curves, **kwargs)

    monkeypatch.setattr(plots, "km_curves", spy)
    section(replace(utility, time_unit="weeks"), "de").show("curve")
    assert seen["unit_key"] == "weeks" and seen["unit_days"] == 7.0


def test_small_n_warning_follows_the_model_churns(utility) -> None:
    assert any(d.source == "model" for d in utility.top_drivers(3))
    many = drivers_html(replace(utility, small_n=utility.model.n_events + 1), "de")
    assert "Geringe Aussagekraft: Das Risikomodell beruht auf nur" in many
    enough = drivers_html(replace(utility, small_n=utility.model.n_events), "de")
    assert "Geringe Aussagekraft" not in enough


def test_client_text_is_escaped(utility) -> None:
    from cxlib.survival.drivers import ChurnDrivers

    channel = next(d for d in utility.drivers.drivers if d.covariate == "channel")
    odd = replace(channel, risk_level="<b>Portal & Co</b>", journey="<i>J&K</i>", chosen=True)
    html = drivers_html(replace(utility, drivers=ChurnDrivers((odd,), "<i>J&K</i>")), "de")
    assert "<b>Portal" not in html and "<i>J" not in html
    # table cell and reading (no list of sentences under the table any more: issue 18)
    assert html.count("&lt;b&gt;Portal &amp; Co&lt;/b&gt;") == 2
    assert html.count("&lt;i&gt;J&amp;K&lt;/i&gt;") == 2  # table and reading
