"""results.json through its typed model: validated on read, written the same way every time."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cxlib.exceptions import ResultsFileError
from cxlib.runner.results import (
    RESULTS_FILE,
    SCHEMA_VERSION,
    ClientResults,
    read_results,
    write_results,
)
from cxlib.runner.run import stored_input_hash

from .results_factory import client_results

#: A section as a notebook records it: heading, figures (any JSON), statements.
MATURITY = {
    "id": "maturity",
    "title": "CX-Reifegrad",
    "subtitle": "Stufe 2 von 5",
    "figures": {"available": True, "index": 36.9, "stage": 2, "dims": [{"d": "D1", "n": None}]},
    "summary": [
        {"text": "Stufe 2", "light": "amber", "section": "maturity", "kind": "figure", "facts": []}
    ],
}


def test_write_then_read_gives_the_same_model_and_the_same_text(tmp_path: Path):
    results = client_results(sections=[MATURITY, {"id": "kpi", "title": "Kennzahlen"}])
    path = write_results(results, tmp_path)
    assert path == tmp_path / RESULTS_FILE
    back = read_results(tmp_path)
    assert back == results
    assert back.to_json() == path.read_text(encoding="utf-8")
    data = json.loads(path.read_text(encoding="utf-8"))
    # exactly what the notebook recorded: keys it never set stay absent, numbers keep their type
    assert data["sections"] == [MATURITY, {"id": "kpi", "title": "Kennzahlen"}]
    assert data["schema_version"] == SCHEMA_VERSION
    assert data["generated_at"] == "2026-01-31T13:05:09+00:00"
    assert list(data) == sorted(data)
    assert back.section("maturity").figures["stage"] == 2
    assert back.section("survival") is None


def test_another_schema_version_is_a_plain_error_and_means_run_again(tmp_path: Path):
    data = json.loads(client_results().to_json())
    data["schema_version"] = SCHEMA_VERSION + 1
    (tmp_path / RESULTS_FILE).write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(ResultsFileError) as caught:
        read_results(tmp_path)
    message = str(caught.value)
    assert f"Schema-Version {SCHEMA_VERSION + 1}" in message
    assert f"nur Version {SCHEMA_VERSION}" in message and "cxwb run" in message
    assert str(tmp_path / RESULTS_FILE) in message
    assert stored_input_hash(tmp_path) is None  # the incremental batch runs the client again


@pytest.mark.parametrize(
    ("change", "named"),
    [
        (lambda d: d.pop("input_hash"), "input_hash"),
        (lambda d: d.update(lang="fr"), "lang"),
        (lambda d: d["summary"].append({"text": "x", "light": "pink", "section": "kpi"}), "light"),
        (
            lambda d: d["summary"].append(
                {"text": "x", "light": "red", "section": "kpi", "kind": "opinion"}
            ),
            "kind",
        ),
        (lambda d: d.update(extra=1), "extra"),
    ],
)
def test_wrong_content_is_a_plain_error_naming_the_field(tmp_path: Path, change, named: str):
    data = json.loads(client_results().to_json())
    change(data)
    (tmp_path / RESULTS_FILE).write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(ResultsFileError, match=named):
        read_results(tmp_path)


def test_unreadable_or_missing_file_is_a_plain_error(tmp_path: Path):
    with pytest.raises(ResultsFileError, match="lässt sich nicht lesen"):
        read_results(tmp_path / "nirgends")
    (tmp_path / RESULTS_FILE).write_text("{kein json", encoding="utf-8")
    with pytest.raises(ResultsFileError, match="kein gültiges JSON"):
        ClientResults.from_json((tmp_path / RESULTS_FILE).read_text(encoding="utf-8"))
