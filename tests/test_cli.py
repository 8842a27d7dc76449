"""The cxwb command: exit codes and plain messages for users' mistakes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cxlib.cli import main
from cxlib.parameters.scaffold import TEMPLATE_FILES, template_header


def test_schema_prints_the_json_schema(capsys: pytest.CaptureFixture[str]):
    assert main(["schema"]) == 0
    schema = json.loads(capsys.readouterr().out)
    assert "client" in schema["properties"]


def test_new_client_scaffold_validates_and_never_overwrites(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    params_dir, data_dir = tmp_path / "parameters", tmp_path / "data"
    args = [
        "new",
        "muster-gmbh",
        "--name",
        "Muster & Co. KG",
        "--dir",
        str(params_dir),
        "--data-dir",
        str(data_dir),
    ]
    assert main(args) == 0
    params = params_dir / "muster-gmbh.yaml"
    assert params.is_file()
    for table, name in TEMPLATE_FILES.items():
        header = (data_dir / "muster-gmbh" / "vorlagen" / name).read_text(encoding="utf-8-sig")
        assert header.strip().split(";") == template_header(table)
    assert main(["validate", str(params)]) == 0
    before = params.read_bytes()
    capsys.readouterr()
    assert main(args) == 1
    assert "existiert bereits" in capsys.readouterr().err
    assert params.read_bytes() == before


def test_unknown_client_is_a_plain_error(capsys: pytest.CaptureFixture[str]):
    assert main(["run", "gibt-es-nicht"]) == 1
    err = capsys.readouterr().err
    assert "Kein Kunde „gibt-es-nicht“" in err
    assert "Traceback" not in err


def test_validate_lists_problems_and_fails(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    bad = tmp_path / "bad.yaml"
    bad.write_text("client: {id: Bad Id, name: X}\n", encoding="utf-8")
    assert main(["validate", str(bad)]) == 1
    err = capsys.readouterr().err
    assert str(bad) in err
    assert "client.id" in err and "consultant" in err
    assert "Traceback" not in err
