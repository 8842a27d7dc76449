"""Management summary: ordering, the cap of seven and the data-quality light."""

from __future__ import annotations

import pandas as pd

from cxlib.report.summary import MAX_STATEMENTS, Statement, compose, data_quality_statement
from cxlib.runner.results import SectionRecord


def quality(read: int, rejected: int) -> pd.DataFrame:
    return pd.DataFrame({"table": ["customers"], "rows_read": [read], "rows_rejected": [rejected]})


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
    statements = compose(sections, quality(100, 0))
    assert len(statements) == MAX_STATEMENTS
    texts = [s.text for s in statements[:-1]]
    assert texts == ["maturity 1", "maturity 2", "journey 1", "journey 2", "kpi 1", "survival 1"]
    assert statements[-1].section == "appendix"


def test_quality_light_follows_the_rejected_share():
    assert data_quality_statement(quality(1000, 0)).light == "green"
    assert data_quality_statement(quality(1000, 10)).light == "amber"
    assert data_quality_statement(quality(1000, 100)).light == "red"
    text = data_quality_statement(quality(1234, 10), "de").text
    assert "1.234 Zeilen aus 1 Dateien gelesen, 10 davon verworfen" in text
