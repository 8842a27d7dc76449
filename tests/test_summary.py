"""Management summary: ordering, the cap of seven and the data-quality sentences.

Expected sentences are written out by hand from the rules in the module
docstring of :mod:`cxlib.report.summary` (a data-quality statement only from
1 % rejected rows or empty required cells, red from 5 % rejected), not copied
from the function's output. The rules themselves: tests/test_summary_rules.py.
"""

from __future__ import annotations

from cxlib.io.loading import TableQuality
from cxlib.report.summary import Statement, compose, data_quality_statement
from cxlib.runner.results import SectionRecord


def quality(*tables: tuple[int, int]) -> list[TableQuality]:
    """One record per table: (rows read, rows rejected), no empty cells."""
    return [
        TableQuality(
            table=f"table{number}",
            file=f"table{number}.csv",
            rows_read=read,
            rows_rejected=rejected,
            problems=(),
            missing={"id": 0},
            ignored_columns=(),
            personal_columns=(),
            encoding="utf-8",
            separator=";",
        )
        for number, (read, rejected) in enumerate(tables)
    ]


def section(name: str, count: int) -> SectionRecord:
    statements = [Statement(f"{name} {k}", "grey", name) for k in range(1, count + 1)]
    return SectionRecord(id=name, summary=tuple(statements))


def test_every_section_gets_its_first_statement_before_any_second():
    sections = [
        section("maturity", 3),
        section("journey", 3),
        section("kpi", 3),
        section("survival", 3),
    ]
    statements = compose(sections, quality((100, 0)))
    # at most seven statements, no data-quality one (no problem): four firsts take four
    # places, the three left go to the second statements in report order
    assert len(statements) == 7
    texts = [s.text for s in statements]
    assert texts == [
        "maturity 1",
        "maturity 2",
        "journey 1",
        "journey 2",
        "kpi 1",
        "kpi 2",
        "survival 1",
    ]


def test_a_quality_problem_takes_the_last_place():
    sections = [section(name, 3) for name in ("maturity", "journey", "kpi", "survival")]
    statements = compose(sections, quality((100, 10)))  # 10 % rejected: red
    assert len(statements) == 7
    assert [s.text for s in statements[:-1]] == [
        "maturity 1",
        "maturity 2",
        "journey 1",
        "journey 2",
        "kpi 1",
        "survival 1",
    ]
    assert statements[-1].section == "appendix" and statements[-1].light == "red"


def test_few_statements_are_all_kept_in_report_order():
    statements = compose([section("maturity", 2), section("kpi", 1)], quality((10, 0)))
    assert [s.text for s in statements] == ["maturity 1", "maturity 2", "kpi 1"]


def test_quality_light_uses_the_share_over_all_tables():
    # 30 of 1000 + 20 of 200 = 50 of 1200 = 4.2 %: amber, though one table alone is at 10 %
    assert data_quality_statement(quality((1000, 30), (200, 20))).light == "amber"


def test_quality_sentence_for_one_file():
    de = data_quality_statement(quality((1234, 20)), "de").text
    assert de == (
        "Datenqualität: 20 von 1.234 Zeilen aus 1 Datei verworfen (2\u202f%); "
        "die Auswertungen beruhen auf den übrigen (Details im Anhang)."
    )
    en = data_quality_statement(quality((1234, 20)), "en").text
    assert en == (
        "Data quality: 20 of 1,234 rows from 1 file rejected (2%); "
        "the analyses use the others (details in the appendix)."
    )


def test_quality_sentence_for_several_files():
    tables = quality((20001, 300), (2500, 3), (312, 0))  # 22,813 rows, 303 rejected: 1.3 %
    de = data_quality_statement(tables, "de").text
    assert de.startswith("Datenqualität: 303 von 22.813 Zeilen aus 3 Dateien verworfen (1\u202f%)")
    en = data_quality_statement(tables, "en").text
    assert en.startswith("Data quality: 303 of 22,813 rows from 3 files rejected (1%)")


def test_no_data_is_an_amber_statement_in_the_appendix():
    statement = data_quality_statement([], "de")
    assert statement.light == "amber" and statement.section == "appendix"
    assert statement.text.startswith("Datenbasis: Für diesen Kunden sind noch keine Daten")
    assert compose([], [])[-1] == statement
