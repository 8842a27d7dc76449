"""The rules of the management summary (issue 14), each on a case worked by hand.

The rules are stated in the report's method notes (report.yaml,
``appendix.method.notes.summary`` and ``quality``):

* green only for a figure at or above its target or benchmark;
* a risk (every churn statement) is never green;
* data quality gets a statement only when it is a problem;
* the seed survey's "Silos …" only when the client's own data shows it;
* the largest significant change over time of a headline KPI gets a statement;
* at most seven statements, at least one for each analysis with data, and no
  place for "next steps".
"""

from __future__ import annotations

import math

import pandas as pd
import pytest

from cxlib import maturity
from cxlib.io.loading import TableQuality, load_client_data
from cxlib.io.overview import describe
from cxlib.journeys import analysis as journey_analysis
from cxlib.journeys import view as journey_view
from cxlib.kpis import readings
from cxlib.kpis.analysis import analyse as kpi_analyse
from cxlib.maturity.analysis import MaturityAnalysis
from cxlib.maturity.assessment import assess
from cxlib.parameters.files import load_parameters
from cxlib.parameters.schema import ClientParameters
from cxlib.report.summary import Statement, compose, data_quality_statement
from cxlib.runner.results import SectionRecord

UTILITY = "stadtwerke-lindenau"


def table(
    name: str, rows: int, missing: dict[str, int], rejected: int = 0, read: int | None = None
) -> TableQuality:
    """A loaded table's quality record: ``rows`` kept, ``missing`` blanks per column."""
    return TableQuality(
        table=name,
        file=f"{name}.csv",
        rows_read=rows + rejected if read is None else read,
        rows_rejected=rejected,
        problems=(),
        missing=missing,
        ignored_columns=(),
        personal_columns=(),
        encoding="utf-8",
        separator=";",
    )


#: Data without a problem: no data-quality statement.
CLEAN = [table("customers", 100, {"customer_id": 0, "start_date": 0})]


def record(section: str, *statements: Statement) -> SectionRecord:
    return SectionRecord(id=section, summary=statements)


# --- a risk is never green; green only for a figure ----------------------------------


def test_a_green_churn_statement_is_shown_amber():
    # Berger's survival statement: 0 % early churn and "Rundum-Sorglos … 4,3-mal so häufig"
    # came out green ("Im Soll"); churn is a risk, and a risk is never green.
    churn = Statement("Kündigungen: 0 % … kündigen 4,3-mal so häufig …", "green", "survival")
    [shown] = compose([record("survival", churn)], CLEAN)
    assert shown.text == churn.text
    assert shown.light == "amber"


def test_a_marked_risk_is_never_green_in_any_section():
    risk = Statement("Silo-Hinweis", "green", "maturity", kind="risk")
    [shown] = compose([record("maturity", risk)], CLEAN)
    assert shown.light == "amber"


def test_green_without_a_figure_and_target_is_shown_grey():
    info = Statement("Empfohlene Fokus-Journey: Geldphase", "green", "journey", kind="context")
    figure = Statement("NPS +29 über dem Vergleichswert 0", "green", "kpi", kind="figure")
    shown = compose([record("journey", info), record("kpi", figure)], CLEAN)
    assert [s.light for s in shown] == ["grey", "green"]


def test_red_and_amber_risks_keep_their_light():
    red = Statement("Kündigungen: 49 %", "red", "survival")
    amber = Statement("Kündigungen: 7 %", "amber", "survival")
    assert [s.light for s in compose([record("survival", red, amber)], CLEAN)] == ["red", "amber"]


def test_nps_is_green_only_at_or_above_its_target(minimal_params):
    # 20 answers: 8 promoters, 6 passives, 6 detractors: NPS +10, adjusted-Wald interval
    # −24.7 … +42.1 (worked in test_kpi_readings.py). Against the benchmark 0 it is amber
    # (the interval spans 0); against a target of −30 the whole interval lies above: green;
    # against a target of +50 the whole interval lies below: red.
    survey = pd.DataFrame(
        {
            "response_id": [str(i) for i in range(20)],
            "date": pd.date_range("2025-01-01", periods=20, freq="W"),
            "nps": [10] * 8 + [7] * 6 + [2] * 6,
        }
    )
    lights = {}
    for target in (None, -30.0, 50.0):
        data = load_parameters(minimal_params).model_dump()
        data["analysis"]["kpi"]["targets"] = {} if target is None else {"nps": target}
        base = kpi_analyse(ClientParameters.model_validate(data), {"survey": survey})
        (statement,) = readings.statements(base, "de")
        assert statement.kind == "figure"
        lights[target] = statement.light
    assert lights == {None: "amber", -30.0: "green", 50.0: "red"}


# --- data quality only when it is a problem -------------------------------------------


def test_blanks_that_mean_something_are_no_quality_problem():
    # Stadtwerke: 51,345 empty cells, all but 163 by design (end date of active customers,
    # upgrade date of customers without upgrade, churn reason of active customers)
    customers = table(
        "customers",
        20001,
        {
            "customer_id": 0,
            "start_date": 0,
            "end_date": 16367,
            "segment": 0,
            "product": 0,
            "churn_reason": 16530,
            "upgrade_date": 18448,
        },
    )
    assert data_quality_statement([customers]) is None
    assert [s.section for s in compose([], [customers])] == []


def test_unexplained_blanks_make_a_quality_statement():
    # 1,000 customers with 4 columns that must be filled (4,000 cells; the 600 empty end
    # dates are active customers and do not count) and 200 answers with 2 (400 cells; an
    # empty NPS is an unanswered question): 400 empty segments of 4,400 cells are 9.1 %,
    # a problem (from 1 %), amber (red from 10 %).
    customers = table(
        "customers",
        1000,
        {"customer_id": 0, "start_date": 0, "end_date": 600, "segment": 400, "product": 0},
    )
    survey = table("survey", 200, {"response_id": 0, "date": 0, "nps": 0})
    statement = data_quality_statement([customers, survey], "de")
    assert statement is not None and statement.light == "amber"
    assert statement.section == "appendix"
    assert statement.text == (
        "Datenqualität: In 1.200 Zeilen aus 2 Dateien fehlen 400 Angaben, die gefüllt sein "
        "müssten (9\u202f% der Pflichtangaben); 0 Zeilen verworfen (Details im Anhang)."
    )
    worse = table("customers", 1000, {"customer_id": 0, "segment": 600, "product": 0})
    assert data_quality_statement([worse]).light == "red"  # 600 of 3,000 cells: 20 %


@pytest.mark.parametrize(
    ("rejected", "expected"),
    [(0, None), (9, None), (10, "amber"), (49, "amber"), (50, "red")],
)
def test_rejected_rows_are_a_problem_from_one_percent(rejected, expected):
    # 1,000 rows read, ``rejected`` of them rejected: 1 % is a problem, 5 % is red
    customers = table("customers", 1000 - rejected, {"customer_id": 0}, rejected, read=1000)
    statement = data_quality_statement([customers])
    assert (statement.light if statement else None) == expected


def test_no_data_still_says_so():
    statement = data_quality_statement([], "de")
    assert statement is not None and statement.light == "amber"
    assert statement.text.startswith("Datenbasis: Für diesen Kunden sind noch keine Daten")


# --- seed-survey sentences only with the client's support -----------------------------


def _maturity_statements(answers: pd.DataFrame) -> list[Statement]:
    result = MaturityAnalysis(
        "Muster", assess(answers), describe({"maturity": answers}, ["maturity"], "maturity")
    )
    return list(maturity.section(result, "de").statements)


@pytest.fixture(scope="module")
def utility_answers(project) -> pd.DataFrame:
    params = load_parameters(project / "parameters" / f"{UTILITY}.yaml")
    return load_client_data(params).get("maturity").copy()


def test_no_silo_sentence_when_silos_are_not_the_weakest_field(utility_answers):
    # Stadtwerke: weakest field D8 Technologie (36.5 points), D2 Organisation at 60.9
    statements = _maturity_statements(utility_answers)
    assert any("Uneinigkeit" in s.text for s in statements)
    assert not any("Silos" in s.text for s in statements)


def test_silo_sentence_when_organisation_is_the_weakest_field(utility_answers):
    answers = utility_answers.copy()
    d2 = answers["item"].str.startswith("D2.") & answers["score"].notna()
    answers.loc[d2, "score"] = 0  # D2 (Organisation & Zusammenarbeit, field "silos") at 0
    statements = _maturity_statements(answers)
    assert any("Silos sind laut KMU-Umfrage das Haupthindernis" in s.text for s in statements)


# --- the largest significant change over time -----------------------------------------


def _wave(label: str, promoters: int, passives: int, detractors: int) -> pd.DataFrame:
    n = promoters + passives + detractors
    return pd.DataFrame(
        {
            "date": pd.Timestamp("2025-01-15"),
            "wave": label,
            "nps": [10] * promoters + [8] * passives + [3] * detractors,
        },
        index=range(n),
    )


def test_a_significant_drop_in_the_latest_wave_gets_a_red_statement(minimal_params):
    # three waves of 100: +20, +20, then 10 promoters / 50 detractors = −40. Against the two
    # other waves together (80 − 40 = +20 of 200) the last wave is far lower: adjusted-Wald
    # z ≈ −5.5, Holm-adjusted p < 0.001; each earlier wave lies above the rest (+20 vs −10,
    # z ≈ 2.9, Holm p ≈ 0.008), a difference of 30 points against 60: the last wave is the
    # largest significant change.
    survey = pd.concat(
        [_wave("2024-H2", 40, 40, 20), _wave("2025-H1", 40, 40, 20), _wave("2025-H2", 10, 40, 50)],
        ignore_index=True,
    )
    survey["response_id"] = [str(i) for i in range(len(survey))]
    base = kpi_analyse(load_parameters(minimal_params), {"survey": survey})
    statements = readings.statements(base, "de")
    [change] = [s for s in statements if s.kind == "change"]
    assert change.text == (
        "Weiterempfehlung (NPS) im Zeitverlauf: Befragungswelle 2025-H2 mit −40 (n = 100) "
        "statistisch gesichert unter den übrigen Wellen zusammen (+20); davor +20."
    )
    assert change.light == "red"  # a drop in the latest wave


def test_no_change_statement_without_a_significant_wave(minimal_params):
    survey = pd.concat(
        [_wave("2025-H1", 40, 40, 20), _wave("2025-H2", 38, 42, 20)], ignore_index=True
    )
    survey["response_id"] = [str(i) for i in range(len(survey))]
    base = kpi_analyse(load_parameters(minimal_params), {"survey": survey})
    assert not [s for s in readings.statements(base, "de") if s.kind == "change"]


def test_stadtwerke_nps_drop_in_2024_h1_is_stated(project):
    params = load_parameters(project / "parameters" / f"{UTILITY}.yaml")
    data = load_client_data(params)
    survey = data.get("survey")
    base = kpi_analyse(params, data)

    def nps(frame: pd.DataFrame) -> float:
        scores = frame["nps"].dropna()
        return 100 * ((scores >= 9).mean() - (scores <= 6).mean())

    wave = survey["wave"].astype(str)
    low, rest = survey[wave == "2024-H1"], survey[wave != "2024-H1"]
    # docs/demo-data.md: 2023-H2 +9.5, 2024-H1 −27.7 (planted wave effect −0.45), 2025-H2 −0.7
    assert nps(low) == pytest.approx(-27.674, abs=1e-3)
    rest_text = f"{round(nps(rest)):+d}".replace("-", "−")
    [change] = [s for s in readings.statements(base, "de") if s.kind == "change"]
    assert change.text == (
        "Weiterempfehlung (NPS) im Zeitverlauf: Befragungswelle 2024-H1 mit −28 (n = 430) "
        f"statistisch gesichert unter den übrigen Wellen zusammen ({rest_text}); "
        "davor +10, zuletzt −1 (2025-H2)."
    )
    assert change.light == "amber"  # a past drop, not the latest wave
    assert not math.isnan(nps(rest))


# --- how many, and which ----------------------------------------------------------------


def test_every_analysis_first_then_the_change_and_never_more_than_seven():
    sections = [
        record(
            "maturity",
            Statement("M1", "amber", "maturity", kind="figure"),
            Statement("M2", "amber", "maturity", kind="risk"),
            Statement("M3", "grey", "maturity"),
        ),
        record("journey", Statement("J1", "grey", "journey")),
        record(
            "kpi",
            Statement("K1", "red", "kpi", kind="figure"),
            Statement("K2", "amber", "kpi", kind="figure"),
            Statement("K3", "amber", "kpi", kind="change"),
        ),
        record("survival", Statement("S1", "red", "survival"), Statement("S2", "grey", "survival")),
    ]
    bad = table("customers", 1000, {"customer_id": 0, "segment": 600})
    texts = [s.text for s in compose(sections, [bad])]
    # 4 firsts + data quality + the change = 6; the seventh place goes to the next second
    # statement in report order (M2); K2, M3, S2 stay out
    assert len(texts) == 7
    assert texts[:6] == ["M1", "M2", "J1", "K1", "K3", "S1"]
    assert texts[6].startswith("Datenqualität")


def test_next_steps_are_not_a_summary_statement(project):
    params = load_parameters(project / "parameters" / f"{UTILITY}.yaml")
    result = journey_analysis.analyse(params, load_client_data(params))
    statements = journey_view.section(result, "de").statements
    assert statements, "the journey analysis has data: at least one statement"
    assert not any(s.text.startswith("Nächste Schritte") for s in statements)
    assert all(s.light != "green" for s in statements)  # a recommendation has no target


# --- the rules are written in the method notes --------------------------------------------


def test_method_notes_state_the_rules_with_the_code_s_numbers():
    from cxlib.kpis.readings import AMBER_BANDS, BENCHMARKS
    from cxlib.maturity.view import TARGET_STAGE
    from cxlib.report.render import METHOD_NOTES
    from cxlib.texts import t

    assert {"summary", "quality"} <= set(METHOD_NOTES)
    rules = t("report.appendix.method.notes.summary.text", "de")
    assert f"NPS {BENCHMARKS['nps']:.0f} (" in rules
    assert f"Kundenbindungsrate {BENCHMARKS['retention']:.0f} %" in rules
    assert f"Wiederkaufrate {BENCHMARKS['repurchase']:.0f} %" in rules
    assert f"höchstens {AMBER_BANDS['retention']:.0f}," in rules
    assert f"höchstens {AMBER_BANDS['repurchase']:.0f} Prozentpunkte" in rules
    assert f"Reifegrad Stufe {TARGET_STAGE} (Skalieren)" in rules
    assert "nie grün" in rules and "Höchstens sieben Aussagen" in rules
    quality = t(
        "report.appendix.method.notes.quality.text",
        "de",
        problem="1 %",
        red_rejected="5 %",
        red_missing="10 %",
    )
    assert "Vertragsende" in quality and "mindestens 1 % der Zeilen verworfen" in quality
