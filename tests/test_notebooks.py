"""The committed notebooks: thin, parameterised alike, stored without outputs."""

from __future__ import annotations

import ast
from pathlib import Path

import nbformat
import pytest

from cxlib.runner.execution import SOURCE_KEY, split, stitch
from cxlib.runner.run import notebook_paths

NOTEBOOKS = notebook_paths()


def code_cells(path: Path):
    return [c for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code"]


def parameter_names(cell) -> list[str]:
    return [
        node.targets[0].id for node in ast.parse(cell.source).body if isinstance(node, ast.Assign)
    ]


def test_four_numbered_notebooks_in_report_order():
    assert [p.name[:3] for p in NOTEBOOKS] == ["01-", "02-", "03-", "04-"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_committed_without_outputs(path: Path):
    for cell in code_cells(path):
        assert cell.outputs == [], f"{path.name}: strip outputs before committing"
        assert cell.execution_count is None


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_one_parameters_cell_with_the_shared_names(path: Path):
    tagged = [c for c in code_cells(path) if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1
    assert parameter_names(tagged[0]) == ["client_id", "params_file", "lang", "output_dir"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebooks_stay_thin(path: Path):
    for cell in code_cells(path):
        tree = ast.parse(cell.source)
        defs = [n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.ClassDef))]
        assert not defs, f"{path.name}: logic belongs in cxlib, not in a notebook"
        assert len(cell.source.splitlines()) <= 6


def test_stitch_keeps_one_parameters_cell_and_split_restores_the_notebooks():
    stitched = stitch(NOTEBOOKS)
    tagged = [c for c in stitched.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1
    parts = split(stitched)
    assert list(parts) == [p.name for p in NOTEBOOKS]
    for path in NOTEBOOKS:
        original = nbformat.read(path, as_version=4).cells
        kept = parts[path.name].cells
        expected = len(original) - (0 if path == NOTEBOOKS[0] else 1)
        assert len(kept) == expected
        assert all(c.metadata[SOURCE_KEY] == path.name for c in kept)
