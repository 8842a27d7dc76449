"""Parameter files: validation messages name file, key and line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from cxlib.exceptions import ClientNotFoundError, ParameterError
from cxlib.parameters.files import find_parameters, json_schema, load_parameters

from .conftest import MINIMAL, write_params


def problems(path: Path) -> list[tuple[str, str]]:
    with pytest.raises(ParameterError) as info:
        load_parameters(path)
    assert info.value.file == str(path.resolve())
    assert str(path.resolve()) in str(info.value)
    return info.value.problems


def test_minimal_file_is_valid_with_documented_defaults(minimal_params: Path):
    # defaults users are told about, not the code's output: language "de" and small_n 30 in
    # docs/parameters.schema.json, the cutoff is report_date of MINIMAL when
    # analysis.data_cutoff is unset (its description there); horizons 3/6/12/24 months and
    # the standard journey starting with "Orientierung" are those of the method (CX_METHOD.md)
    params = load_parameters(minimal_params)
    assert params.client.id == "muster-gmbh"
    assert params.language == "de"
    assert params.analysis.small_n == 30
    assert params.analysis.survival.horizons_months == [3, 6, 12, 24]
    assert params.cutoff.isoformat() == "2026-01-31"
    assert params.base_dir == minimal_params.parent
    assert params.workshop.phases[0] == "Orientierung"


def test_unknown_key_is_named_with_its_line(tmp_path: Path):
    path = write_params(tmp_path, MINIMAL + "colour: red\n")
    [(key, message)] = problems(path)
    assert key == "colour (Zeile 7)"
    assert "unbekannter Schlüssel" in message


def test_unquoted_number_with_leading_zero_is_rejected_not_mangled(tmp_path: Path):
    body = MINIMAL.replace("name: Muster GmbH", "name: 01067")
    [(key, message)] = problems(write_params(tmp_path, body))
    assert key == "client.name (Zeile 3)"
    assert "'01067'" in message and "Anführungszeichen" in message


def test_quoted_leading_zero_is_kept(tmp_path: Path):
    body = MINIMAL.replace("name: Muster GmbH", "name: '01067'")
    assert load_parameters(write_params(tmp_path, body)).client.name == "01067"


def test_all_problems_are_reported_at_once(tmp_path: Path):
    body = (
        MINIMAL.replace("business_model: contractual", "business_model: abo")
        + "language: fr\nbranding:\n  accent_color: blue\n"
    )
    keys = {key.split(" ")[0] for key, _ in problems(write_params(tmp_path, body))}
    assert keys == {"business_model", "language", "branding.accent_color"}


def test_missing_required_key(tmp_path: Path):
    body = MINIMAL.replace("consultant: Erika Beraterin\n", "")
    [(key, message)] = problems(write_params(tmp_path, body))
    assert key == "consultant"
    assert message == "Pflichtangabe fehlt"


def test_rating_out_of_range_names_the_list_position(tmp_path: Path):
    body = MINIMAL + (
        "workshop:\n  journeys:\n    - id: startphase\n      name: Startphase\n"
        "      ratings:\n        - {participant: GF, haeufigkeit: 6, schaden: 3, machbarkeit: 3}\n"
    )
    [(key, message)] = problems(write_params(tmp_path, body))
    assert key.startswith("workshop.journeys.0.ratings.0.haeufigkeit (Zeile 12)")
    assert "5" in message


def test_measure_must_reference_a_defined_journey(tmp_path: Path):
    body = MINIMAL + (
        "workshop:\n  measures:\n    - {journey: startphase, text: Begrüßungsanruf, owner: Service,"
        " start: 2026-02-01, check_date: 2026-03-15, kpi: CES}\n"
    )
    [(key, message)] = problems(write_params(tmp_path, body))
    assert key.startswith("workshop")
    assert "startphase" in message


def test_missing_data_file_is_named(tmp_path: Path):
    body = MINIMAL + "data:\n  customers:\n    file: fehlt.csv\n"
    [(key, message)] = problems(write_params(tmp_path, body))
    assert key == "data.customers.file"
    assert str(tmp_path / "fehlt.csv") in message


def test_data_paths_are_relative_to_the_parameter_file(tmp_path: Path):
    (tmp_path / "daten").mkdir()
    (tmp_path / "daten" / "kunden.csv").write_text("Kundennummer\nK1\n", encoding="utf-8")
    (tmp_path / "params").mkdir()
    body = MINIMAL + "data:\n  customers:\n    file: ../daten/kunden.csv\n"
    params = load_parameters(write_params(tmp_path / "params", body))
    assert params.data_paths() == {"customers": (tmp_path / "daten" / "kunden.csv").resolve()}


def test_column_mapping_to_unknown_canonical_name(tmp_path: Path):
    (tmp_path / "k.csv").write_text("x\n1\n", encoding="utf-8")
    body = MINIMAL + "data:\n  customers:\n    file: k.csv\n    columns: {Kd-Nr: kundennummer}\n"
    [(key, message)] = problems(write_params(tmp_path, body))
    assert key.startswith("data")
    assert "kundennummer" in message and "customer_id" in message


def test_yaml_syntax_error_names_the_line(tmp_path: Path):
    # a tab used for indentation on line 8
    body = MINIMAL + "workshop:\n\tjourneys: []\n"
    [(key, message)] = problems(write_params(tmp_path, body))
    assert key.startswith("Zeile 8")
    assert "YAML" in message


def test_not_a_mapping(tmp_path: Path):
    [(_, message)] = problems(write_params(tmp_path, "- a\n- b\n"))
    assert "Zuordnung" in message


def test_find_parameters_by_client_id(tmp_path: Path):
    path = write_params(tmp_path, MINIMAL, "muster-gmbh.yaml")
    assert find_parameters("muster-gmbh", [tmp_path]) == path.resolve()
    with pytest.raises(ClientNotFoundError, match="cxwb new unbekannt"):
        find_parameters("unbekannt", [tmp_path])


def test_json_schema_for_editors():
    schema = json_schema()
    assert "source" not in schema["properties"]
    assert set(schema["required"]) >= {"client", "consultant", "report_date", "business_model"}
    rating = schema["$defs"]["JourneyRating"]["properties"]
    assert {"haeufigkeit", "schaden", "machbarkeit", "unsicher"} <= set(rating)


def test_json_schema_flags_what_the_loader_refuses():
    """An editor using the schema accepts the minimal file and marks the same mistakes."""
    jsonschema = pytest.importorskip("jsonschema")
    validator = jsonschema.Draft202012Validator(json.loads(json.dumps(json_schema())))
    minimal = yaml.safe_load(MINIMAL)
    minimal["report_date"] = minimal["report_date"].isoformat()  # YAML date → JSON string
    assert list(validator.iter_errors(minimal)) == []
    wrong = {
        **minimal,
        "language": "fr",
        "business_model": "abo",
        "branding": {"accent_color": "blue"},
    }
    paths = {"/".join(map(str, error.absolute_path)) for error in validator.iter_errors(wrong)}
    # the keys test_all_problems_are_reported_at_once expects from load_parameters
    assert paths == {"language", "business_model", "branding/accent_color"}
