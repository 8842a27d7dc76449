"""The KPI baseline recovers the effects planted in the demo clients (docs/demo-data.md)."""

from __future__ import annotations

import warnings

import pytest

from cxlib.io.loading import load_client_data
from cxlib.kpis import readings, tables
from cxlib.kpis.analysis import baseline
from cxlib.parameters.schema import load_parameters


@pytest.fixture(scope="module")
def bases(project):
    out = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        for client in ("stadtwerke-lindenau", "berger-haustechnik", "cafe-bohnenglueck"):
            params = load_parameters(project / "parameters" / f"{client}.yaml")
            out[client] = (params, baseline(params, load_client_data(params)))
    return out


def nps_of(base, dimension, group):
    c = base.comparisons
    row = c[(c["dimension"] == dimension) & (c["group"] == group) & (c["kpi"] == "nps")]
    return row.iloc[0]


def test_utility_phases_waves_churn_and_drivers(bases):
    _, base = bases["stadtwerke-lindenau"]
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
    assert base.yearly.set_index("year")["retention"][2025] == pytest.approx(0.922, abs=0.0005)
    ranking = base.drivers.table["item"].tolist()
    assert ranking == [
        "item_rechnung_verstaendlich",
        "item_erreichbarkeit",
        "item_preis_fair",
        "item_onboarding_klar",
    ]
    assert base.drivers.table["share"].round().tolist() == [43, 26, 20, 10]
    assert base.warning is not None and base.warning.monthly["customers"].iloc[0] == 4000


def test_craft_small_sample_is_marked(bases):
    _params, base = bases["berger-haustechnik"]
    e = base.experience["nps"]
    assert (e.n, round(e.value, 1), round(e.low, 1), round(e.high, 1)) == (41, 29.3, 5.3, 49.2)
    assert base.reliability(e.n) == "ok"
    wartung = nps_of(base, "touchpoint", "Wartung")
    assert (round(wartung["low"], 1), round(wartung["high"], 1)) == (18.3, 67.5)
    assert base.reliability(int(wartung["n"])) == "low"
    frame = tables.comparison_frame(base, "de")
    assert frame["Aussagekraft"].str.startswith("geringe Aussagekraft (n = ").all()
    statement = readings.statements(base, "de")[0]
    assert statement.text == "Weiterempfehlung (NPS): +29 (95 %-Intervall +5 bis +49, n = 41)."


def test_cafe_weak_store_and_one_time_buyers(bases):
    _, base = bases["cafe-bohnenglueck"]
    c = base.comparisons
    csat = c[(c["dimension"] == "touchpoint") & (c["kpi"] == "csat")].set_index("group")
    assert csat.loc["Bahnhof", "value"] == pytest.approx(48.5, abs=0.05)
    assert csat.loc["Bahnhof", "direction"] == -1
    others = csat.drop("Bahnhof")["value"]
    assert others.min() == pytest.approx(77.8, abs=0.05) and others.max() == pytest.approx(84.0)
    assert base.economics.model == "non_contractual"
    assert base.economics.one_time_share == pytest.approx(0.315, abs=0.0005)
    assert base.economics.repurchase_rate == pytest.approx(0.63, abs=0.005)
    assert base.yearly is None  # no churn for a non-contractual client


def test_baseline_frame_has_the_three_levels_and_mdc(bases):
    _, base = bases["stadtwerke-lindenau"]
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
    _params, base = bases["stadtwerke-lindenau"]
    de = readings.key_message(base, "de")
    assert de.startswith("Weiterempfehlung (NPS) −4 (95 %-Intervall −7 bis −1, n = 2.520)")
    assert "Kundenbindungsrate 2025: 92,2\u202f%" in de
    assert readings.key_message(base, "en").startswith("Likelihood to recommend (NPS) −4")
    statements = readings.statements(base, "de")
    assert statements[1].text.startswith("Kundenbindungsrate 2025: 92,2\u202f%; ")


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
    from cxlib.kpis.section import section
    from cxlib.texts import t

    _params, base = bases["stadtwerke-lindenau"]
    html = "".join(item.data for item in section(base, "de").show("more_groups"))
    charted = base.main_dimension()
    others = set(base.comparisons["dimension"]) - {charted}
    assert "segment" in others
    for key in others:
        assert t(f"kpis.dimensions.{key}", "de") in html
    # the two segments do not differ in NPS: the table must not call it a difference
    assert not nps_of(base, "segment", "Privat")["different"]
