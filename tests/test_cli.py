"""The cxwb command: exit codes and plain messages for users' mistakes."""

from __future__ import annotations

import datetime as dt
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


def test_new_shop_gets_its_business_model_cut_off_and_inactivity_rule(tmp_path: Path):
    """A retail user got `business_model: contractual` and no hint about the cut-off."""
    from cxlib.parameters.files import load_parameters

    params_dir = tmp_path / "parameters"
    args = ["new", "laden", "--dir", str(params_dir), "--data-dir", str(tmp_path / "data")]
    shop = [*args, "--business-model", "non_contractual", "--data-cutoff", "1998-06-30"]
    assert main(shop) == 0
    params = load_parameters(params_dir / "laden.yaml")
    assert params.business_model == "non_contractual"
    assert params.cutoff == dt.date(1998, 6, 30)
    assert params.analysis.survival.inactivity_days == 180
    assert "kaeufe.csv" in (params_dir / "laden.yaml").read_text(encoding="utf-8")
    # a contract client without a known cut-off: the report date, and a hint what to set
    assert main([*args[:1], "vertrag", *args[2:]]) == 0
    contract = load_parameters(params_dir / "vertrag.yaml")
    assert contract.business_model == "contractual"
    assert contract.analysis.data_cutoff is None and contract.cutoff == contract.report_date
    assert "data_cutoff: null   # Datenstand" in (params_dir / "vertrag.yaml").read_text("utf-8")


def test_a_wrong_cut_off_date_is_a_plain_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    with pytest.raises(SystemExit):
        main(["new", "laden", "--dir", str(tmp_path), "--data-cutoff", "30.06.1998"])
    assert "kein Datum wie 2025-12-31" in capsys.readouterr().err


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
