"""The fast reader of cxlib's own YAML files must mean exactly what ruamel.yaml (YAML 1.2) means."""

from pathlib import Path

import pytest
import yaml
from ruamel.yaml import YAML

from cxlib.resources import PACKAGE_DIR, is_packaged, load_packaged

PACKAGED = sorted(PACKAGE_DIR.rglob("*.yaml"))


def test_the_package_ships_texts_and_catalogues() -> None:
    names = {p.name for p in PACKAGED}
    assert {"maturity_questionnaire.yaml", "maturity_actions.yaml"} <= names
    assert len(PACKAGED) >= 20


@pytest.mark.parametrize("path", PACKAGED, ids=lambda p: str(p.relative_to(PACKAGE_DIR)))
def test_every_packaged_file_reads_the_same_as_with_ruamel(path: Path) -> None:
    assert load_packaged(path) == YAML(typ="safe").load(path.read_text(encoding="utf-8"))


def test_a_yaml_1_1_word_would_be_caught(tmp_path: Path) -> None:
    # the check above is not vacuous: the two readers differ on YAML 1.1 booleans
    path = tmp_path / "t.yaml"
    path.write_text("answer: no\nmode: on\n", encoding="utf-8")
    assert load_packaged(path) != YAML(typ="safe").load(path.read_text(encoding="utf-8"))


def test_only_files_inside_the_package_count_as_packaged(tmp_path: Path) -> None:
    assert is_packaged(PACKAGE_DIR / "data" / "maturity_questionnaire.yaml")
    assert not is_packaged(tmp_path / "maturity_questionnaire.yaml")


def test_the_c_parser_is_used_when_available() -> None:
    from cxlib import resources as packaged_yaml

    if hasattr(yaml, "CSafeLoader"):
        assert packaged_yaml._LOADER is yaml.CSafeLoader
