"""Users' errors as records: built from the error, carried in the notebook, read back."""

from __future__ import annotations

import json

import pytest
from nbformat.v4 import new_code_cell, new_notebook, new_output

from cxlib.exceptions import (
    DataError,
    DataProblem,
    ErrorRecord,
    ParameterError,
    RunError,
)
from cxlib.runner.cell_errors import MIME_TYPE, record_in

PROBLEMS = [
    DataProblem("kunden.csv", "kein Datum", row=7, column="Kunde seit", value="31.02.2024"),
    DataProblem("kunden.csv", "Spalte fehlt", column="Kd.-Nr."),
]


def test_a_data_error_keeps_every_problem_and_its_message():
    error = DataError(PROBLEMS, hint="Bitte die Datei korrigieren.")
    record = ErrorRecord.of(error)
    assert record.error_type == "DataError"
    assert record.message == str(error)
    assert [(p.file, p.row, p.column, p.value) for p in record.places] == [
        ("kunden.csv", 7, "Kunde seit", "31.02.2024"),
        ("kunden.csv", None, "Kd.-Nr.", None),
    ]
    assert (record.file, record.row, record.column, record.value) == (
        "kunden.csv",
        7,
        "Kunde seit",
        "31.02.2024",
    )


def test_a_parameter_error_names_file_and_key():
    error = ParameterError("kunde.yaml", [("unbekannt (Zeile 12)", "unbekannter Schlüssel")])
    record = ErrorRecord.of(error)
    (place,) = record.places
    assert (place.file, place.key, place.message) == (
        "kunde.yaml",
        "unbekannt (Zeile 12)",
        "unbekannter Schlüssel",
    )
    plain = ErrorRecord.of(RunError("Keine Notebooks gefunden"))
    assert plain.places == () and plain.file is None and plain.row is None


def test_json_round_trip_and_refusal_of_other_content():
    record = ErrorRecord.of(DataError(PROBLEMS))
    assert ErrorRecord.from_json(record.to_json()) == record
    assert json.loads(record.to_json())["places"][0]["row"] == 7
    with pytest.raises(ValueError):
        ErrorRecord.from_dict({"message": "ohne Typ"})
    with pytest.raises(ValueError):
        ErrorRecord.from_dict({"error_type": "X", "message": "m", "places": [{"row": "sieben"}]})


def _failed(*outputs) -> object:
    cell = new_code_cell("raise X")
    cell.outputs = [
        *outputs,
        new_output("error", ename="X", evalue="m", traceback=["X: m"]),
    ]
    return new_notebook(cells=[new_code_cell("ok = 1"), cell])


def test_the_record_is_read_from_the_failed_cell_only():
    record = ErrorRecord.of(DataError(PROBLEMS))
    shown = new_output("display_data", data={MIME_TYPE: record.to_dict()})
    assert record_in(_failed(shown)) == record
    assert record_in(_failed()) is None  # a bug: no record
    # a record in a cell that did not fail is not this failure's
    notebook = _failed()
    notebook.cells[0].outputs = [shown]
    assert record_in(notebook) is None
    damaged = new_output("display_data", data={MIME_TYPE: {"message": "ohne Typ"}})
    assert record_in(_failed(damaged)) is None
