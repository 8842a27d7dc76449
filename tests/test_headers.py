"""The header row: normalising, personal data, matching onto a table, finding the row."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cxlib.exceptions import DataError
from cxlib.io.headers import (
    find_header,
    header_text,
    is_personal,
    match_headers,
    normalise_header,
    quoted,
    structure_problems,
)
from cxlib.io.sources import Grid
from cxlib.io.tables import CUSTOMERS
from cxlib.parameters.schema import DataFile


def grid(rows: list[list[object]], first_row: int = 1) -> Grid:
    """A grid as read from a file, with Excel row numbers from ``first_row``."""
    return Grid(pd.DataFrame(rows), np.arange(first_row, first_row + len(rows)), typed=False)


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("Kunden-Nr.", "kundennr"),
        ("KUNDE SEIT", "kundeseit"),
        ("Umsatz/Monat", "umsatzmonat"),
        ("vertrags_beginn", "vertragsbeginn"),
    ],
)
def test_case_spaces_dots_hyphens_underscores_and_slashes_are_ignored(header, expected):
    assert normalise_header(header) == expected


def test_header_text_collapses_whitespace_and_reads_empty_cells_as_empty():
    assert header_text("  Kunde \n seit ") == "Kunde seit"
    assert header_text(None) == ""
    assert header_text(float("nan")) == ""


@pytest.mark.parametrize(
    "header", ["Name", "E-Mail", "Telefonnummer", "Kundenname", "Vorname Kunde"]
)
def test_personal_data_headers_are_recognised(header):
    assert is_personal(header)


@pytest.mark.parametrize("header", ["Kundennummer", "Vertragsbeginn", "Tarif", "Region"])
def test_ordinary_headers_are_not_personal(header):
    assert not is_personal(header)


def test_quoted_shortens_long_headers_and_long_lists():
    assert quoted(["A", "", "B"]) == "„A“, „B“"
    assert quoted([]) == "keine"
    long = "x" * 50
    assert quoted([long]) == f"„{'x' * 39}…“"
    assert quoted([f"h{i}" for i in range(4)], limit=2) == "„h0“, „h1“, … (2 weitere)"


def test_names_and_aliases_match_and_personal_data_is_never_loaded():
    headers = ["Kundennummer", "Kunde seit", "Vorname", "Tarif", "Bemerkung"]
    match = match_headers(headers, CUSTOMERS, {})
    assert match.columns == {"customer_id": 0, "start_date": 1, "product": 3}
    assert match.personal == ("Vorname",)
    assert set(match.ignored) == {"Vorname", "Bemerkung"}
    assert match.complete and not match.problems


def test_an_explicit_mapping_wins_over_aliases():
    headers = ["Kunde", "Kd-Nummer intern", "Start"]
    match = match_headers(headers, CUSTOMERS, {"Kd-Nummer intern": "customer_id"})
    assert match.columns["customer_id"] == 1
    assert match.columns.get("start_date") is None  # "Start" is no alias of start_date
    assert not match.complete


def test_a_unit_in_brackets_is_ignored_when_matching():
    match = match_headers(["Kundennummer", "Beginn", "Monatsumsatz (€)"], CUSTOMERS, {})
    assert match.columns["revenue_month"] == 2


def test_two_headers_for_one_column_are_a_problem_that_names_both():
    match = match_headers(["Kundennummer", "Kunden-Nr", "Beginn"], CUSTOMERS, {})
    assert len(match.problems) == 1
    header, message = match.problems[0]
    assert header == "Kunden-Nr"
    assert "„Kundennummer“ und „Kunden-Nr“ passen beide zu customer_id" in message


def test_a_mapped_header_that_is_missing_names_what_was_found():
    match = match_headers(["Kundennummer", "Beginn"], CUSTOMERS, {"KdNr alt": "customer_id"})
    (header, message), *_ = match.problems
    assert header == "KdNr alt"
    assert "fehlt in der Datei" in message and "„Kundennummer“, „Beginn“" in message


def test_mapping_a_personal_column_is_refused():
    match = match_headers(["Kundennummer", "Beginn", "E-Mail"], CUSTOMERS, {"E-Mail": "segment"})
    assert "segment" not in match.columns
    assert any("personenbezogenen Daten" in message for _, message in match.problems)


def test_the_header_row_is_found_below_a_preamble():
    rows = [
        ["Export vom 31.12.2025", None, None],
        [None, None, None],
        ["Kundennummer", "Kunde seit", "Tarif"],
        ["K1", "01.01.2024", "Basis"],
    ]
    position, match = find_header(grid(rows), CUSTOMERS, DataFile(file="k.csv"), "k.csv")
    assert position == 2 and match.complete


def test_a_configured_header_row_is_used_by_its_excel_number():
    rows = [["Kundennummer", "Kunde seit"], ["K1", "01.01.2024"]]
    source = DataFile(file="k.csv", header_row=5)
    position, match = find_header(grid(rows, first_row=5), CUSTOMERS, source, "k.csv")
    assert position == 0 and match.complete


def test_an_empty_configured_header_row_is_a_plain_problem():
    source = DataFile(file="k.csv", header_row=3)
    with pytest.raises(DataError, match=r"Zeile 3 \(data.customers.header_row\) ist leer"):
        find_header(grid([["Kundennummer", "Kunde seit"]]), CUSTOMERS, source, "k.csv")


def test_a_missing_required_column_names_the_fix_and_has_a_code():
    match = match_headers(["Kundennummer", "Tarif"], CUSTOMERS, {})
    problems = structure_problems(match, CUSTOMERS, DataFile(file="k.csv"), "k.csv", 1)
    assert [p.code for p in problems] == ["missing_column"]
    assert "Pflichtspalte start_date" in problems[0].message
    assert "data.customers.columns" in problems[0].message
