"""cxlib's own files: where they are, and the fast reader of its YAML files must mean exactly
what ruamel.yaml (YAML 1.2) means."""

import os
from pathlib import Path

import pytest
import yaml
from ruamel.yaml import YAML

from cxlib import resources
from cxlib.resources import (
    PACKAGE_DIR,
    is_packaged,
    load_packaged,
    notebooks_dir,
    parameter_dirs,
    portfolio_templates_dir,
    templates_dir,
)

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


def test_notebooks_and_templates_are_inside_the_package(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CXWB_NOTEBOOKS", raising=False)
    assert is_packaged(notebooks_dir())
    assert (notebooks_dir() / "workshop.ipynb").is_file()
    assert (templates_dir() / "report" / "conf.json").is_file()
    assert (portfolio_templates_dir() / "page.html.j2").is_file()


def test_the_checkouts_notebooks_folder_is_a_relative_link_into_the_package(project: Path) -> None:
    link = project / "notebooks"
    assert link.is_symlink()
    assert not os.path.isabs(os.readlink(link))  # works wherever the checkout lies
    assert link.resolve() == PACKAGE_DIR / "notebooks"


def test_in_a_checkout_the_default_folders_are_the_checkouts(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CXWB_PARAMETERS", raising=False)
    assert resources.checkout_dir() == project
    assert resources.default_dir("reports") == project / "reports"
    assert parameter_dirs() == [tmp_path.resolve() / "parameters", project / "parameters"]


def test_installed_the_default_folders_are_the_working_directorys(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site_packages = tmp_path / "site-packages"  # beside an installed cxlib: no pyproject.toml
    site_packages.mkdir()
    work = tmp_path / "kunden"
    work.mkdir()
    monkeypatch.setattr(resources, "PROJECT_DIR", site_packages)
    monkeypatch.chdir(work)
    monkeypatch.delenv("CXWB_PARAMETERS", raising=False)
    assert resources.checkout_dir() is None
    assert resources.default_dir("reports") == work / "reports"
    assert parameter_dirs() == [work.resolve() / "parameters"]
