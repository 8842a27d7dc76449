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
import yaml

from cxlib.runner.results import ClientResults
from cxlib.runner.run import run_client

PROJECT = Path(__file__).resolve().parent.parent
CLIENTS = ("stadtwerke-lindenau", "cafe-bohnenglueck", "berger-haustechnik")
SCHEMA = PROJECT / "docs" / "results.schema.json"

DATE = re.compile(r"\b\d{2}\.\d{2}\.\d{4}\b|\b\d{1,2}:\d{2}\b")  # dates and clock times
NUMBER = re.compile(
    r"(?<![\w.,/])(?<![^\W\d_]-)(?P<sign>[+−-]?)(?P<int>\d{1,3}(?:\.\d{3})+|\d+)(?:,(?P<dec>\d+))?"
    r"(?![\w]|,\d|\.\d)(?P<mio>\s?Mio\.)?"
)


def numbers(text: str) -> list[tuple[float, float, str]]:
    """The numbers of a German text: (value, tolerance of its shown precision, as written).

    Dates, clock times ("05:27 Uhr") and years (1990-2100 without a thousands
    point) are not figures and are left out. A rounded amount of money
    ("1,5 Mio.", "10.000 €") may be rounded to its significant digits, so its
    tolerance follows its last digit.
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


#: Sections whose whole body (tables, readings, notes) reconciles: every number is a fact.
#: The others state numbers that are not yet facts (issue "One fact, one number").
WHOLE_BODY = ("maturity", "journey", "kpi", "survival")
HIDDEN = re.compile(r"<(svg|script|style|thead)\b.*?</\1>", re.S)
#: The glossary explains words with made-up examples ("100 Kunden über 12 Monate"): no figures.
GLOSSARY = re.compile(r'<h3 id="sec-glossary".*?(?=<h[23]\b)', re.S)


def client_texts(params_file: Path) -> list[str]:
    """What the client or the consultant typed (names, measures, KPI names), longest first.

    A number inside such a text ("Wiederkaufrate innerhalb von 120 Tagen") is
    part of a label, not a figure of the report.
    """
    found: list[str] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)
        elif isinstance(node, str) and re.search(r"\d", node) and len(node) > 3:
            found.append(node)

    walk(yaml.safe_load(params_file.read_text("utf-8")))
    return sorted(set(found), key=len, reverse=True)


def without(text: str, labels: list[str]) -> str:
    """``text`` with every label cut out (whitespace-insensitive)."""
    flat = re.sub(r"\s+", " ", text)
    for label in labels:
        flat = flat.replace(re.sub(r"\s+", " ", label), " ")
    return flat


def section_texts(page: str) -> dict[str, str]:
    """The visible text of each section of a rendered report, by section id.

    Charts (SVG, their numbers are axis ticks), scripts, styles, table
    headers (column labels such as "Jetzt (4-6 Wochen)") and the glossary's
    examples are left out; a section runs from its heading to the next one.
    """
    parts = re.split(r'<h2 id="sec-(\w+)"', GLOSSARY.sub(" ", HIDDEN.sub(" ", page)))
    return {
        parts[i]: html.unescape(re.sub(r"<[^>]+>", " ", parts[i + 1]))
        for i in range(1, len(parts), 2)
    }


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The three demo clients run once (German); their report folders under the path."""
    out = tmp_path_factory.mktemp("reconcile")
    for client in CLIENTS:
        result = run_client(PROJECT / "parameters" / f"{client}.yaml", out, lang="de")
        assert result.ok, result.message
    return out


@pytest.fixture(scope="module")
def runs(reports: Path) -> dict[str, dict]:
    return {c: json.loads((reports / c / "results.json").read_text("utf-8")) for c in CLIENTS}


@pytest.fixture(scope="module")
def pages(reports: Path) -> dict[str, str]:
    return {c: (reports / c / "report.html").read_text("utf-8") for c in CLIENTS}


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
    assert numbers("Erzeugt am 03.12.2026, 05:27 Uhr") == []
    assert numbers("SHA-256, Top-2-Box") == []  # parts of names, not figures


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


def test_section_texts_skip_charts_and_column_labels() -> None:
    page = (
        '<h2 id="sec-kpi">K</h2><p>NPS 12</p><svg><text>40</text></svg>'
        "<table><thead><tr><th>Jetzt (4-6 Wochen)</th></tr></thead><tbody><tr><td>7,5</td>"
        '</tr></tbody></table><h2 id="sec-survival">S</h2><p>&minus;3</p>'
    )
    texts = section_texts(page)
    assert [w for _, _, w in numbers(texts["kpi"])] == ["12", "7,5"]
    assert [w for _, _, w in numbers(texts["survival"])] == ["−3"]
    labels = ["Wiederkaufrate innerhalb von 120 Tagen (%)"]
    assert numbers(without("Wiederkaufrate innerhalb\n von 120 Tagen (%) 63 %", labels)) == [
        (63.0, 0.5 + 1e-9, "63")
    ]


@pytest.mark.slow
@pytest.mark.parametrize("client", CLIENTS)
@pytest.mark.parametrize("section", WHOLE_BODY)
def test_every_number_of_the_section_body_is_one_of_its_facts(runs, pages, client, section) -> None:
    """Tables, readings and notes print facts only: nothing is computed in the view."""
    results = runs[client]
    facts = {s["id"]: s.get("facts", []) for s in results["sections"]}
    if section not in facts:
        pytest.skip(f"{client} has no {section} section")
    labels = client_texts(PROJECT / "parameters" / f"{client}.yaml")
    text = without(section_texts(pages[client])[section], labels)
    assert len(numbers(text)) > 20, "the section states figures"
    assert not unmatched(text, facts[section] + results["facts"]), section


@pytest.mark.slow
@pytest.mark.parametrize("client", CLIENTS)
def test_every_number_of_the_appendix_is_a_fact_of_the_report(runs, pages, client) -> None:
    """The appendix (data quality, method notes, tables moved there) prints facts only."""
    results = runs[client]
    facts = [f for s in results["sections"] for f in s.get("facts", [])] + results["facts"]
    labels = client_texts(PROJECT / "parameters" / f"{client}.yaml")
    text = without(section_texts(pages[client])["appendix"], labels)
    assert len(numbers(text)) > 20, "the appendix states figures"
    assert not unmatched(text, facts)


@pytest.mark.slow
@pytest.mark.parametrize("client", CLIENTS)
def test_the_journey_map_opens_the_journey_section_and_its_numbers_are_facts(runs, pages, client):
    """The map is the journey section's first figure in every demo report, and every number
    printed on it, in the lever table and in the recurring themes is one of the section's
    facts (issue 17)."""
    page = pages[client]
    found = re.search(r"<figure[^>]*cx-journey-map[^>]*>.*?</figure>", page, flags=re.S)
    assert found, client
    assert found.start() < page.index("Auswahl der Fokus-Journey")
    # the map, the lever table and the recurring themes (outer loop)
    tables = re.findall(r"<table[^>]*cx-levers[^>]*>.*?</table>", page, flags=re.S)
    text = html.unescape(re.sub(r"<[^>]+>", " ", found.group(0) + " ".join(tables)))
    journey = next(s for s in runs[client]["sections"] if s["id"] == "journey")
    assert not unmatched(text, journey["facts"]), client
