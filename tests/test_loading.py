"""The client data loader: awkward German exports in, canonical tables or precise problems out.

Every input file is written into ``tmp_path`` from explicit bytes, so the
encoding under test is exactly the one named.
"""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from cxlib.exceptions import DataError, DataProblem
from cxlib.io.loading import (
    ClientData,
    LoadedTable,
    load_client_data,
    read_table,
)
from cxlib.parameters.files import load_parameters
from cxlib.parameters.schema import DataFile

from .conftest import MINIMAL, write_params

CUSTOMERS = "Kundennummer;Vertragsbeginn;Vertragsende;Segment;Umsatz/Monat\n"


def write(folder: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = folder / name
    path.write_bytes(text.encode(encoding))
    return path


def load(folder: Path, name: str, table: str = "customers", **options) -> LoadedTable:
    return read_table(table, DataFile(file=name, **options), folder)


def problems_of(folder: Path, name: str, table: str = "customers", **options) -> list[DataProblem]:
    with pytest.raises(DataError) as info:
        load(folder, name, table, **options)
    assert all(isinstance(p, DataProblem) for p in info.value.problems)
    return info.value.problems


def cells(problems: list[DataProblem]) -> list[tuple[int | None, str | None, str | None]]:
    return [(p.row, p.column, p.value) for p in problems]


def workbook(path: Path, rows: list[list[object]], title: str = "Daten") -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = title
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


# ---------------------------------------------------------------- encodings and separators


def test_cp1252_file_keeps_umlauts(tmp_path: Path):
    write(tmp_path, "k.csv", CUSTOMERS + "K1;01.01.2025;;Großkunde Süd;10\n", "cp1252")
    table = load(tmp_path, "k.csv")
    assert table.frame["segment"].tolist() == ["Großkunde Süd"]
    assert table.quality.encoding == "cp1252"
    assert table.quality.separator == ";"


def test_utf8_with_bom_matches_first_header(tmp_path: Path):
    path = tmp_path / "k.csv"
    path.write_bytes(b"\xef\xbb\xbf" + (CUSTOMERS + "K1;01.01.2025;;Müller-Gruppe;10\n").encode())
    table = load(tmp_path, "k.csv")
    assert table.frame.columns[0] == "customer_id"
    assert table.frame["segment"].tolist() == ["Müller-Gruppe"]
    assert table.quality.encoding == "utf-8-sig"


def test_utf8_without_bom(tmp_path: Path):
    write(tmp_path, "k.csv", CUSTOMERS + "K1;01.01.2025;;Müller;10\n")
    table = load(tmp_path, "k.csv")
    assert table.frame["segment"].tolist() == ["Müller"]
    assert table.quality.encoding == "utf-8"


def test_configured_encoding_wins(tmp_path: Path):
    write(tmp_path, "k.csv", CUSTOMERS + "K1;01.01.2025;;Müller;10\n", "latin-1")
    assert load(tmp_path, "k.csv", encoding="latin-1").quality.encoding == "latin-1"
    [problem] = problems_of(tmp_path, "k.csv", encoding="utf-8")
    assert "nicht als utf-8 lesbar" in problem.message


def test_bytes_that_are_neither_utf8_nor_cp1252(tmp_path: Path):
    path = tmp_path / "k.csv"
    path.write_bytes(CUSTOMERS.encode() + b"K1;01.01.2025;;\x81\x8d;10\n")
    [problem] = problems_of(tmp_path, "k.csv")
    assert "Zeile 2" in problem.message
    assert "weder UTF-8 noch Windows-1252" in problem.message


def test_semicolon_decimal_comma_thousands_dot_and_currency(tmp_path: Path):
    rows = ["K1;1.1.2025;;;1.234,56", "K2;1.1.2025;;;12,5 €", "K3;1.1.2025;;;1.234 EUR"]
    write(tmp_path, "k.csv", CUSTOMERS + "\n".join([*rows, "K4;1.1.2025;;; 7 "]) + "\n")
    frame = load(tmp_path, "k.csv").frame
    assert frame["revenue_month"].tolist() == [1234.56, 12.5, 1234.0, 7.0]
    assert frame["revenue_month"].dtype == "float64"


def test_comma_separated_with_decimal_point(tmp_path: Path):
    text = (
        "Kundennummer,Vertragsbeginn,Umsatz pro Monat\n"
        'K1,2025-01-31,"1,234.56"\n'
        "K2,2025-02-01,7.5\n"
    )
    write(tmp_path, "k.csv", text)
    table = load(tmp_path, "k.csv")
    assert table.quality.separator == ","
    assert table.frame["revenue_month"].tolist() == [1234.56, 7.5]


def test_tab_separated(tmp_path: Path):
    write(tmp_path, "k.txt", "Kundennummer\tVertragsbeginn\tMonatsumsatz\nK1\t01.01.2025\t3,5\n")
    table = load(tmp_path, "k.txt")
    assert table.quality.separator == "\t"
    assert table.frame["revenue_month"].tolist() == [3.5]


def test_quoted_separators_stay_in_the_field(tmp_path: Path):
    text = CUSTOMERS + 'K1;01.01.2025;;"Privat; Premium";"1.000,5"\n'
    write(tmp_path, "k.csv", text)
    frame = load(tmp_path, "k.csv").frame
    assert frame["segment"].tolist() == ["Privat; Premium"]
    assert frame["revenue_month"].tolist() == [1000.5]


def test_configured_separator_and_decimal_win(tmp_path: Path):
    write(tmp_path, "k.csv", "Kundennummer|Vertragsbeginn|Monatsumsatz\nK1|01.01.2025|1,234.5\n")
    table = load(tmp_path, "k.csv", separator="|", decimal=".")
    assert table.quality.separator == "|"
    assert table.frame["revenue_month"].tolist() == [1234.5]


def test_english_decimal_in_german_file_is_an_error_not_a_silent_thousand(tmp_path: Path):
    write(tmp_path, "k.csv", CUSTOMERS + "K1;01.01.2025;;;12.5\n")
    with pytest.raises(DataError) as info:
        load(tmp_path, "k.csv")
    [problem] = info.value.problems
    assert (problem.row, problem.column, problem.value) == (2, "Umsatz/Monat", "12.5")
    assert problem.expected == "Zahl wie 1.234,56, ab 0"
    assert "decimal" in info.value.hint


# ---------------------------------------------------------------- values


def test_dates_in_all_accepted_forms(tmp_path: Path):
    values = [
        "31.12.2025",
        "1.2.2025",
        "31.12.25",
        "2025-12-31",
        "2025-12-31 14:05:00",
        "31.12.2025 14:05",
    ]
    body = "".join(f"K{i};{v}\n" for i, v in enumerate(values))
    write(tmp_path, "k.csv", "Kundennummer;Vertragsbeginn\n" + body)
    frame = load(tmp_path, "k.csv").frame
    assert frame["start_date"].dtype == "datetime64[ns]"
    expected = ["2025-12-31", "2025-02-01", "2025-12-31", "2025-12-31", "2025-12-31", "2025-12-31"]
    assert frame["start_date"].tolist() == [pd.Timestamp(d) for d in expected]


def test_date_format_override(tmp_path: Path):
    write(tmp_path, "k.csv", "Kundennummer;Vertragsbeginn\nK1;12/31/2025\n")
    frame = load(tmp_path, "k.csv", date_format="%m/%d/%Y").frame
    assert frame["start_date"].tolist() == [pd.Timestamp("2025-12-31")]


def test_impossible_dates_are_named(tmp_path: Path):
    body = "K1;01.01.2025\nK2;31.02.2025\nK3;2025-13-01\n"
    write(tmp_path, "k.csv", "Kundennummer;Vertragsbeginn\n" + body)
    problems = problems_of(tmp_path, "k.csv")
    assert cells(problems) == [
        (3, "Vertragsbeginn", "31.02.2025"),
        (4, "Vertragsbeginn", "2025-13-01"),
    ]
    assert all("gibt es nicht" in p.message for p in problems)
    assert problems[0].expected == "Datum wie 31.12.2025"
    assert "31.02.2025" in str(problems[0])


def test_text_in_a_number_column(tmp_path: Path):
    write(tmp_path, "k.csv", CUSTOMERS + "K1;01.01.2025;;;ca. 50\n")
    [problem] = problems_of(tmp_path, "k.csv")
    assert (problem.row, problem.column, problem.value) == (2, "Umsatz/Monat", "ca. 50")
    assert problem.message == "keine gültige Zahl"


SURVEY = "Antwort-ID;Datum;NPS;CSAT;item_Wartezeit;Kommentar\n"


def test_nps_out_of_range(tmp_path: Path):
    write(tmp_path, "u.csv", SURVEY + "A1;01.03.2025;9;5;3,5;gut\nA2;02.03.2025;11;4;;\n")
    [problem] = problems_of(tmp_path, "u.csv", "survey")
    assert (problem.row, problem.column, problem.value) == (3, "NPS", "11")
    assert problem.expected == "ganze Zahl von 0 bis 10"
    assert "außerhalb" in problem.message


def test_survey_types_and_prefix_columns(tmp_path: Path):
    write(tmp_path, "u.csv", SURVEY + "A1;01.03.2025;9;5;3,5;gut\nA2;02.03.2025;7,0;;;\n")
    frame = load(tmp_path, "u.csv", "survey").frame
    columns = ["response_id", "date", "nps", "csat", "comment", "item_Wartezeit"]
    assert list(frame.columns) == columns
    assert frame["nps"].dtype == "Int64"
    assert frame["nps"].tolist() == [9, 7]
    assert frame["csat"].isna().tolist() == [False, True]
    assert frame["item_Wartezeit"].tolist()[0] == 3.5
    assert frame["comment"].dtype == "string"
    assert frame["comment"].isna().tolist() == [False, True]


def test_fraction_in_an_int_column(tmp_path: Path):
    write(tmp_path, "u.csv", SURVEY + "A1;01.03.2025;7,5;;;\n")
    [problem] = problems_of(tmp_path, "u.csv", "survey")
    assert (problem.row, problem.column, problem.value) == (2, "NPS", "7,5")
    assert problem.message == "keine ganze Zahl"


def test_month_parsing(tmp_path: Path):
    values = ["03.2025", "3/2025", "2025-03", "März 2025", "15.03.2025", "2025-03-31"]
    body = "".join(f"K{i};{v};1,5\n" for i, v in enumerate(values))
    write(tmp_path, "s.csv", "Kundennummer;Monat;Nutzung\n" + body)
    frame = load(tmp_path, "s.csv", "signals").frame
    assert frame["month"].dtype == "datetime64[ns]"
    assert frame["month"].tolist() == [pd.Timestamp("2025-03-01")] * len(values)


def test_invalid_month_is_named(tmp_path: Path):
    write(tmp_path, "s.csv", "Kundennummer;Monat\nK1;13.2025\nK2;Frühjahr\n")
    problems = problems_of(tmp_path, "s.csv", "signals")
    assert cells(problems) == [(2, "Monat", "13.2025"), (3, "Monat", "Frühjahr")]
    assert problems[0].expected == "Monat wie 03.2025"


def test_bool_parsing(tmp_path: Path):
    values = ["ja", "Nein", "J", "n", "WAHR", "falsch", "true", "No", "x", "", "1", "0"]
    body = "".join(f"T{i};K1;01.01.2025;{v}\n" for i, v in enumerate(values))
    write(tmp_path, "t.csv", "Ticket-Nr;Kunden-Nr;Eröffnet;Wiedereröffnet\n" + body)
    reopened = load(tmp_path, "t.csv", "tickets").frame["reopened"]
    assert reopened.dtype == "boolean"
    expected = [True, False, True, False, True, False, True, False, True, pd.NA, True, False]
    assert reopened.tolist() == expected


def test_invalid_bool(tmp_path: Path):
    header = "Ticket-Nr;Kunden-Nr;Eröffnet;Wiedereröffnet\n"
    write(tmp_path, "t.csv", header + "T1;K1;01.01.2025;vielleicht\n")
    [problem] = problems_of(tmp_path, "t.csv", "tickets")
    assert cells([problem]) == [(2, "Wiedereröffnet", "vielleicht")]
    assert problem.expected == "ja oder nein"


def test_end_date_before_start_date(tmp_path: Path):
    write(tmp_path, "k.csv", CUSTOMERS + "K1;01.06.2025;01.05.2025;;\nK2;01.06.2025;;;\n")
    [problem] = problems_of(tmp_path, "k.csv")
    assert (problem.row, problem.column, problem.value) == (2, "Vertragsende", "01.05.2025")
    assert "vor Vertragsbeginn" in problem.message


def test_required_cell_empty(tmp_path: Path):
    write(tmp_path, "k.csv", CUSTOMERS + "K1;;;;\n")
    [problem] = problems_of(tmp_path, "k.csv")
    assert (problem.row, problem.column, problem.value) == (2, "Vertragsbeginn", None)
    assert problem.message == "Pflichtfeld ist leer"


def test_all_problems_of_a_file_at_once(tmp_path: Path):
    rows = "K1;01.01.2025;;;10\nK2;32.01.2025;;;10\nK3;01.01.2025;;;zehn\nK4;01.01.2025;;;-5\n"
    write(tmp_path, "k.csv", CUSTOMERS + rows)
    with pytest.raises(DataError) as info:
        load(tmp_path, "k.csv")
    assert cells(info.value.problems) == [
        (3, "Vertragsbeginn", "32.01.2025"),
        (4, "Umsatz/Monat", "zehn"),
        (5, "Umsatz/Monat", "-5"),
    ]
    assert "invalid_rows: skip` unter data.customers" in info.value.hint
    assert "3 Problem(e)" in str(info.value)


def test_duplicate_ids_name_both_rows(tmp_path: Path):
    write(tmp_path, "k.csv", CUSTOMERS + "K1;01.01.2025;;;\nK2;01.01.2025;;;\nK1;02.01.2025;;;\n")
    [problem] = problems_of(tmp_path, "k.csv")
    assert (problem.row, problem.column, problem.value) == (4, "Kundennummer", "K1")
    assert "Zeile 2" in problem.message


def test_multi_column_key(tmp_path: Path):
    body = "P1;Vertrieb;D1.1;3\nP1;Vertrieb;D1.2;2\nP1;Service;D1.1;4\n"
    write(tmp_path, "m.csv", "Teilnehmer;Abteilung;Aussage;Bewertung\n" + body)
    [problem] = problems_of(tmp_path, "m.csv", "maturity")
    assert (problem.row, problem.column, problem.value) == (4, "Teilnehmer + Aussage", "P1 / D1.1")
    assert "Zeile 2" in problem.message


# ---------------------------------------------------------------- headers


def test_alias_matching_ignores_case_spaces_and_dots(tmp_path: Path):
    header = "kunden nr.;VERTRAGSBEGINN;Kunde seit (Vertrag);Notiz\n"
    write(tmp_path, "k.csv", header + "K1;01.01.2025;;x\n")
    with pytest.raises(DataError) as info:  # "Kunde seit" is an alias of start_date as well
        load(tmp_path, "k.csv")
    [problem] = info.value.problems
    assert problem.column == "Kunde seit (Vertrag)"
    assert "VERTRAGSBEGINN" in problem.message
    write(tmp_path, "k.csv", "kunden nr.;VERTRAGSBEGINN;Notiz\nK1;01.01.2025;x\n")
    table = load(tmp_path, "k.csv")
    assert list(table.frame.columns) == ["customer_id", "start_date"]
    assert table.quality.ignored_columns == ("Notiz",)


def test_explicit_mapping(tmp_path: Path):
    write(tmp_path, "k.csv", "Nr;Start;Kundennummer\nK1;01.01.2025;alt-1\n")
    mapping = {"Nr": "customer_id", "Start": "start_date"}
    table = load(tmp_path, "k.csv", columns=mapping)
    assert table.frame["customer_id"].tolist() == ["K1"]
    assert table.quality.ignored_columns == ("Kundennummer",)


def test_mapping_to_a_header_that_does_not_exist(tmp_path: Path):
    write(tmp_path, "k.csv", "Kundennummer;Vertragsbeginn\nK1;01.01.2025\n")
    [problem] = problems_of(tmp_path, "k.csv", columns={"Kd.-Nr.": "customer_id"})
    assert problem.column == "Kd.-Nr."
    assert "fehlt in der Datei" in problem.message
    assert "„Kundennummer“, „Vertragsbeginn“" in problem.message


def test_missing_required_column_lists_the_headers_found(tmp_path: Path):
    write(tmp_path, "k.csv", "Kundennummer;Beginn Vertrag;Segment\nK1;01.01.2025;A\n")
    [problem] = problems_of(tmp_path, "k.csv")
    assert problem.row is None
    assert "start_date" in problem.message
    assert "„Kundennummer“, „Beginn Vertrag“, „Segment“" in problem.message
    assert "unter data.customers.columns zuordnen" in problem.message


def test_missing_required_column_raises_even_when_skipping(tmp_path: Path):
    write(tmp_path, "k.csv", "Kundennummer;Segment\nK1;A\n")
    [problem] = problems_of(tmp_path, "k.csv", invalid_rows="skip")
    assert "Pflichtspalte start_date" in problem.message


def test_personal_data_is_dropped_and_listed(tmp_path: Path):
    header = "Kundennummer;Name Kunde;E-Mail-Adresse;Telefon;Vertragsbeginn;Bemerkung\n"
    write(tmp_path, "k.csv", header + "K1;Max Muster;m@x.de;0123;01.01.2025;\n")
    table = load(tmp_path, "k.csv")
    assert list(table.frame.columns) == ["customer_id", "start_date"]
    assert table.quality.personal_columns == ("Name Kunde", "E-Mail-Adresse", "Telefon")
    assert table.quality.ignored_columns == ("Name Kunde", "E-Mail-Adresse", "Telefon", "Bemerkung")
    assert "Max Muster" not in table.frame.to_string()


def test_mapped_personal_data_is_refused(tmp_path: Path):
    write(tmp_path, "k.csv", "Kundennummer;Vertragsbeginn;Nachname\nK1;01.01.2025;Muster\n")
    [problem] = problems_of(tmp_path, "k.csv", columns={"Nachname": "segment"})
    assert problem.column == "Nachname"
    assert "personenbezogen" in problem.message


def test_optional_columns_the_file_lacks_are_absent(tmp_path: Path):
    write(tmp_path, "k.csv", "Kundennummer;Vertragsbeginn\nK1;01.01.2025\n")
    frame = load(tmp_path, "k.csv").frame
    assert list(frame.columns) == ["customer_id", "start_date"]
    assert frame["customer_id"].dtype == "string"


def test_title_rows_above_the_header_are_skipped(tmp_path: Path):
    text = "Export Kundenstamm;;\nStand 31.12.2025;;\n\n" + CUSTOMERS + "K1;01.01.2025;;;10\n"
    write(tmp_path, "k.csv", text)
    table = load(tmp_path, "k.csv")
    assert table.quality.rows_read == 1
    write(tmp_path, "k.csv", text.replace("K1;01.01.2025;;;10", "K1;kein Datum;;;10"))
    [problem] = problems_of(tmp_path, "k.csv")
    assert problem.row == 5


def test_excel_sep_line_and_blank_lines(tmp_path: Path):
    body = "K1,01.01.2025\n\n\nK2,02.01.2025\n\n"
    write(tmp_path, "k.csv", "sep=,\nKundennummer,Vertragsbeginn\n" + body)
    table = load(tmp_path, "k.csv")
    assert table.quality.separator == ","
    assert table.quality.rows_read == 2
    assert table.frame["customer_id"].tolist() == ["K1", "K2"]


def test_explicit_header_row(tmp_path: Path):
    write(tmp_path, "k.csv", "Kundennummer;Vertragsbeginn\nNr;Start\nK1;01.01.2025\n")
    mapping = {"Nr": "customer_id", "Start": "start_date"}
    table = load(tmp_path, "k.csv", header_row=2, columns=mapping)
    assert table.frame["customer_id"].tolist() == ["K1"]


def test_fields_beyond_the_header_are_a_row_problem(tmp_path: Path):
    body = "K1;01.01.2025;A\nK2;01.01.2025;A;B\n"
    write(tmp_path, "k.csv", "Kundennummer;Vertragsbeginn;Segment\n" + body)
    [problem] = problems_of(tmp_path, "k.csv")
    assert (problem.row, problem.column) == (3, None)
    assert "mehr Felder" in problem.message


# ---------------------------------------------------------------- files


def test_empty_file(tmp_path: Path):
    write(tmp_path, "k.csv", "")
    [problem] = problems_of(tmp_path, "k.csv")
    assert problem.file == "k.csv"
    assert "enthält keine Datenzeilen" in problem.message


def test_header_only_file(tmp_path: Path):
    write(tmp_path, "k.csv", CUSTOMERS + "\n;;;;\n")
    [problem] = problems_of(tmp_path, "k.csv")
    assert "enthält keine Datenzeilen" in problem.message


def test_file_not_found_and_unsupported_type(tmp_path: Path):
    [problem] = problems_of(tmp_path, "fehlt.csv")
    assert "nicht gefunden" in problem.message
    write(tmp_path, "k.xls", "x")
    [problem] = problems_of(tmp_path, "k.xls")
    assert "nicht unterstützt" in problem.message


def test_unclosed_quote(tmp_path: Path):
    write(tmp_path, "k.csv", CUSTOMERS + 'K1;01.01.2025;;"Privat;10\nK2;01.01.2025;;;\n')
    # reported as DataError naming the line where the quote opens, never as a ParserError
    [problem] = problems_of(tmp_path, "k.csv")
    assert problem.file == "k.csv"
    assert "ab Zeile 2" in problem.message and "Anführungszeichen" in problem.message


# ---------------------------------------------------------------- xlsx


def test_xlsx_title_row_is_detected(tmp_path: Path):
    rows = [
        ["Kundenliste Stadtwerke Muster"],
        [],
        ["Kundennummer", "Vertragsbeginn", "Umsatz/Monat"],
        ["K1", dt.datetime(2025, 1, 31), 12.5],
        ["K2", "01.02.2025", "1.234,5"],
    ]
    workbook(tmp_path / "k.xlsx", rows)
    table = load(tmp_path, "k.xlsx")
    assert table.quality.rows_read == 2
    assert table.quality.encoding is None and table.quality.separator is None
    expected = [pd.Timestamp("2025-01-31"), pd.Timestamp("2025-02-01")]
    assert table.frame["start_date"].tolist() == expected
    assert table.frame["revenue_month"].tolist() == [12.5, 1234.5]


def test_xlsx_typed_cells(tmp_path: Path):
    rows = [
        ["Kundennummer", "Vertragsbeginn", "Vertragsende", "Umsatz pro Monat", "Segment"],
        [1001, dt.datetime(2024, 5, 6, 13, 30), None, 7, "Privat"],
        ["01002", dt.date(2024, 1, 1), 45658, 12.25, 3],
    ]
    workbook(tmp_path / "k.xlsx", rows)
    frame = load(tmp_path, "k.xlsx").frame
    assert frame["customer_id"].tolist() == ["1001", "01002"]
    assert frame["start_date"].tolist() == [pd.Timestamp("2024-05-06"), pd.Timestamp("2024-01-01")]
    assert frame["end_date"].tolist()[1] == pd.Timestamp("2025-01-01")  # Excel serial day
    assert frame["revenue_month"].tolist() == [7.0, 12.25]
    assert frame["segment"].tolist() == ["Privat", "3"]


def test_xlsx_problems_use_excel_row_numbers(tmp_path: Path):
    rows = [["Titel"], ["Kundennummer", "Vertragsbeginn"], ["K1", "31.02.2025"], ["K2", True]]
    workbook(tmp_path / "k.xlsx", rows)
    problems = problems_of(tmp_path, "k.xlsx")
    assert cells(problems) == [(3, "Vertragsbeginn", "31.02.2025"), (4, "Vertragsbeginn", "WAHR")]


def test_xlsx_merged_header_cells_need_header_row(tmp_path: Path):
    path = tmp_path / "k.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Kunde", None, "Vertrag", None])
    sheet.append(["Nummer", "Segment", "Beginn", "Ende"])
    sheet.append(["K1", "Privat", dt.datetime(2025, 1, 1), None])
    sheet.merge_cells("A1:B1")
    sheet.merge_cells("C1:D1")
    book.save(path)
    [problem] = problems_of(tmp_path, "k.xlsx")
    assert "Pflichtspalte customer_id" in problem.message
    assert "(Zeile 2): „Nummer“, „Segment“, „Beginn“, „Ende“" in problem.message
    assert "data.customers.header_row" in problem.message
    table = load(tmp_path, "k.xlsx", header_row=2, columns={"Nummer": "customer_id"})
    assert table.frame["customer_id"].tolist() == ["K1"]


def test_xlsx_sheet_by_name_and_missing_sheet(tmp_path: Path):
    path = tmp_path / "k.xlsx"
    book = openpyxl.Workbook()
    book.active.title = "Info"
    book.active.append(["nur Text"])
    data = book.create_sheet("Kunden")
    data.append(["Kundennummer", "Vertragsbeginn"])
    data.append(["K1", dt.datetime(2025, 1, 1)])
    book.save(path)
    assert load(tmp_path, "k.xlsx", sheet="Kunden").frame["customer_id"].tolist() == ["K1"]
    [problem] = problems_of(tmp_path, "k.xlsx", sheet="Tabelle1")
    assert "„Tabelle1“ fehlt" in problem.message
    assert "„Info“, „Kunden“" in problem.message


def test_corrupt_xlsx(tmp_path: Path):
    with zipfile.ZipFile(tmp_path / "k.xlsx", "w") as archive:
        archive.writestr("irgendwas.txt", "kein Excel")
    [problem] = problems_of(tmp_path, "k.xlsx")
    assert "keine gültige Excel-Arbeitsmappe" in problem.message
    write(tmp_path, "l.xlsx", CUSTOMERS)
    [problem] = problems_of(tmp_path, "l.xlsx")
    assert "keine gültige Excel-Arbeitsmappe" in problem.message


# ---------------------------------------------------------------- skipping and aggregation


def test_invalid_rows_skip_counts_and_keeps_the_rest(tmp_path: Path):
    rows = (
        "K1;01.01.2025;;;10\n"
        "K2;32.01.2025;;;10\n"
        "K3;01.01.2025;;;x\n"
        "K1;01.02.2025;;;5\n"
        "K5;01.01.2025;;;\n"
    )
    write(tmp_path, "k.csv", CUSTOMERS + rows)
    table = load(tmp_path, "k.csv", invalid_rows="skip")
    assert table.frame["customer_id"].tolist() == ["K1", "K5"]
    quality = table.quality
    assert (quality.rows_read, quality.rows_rejected) == (5, 3)
    assert [p.row for p in quality.problems] == [3, 4, 5]
    assert quality.missing == {
        "customer_id": 0,
        "start_date": 0,
        "end_date": 2,
        "segment": 2,
        "revenue_month": 1,
    }
    long = quality.to_frame()
    assert long[long["kind"] == "rejected"]["row"].tolist() == [3, 4, 5]
    data = ClientData({"customers": table})
    summary = data.quality_frame()
    assert summary.loc[0, ["table", "rows_read", "rows_rejected", "missing"]].tolist() == [
        "customers",
        5,
        3,
        5,
    ]
    assert "Vertragsbeginn: Datum gibt es nicht" in summary.loc[0, "reasons"]


def test_client_data_accessors(tmp_path: Path):
    write(tmp_path, "k.csv", "Kundennummer;Vertragsbeginn;Foo\nK1;01.01.2025;x\n")
    table = load(tmp_path, "k.csv")
    data = ClientData({"customers": table})
    assert data.customers is data.get("customers") is table.frame
    assert data.survey is None and data.tickets is None and data.signals is None
    assert data.transactions is None and data.maturity is None
    assert data.quality == (table.quality,)
    assert data.quality_frame().loc[0, "ignored_columns"] == "Foo"
    with pytest.raises(KeyError):
        data.get("kunden")


def test_load_client_data_reports_all_files_at_once(tmp_path: Path):
    write(tmp_path, "kunden.csv", CUSTOMERS + "K1;01.13.2025;;;\n")
    write(tmp_path, "umfrage.csv", SURVEY + "A1;01.03.2025;11;;;\n")
    body = MINIMAL + "data:\n  customers:\n    file: kunden.csv\n  survey:\n    file: umfrage.csv\n"
    params = load_parameters(write_params(tmp_path, body))
    with pytest.raises(DataError) as info:
        load_client_data(params)
    assert [(p.file, p.row, p.column) for p in info.value.problems] == [
        ("kunden.csv", 2, "Vertragsbeginn"),
        ("umfrage.csv", 2, "NPS"),
    ]
    assert "data.customers" in info.value.hint and "data.survey" in info.value.hint
    write(tmp_path, "kunden.csv", CUSTOMERS + "K1;01.12.2025;;;\n")
    write(tmp_path, "umfrage.csv", SURVEY + "A1;01.03.2025;10;;;\n")
    data = load_client_data(params)
    assert set(data.tables) == {"customers", "survey"}
    assert list(data.quality_frame()["table"]) == ["customers", "survey"]


def test_loader_errors_never_write_files(tmp_path: Path):
    write(tmp_path, "k.csv", CUSTOMERS + "K1;31.02.2025;;;x\n")
    workbook(tmp_path / "k.xlsx", [["Titel"], ["Kundennummer"], ["K1"]])
    before = sorted(tmp_path.rglob("*"))
    for name in ("k.csv", "k.xlsx", "fehlt.csv"):
        with pytest.raises(DataError):
            load(tmp_path, name)
    assert sorted(tmp_path.rglob("*")) == before


def test_twenty_thousand_rows_load_whole(tmp_path: Path):
    """A typical export loads whole and parsed as German (speed: benchmarks/bench_loading.py)."""
    n = 20_000
    rng = np.random.default_rng(1)
    days = pd.Timestamp("2015-01-01") + pd.to_timedelta(rng.integers(0, 3000, n), unit="D")
    frame = pd.DataFrame(
        {
            "Kundennummer": [f"K{i:06d}" for i in range(n)],
            "Vertragsbeginn": days.strftime("%d.%m.%Y"),
            "Vertragsende": "",
            "Segment": rng.choice(["Privat", "Gewerbe"], n),
            "Umsatz/Monat": [f"{v:.2f}".replace(".", ",") for v in rng.uniform(10, 500, n)],
        }
    )
    (tmp_path / "k.csv").write_text(frame.to_csv(sep=";", index=False), encoding="cp1252")
    table = load(tmp_path, "k.csv")
    assert len(table.frame) == n
    revenue = [float(v.replace(",", ".")) for v in frame["Umsatz/Monat"]]
    assert np.allclose(table.frame["revenue_month"].to_numpy(dtype=float), revenue)
    assert (table.frame["start_date"] == pd.to_datetime(days.normalize())).all()


# ---------------------------------------------------------------- more edge cases


def test_two_digit_years_follow_excel(tmp_path: Path):
    write(tmp_path, "k.csv", "Kundennummer;Vertragsbeginn\n00123;31.12.29\n00124;01.01.30\n")
    frame = load(tmp_path, "k.csv").frame
    assert frame["customer_id"].tolist() == ["00123", "00124"]  # leading zeros kept
    expected = [pd.Timestamp("2029-12-31"), pd.Timestamp("1930-01-01")]
    assert frame["start_date"].tolist() == expected


def test_iso_datetime_with_t_and_open_end_year(tmp_path: Path):
    body = "K1;2025-03-04T08:15:00;31.12.9999\n"
    write(tmp_path, "k.csv", "Kundennummer;Vertragsbeginn;Vertragsende\n" + body)
    [problem] = problems_of(tmp_path, "k.csv")
    assert (problem.row, problem.column, problem.value) == (2, "Vertragsende", "31.12.9999")
    assert "leer lassen" in problem.message


def test_signed_numbers_and_space_thousands(tmp_path: Path):
    body = "K1;01.2025;1 234,5;12,50-\nK2;02.2025;7;−3\n"
    write(tmp_path, "s.csv", "Kundennummer;Monat;Nutzung;Zahlungsdauer\n" + body)
    frame = load(tmp_path, "s.csv", "signals", thousands=" ").frame
    assert frame["usage"].tolist() == [1234.5, 7.0]
    assert frame["days_to_pay"].tolist() == [-12.5, -3.0]


def test_utf16_and_old_mac_line_ends(tmp_path: Path):
    path = tmp_path / "k.txt"
    path.write_bytes("Kundennummer\tVertragsbeginn\nK1\t01.01.2025\n".encode("utf-16"))
    table = load(tmp_path, "k.txt")
    assert (table.quality.encoding, table.quality.separator) == ("utf-16", "\t")
    write(tmp_path, "m.csv", "Kundennummer;Vertragsbeginn\rK1;01.01.2025\rK2;02.01.2025\r")
    assert load(tmp_path, "m.csv").frame["customer_id"].tolist() == ["K1", "K2"]


def test_header_row_that_is_empty_or_missing(tmp_path: Path):
    write(tmp_path, "k.csv", "Kundennummer;Vertragsbeginn\nK1;01.01.2025\n")
    [problem] = problems_of(tmp_path, "k.csv", header_row=7)
    assert "Zeile 7 (data.customers.header_row)" in problem.message


def test_contradictory_number_format_and_bad_date_format(tmp_path: Path):
    write(tmp_path, "k.csv", "Kundennummer;Vertragsbeginn\nK1;01.01.2025\n")
    [problem] = problems_of(tmp_path, "k.csv", decimal=",", thousands=",")
    assert "decimal und thousands" in problem.message
    [problem] = problems_of(tmp_path, "k.csv", date_format="%d.%Q.%Y")
    assert "date_format" in problem.message


def test_identical_headers_are_ambiguous(tmp_path: Path):
    write(tmp_path, "k.csv", "Kundennummer;Vertragsbeginn;Kundennummer\nK1;01.01.2025;K2\n")
    [problem] = problems_of(tmp_path, "k.csv")
    assert problem.column == "Kundennummer"
    assert "kommt mehrfach vor" in problem.message


def test_many_bad_cells_are_listed_up_to_a_limit(tmp_path: Path, monkeypatch):
    monkeypatch.setattr("cxlib.io.loading.MAX_PROBLEMS_PER_RULE", 2)
    body = "".join(f"K{i};kein Datum\n" for i in range(5))
    write(tmp_path, "k.csv", "Kundennummer;Vertragsbeginn\n" + body)
    problems = problems_of(tmp_path, "k.csv")
    assert [p.row for p in problems] == [None, 2, 3]
    assert problems[0].message == "kein gültiges Datum: 3 weitere Zellen"


def test_repeated_values_are_parsed_once_and_spread_back(tmp_path: Path):
    dates = ["01.01.2025", "31.02.2025", "", "2025-03-01"] * 400
    body = "".join(f"K{i};{d}\n" for i, d in enumerate(dates))
    write(tmp_path, "k.csv", "Kundennummer;Vertragsbeginn\n" + body)
    table = load(tmp_path, "k.csv", invalid_rows="skip")
    assert table.quality.rows_rejected == 800
    assert [p.row for p in table.quality.problems[:2]] == [3, 4]
    assert table.frame["start_date"].tolist()[:2] == [
        pd.Timestamp("2025-01-01"),
        pd.Timestamp("2025-03-01"),
    ]


@pytest.mark.parametrize(
    "content",
    [
        bytes(range(256)) * 20,
        b"Kundennummer;Vertragsbeginn\nK1\x00;01.01.2025\n",
        b'Kundennummer;Vertragsbeginn\n"K1;01.01.2025\n',
        b";;;;\n;;;;\n",
        b"\xef\xbb\xbf",
        b"PK\x03\x04 kein Excel",
        b"Titel\nKundennummer;Vertragsbeginn\n" + b"K1;1.1.2025;x;y;z\n" * 3,
    ],
)
@pytest.mark.parametrize("name", ["k.csv", "k.xlsx"])
def test_bad_input_only_ever_raises_data_error(tmp_path: Path, content: bytes, name: str):
    (tmp_path / name).write_bytes(content)
    for options in ({}, {"header_row": 2}, {"invalid_rows": "skip"}):
        try:
            load(tmp_path, name, **options)
        except DataError as exc:
            assert exc.problems and all(p.file == name for p in exc.problems)
