"""Management summary: ordering, the cap of seven and the data-quality statement.

Expected sentences are written out by hand from the rule in the module
docstrings (green without rejected rows, amber below 5 % rejected, red from
5 %), not copied from the function's output.
"""

from __future__ import annotations

import pandas as pd
import pytest

from cxlib.report.summary import Statement, compose, data_quality_statement
from cxlib.runner.results import SectionRecord


def quality(*tables: tuple[int, int]) -> pd.DataFrame:
    """One row per table: (rows read, rows rejected)."""
    return pd.DataFrame(
        {
            "table": [f"table{number}" for number in range(len(tables))],
            "rows_read": [read for read, _ in tables],
            "rows_rejected": [rejected for _, rejected in tables],
        }
    )


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
    # at most seven statements (module docstring): six from the sections, then data quality;
    # four firsts take four places, the two left go to the second statements in report order
    assert len(statements) == 7
    texts = [s.text for s in statements[:-1]]
    assert texts == ["maturity 1", "maturity 2", "journey 1", "journey 2", "kpi 1", "survival 1"]
    assert statements[-1].section == "appendix"


def test_few_statements_are_all_kept_in_report_order():
    statements = compose([section("maturity", 2), section("kpi", 1)], quality((10, 0)))
    assert [s.text for s in statements[:-1]] == ["maturity 1", "maturity 2", "kpi 1"]
    assert [s.section for s in statements] == ["maturity", "maturity", "kpi", "appendix"]


@pytest.mark.parametrize(
    ("read", "rejected", "light"),
    [
        (1000, 0, "green"),
        (1000, 1, "amber"),
        (1000, 49, "amber"),  # 4.9 % < 5 %
        (1000, 50, "red"),  # exactly 5 %
        (1000, 100, "red"),
    ],
)
def test_quality_light_follows_the_rejected_share(read, rejected, light):
    assert data_quality_statement(quality((read, rejected))).light == light


def test_quality_light_uses_the_share_over_all_tables():
    # 30 of 1000 + 20 of 200 = 50 of 1200 = 4.2 %: amber, though one table alone is at 10 %
    assert data_quality_statement(quality((1000, 30), (200, 20))).light == "amber"


def test_quality_sentence_for_one_file():
    de = data_quality_statement(quality((1234, 10)), "de").text
    assert de == (
        "Datenqualität: 1.234 Zeilen aus 1 Datei gelesen, 10 davon verworfen (Details im Anhang)."
    )
    en = data_quality_statement(quality((1234, 10)), "en").text
    assert en == (
        "Data quality: 1,234 rows read from 1 file, 10 of them rejected (details in the appendix)."
    )


def test_quality_sentence_for_several_files():
    tables = quality((20001, 0), (2500, 3), (312, 0))  # 22,813 rows, 3 rejected
    de = data_quality_statement(tables, "de").text
    assert de == (
        "Datenqualität: 22.813 Zeilen aus 3 Dateien gelesen, 3 davon verworfen (Details im Anhang)."
    )
    en = data_quality_statement(tables, "en").text
    assert en == (
        "Data quality: 22,813 rows read from 3 files, 3 of them rejected (details in the appendix)."
    )


def test_quality_sentence_for_a_single_row():
    de = data_quality_statement(quality((1, 0)), "de").text
    assert de.startswith("Datenqualität: 1 Zeile aus 1 Datei gelesen, 0 davon verworfen")
    en = data_quality_statement(quality((1, 0)), "en").text
    assert en.startswith("Data quality: 1 row read from 1 file, 0 of them rejected")


def test_no_data_is_an_amber_statement_in_the_appendix():
    statement = data_quality_statement(quality(), "de")
    assert statement.light == "amber" and statement.section == "appendix"
    assert statement.text.startswith("Datenbasis: Für diesen Kunden sind noch keine Daten")
