"""The Excel-friendly CSV files beside the report (cxlib.io.exports).

The files are read back the way German Excel opens a CSV by double-click:
bytes with a UTF-8 BOM, ``;`` between fields, a decimal comma. Expected
values are the frame written, so a round trip must give it back unchanged.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from cxlib.io.exports import write_excel_csv

BOM = b"\xef\xbb\xbf"


@pytest.fixture
def risk_list() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "Kundennummer": ["K-000123", "K-004711", "K-020001"],
            "Segment": ["Privat; Süd", "Gewerbe", "Großkunde Öst"],
            "Kündigungsrisiko 12 Monate": [0.125, 0.5, 0.0375],
            "Abschlag €/Monat": [1234.5, 89.0, 12.25],
            "Tickets": [3, 0, 12],
        }
    )


def test_german_file_starts_with_a_bom_and_uses_semicolons_and_decimal_commas(
    tmp_path: Path, risk_list: pd.DataFrame
):
    path = write_excel_csv(risk_list, tmp_path / "risikoliste.csv", "de")
    raw = path.read_bytes()
    assert raw.startswith(BOM)
    lines = raw[len(BOM) :].decode("utf-8").splitlines()
    assert lines[0] == (
        "Kundennummer;Segment;Kündigungsrisiko 12 Monate;Abschlag €/Monat;Tickets"
    )  # no index column
    # the separator inside a value is quoted; 0.125 → 0,125 and 1234.5 → 1234,5
    assert lines[1] == 'K-000123;"Privat; Süd";0,125;1234,5;3'
    assert lines[3] == "K-020001;Großkunde Öst;0,0375;12,25;12"
    assert len(lines) == 1 + len(risk_list)


def test_english_file_keeps_the_decimal_point(tmp_path: Path, risk_list: pd.DataFrame):
    raw = write_excel_csv(risk_list, tmp_path / "risk_list.csv", "en").read_bytes()
    assert raw.startswith(BOM)
    lines = raw[len(BOM) :].decode("utf-8").splitlines()
    assert lines[1] == 'K-000123;"Privat; Süd";0.125;1234.5;3'


def test_a_german_excel_user_reads_back_exactly_what_was_written(
    tmp_path: Path, risk_list: pd.DataFrame
):
    path = write_excel_csv(risk_list, tmp_path / "risikoliste.csv", "de")
    # German Excel: UTF-8 recognised by the BOM, ';' as list separator, ',' as decimal mark
    back = pd.read_csv(path, sep=";", decimal=",", encoding="utf-8-sig")
    pd.testing.assert_frame_equal(back, risk_list)
    assert back.columns[0] == "Kundennummer"  # the BOM did not stick to the first header


def test_umlauts_and_euro_sign_survive_without_the_bom_reader(tmp_path: Path):
    frame = pd.DataFrame({"Straße": ["Müller & Söhne", "€ 12,50 – ÄÖÜß"]})
    path = write_excel_csv(frame, tmp_path / "liste.csv")
    text = path.read_bytes().decode("utf-8")  # strict: every byte must be valid UTF-8
    assert text.startswith("\ufeffStraße")
    assert "Müller & Söhne" in text and "€ 12,50 – ÄÖÜß" in text


def test_writes_into_new_folders_and_returns_the_path(tmp_path: Path):
    target = tmp_path / "berichte" / "kunde" / "watchlist.csv"
    path = write_excel_csv(pd.DataFrame({"Kundennummer": ["K1"]}), str(target))
    assert path == target  # a Path, though a str was given
    # line ends are the platform's (pandas writes os.linesep)
    assert target.read_bytes().replace(b"\r\n", b"\n") == BOM + b"Kundennummer\nK1\n"


def test_a_text_cell_that_starts_like_a_formula_is_shown_as_text(tmp_path: Path):
    frame = pd.DataFrame(
        {
            "Kommentar": ['=HYPERLINK("http://x")', "+49 hilft", "@SUMME(A1)", "gut", "-"],
            "Wert": [-1.5, 2.0, 3.0, 4.0, 5.0],
        }
    )
    raw = write_excel_csv(frame, tmp_path / "liste.csv", "de").read_bytes()
    lines = raw[len(BOM) :].decode("utf-8").splitlines()
    # an apostrophe before = + @ - (Excel shows the text), numbers untouched
    assert lines[1] == '"\'=HYPERLINK(""http://x"")";-1,5'
    assert lines[2] == "'+49 hilft;2,0"
    assert lines[3] == "'@SUMME(A1);3,0"
    assert lines[4] == "gut;4,0"
    assert lines[5] == "'-;5,0"
