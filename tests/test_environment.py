"""Packaging: environment.yml installs what pyproject.toml declares."""

from __future__ import annotations

import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from ruamel.yaml import YAML


def test_environment_yml_matches_pyproject(project: Path):
    pyproject = tomllib.loads((project / "pyproject.toml").read_text(encoding="utf-8"))
    env = YAML(typ="safe").load((project / "environment.yml").read_text(encoding="utf-8"))
    deps = env["dependencies"]
    conda = [d for d in deps if isinstance(d, str)]
    pip = next(d["pip"] for d in deps if isinstance(d, dict))
    python = next(d for d in conda if d.startswith("python"))
    version = python.split("=", 1)[1]
    assert SpecifierSet(pyproject["project"]["requires-python"]).contains(version + ".0")
    # pip installs the project itself with its dev extra: one source of truth.
    assert pip == ["-e .[dev]"]
    # any other conda package must be one pyproject declares
    declared = {Requirement(r).name.lower() for r in pyproject["project"]["dependencies"]}
    others = {d.split("=")[0].lower() for d in conda} - {"python", "pip"}
    assert others <= declared


def test_mandated_stack_is_declared(project: Path):
    pyproject = tomllib.loads((project / "pyproject.toml").read_text(encoding="utf-8"))
    names = {Requirement(r).name.lower() for r in pyproject["project"]["dependencies"]}
    assert {"jupyterlab", "papermill", "pandas", "seaborn", "statsmodels", "nbconvert"} <= names
    dev = {
        Requirement(r).name.lower() for r in pyproject["project"]["optional-dependencies"]["dev"]
    }
    assert "pytest" in dev
