"""Every figure of the KPI baseline table has n and an interval, or the reason it has none.

Issue 14 ("Every figure with n and an interval"). References are independent
of the code: Wilson intervals from ``statsmodels.stats.proportion.proportion_confint``,
t intervals from ``scipy.stats.t``, bootstrap intervals from
``scipy.stats.bootstrap`` (another implementation with another random
stream, compared with a tolerance of a few percent of the interval's width),
each on counts and revenues recounted from the raw demo tables. The
coverage tests simulate customers with a known true CLV.
"""

from __future__ import annotations

import dataclasses
import re
import warnings
from decimal import ROUND_HALF_UP, Decimal

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from statsmodels.stats.proportion import proportion_confint

from cxlib.io.loading import load_client_data
from cxlib.kpis import readings, tables
from cxlib.kpis.analysis import analyse
from cxlib.parameters.files import load_parameters

CLIENTS = ("stadtwerke-lindenau", "berger-haustechnik", "cafe-bohnenglueck")


@pytest.fixture(scope="module")
def bases(project):
    """Per demo client: parameters, baseline and the loaded tables."""
    out = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        for client in CLIENTS:
            params = load_parameters(project / "parameters" / f"{client}.yaml")
            data = load_client_data(params)
            out[client] = (params, analyse(params, data), data)
    return out


def wilson_ref(k: int, n: int) -> tuple[float, float]:
    low, high = proportion_confint(k, n, alpha=0.05, method="wilson")
    return 100 * low, 100 * high


def row(base, kpi: str) -> pd.Series:
    return base.to_frame().set_index("kpi").loc[kpi]


def active_at(customers: pd.DataFrame, day: pd.Timestamp) -> pd.Series:
    """Customers whose contract runs on ``day`` (started by then, not ended before)."""
    end = customers["end_date"]
    return (customers["start_date"] <= day) & (end.isna() | (end > day))


# -- every row ------------------------------------------------------------------------------


@pytest.mark.parametrize("client", CLIENTS)
def test_every_figure_has_n_and_an_interval_or_a_reason(bases, client):
    _params, base, _data = bases[client]
    frame = base.to_frame()
    for r in frame.to_dict(orient="records"):
        assert r["n"] > 0, r["kpi"]
        if np.isfinite(r["low"]) and np.isfinite(r["high"]):
            assert r["low"] <= r["value"] <= r["high"], r["kpi"]
        else:
            assert r.get("reason"), f"{client} {r['kpi']}: no interval and no reason"
    # the economics and retention figures of the demo clients all have an interval
    economic = frame[frame["level"].isin(["economics", "retention"])]
    assert np.isfinite(economic[["low", "high"]].to_numpy(float)).all()


@pytest.mark.parametrize("lang", ["de", "en"])
@pytest.mark.parametrize("client", CLIENTS)
def test_every_value_cell_shows_an_interval_or_why_not(bases, client, lang):
    _params, base, _data = bases[client]
    column = "Wert (95 %-Intervall)" if lang == "de" else "Value (95% interval)"
    for cell in tables.baseline_frame(base, lang)[column]:
        assert re.search(r"\(.+ – .+\)$", cell), cell


def test_a_figure_without_interval_records_why(minimal_params):
    """One active customer with a revenue: an ARPU on n = 1, no spread for an interval."""
    params = load_parameters(minimal_params)
    customers = pd.DataFrame(
        {
            "customer_id": ["a", "b", "c", "d"],
            "start_date": pd.to_datetime(["2023-01-01", "2023-01-01", "2023-06-01", "2023-02-01"]),
            "end_date": pd.to_datetime([None, "2025-03-31", "2024-02-29", None]),
            "revenue_month": [80.0, 50.0, 40.0, None],
        }
    )
    base = analyse(params, {"customers": customers})
    arpu = row(base, "arpu")
    assert arpu["value"] == 80.0 and arpu["n"] == 1  # d is active but has no revenue
    assert np.isnan(arpu["low"]) and arpu["reason"] == "too_few"
    assert row(base, "clv")["reason"] == "too_few"


@pytest.mark.parametrize(
    ("lang", "reason", "text"),
    [
        ("de", "count", "(kein Intervall: Anzahl)"),
        ("de", "assumption", "(kein Intervall: Annahme aus der Parameterdatei)"),
        ("en", "too_few", "(no interval: too few values)"),
    ],
)
def test_the_table_states_the_reason_instead_of_an_empty_interval(bases, lang, reason, text):
    _params, base, _data = bases["cafe-bohnenglueck"]
    frame = base.to_frame()
    frame.loc[frame["kpi"] == "clv", ["low", "high", "method", "reason"]] = [
        np.nan,
        np.nan,
        "",
        reason,
    ]
    shown = tables.baseline_frame(dataclasses.replace(base, targets=frame), lang)
    column = "Wert (95 %-Intervall)" if lang == "de" else "Value (95% interval)"
    assert shown[column].iloc[-1].endswith(text)
    assert (
        shown[column]
        .iloc[-1]
        .startswith(tables.value_text("clv", frame["value"].iloc[-1], lang, "€"))
    )


# -- shares: Wilson ----------------------------------------------------------------------------


def test_retention_and_upsell_are_wilson_intervals(bases):
    _params, base, data = bases["stadtwerke-lindenau"]
    customers = data.get("customers")
    last = base.yearly.iloc[-1]
    year = int(last["year"])
    # retention is a share of the customers at the start of the year
    kept = last["retention"] * last["start"]
    assert kept == pytest.approx(round(kept), abs=1e-6)
    retention = row(base, "retention")
    assert (retention["low"], retention["high"]) == pytest.approx(
        wilson_ref(round(kept), int(last["start"])), abs=1e-9
    )
    # up-sell by hand: active on 01.01. with an upgrade in the year
    jan1 = pd.Timestamp(year, 1, 1)
    end = customers["end_date"]
    at_start = (customers["start_date"] < jan1) & (end.isna() | (end >= jan1))
    upgraded = at_start & (customers["upgrade_date"].dt.year == year)
    upsell = row(base, "upsell")
    assert upsell["n"] == at_start.sum()
    assert upsell["value"] == pytest.approx(100 * upgraded.sum() / at_start.sum())
    assert (upsell["low"], upsell["high"]) == pytest.approx(
        wilson_ref(int(upgraded.sum()), int(at_start.sum())), abs=1e-9
    )


def test_repurchase_rate_is_a_wilson_interval(bases):
    params, base, data = bases["cafe-bohnenglueck"]
    tx = data.get("transactions")
    cut = pd.Timestamp(params.cutoff)
    window = params.analysis.kpi.repurchase_window_days or params.analysis.survival.inactivity_days
    # purchase occasions: several records of one card on one day are one purchase
    occasions = tx[tx["date"] <= cut].drop_duplicates(["customer_id", "date"])
    dates = occasions.sort_values("date").groupby("customer_id", observed=True)["date"]
    first, second = dates.nth(0), dates.nth(1)
    first = pd.Series(first.to_numpy(), index=tx.loc[first.index, "customer_id"])
    second = pd.Series(second.to_numpy(), index=tx.loc[second.index, "customer_id"])
    eligible = first[first <= cut - pd.Timedelta(days=window)]
    gap = (second.reindex(eligible.index) - eligible).dt.days
    repurchased = int((gap <= window).sum())
    r = row(base, "repurchase")
    assert r["n"] == len(eligible)
    assert r["value"] == pytest.approx(100 * repurchased / len(eligible))
    assert (r["low"], r["high"]) == pytest.approx(wilson_ref(repurchased, len(eligible)), abs=1e-9)


# -- means: Student t --------------------------------------------------------------------------


def t_ref(values: np.ndarray) -> tuple[float, float]:
    return stats.t.interval(0.95, len(values) - 1, loc=values.mean(), scale=stats.sem(values))


@pytest.mark.parametrize("client", ["stadtwerke-lindenau", "berger-haustechnik"])
def test_monthly_arpu_has_the_t_interval(bases, client):
    params, base, data = bases[client]
    customers = data.get("customers")
    revenue = customers.loc[active_at(customers, pd.Timestamp(params.cutoff)), "revenue_month"]
    arpu = row(base, "arpu")
    assert arpu["n"] == len(revenue)
    assert (arpu["low"], arpu["high"]) == pytest.approx(t_ref(revenue.to_numpy(float)), rel=1e-9)


def test_yearly_arpu_of_the_repurchase_view_has_the_t_interval(bases):
    params, base, data = bases["cafe-bohnenglueck"]
    tx = data.get("transactions")
    cut = pd.Timestamp(params.cutoff)
    recent = tx[(tx["date"] > cut - pd.DateOffset(years=1)) & (tx["date"] <= cut)]
    revenue = recent.groupby("customer_id", observed=True)["amount"].sum().to_numpy(float)
    arpu = row(base, "arpu")
    assert arpu["n"] == len(revenue)
    assert (arpu["low"], arpu["high"]) == pytest.approx(t_ref(revenue), rel=1e-9)


# -- CLV: bootstrap against scipy -------------------------------------------------------------


def assert_close_interval(got: tuple[float, float], want: tuple[float, float], share=0.06):
    """Both bounds within ``share`` of the reference interval's width (Monte Carlo error)."""
    width = want[1] - want[0]
    assert width > 0
    assert abs(got[0] - want[0]) <= share * width, (got, want)
    assert abs(got[1] - want[1]) <= share * width, (got, want)


def test_contract_clv_interval_matches_scipy_bootstrap(bases):
    params, base, data = bases["stadtwerke-lindenau"]
    customers = data.get("customers")
    revenue = customers.loc[active_at(customers, pd.Timestamp(params.cutoff)), "revenue_month"]
    last = base.yearly.iloc[-1]
    lost = np.r_[np.ones(int(last["lost"])), np.zeros(int(last["start"] - last["lost"]))]
    options = params.analysis.kpi
    monthly_i = (1 + options.discount_rate) ** (1 / 12) - 1

    def clv(rev, left, axis=-1):
        margin = rev.mean(axis=axis) * options.margin_rate
        r = (1 - left.mean(axis=axis)) ** (1 / 12)  # monthly retention from the yearly churn
        return margin * r / (1 + monthly_i - r)  # Gupta & Lehmann

    assert clv(revenue.to_numpy(float), lost) == pytest.approx(row(base, "clv")["value"])
    ref = stats.bootstrap(
        (revenue.to_numpy(float), lost),
        clv,
        paired=False,
        n_resamples=3000,
        batch=100,
        method="percentile",
        rng=np.random.default_rng(7),
    ).confidence_interval
    got = row(base, "clv")
    assert_close_interval((got["low"], got["high"]), (ref.low, ref.high))


def test_repurchase_clv_interval_matches_scipy_bootstrap(bases):
    params, base, data = bases["cafe-bohnenglueck"]
    tx = data.get("transactions")
    cut = pd.Timestamp(params.cutoff)
    one, two = cut - pd.DateOffset(years=1), cut - pd.DateOffset(years=2)
    seen = tx[tx["date"] <= cut]
    per = pd.DataFrame(
        {
            "revenue": seen[seen["date"] > one]
            .groupby("customer_id", observed=True)["amount"]
            .sum(),
            "previous": seen[(seen["date"] > two) & (seen["date"] <= one)]
            .groupby("customer_id", observed=True)["amount"]
            .size()
            > 0,
        }
    ).reindex(seen["customer_id"].unique())
    bought = per["revenue"].notna().to_numpy(float)
    revenue = per["revenue"].fillna(0).to_numpy(float)
    previous = per["previous"].astype("boolean").fillna(False).to_numpy(float)
    options = params.analysis.kpi

    def clv(b, rev, prev, axis=-1):
        arpu = rev.sum(axis=axis) / b.sum(axis=axis)
        r = (prev * b).sum(axis=axis) / prev.sum(axis=axis)
        return arpu * options.margin_rate * r / (1 + options.discount_rate - r)

    # the repurchase view's CLV (the Café's table row shows the purchase model's value, the
    # report's one customer value; this one stays in the analysis beside it)
    eco = base.economics
    assert clv(bought, revenue, previous) == pytest.approx(eco.clv_discounted)
    ref = stats.bootstrap(
        (bought, revenue, previous),
        clv,
        paired=True,
        n_resamples=3000,
        batch=200,
        method="percentile",
        rng=np.random.default_rng(7),
    ).confidence_interval
    got = eco.clv_interval
    assert_close_interval((got.low, got.high), (ref.low, ref.high))


# -- coverage on simulated customers ----------------------------------------------------------


def _coverage(make_interval, samples: int = 200) -> float:
    hits = 0
    for seed in range(samples):
        low, high, truth = make_interval(np.random.default_rng(1000 + seed))
        hits += low <= truth <= high
    return hits / samples


@pytest.mark.parametrize(("active", "max_resample"), [(300, 20_000), (3000, 300)])
def test_contract_clv_interval_covers_the_true_clv(active, max_resample):
    """Log-normal revenues, yearly churn 15 %: the true CLV is known.

    The second case forces the m-out-of-n bootstrap (resamples of 300 of
    3,000 customers, scaled): it must cover as often as the ordinary one.
    """
    from cxlib.kpis.economics import contractual_clv_interval

    mu, sigma, churn, at_start, margin, rate = 4.0, 0.8, 0.15, 400, 0.3, 0.08
    arpu = np.exp(mu + sigma**2 / 2)  # mean of the log-normal
    r = (1 - churn) ** (1 / 12)
    i = (1 + rate) ** (1 / 12) - 1
    truth = arpu * margin * r / (1 + i - r)

    def one(rng):
        revenue = rng.lognormal(mu, sigma, active)
        lost = int(rng.binomial(at_start, churn))
        got = contractual_clv_interval(
            revenue, lost, at_start, margin, rate, max_resample=max_resample
        )
        return got.low, got.high, truth

    assert 0.90 <= _coverage(one) <= 0.99


def test_repurchase_clv_interval_covers_the_true_clv():
    """Customers buy again with 70 % (after a purchase the year before) or 40 %."""
    from cxlib.kpis.economics import repurchase_clv_interval

    n, mu, sigma, margin, rate = 400, 3.5, 1.0, 0.3, 0.08
    arpu, r = np.exp(mu + sigma**2 / 2), 0.7
    truth = arpu * margin * r / (1 + rate - r)

    def one(rng):
        previous = rng.random(n) < 0.6
        bought = rng.random(n) < np.where(previous, 0.7, 0.4)
        revenue = np.where(bought, rng.lognormal(mu, sigma, n), 0.0)
        got = repurchase_clv_interval(bought, revenue, previous, margin, rate)
        return got.low, got.high, truth

    assert 0.90 <= _coverage(one) <= 0.99


@pytest.mark.slow
def test_bootstrap_intervals_on_a_million_customers():
    """Both bootstraps run on a million customers (their speed: benchmarks/bench_kpis.py)."""
    from cxlib.kpis.economics import contractual_clv_interval, repurchase_clv_interval

    rng = np.random.default_rng(1)
    revenue = rng.lognormal(4, 1, 1_000_000)
    got = contractual_clv_interval(revenue, 80_000, 900_000, 0.2, 0.08)
    assert got.method == "bootstrap" and got.low < got.high
    previous = rng.random(len(revenue)) < 0.6
    bought = rng.random(len(revenue)) < 0.6
    got = repurchase_clv_interval(bought, revenue * bought, previous, 0.3, 0.08)
    assert got.method == "bootstrap" and got.low < got.high


# -- readings: NPS arithmetic and monthly range ------------------------------------------------

NUMBER = re.compile(r"[+−-]?\d+(?:[.,]\d+)?")


def _numbers(text: str, lang: str) -> list[Decimal]:
    out = []
    for token in NUMBER.findall(text):
        token = token.replace("−", "-")
        token = token.replace(".", "").replace(",", ".") if lang == "de" else token
        out.append(Decimal(token.replace(",", "")))
    return out


@pytest.mark.parametrize("lang", ["de", "en"])
@pytest.mark.parametrize("client", CLIENTS)
def test_the_nps_sentence_adds_up(bases, client, lang):
    """Promoters − detractors = the NPS written in the sentence, as the reader would check it."""
    _params, base, data = bases[client]
    sentence = readings.ppd_reading(base, lang)
    numbers = _numbers(sentence, lang)
    promoters, detractors = numbers[0], numbers[1]
    stated = numbers[-2] if len(numbers) > 3 else numbers[-1]
    assert promoters - detractors == stated, sentence
    # the whole NPS the sentence ends with is the one of the key message
    whole = numbers[-1]
    assert stated.quantize(Decimal(1), rounding=ROUND_HALF_UP) == whole, sentence
    assert whole == _numbers(readings.key_message(base, lang), lang)[0]
    # and the shares are the survey's, rounded to the shown decimals
    scores = data.get("survey")["nps"].dropna().to_numpy(float)
    step = Decimal(1).scaleb(promoters.as_tuple().exponent)
    assert abs(float(promoters) - 100 * (scores >= 9).mean()) <= float(step) / 2 + 1e-9
    assert abs(float(detractors) - 100 * (scores <= 6).mean()) <= float(step) / 2 + 1e-9


def test_monthly_nps_range_only_from_months_with_enough_answers(bases):
    """Café: most months have fewer than 30 answers; the range must leave them out."""
    params, base, data = bases["cafe-bohnenglueck"]
    survey = data.get("survey")
    month = survey["date"].dt.to_period("M")
    scores = survey["nps"]
    per_month = pd.DataFrame(
        {
            "n": scores.groupby(month).count(),
            "nps": 100
            * ((scores >= 9).groupby(month).mean() - (scores <= 6).groupby(month).mean()),
        }
    )
    enough = per_month[per_month["n"] >= params.analysis.small_n]
    assert 2 <= len(enough) < len(per_month[per_month["n"] >= params.analysis.min_n])
    text = readings.trend_reading(base, "de")
    low, high = (f"{v:+.0f}".replace("-", "−") for v in (enough["nps"].min(), enough["nps"].max()))
    assert f"zwischen {low} und {high}" in text, text
    assert f"{len(enough)} Monaten mit mindestens {params.analysis.small_n} Antworten" in text


def test_no_monthly_range_without_two_months_of_enough_answers(bases):
    _params, base, _data = bases["berger-haustechnik"]  # at most 7 answers a month
    text = readings.trend_reading(base, "de")
    assert "zwischen" not in text and "Höchstens ein Monat" in text
