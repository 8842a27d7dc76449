"""Input that means what it shows (issue 16, "Wrong data from hidden fields").

A measure rewritten in the workshop is saved with exactly the fields the form
shows (no hidden ``metric`` of its predecessor), and numbers are read as the
client writes them: German "1.000" is one thousand. Expected readings come from
Babel's strict locale parser (an independent implementation of the CLDR number
formats); the file checks read the parameter file with the batch loader.
"""

from __future__ import annotations

import shutil
from decimal import Decimal
from pathlib import Path

import pytest
from babel.numbers import NumberFormatError, parse_decimal

from cxlib.parameters.files import load_parameters
from cxlib.workshop.inputs import number_problem, parse_number
from cxlib.workshop.plan_capture import PlanCapture
from cxlib.workshop.store import WorkshopInputError, WorkshopStore

PROJECT = Path(__file__).resolve().parents[1]
CLIENT = "stadtwerke-lindenau"
TYPED = ["1.000", "1,5", "2,5", "1.5", "12.34", "1.000,5", "-10", "5,0", "1.000.000", "0,25", "7"]
LOCALES = {"de": "de_DE", "en": "en_US"}


@pytest.fixture
def params_file(tmp_path: Path) -> Path:
    (tmp_path / "parameters").mkdir()
    shutil.copy2(PROJECT / "parameters" / f"{CLIENT}.yaml", tmp_path / "parameters")
    shutil.copytree(PROJECT / "data" / CLIENT, tmp_path / "data" / CLIENT)
    return tmp_path / "parameters" / f"{CLIENT}.yaml"


def babel_reading(text: str, lang: str) -> Decimal | None:
    try:
        return parse_decimal(text, locale=LOCALES[lang], strict=True)
    except NumberFormatError:
        return None


@pytest.mark.parametrize("lang", ["de", "en"])
@pytest.mark.parametrize("text", TYPED)
def test_numbers_are_read_as_the_locale_writes_them(text, lang):
    want = babel_reading(text, lang)
    got = parse_number(text, lang)
    if want is None:
        assert got is None
        assert number_problem(text, lang)  # a plain reason, never silence
    else:
        assert got == pytest.approx(float(want))
        assert number_problem(text, lang) is None


def test_unclear_and_wrong_numbers_get_plain_german_reasons():
    assert parse_number("1.000") == 1000 and parse_number("−32") == -32
    assert "nicht eindeutig" in number_problem("1.5", "de")
    assert "Komma (2,5)" in number_problem("1.5", "de")
    assert "keine Zahl" in number_problem("fünf", "de")


def test_store_reads_a_typed_german_target_and_refuses_an_unclear_one(params_file):
    store = WorkshopStore(params_file, writer="Anna")
    params = store.parameters()
    pains = [p.model_dump(mode="json", exclude_none=True) for p in params.workshop.pain_points]
    measures = [m.model_dump(mode="json", exclude_none=True) for m in params.workshop.measures]
    measures[1]["target"] = "1.000"
    store.save_plan(pains, measures, expected=store.plan_token())
    assert load_parameters(params_file).workshop.measures[1].target == 1000
    before = params_file.read_bytes()
    measures[1]["target"] = "1.5"
    with pytest.raises(WorkshopInputError, match="nicht eindeutig") as caught:
        store.save_plan(pains, measures, expected=store.plan_token())
    assert caught.value.problems[0][0] == "workshop.measures.1.target"
    assert params_file.read_bytes() == before


def test_store_writes_a_replaced_measure_with_only_its_own_keys(params_file):
    store = WorkshopStore(params_file, writer="Anna")
    params = store.parameters()
    assert params.workshop.measures[2].metric == "nps"  # the demo's third measure
    pains = [p.model_dump(mode="json", exclude_none=True) for p in params.workshop.pain_points]
    measures = [m.model_dump(mode="json", exclude_none=True) for m in params.workshop.measures]
    measures[2] = {
        "journey": "startphase",
        "text": "Willkommensanruf in der ersten Woche",
        "owner": "Leitung Kundenservice",
        "start": "2026-03-02",
        "check_date": "2026-04-13",
        "kpi": "Frühkündigungen je 100 Neukunden",
        "target": 3,
    }
    store.save_plan(pains, measures, expected=store.plan_token())
    third = load_parameters(params_file).workshop.measures[2]
    assert (third.metric, third.baseline, third.target) == (None, None, 3)
    # only the second measure's metric (monthly_churn) is left in the file
    assert params_file.read_text(encoding="utf-8").count("metric:") == 1


def test_overwriting_a_measure_in_the_form_drops_the_old_hidden_metric(params_file):
    plan = PlanCapture(WorkshopStore(params_file, writer="Anna"), "de", debounce=0)
    row = plan.measure_rows[2]
    assert "metric: nps" in row.hidden.value  # shown, so nothing is hidden from the room
    row.fields["owner"].value = "Leitung Digitales"  # the same measure: metric stays
    assert load_parameters(params_file).workshop.measures[2].metric == "nps"
    row.journey.value = "startphase"
    row.fields["text"].value = "Willkommensanruf in der ersten Woche"
    row.fields["kpi"].value = "Frühkündigungen je 100 Neukunden"
    row.fields["target"].value = "3"
    third = load_parameters(params_file).workshop.measures[2]
    assert third.kpi == "Frühkündigungen je 100 Neukunden"
    assert (third.metric, third.baseline, third.target) == (None, None, 3)
    assert "nicht übernommen" in row.hidden.value
    # the first measure keeps its baseline while only its owner changes
    plan.measure_rows[0].fields["owner"].value = "Leitung Kundenservice"
    assert load_parameters(params_file).workshop.measures[0].baseline == 6.4
    # the second keeps its monthly churn rate's customer group, shown under the row
    assert "channel = Vergleichsportal" in plan.measure_rows[1].hidden.value
    plan.measure_rows[1].fields["owner"].value = "Vertrieb"
    second = load_parameters(params_file).workshop.measures[1]
    assert second.metric == "monthly_churn" and second.group is not None
    assert (second.group.column, second.group.value) == ("channel", "Vergleichsportal")


def test_target_one_thousand_typed_in_german_is_saved_as_one_thousand(params_file):
    plan = PlanCapture(WorkshopStore(params_file, writer="Anna"), "de", debounce=0)
    row = plan.measure_rows[1]
    row.fields["target"].value = "1.000"
    assert load_parameters(params_file).workshop.measures[1].target == 1000
    assert "gelesen als 1000" in row.messages["target"].value
    before = params_file.read_bytes()
    row.fields["target"].value = "1.5"
    assert "nicht eindeutig" in row.messages["target"].value
    assert "cxws-field-error" in row.fields["target"]._dom_classes
    assert params_file.read_bytes() == before


# --- text that Excel would run, names that differ only in case (issue 16) -----------------

FORMULAS = ['=HYPERLINK("http://x","klick")', "+Vertrieb", "-1+1", "\u2212Service", "@SUMME(A1)"]


def saved_cells(path: Path, person_cell: str) -> list[dict[str, str]]:
    """The CSV rows whose Teilnehmer cell is exactly ``person_cell`` (the csv module reads)."""
    import csv

    with path.open(encoding="utf-8-sig", newline="") as handle:
        return [r for r in csv.DictReader(handle, delimiter=";") if r["Teilnehmer"] == person_cell]


@pytest.mark.parametrize("typed", FORMULAS)
def test_text_that_starts_like_a_formula_is_stored_as_text(params_file, typed):
    """OWASP's rule for CSV injection: a cell starting with = + - @ gets a leading apostrophe,
    so Excel shows it as text; the workshop shows it again as it was typed."""
    from cxlib.workshop.maturity_capture import MaturityCapture

    store = WorkshopStore(params_file, writer="Anna")
    store.save_maturity(typed, typed, {"D1.1": 2}, expected=store.maturity_token(typed))
    answers = params_file.parent.parent / "data" / CLIENT / "reifegrad.csv"
    rows = saved_cells(answers, "'" + typed)
    assert [(r["Abteilung"], r["Aussage"], r["Bewertung"]) for r in rows] == [
        ("'" + typed, "D1.1", "2")
    ]
    assert not saved_cells(answers, typed), "no cell starts with the formula itself"
    # read back: shown as typed, and a second save replaces the row (no conflict, no twin)
    capture = MaturityCapture(WorkshopStore(params_file, writer="Anna"), "de")
    assert capture.respondents[typed].department == typed
    store.save_maturity(typed, typed, {"D1.1": 3}, expected=store.maturity_token(typed))
    assert [r["Bewertung"] for r in saved_cells(answers, "'" + typed)] == ["3"]


def test_names_are_trimmed_and_compared_regardless_of_case(params_file):
    from cxlib.workshop.journey_capture import JourneyCapture
    from cxlib.workshop.maturity_capture import MaturityCapture

    store = WorkshopStore(params_file, writer="Anna")
    answers = params_file.parent.parent / "data" / CLIENT / "reifegrad.csv"
    store.save_maturity("  Neue  Person ", " Service ", {"D1.1": 1})
    assert [r["Abteilung"] for r in saved_cells(answers, "Neue Person")] == ["Service"]
    before = answers.read_bytes()
    with pytest.raises(WorkshopInputError, match="„P01“"):  # the demo's P01, typed as p01
        store.save_maturity("p01", "Geschäftsführung", {"D1.1": 4})
    assert answers.read_bytes() == before
    capture = MaturityCapture(store, "de")
    capture.add_respondent(" p01", "Vertrieb")
    assert "„P01“ gibt es schon" in capture.add_message.value
    assert "p01" not in capture.respondents
    # journey participants alike: "leitung vertrieb" is the demo's "Leitung Vertrieb"
    before = params_file.read_bytes()
    with pytest.raises(WorkshopInputError, match="„Leitung Vertrieb“"):
        store.save_rating("startphase", "leitung vertrieb", 1, 1, 1)
    assert params_file.read_bytes() == before
    journeys = JourneyCapture(store, "de")
    journeys.new_name.value = "LEITUNG VERTRIEB "
    journeys._on_add()
    assert "„Leitung Vertrieb“ gibt es schon" in journeys.add_message.value
