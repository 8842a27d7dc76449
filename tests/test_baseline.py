"""The KPI baseline recovers the effects planted in the demo clients (docs/demo-data.md).

Intervals are recomputed by hand from the raw answers (adjusted Wald after
Rocks 2016, Wilson, Student t with ``scipy.stats``) and the driver shares
with an independent implementation of Johnson's relative weights (the SVD
route of Johnson 2000 instead of the code's eigen-decomposition).
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from scipy import stats

from cxlib import kpis
from cxlib.demo.utility import DRIVER_WEIGHTS
from cxlib.io.loading import load_client_data
from cxlib.kpis import readings, tables
from cxlib.kpis.analysis import analyse, baseline
from cxlib.parameters.files import load_parameters

Z95 = stats.norm.ppf(0.975)


@pytest.fixture(scope="module")
def bases(project):
    """Per demo client: parameters, baseline and the loaded survey (raw answers)."""
    out = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        for client in ("stadtwerke-lindenau", "berger-haustechnik", "cafe-bohnenglueck"):
            params = load_parameters(project / "parameters" / f"{client}.yaml")
            data = load_client_data(params)
            out[client] = (params, analyse(params, data), data.get("survey"))
    return out


def adjusted_wald(scores) -> tuple[float, float]:
    """Rocks (2016) by hand: n' = n + 3, p' = (P + 0.75)/n', d' = (D + 0.75)/n'."""
    scores = np.asarray(scores, float)
    scores = scores[~np.isnan(scores)]
    n = len(scores) + 3
    p, d = ((scores >= 9).sum() + 0.75) / n, ((scores <= 6).sum() + 0.75) / n
    se = math.sqrt((p + d - (p - d) ** 2) / n)
    return 100 * (p - d - Z95 * se), 100 * (p - d + Z95 * se)


def wilson(k: float, n: float) -> tuple[float, float]:
    """Wilson score interval written out: (p + z²/2n ± z√(p(1−p)/n + z²/4n²)) / (1 + z²/n)."""
    p, z2 = k / n, Z95**2
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = Z95 * math.sqrt(p * (1 - p) / n + z2 / (4 * n**2)) / (1 + z2 / n)
    return centre - half, centre + half


def johnson_by_svd(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Johnson (2000) as published: X = PΔQᵀ, Z = PQᵀ, Λ = QΔQᵀ, β = Zᵀy, ε_j = Σ_k Λ_jk² β_k²."""
    xs = (x - x.mean(axis=0)) / x.std(axis=0, ddof=1) / math.sqrt(len(x) - 1)
    ys = (y - y.mean()) / y.std(ddof=1) / math.sqrt(len(y) - 1)
    p, delta, qt = np.linalg.svd(xs, full_matrices=False)
    z = p @ qt  # the orthonormal columns closest to X
    lam = qt.T @ np.diag(delta) @ qt  # X = Z Λ
    beta = z.T @ ys  # Z has orthonormal columns: least squares is a projection
    return (lam**2) @ (beta**2)


def nps_of(base, dimension, group):
    c = base.comparisons
    row = c[(c["dimension"] == dimension) & (c["group"] == group) & (c["kpi"] == "nps")]
    return row.iloc[0]


def test_baseline_is_the_public_name_of_analyse():
    assert kpis.baseline is kpis.analyse is analyse is baseline


def test_utility_phases_waves_churn_and_drivers(bases):
    _, base, _survey = bases["stadtwerke-lindenau"]
    assert nps_of(base, "phase", "Nutzung")["value"] == pytest.approx(22.5, abs=0.05)
    assert nps_of(base, "phase", "Service/Problemfall")["value"] == pytest.approx(-19.6, abs=0.05)
    assert nps_of(base, "phase", "Verlängerung/Rechnung")["value"] == pytest.approx(-32.0, abs=0.05)
    wave = nps_of(base, "wave", "2024-H1")
    assert wave["value"] == pytest.approx(-27.7, abs=0.05) and wave["direction"] == -1
    assert nps_of(base, "phase", "Verlängerung/Rechnung")["direction"] == -1
    assert nps_of(base, "segment", "Gewerbe")["direction"] == 0  # no planted segment effect
    assert base.experience["nps"].value == pytest.approx(-3.7, abs=0.05)
    churn = base.yearly.set_index("year")["churn"]
    assert churn[2024] == pytest.approx(0.093, abs=0.0005)
    # retention = share of the customers of 01.01. still customer on 31.12. = 1 − churn;
    # docs: churn 2025 6.9 % → 93.1 % (the textbook (E − N)/S = 92.2 % also subtracts
    # new customers who left in their first year)
    assert base.yearly.set_index("year")["retention"][2025] == pytest.approx(0.931, abs=0.0005)
    planted = sorted(DRIVER_WEIGHTS, key=DRIVER_WEIGHTS.get, reverse=True)
    assert base.drivers.table["item"].tolist() == planted
    assert base.warning is not None and base.warning.monthly["customers"].iloc[0] == 4000


def test_driver_shares_are_johnsons_relative_weights(bases):
    _, base, survey = bases["stadtwerke-lindenau"]
    items = list(DRIVER_WEIGHTS)
    complete = survey[[*items, "nps"]].dropna()
    x, y = complete[items].to_numpy(float), complete["nps"].to_numpy(float)
    weights = johnson_by_svd(x, y)
    # the weights split the R² of the ordinary least-squares fit
    design = np.column_stack([np.ones(len(x)), x])
    residual = y - design @ np.linalg.lstsq(design, y, rcond=None)[0]
    r2 = 1 - residual @ residual / ((y - y.mean()) @ (y - y.mean()))
    assert weights.sum() == pytest.approx(r2, rel=1e-9)
    table = base.drivers.table.set_index("item")
    assert base.drivers.n == len(complete)
    assert base.drivers.r2 == pytest.approx(r2, rel=1e-9)
    expected = dict(zip(items, 100 * weights / weights.sum(), strict=True))
    for item, share in expected.items():
        assert table.loc[item, "share"] == pytest.approx(share, rel=1e-9)
        assert table.loc[item, "share_low"] <= share <= table.loc[item, "share_high"]
    assert table.loc[items, "performance"].tolist() == pytest.approx(survey[items].mean().tolist())


def test_survey_intervals_follow_their_formulas(bases):
    _, base, survey = bases["stadtwerke-lindenau"]
    nps = base.experience["nps"]
    assert (nps.low, nps.high) == pytest.approx(adjusted_wald(survey["nps"]), abs=1e-9)
    answers = survey["csat"].dropna()
    low, high = wilson((answers >= 4).sum(), len(answers))
    csat = base.experience["csat"]
    assert (csat.low, csat.high) == pytest.approx((100 * low, 100 * high), abs=1e-9)
    effort = survey["ces"].dropna().to_numpy(float)
    t_low, t_high = stats.t.interval(
        0.95, len(effort) - 1, loc=effort.mean(), scale=stats.sem(effort)
    )
    ces = base.experience["ces"]
    assert (ces.low, ces.high) == pytest.approx((t_low, t_high), abs=1e-9)
    # the churn row: Wilson on the customers lost in the last year of those at its start
    last = base.yearly.iloc[-1]
    churn = base.to_frame().set_index("kpi").loc["churn"]
    low, high = wilson(last["lost"], last["start"])
    assert (churn["low"], churn["high"]) == pytest.approx((100 * low, 100 * high), abs=1e-9)


def test_craft_small_sample_is_marked(bases):
    _params, base, survey = bases["berger-haustechnik"]
    e = base.experience["nps"]
    assert e.n == len(survey) == 41  # 41 paper questionnaires (docs/demo-data.md)
    scores = survey["nps"].to_numpy(float)
    assert e.value == pytest.approx(100 * ((scores >= 9).mean() - (scores <= 6).mean()))
    assert (e.low, e.high) == pytest.approx(adjusted_wald(scores), abs=1e-9)
    assert e.low > 0  # documented: the interval lies above zero (+5.3 to +49.2)
    assert base.reliability(e.n) == "ok"
    wartung = nps_of(base, "touchpoint", "Wartung")
    expected = adjusted_wald(survey.loc[survey["touchpoint"] == "Wartung", "nps"])
    assert (wartung["low"], wartung["high"]) == pytest.approx(expected, abs=1e-9)
    assert wartung["n"] == 25 < base.small_n  # every group below small_n = 30
    assert base.reliability(int(wartung["n"])) == "low"
    frame = tables.comparison_frame(base, "de")
    assert frame["Aussagekraft"].str.startswith("geringe Aussagekraft (n = ").all()
    statement = readings.statements(base, "de")[0]
    assert statement.text == "Weiterempfehlung (NPS): +29 (95 %-Intervall +5 bis +49, n = 41)."


def test_cafe_weak_store_and_one_time_buyers(bases):
    _, base, _survey = bases["cafe-bohnenglueck"]
    c = base.comparisons
    csat = c[(c["dimension"] == "touchpoint") & (c["kpi"] == "csat")].set_index("group")
    assert csat.loc["Bahnhof", "value"] == pytest.approx(48.5, abs=0.05)
    assert csat.loc["Bahnhof", "direction"] == -1
    others = csat.drop("Bahnhof")["value"]
    assert others.min() == pytest.approx(77.8, abs=0.05) and others.max() == pytest.approx(84.0)
    assert base.economics.model == "non_contractual"
    # documented: 31.5 % of the cards have one purchase record, 31.6 % one purchase day
    # (records of one day are one purchase occasion)
    assert base.economics.one_time_share == pytest.approx(0.316, abs=0.0005)
    assert base.economics.repurchase_rate == pytest.approx(0.63, abs=0.005)
    assert base.yearly is None  # no churn for a non-contractual client


def test_baseline_frame_has_the_three_levels_and_mdc(bases):
    _, base, _survey = bases["stadtwerke-lindenau"]
    frame = base.to_frame()
    assert set(frame["level"]) == {"retention", "experience", "economics"}
    nps = frame.set_index("kpi").loc["nps"]
    e = base.experience["nps"]
    p, d = e.promoters / e.n, e.detractors / e.n
    var = p + d - (p - d) ** 2
    n_next = 430  # answers of the last wave, 2025-H2
    assert base.expected_n == n_next
    assert nps["mdc"] == pytest.approx(
        100 * (1.959964 + 0.841621) * (var / e.n + var / n_next) ** 0.5
    )


def test_texts_in_both_languages(bases):
    _params, base, _survey = bases["stadtwerke-lindenau"]
    de = readings.key_message(base, "de")
    assert de.startswith("Weiterempfehlung (NPS) −4 (95 %-Intervall −7 bis −1, n = 2.520)")
    assert "Kundenbindungsrate 2025: 93,1\u202f%" in de
    assert readings.key_message(base, "en").startswith("Likelihood to recommend (NPS) −4")
    statements = readings.statements(base, "de")
    # NPS, the 2024-H1 drop (test_summary_rules.py), retention
    # NPS, the euros at risk (cxlib.kpis.value_at_risk), the wave change, retention
    assert [s.kind for s in statements] == ["figure", "risk", "change", "figure"]
    assert statements[3].text.startswith("Kundenbindungsrate 2025: 93,1\u202f%; ")
    assert statements[3].light == "green"  # 93.1 % at or above the benchmark of 90 %


def test_small_and_tiny_samples_and_targets(minimal_params):
    import pandas as pd

    from cxlib.parameters.schema import ClientParameters

    params = load_parameters(minimal_params)
    data = params.model_dump()
    data["analysis"]["kpi"]["targets"] = {"nps": 20.0, "csat": 80.0}
    params = ClientParameters.model_validate(data)
    survey = pd.DataFrame(
        {
            "response_id": [str(i) for i in range(20)],
            "date": pd.date_range("2025-01-01", periods=20, freq="W"),
            "nps": [10] * 8 + [7] * 6 + [2] * 6,
            "csat": [5] * 12 + [2] * 3 + [None] * 5,
        }
    )
    base = baseline(params, {"survey": survey})
    rows = base.to_frame().set_index("kpi")
    assert rows.loc["nps", "reliability"] == "low" and rows.loc["nps", "target"] == 20.0
    assert rows.loc["csat", "n"] == 15 and base.missing == {"nps": 0, "csat": 5}
    frame = tables.baseline_frame(base, "de").set_index("Kennzahl")
    assert frame.loc["Weiterempfehlungsbereitschaft (NPS)", "Aussagekraft"] == (
        "geringe Aussagekraft (n = 20)"
    )
    assert frame.loc["Weiterempfehlungsbereitschaft (NPS)", "Ziel"] == "+20"
    tiny = baseline(params, {"survey": survey.head(8)})
    frame = tables.baseline_frame(tiny, "de").set_index("Kennzahl")
    assert frame.loc["Weiterempfehlungsbereitschaft (NPS)", "Wert (95 %-Intervall)"] == "–"
    assert readings.statements(tiny, "de") == []


def test_every_grouping_beside_the_charted_one_is_shown_as_a_table(bases):
    from cxlib.kpis.view import section
    from cxlib.texts import t

    _params, base, _survey = bases["stadtwerke-lindenau"]
    html = "".join(item.data for item in section(base, "de").show("more_groups"))
    charted = base.main_dimension()
    others = set(base.comparisons["dimension"]) - {charted}
    assert "segment" in others
    for key in others:
        assert t(f"kpis.dimensions.{key}", "de") in html
    # the two segments do not differ in NPS: the table must not call it a difference
    assert not nps_of(base, "segment", "Privat")["different"]
