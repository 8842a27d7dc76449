"""Packaging: environment.yml installs what pyproject.toml declares; cxlib declares its imports."""

from __future__ import annotations

import ast
import functools
import sys
import tomllib
from importlib.metadata import packages_distributions, requires
from pathlib import Path

import nbformat
import pytest
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name
from ruamel.yaml import YAML

from cxlib.resources import PACKAGE_DIR
from cxlib.runner.run import versions

#: Import names that differ from their distribution's name; "dist[extra]" when
#: an extra of a declared distribution brings the module.
DISTRIBUTION_OF = {
    "yaml": "pyyaml",
    "ruamel": "ruamel.yaml",
    "bs4": "beautifulsoup4",
    "IPython": "ipython",
    "distributed": "dask[distributed]",
    "zmq": "pyzmq",
}
#: Declared dependencies cxlib needs at run time without importing them.
RUNTIME_ONLY = {
    "jupyterlab": "cxwb workshop starts `python -m jupyterlab`",
    "jupyterlab-language-pack-de-de": "cxwb workshop: JupyterLab's menus in German (locale de_DE)",
}


def pyproject(project: Path) -> dict:
    return tomllib.loads((project / "pyproject.toml").read_text(encoding="utf-8"))


def declared(project: Path) -> dict[str, Requirement]:
    """The runtime dependencies by canonical distribution name."""
    requirements = [Requirement(r) for r in pyproject(project)["project"]["dependencies"]]
    return {canonicalize_name(r.name): r for r in requirements}


def module_imports(tree: ast.AST) -> set[str]:
    """Top-level names of the absolute imports in ``tree`` (inside functions too)."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def imports_in(folder: Path) -> dict[str, set[str]]:
    """Import name -> files, over the modules and the notebooks' code cells in ``folder``."""
    found: dict[str, set[str]] = {}
    sources = [(p, p.read_text(encoding="utf-8")) for p in folder.rglob("*.py")]
    for path in sorted(folder.rglob("*.ipynb")):
        cells = nbformat.read(path, as_version=4).cells
        sources += [(path, c.source) for c in cells if c.cell_type == "code"]
    for path, source in sources:
        for name in module_imports(ast.parse(source)):
            if name not in sys.stdlib_module_names and name != "cxlib":
                found.setdefault(name, set()).add(str(path.relative_to(folder)))
    return found


@functools.cache
def third_party_imports() -> dict[str, set[str]]:
    """Import name -> files, over cxlib's modules and the packaged notebooks' code cells."""
    return imports_in(PACKAGE_DIR)


@functools.cache
def installed_modules() -> dict[str, list[str]]:
    """Top-level module -> installed distributions (reads every installed RECORD once)."""
    return dict(packages_distributions())


def distribution(import_name: str) -> tuple[str, str | None]:
    """The canonical distribution name that provides ``import_name`` and the extra, if any."""
    requirement = Requirement(DISTRIBUTION_OF.get(import_name, import_name))
    extra = next(iter(requirement.extras), None)
    return canonicalize_name(requirement.name), extra


def test_environment_yml_matches_pyproject(project: Path):
    env = YAML(typ="safe").load((project / "environment.yml").read_text(encoding="utf-8"))
    deps = env["dependencies"]
    conda = [d for d in deps if isinstance(d, str)]
    pip = next(d["pip"] for d in deps if isinstance(d, dict))
    python = next(d for d in conda if d.startswith("python"))
    version = python.split("=", 1)[1]
    assert SpecifierSet(pyproject(project)["project"]["requires-python"]).contains(version + ".0")
    # pip installs the project itself with its dev extra: one source of truth.
    assert pip == ["-e .[dev]"]
    # any other conda package must be one pyproject declares
    others = {canonicalize_name(d.split("=")[0]) for d in conda} - {"python", "pip"}
    assert others <= set(declared(project))


def test_mandated_stack_is_declared(project: Path):
    # seaborn is not: its look is set in matplotlib directly (cxlib/report/charts.py)
    names = set(declared(project))
    assert {"jupyterlab", "papermill", "pandas", "matplotlib", "statsmodels", "nbconvert"} <= names
    dev = {
        canonicalize_name(Requirement(r).name)
        for r in pyproject(project)["project"]["optional-dependencies"]["dev"]
    }
    assert {"pytest", "mypy", "pre-commit", "setuptools"} <= dev


def test_every_import_of_cxlib_is_declared(project: Path):
    deps = declared(project)
    missing = []
    for name, files in sorted(third_party_imports().items()):
        dist, extra = distribution(name)
        if dist not in deps or (extra and extra not in deps[dist].extras):
            missing.append(f"{name} ({dist}{f'[{extra}]' if extra else ''}): {sorted(files)[0]}")
    assert not missing, "imported but not in pyproject's dependencies: " + ", ".join(missing)


def test_every_declared_dependency_is_imported_or_needed_at_run_time(project: Path):
    imported = {distribution(name)[0] for name in third_party_imports()}
    unused = set(declared(project)) - imported - set(RUNTIME_ONLY)
    assert not unused, f"declared but never imported: {sorted(unused)} (drop or explain them)"
    assert not set(RUNTIME_ONLY) & imported, "imported now: remove it from RUNTIME_ONLY"


def test_the_import_scan_sees_imports_in_functions_and_notebooks(tmp_path: Path):
    tree = ast.parse("def f():\n    import scipy.stats\nfrom . import x\nfrom a.b import c\n")
    assert module_imports(tree) == {"scipy", "a"}
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell("from IPython.display import HTML\nimport cxlib")]
    nbformat.write(notebook, tmp_path / "n.ipynb")
    assert imports_in(tmp_path) == {"IPython": {"n.ipynb"}}


@pytest.mark.parametrize("name", sorted(set(DISTRIBUTION_OF) | set(third_party_imports())))
def test_the_name_mapping_matches_the_installed_distributions(name: str):
    providers = {canonicalize_name(d) for d in installed_modules().get(name, [])}
    dist, extra = distribution(name)
    if extra:
        # the module comes with the extra: the declared distribution requires it
        extra_requirements = [Requirement(r) for r in requires(dist) or []]
        brought = {
            canonicalize_name(r.name)
            for r in extra_requirements
            if r.marker and r.marker.evaluate({"extra": extra})
        }
        assert providers & brought, f"{dist}[{extra}] does not bring {name}"
    else:
        assert dist in providers, f"{name} is provided by {sorted(providers)}, not {dist}"


def test_the_versions_in_every_report_are_of_declared_libraries(project: Path):
    names = {canonicalize_name(n) for n in versions()} - {"cxlib", "python"}
    assert names <= set(declared(project))
