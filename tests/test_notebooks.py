"""The committed notebooks: thin, parameterised alike, stored without outputs."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import nbformat
import pytest

from cxlib.report.section import check_block_names
from cxlib.runner.execution import SOURCE_KEY, split, stitch
from cxlib.runner.run import notebook_paths

from .demo_clients import demo_client

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


#: The package each numbered notebook analyses, in report order.
PACKAGES = {"01-": "maturity", "02-": "journeys", "03-": "kpis", "04-": "survival"}


def _statements(cell) -> list[str]:
    return [ast.unparse(node) for node in ast.parse(cell.source).body]


def _shown_names(cells) -> list[str]:
    """The block names of the ``section.show("…")`` cells, in order."""
    names = []
    for cell in cells:
        for node in ast.parse(cell.source).body:
            call = node.value if isinstance(node, ast.Expr) else None
            assert (
                isinstance(call, ast.Call)
                and ast.unparse(call.func) == "section.show"
                and len(call.args) == 1
                and isinstance(call.args[0], ast.Constant)
            ), f"a block cell shows one block: {cell.source!r}"
            names.append(call.args[0].value)
    return names


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_every_notebook_follows_the_section_contract_in_the_same_order(path: Path):
    """open_client, analyse, section, heading, one cell per block, record: in every notebook."""
    cells = [c for c in code_cells(path) if "parameters" not in c.metadata.get("tags", [])]
    package = PACKAGES[path.name[:3]]
    assert _statements(cells[0]) == [
        f"from cxlib import {package} as analysis",
        "from cxlib import workbook",
        "wb = workbook.open_client(client_id, params_file=params_file, lang=lang, "
        "output_dir=output_dir)",
    ]
    assert _statements(cells[1]) == [
        "result = analysis.analyse(wb.params, wb.data, wb.tests)",
        "section = analysis.section(result, wb.lang)",
        "wb.heading(section)",
    ]
    assert _statements(cells[-1]) == ["wb.record(section)"]
    assert _shown_names(cells[2:-1])


@pytest.mark.parametrize("client", ["stadtwerke-lindenau", "cafe-bohnenglueck"])
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_every_block_of_the_section_is_shown_once_in_order(path: Path, client: str):
    """A block a section adds or renames cannot silently go missing from the report."""
    cells = [c for c in code_cells(path) if "parameters" not in c.metadata.get("tags", [])]
    analysis = importlib.import_module(f"cxlib.{PACKAGES[path.name[:3]]}")
    params, data = demo_client(client)
    section = analysis.section(analysis.analyse(params, data), "de")
    check_block_names(section, _shown_names(cells[2:-1]))
