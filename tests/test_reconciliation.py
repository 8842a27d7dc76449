"""One fact, one number: the report's numbers reconcile with the facts in results.json.

Runs the three demo clients once (German) and reads what a director reads:
every number in a management-summary statement must be one of the facts the
statement cites, at the precision shown; every number in a section's key
message must be one of that section's facts; a fact id names one value in
the whole report; results.json validates against the schema in docs/.
The numbers are parsed from the text as German writes them (1.234,5; −4;
1,5 Mio.), independently of cxlib's formatting code.
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import jsonschema
import pytest

from cxlib.runner.results import ClientResults
from cxlib.runner.run import run_client

PROJECT = Path(__file__).resolve().parent.parent
CLIENTS = ("stadtwerke-lindenau", "cafe-bohnenglueck", "berger-haustechnik")
SCHEMA = PROJECT / "docs" / "results.schema.json"

DATE = re.compile(r"\b\d{2}\.\d{2}\.\d{4}\b")
NUMBER = re.compile(
    r"(?<![\w.,/])(?P<sign>[+−-]?)(?P<int>\d{1,3}(?:\.\d{3})+|\d+)(?:,(?P<dec>\d+))?"
    r"(?![\w]|,\d|\.\d)(?P<mio>\s?Mio\.)?"
)


def numbers(text: str) -> list[tuple[float, float, str]]:
    """The numbers of a German text: (value, tolerance of its shown precision, as written).

    Dates and years (1990-2100 without a thousands point) are not figures and
    are left out. A rounded amount of money ("1,5 Mio.", "10.000 €") may be
    rounded to its significant digits, so its tolerance follows its last digit.
    """
    found = []
    for match in NUMBER.finditer(DATE.sub(" ", text)):
        whole, decimals = match["int"], match["dec"] or ""
        if not decimals and "." not in whole and 1990 <= int(whole) <= 2100:
            continue
        value = float(whole.replace(".", "") + ("." + decimals if decimals else ""))
        tolerance = 0.5 * 10 ** -len(decimals)
        digits = whole.replace(".", "")
        if not decimals and "." in whole:  # 10.000: perhaps rounded to significant digits
            tolerance = 0.5 * 10 ** (len(digits) - len(digits.rstrip("0")))
        if match["mio"]:
            value, tolerance = value * 1e6, tolerance * 1e6
        if match["sign"] in ("−", "-"):
            value = -value
        found.append((value, tolerance + 1e-9, match.group(0)))
    return found


def shown(fact: dict) -> list[float]:
    """The numbers a fact may put on the page: value, interval and its level, n (shares in %)."""
    if isinstance(fact["value"], str) or fact["value"] is None:
        return []
    scale = 100.0 if fact["unit"] == "share" else 1.0
    out = [fact["value"] * scale]
    if fact["low"] is not None and fact["high"] is not None:
        out += [fact["low"] * scale, fact["high"] * scale, fact["level"] * 100]
    if fact["n"] is not None:
        out.append(float(fact["n"]))
    return out


def unmatched(text: str, facts: list[dict]) -> list[str]:
    """The numbers of ``text`` that no fact of ``facts`` accounts for at their precision."""
    candidates = [x for fact in facts for x in shown(fact)]
    return [
        written
        for value, tolerance, written in numbers(text)
        if not any(abs(value - c) <= tolerance for c in candidates)
    ]


#: The report.html of each client of the ``runs`` fixture.
REPORTS: dict[str, Path] = {}


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict]:
    out = tmp_path_factory.mktemp("reconcile")
    results = {}
    for client in CLIENTS:
        result = run_client(PROJECT / "parameters" / f"{client}.yaml", out, lang="de")
        assert result.ok, result.message
        results[client] = json.loads((out / client / "results.json").read_text("utf-8"))
        REPORTS[client] = out / client / "report.html"
    return results


def test_the_number_parser_reads_german_numbers() -> None:
    parsed = numbers("NPS −4 (−7 bis +1, n = 2.520); 1,5 Mio. €; 53,8-mal; Welle 2024-H1; D8.3")
    assert [(v, w) for v, _, w in parsed] == [
        (-4.0, "−4"),
        (-7.0, "−7"),
        (1.0, "+1"),
        (2520.0, "2.520"),
        (1.5e6, "1,5 Mio."),
        (53.8, "53,8"),
    ]
    assert numbers("am 31.12.2025 bei 12 %") == [(12.0, 0.5 + 1e-9, "12")]


@pytest.mark.slow
@pytest.mark.parametrize("client", CLIENTS)
def test_every_summary_number_is_a_fact_the_statement_cites(runs, client) -> None:
    results = runs[client]
    by_section = {s["id"]: {f["id"]: f for f in s.get("facts", [])} for s in results["sections"]}
    by_section["appendix"] = {f["id"]: f for f in results["facts"]}
    for statement in results["summary"]:
        facts = by_section[statement["section"]]
        missing = [i for i in statement["facts"] if i not in facts]
        assert not missing, f"{statement['text']}: cites unknown facts {missing}"
        if numbers(statement["text"]):
            assert statement["facts"], f"numbers without facts: {statement['text']}"
        cited = [facts[i] for i in statement["facts"]]
        assert not unmatched(statement["text"], cited), statement["text"]


@pytest.mark.slow
@pytest.mark.parametrize("client", CLIENTS)
def test_the_summary_states_the_sections_own_sentences(runs, client) -> None:
    """The summary's numbers are the section's: its statements are the sections' statements."""
    results = runs[client]
    said = {(s["section"], s["text"]) for r in results["sections"] for s in r.get("summary") or []}
    for statement in results["summary"]:
        if statement["section"] != "appendix":
            assert (statement["section"], statement["text"]) in said


@pytest.mark.slow
@pytest.mark.parametrize("client", CLIENTS)
def test_every_key_message_number_is_a_fact_of_its_section(runs, client) -> None:
    for section in runs[client]["sections"]:
        facts = section.get("facts", [])
        assert not unmatched(section["subtitle"], facts), (section["id"], section["subtitle"])


@pytest.mark.slow
@pytest.mark.parametrize("client", CLIENTS)
def test_one_id_one_value_across_the_report(runs, client) -> None:
    seen: dict[str, tuple[str, object, object]] = {}
    for section in runs[client]["sections"]:
        for fact in section.get("facts", []):
            known = seen.setdefault(fact["id"], (section["id"], fact["value"], fact["n"]))
            assert known[1:] == (fact["value"], fact["n"]), (fact["id"], known, section["id"])


@pytest.mark.slow
def test_early_churn_is_one_fact_in_the_kpi_and_churn_sections(runs) -> None:
    for client in ("stadtwerke-lindenau", "berger-haustechnik"):
        holders = [
            s["id"]
            for s in runs[client]["sections"]
            if any(f["id"] == "churn.early.6" for f in s.get("facts", []))
        ]
        assert {"kpi", "survival"} <= set(holders), client


@pytest.mark.slow
@pytest.mark.parametrize("client", CLIENTS)
def test_every_fact_has_an_interval_or_a_reason_and_a_definition(runs, client) -> None:
    for section in runs[client]["sections"]:
        for fact in section.get("facts", []):
            has_interval = fact["low"] is not None and fact["high"] is not None
            assert has_interval != (fact["no_interval"] is not None), fact
            assert fact["definition"] and not fact["definition"].startswith("facts."), fact


@pytest.mark.slow
@pytest.mark.parametrize("client", CLIENTS)
def test_results_json_validates_against_the_documented_schema(runs, client) -> None:
    schema = json.loads(SCHEMA.read_text("utf-8"))
    jsonschema.validate(runs[client], schema)


def test_the_documented_schema_is_the_model_s_schema() -> None:
    """docs/results.schema.json is written by `make schema` from the typed model."""
    assert json.loads(SCHEMA.read_text("utf-8")) == ClientResults.model_json_schema()


@pytest.mark.slow
@pytest.mark.parametrize("client", CLIENTS)
def test_the_journey_map_opens_the_journey_section_and_its_numbers_are_facts(runs, client):
    """The map is the journey section's first figure in every demo report, and every number
    printed on it, in the lever table and in the recurring themes is one of the section's
    facts (issue 17)."""
    page = REPORTS[client].read_text("utf-8")
    found = re.search(r"<figure[^>]*cx-journey-map[^>]*>.*?</figure>", page, flags=re.S)
    assert found, client
    assert found.start() < page.index("Auswahl der Fokus-Journey")
    # the map, the lever table and the recurring themes (outer loop)
    tables = re.findall(r"<table[^>]*cx-levers[^>]*>.*?</table>", page, flags=re.S)
    text = html.unescape(re.sub(r"<[^>]+>", " ", found.group(0) + " ".join(tables)))
    journey = next(s for s in runs[client]["sections"] if s["id"] == "journey")
    assert not unmatched(text, journey["facts"]), client
