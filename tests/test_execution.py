"""Executing notebooks in one kernel or in several at once."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from cxlib.exceptions import NotebookError, RunError
from cxlib.runner.dealing import WEIGHTS, deal
from cxlib.runner.execution import SOURCE_KEY, combine, execute, split, stitch
from cxlib.runner.kernel import notebook_kernels, started_kernels
from cxlib.runner.run import notebook_paths


def test_deal_balances_the_kernels_by_the_notebooks_weights():
    paths = notebook_paths()
    assert [p.name for p in paths] == sorted(WEIGHTS)  # every analysis notebook has a weight
    one, two = deal(paths, 2)
    assert [p.name for p in one] == ["03-kennzahlen.ipynb"]  # weight 3 against 1 + 1 + 1.5
    assert [p.name for p in two] == [
        "01-reifegrad.ipynb",
        "02-journey-auswahl.ipynb",
        "04-verbleibanalyse.ipynb",
    ]
    assert deal(paths, 1) == [paths]
    assert deal(paths, 6) == [[p] for p in sorted(paths, key=lambda p: -WEIGHTS[p.name])]
    with pytest.raises(ValueError):
        deal(paths, 0)


def test_deal_without_weights_alternates_and_keeps_report_order():
    paths = [Path(f"0{i}-x.ipynb") for i in range(1, 6)]  # unknown: all weigh 1
    assert deal(paths, 2) == [[paths[0], paths[2], paths[4]], [paths[1], paths[3]]]
    assert deal(paths, 3) == [[paths[0], paths[3]], [paths[1], paths[4]], [paths[2]]]


def test_combine_restores_report_order_from_parts_of_two_groups():
    paths = notebook_paths()
    parts = {}
    for group in reversed(deal(paths, 2)):  # the second group finishes first
        parts.update(split(stitch(group)))
    names = [c.metadata[SOURCE_KEY] for c in combine(parts).cells]
    assert names == sorted(names)
    assert sorted(set(names)) == [p.name for p in paths]

    # every notebook's own cells in their own order (a group keeps one parameters cell)
    def sources(cells):
        return [c.source for c in cells if "parameters" not in c.metadata.get("tags", [])]

    for path in paths:
        own = [c for c in combine(parts).cells if c.metadata[SOURCE_KEY] == path.name]
        assert sources(own) == sources(nbformat.read(path, as_version=4).cells)


def test_a_single_client_run_uses_two_kernels_on_two_cores(monkeypatch):
    monkeypatch.setattr("os.sched_getaffinity", lambda pid: {0, 1}, raising=False)
    assert notebook_kernels() == 2
    monkeypatch.setattr("os.sched_getaffinity", lambda pid: {0}, raising=False)
    assert notebook_kernels() == 1


def _notebook(path: Path, *sources: str) -> Path:
    cells = [new_code_cell('output_dir = ""', metadata={"tags": ["parameters"]})]
    cells += [new_code_cell(source) for source in sources]
    kernelspec = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(new_notebook(cells=cells, metadata={"kernelspec": kernelspec}), path)
    return path


@pytest.mark.slow
def test_two_kernels_run_their_notebooks_at_once_and_parts_come_back_by_name(tmp_path: Path):
    def waiting_for(me: str, other: str) -> str:
        # each notebook waits until the other one has started: only parallel kernels finish
        return (
            "import os, time, pathlib\n"
            f"pathlib.Path(r'{tmp_path / me}').touch()\n"
            f"other = pathlib.Path(r'{tmp_path / other}')\n"
            "deadline = time.time() + 60\n"
            "while not other.exists() and time.time() < deadline: time.sleep(0.05)\n"
            "print(os.getpid(), other.exists())"
        )

    paths = [
        _notebook(tmp_path / "01-a.ipynb", waiting_for("a.started", "b.started")),
        _notebook(tmp_path / "02-b.ipynb", waiting_for("b.started", "a.started")),
    ]
    with started_kernels(2, preload=()) as kernels:
        parts = execute(paths, {"output_dir": str(tmp_path)}, kernels, tmp_path)
    assert list(parts) == ["01-a.ipynb", "02-b.ipynb"]
    printed = [parts[p.name].cells[-1].outputs[0]["text"].split() for p in paths]
    assert printed[0][1] == printed[1][1] == "True"
    assert printed[0][0] != printed[1][0]  # two kernel processes
    assert not list(tmp_path.glob("workbook-*.ipynb"))  # nothing left over on success


@pytest.mark.slow
def test_a_users_error_in_the_second_kernel_ends_the_run_with_its_plain_message(tmp_path: Path):
    paths = [
        _notebook(tmp_path / "01-a.ipynb", "x = 1"),
        _notebook(
            tmp_path / "02-b.ipynb",
            "from cxlib.survival.errors import SurvivalError\n"
            "raise SurvivalError('Die Kundentabelle fehlt.')",
        ),
    ]
    with started_kernels(2, preload=()) as kernels, pytest.raises(RunError) as caught:
        execute(paths, {"output_dir": str(tmp_path)}, kernels, tmp_path)
    assert str(caught.value) == "Die Kundentabelle fehlt."
    assert (tmp_path / "workbook-2.ipynb").is_file()  # the failed notebook stays for the log


@pytest.mark.slow
def test_any_cxerror_comes_back_as_a_record_anything_else_as_internal(tmp_path: Path):
    # an error type no runner module knows of: defined in the cell itself
    user_error = _notebook(
        tmp_path / "01-user.ipynb",
        "from cxlib.exceptions import DataError, DataProblem\n"
        "class LocalError(DataError):\n"
        "    pass\n"
        "raise LocalError([DataProblem('kunden.csv', 'kein Datum', row=7, column='Kunde seit',\n"
        "                              value='31.02.2024', expected='ein Datum')])",
    )
    bug = _notebook(tmp_path / "02-bug.ipynb", "{}['fehlt']")
    with started_kernels(1, preload=()) as kernels:
        with pytest.raises(NotebookError) as user:
            execute([user_error], {"output_dir": str(tmp_path)}, kernels, tmp_path)
        with pytest.raises(NotebookError) as internal:
            execute([bug], {"output_dir": str(tmp_path)}, kernels, tmp_path)
    record = user.value.record
    assert record is not None and not user.value.internal
    assert record.error_type == "LocalError"
    assert (record.file, record.row, record.column, record.value) == (
        "kunden.csv",
        7,
        "Kunde seit",
        "31.02.2024",
    )
    assert record.places[0].expected == "ein Datum"
    assert str(user.value) == record.message
    assert "kunden.csv, Zeile 7, Spalte „Kunde seit“: kein Datum" in record.message
    assert internal.value.internal and internal.value.record is None
    assert "KeyError" in str(internal.value) and "Programmfehler" in str(internal.value)


@pytest.mark.slow
def test_each_notebook_is_handed_over_as_soon_as_it_is_done_with_its_final_outputs(tmp_path):
    from cxlib.report.render import notebook_html

    def waits_for_hand_over(name: str) -> str:
        # runs only once the notebook before has been handed over (or prints False)
        return (
            "import pathlib, time\n"
            f"mark = pathlib.Path(r'{tmp_path / name}')\n"
            "deadline = time.time() + 60\n"
            "while not mark.exists() and time.time() < deadline: time.sleep(0.02)\n"
            "from IPython.display import HTML, display\n"
            f"display(HTML('<p>after {name}</p>'))\n"
            "print(mark.exists())"
        )

    paths = [
        _notebook(tmp_path / "01-a.ipynb", "from IPython.display import Markdown\nMarkdown('# A')"),
        _notebook(tmp_path / "02-b.ipynb", waits_for_hand_over("01-a.ipynb")),
        _notebook(tmp_path / "03-c.ipynb", waits_for_hand_over("02-b.ipynb"), "print('c')"),
    ]
    handed: list[dict[str, nbformat.NotebookNode]] = []

    def finished(parts: dict[str, nbformat.NotebookNode]) -> None:
        handed.append(parts)
        for name in parts:
            (tmp_path / name).touch()

    with started_kernels(1, preload=()) as kernels:
        parts = execute(paths, {"output_dir": str(tmp_path)}, kernels, tmp_path, finished)
    assert [list(h) for h in handed] == [["01-a.ipynb"], ["02-b.ipynb"], ["03-c.ipynb"]]
    for name in ("02-b.ipynb", "03-c.ipynb"):  # each waited for the hand-over before it
        assert parts[name].cells[0].outputs[-1]["text"] == "True\n"
    for early in handed:
        for name, part in early.items():
            assert [c.outputs for c in part.cells if c.cell_type == "code"] == [
                c.outputs for c in parts[name].cells if c.cell_type == "code"
            ]
            assert notebook_html(part) == notebook_html(parts[name])
    assert "after 01-a.ipynb" in notebook_html(handed[1]["02-b.ipynb"])
