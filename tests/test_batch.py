"""Incremental batch runs: a client whose inputs are unchanged is not run again.

Most tests replace the notebook run by a stand-in that writes what a good run
writes (report.html, results.json with the input hash), so the skip decisions
are checked in milliseconds; one slow test does it with real runs.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
from pathlib import Path

import nbformat
import pytest

import cxlib
import cxlib.runner.attempt
import cxlib.runner.batch
import cxlib.runner.run
from cxlib.cli import main
from cxlib.parameters.files import load_parameters
from cxlib.runner.batch import BatchResult, run_batch, unchanged_result
from cxlib.runner.results import write_results
from cxlib.runner.run import RunResult, input_hash, notebook_paths, stored_input_hash

from .conftest import MINIMAL
from .results_factory import client_results

PROJECT = Path(__file__).resolve().parent.parent
SMALL = PROJECT / "parameters" / "berger-haustechnik.yaml"
BIG = PROJECT / "parameters" / "stadtwerke-lindenau.yaml"


def copy_client(root: Path, client_id: str = "berger-haustechnik") -> Path:
    """A copy of the small demo client (own data folder) under ``root``."""
    data = root / "data" / "berger-haustechnik"
    if not data.exists():
        shutil.copytree(PROJECT / "data" / "berger-haustechnik", data)
    (root / "parameters").mkdir(exist_ok=True)
    params = root / "parameters" / f"{client_id}.yaml"
    text = SMALL.read_text(encoding="utf-8")
    params.write_text(
        text.replace("  id: berger-haustechnik", f"  id: {client_id}"), encoding="utf-8"
    )
    return params


def source_stamp() -> dict[str, int]:
    """Modification times of cxlib's and the notebooks' files (part of every input hash)."""
    return {
        str(path): path.stat().st_mtime_ns
        for folder in (PROJECT / "cxlib", PROJECT / "notebooks")
        for path in folder.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    }


def skip_if_source_changed(before: dict[str, int]) -> None:
    """Skip when someone edited cxlib while a real run was going (the hash must differ then)."""
    changed = sorted(k for k, v in source_stamp().items() if before.get(k) != v)
    if changed:
        pytest.skip(f"cxlib changed during the test: {', '.join(changed[:3])}")


class FakeRuns:
    """Stands in for :func:`cxlib.runner.batch.run_one`: records calls, writes a good run's files.

    The results.json it writes records :func:`cxlib.runner.run.input_hash` of
    the client's inputs at the time of the call, as a real run does; that this
    hash covers the documented inputs is checked by hand in
    ``test_input_hash_is_sha256_over_the_documented_inputs``.
    """

    def __init__(self, fail: set[str] | None = None) -> None:
        self.calls: list[tuple[str, str | None]] = []
        self.fail = fail or set()

    def __call__(self, path: Path, out_dir: Path, lang: str | None) -> RunResult:
        params = load_parameters(path)
        client = params.client.id
        self.calls.append((client, lang))
        if client in self.fail:
            failed = out_dir / f"{client}.failed"
            failed.mkdir(parents=True, exist_ok=True)
            (failed / "run.log").write_text("kaputt\n", encoding="utf-8")
            return RunResult(client, "failed", 0.1, message="kaputt", log=failed / "run.log")
        folder = out_dir / client
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "report.html").write_text(f"<html>{client} {lang}</html>", encoding="utf-8")
        digest = input_hash(params, notebook_paths(), lang)
        write_results(client_results(client_id=client, input_hash=digest), folder)
        shutil.rmtree(out_dir / f"{client}.failed", ignore_errors=True)
        return RunResult(client, "ok", 0.1, folder / "report.html")

    def clients(self) -> list[str]:
        return [client for client, _ in self.calls]


@pytest.fixture
def frozen_sources(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Hash a private copy of cxlib and the notebooks (others may edit the working tree)."""
    source = tmp_path / "src"
    ignore = shutil.ignore_patterns("__pycache__")
    shutil.copytree(PROJECT / "cxlib", source / "cxlib", ignore=ignore)
    shutil.copytree(PROJECT / "notebooks", source / "notebooks", ignore=ignore)
    monkeypatch.setattr(cxlib.runner.run, "PACKAGE_DIR", source / "cxlib")
    monkeypatch.setenv("CXWB_NOTEBOOKS", str(source / "notebooks"))
    return source


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch, frozen_sources: Path) -> FakeRuns:
    runs = FakeRuns()
    monkeypatch.setattr(cxlib.runner.batch, "run_one", runs)
    return runs


def batch(tmp_path: Path, **options) -> BatchResult:
    return run_batch(
        [tmp_path / "parameters"], out_dir=tmp_path / "out", jobs=1, progress=False, **options
    )


def statuses(result: BatchResult) -> dict[str, str]:
    return {r.client_id: r.status for r in result.results}


def test_second_batch_skips_only_what_is_unchanged(tmp_path: Path, fake: FakeRuns):
    a = copy_client(tmp_path, "kunde-a")
    copy_client(tmp_path, "kunde-b")
    assert statuses(batch(tmp_path)) == {"kunde-a": "ok", "kunde-b": "ok"}
    assert sorted(fake.clients()) == ["kunde-a", "kunde-b"]

    fake.calls.clear()
    second = batch(tmp_path)
    assert statuses(second) == {"kunde-a": "unchanged", "kunde-b": "unchanged"}
    assert fake.calls == []
    assert second.ok
    assert all(r.report and r.report.is_file() for r in second.results)

    # a parameter changes for one client: only that one runs
    a.write_text(a.read_text(encoding="utf-8").replace("target: 80", "target: 85"), "utf-8")
    assert statuses(batch(tmp_path)) == {"kunde-a": "ok", "kunde-b": "unchanged"}
    assert fake.clients() == ["kunde-a"]


def test_changed_data_file_reruns_every_client_using_it(tmp_path: Path, fake: FakeRuns):
    copy_client(tmp_path, "kunde-a")
    copy_client(tmp_path, "kunde-b")
    batch(tmp_path)
    fake.calls.clear()
    survey = tmp_path / "data" / "berger-haustechnik" / "kundenbefragung_2025.xlsx"
    survey.write_bytes(survey.read_bytes() + b"\0")
    before = survey.stat().st_mtime_ns
    assert statuses(batch(tmp_path)) == {"kunde-a": "ok", "kunde-b": "ok"}

    # touching a file without changing it is no change (the hash reads the bytes)
    fake.calls.clear()
    os.utime(survey, ns=(before + 10**9, before + 10**9))
    assert set(statuses(batch(tmp_path)).values()) == {"unchanged"}
    assert fake.calls == []

    # the logo counts too
    logo = tmp_path / "data" / "berger-haustechnik" / "logo.svg"
    logo.write_text(logo.read_text(encoding="utf-8").replace("</svg>", "<!-- -->\n</svg>"))
    assert set(statuses(batch(tmp_path)).values()) == {"ok"}
    assert sorted(fake.clients()) == ["kunde-a", "kunde-b"]


def test_force_and_other_language_run_again(tmp_path: Path, fake: FakeRuns):
    copy_client(tmp_path)
    batch(tmp_path)
    fake.calls.clear()
    assert statuses(batch(tmp_path, force=True)) == {"berger-haustechnik": "ok"}
    assert fake.calls == [("berger-haustechnik", None)]

    fake.calls.clear()
    assert statuses(batch(tmp_path, lang="en")) == {"berger-haustechnik": "ok"}
    assert statuses(batch(tmp_path, lang="en")) == {"berger-haustechnik": "unchanged"}
    # back to the file's language (de): the English report is not the German one
    assert statuses(batch(tmp_path)) == {"berger-haustechnik": "ok"}
    # --lang de is the same run as the file's language de
    assert statuses(batch(tmp_path, lang="de")) == {"berger-haustechnik": "unchanged"}
    assert fake.calls == [("berger-haustechnik", "en"), ("berger-haustechnik", None)]


def test_changed_notebook_or_cxlib_source_reruns(
    tmp_path: Path, fake: FakeRuns, frozen_sources: Path
):
    copy_client(tmp_path)
    batch(tmp_path)
    assert statuses(batch(tmp_path)) == {"berger-haustechnik": "unchanged"}
    path = frozen_sources / "notebooks" / "03-kennzahlen.ipynb"
    notebook = nbformat.read(path, as_version=4)
    notebook.cells.append(nbformat.v4.new_markdown_cell("Neu"))
    nbformat.write(notebook, path)
    assert statuses(batch(tmp_path)) == {"berger-haustechnik": "ok"}
    assert statuses(batch(tmp_path)) == {"berger-haustechnik": "unchanged"}
    template = frozen_sources / "cxlib" / "report" / "templates" / "report" / "report.css"
    template.write_text(template.read_text(encoding="utf-8") + "\n/* neu */\n", "utf-8")
    assert statuses(batch(tmp_path)) == {"berger-haustechnik": "ok"}


def test_a_failed_run_is_never_unchanged(tmp_path: Path, fake: FakeRuns):
    copy_client(tmp_path, "kunde-a")
    fake.fail = {"kunde-a"}
    assert statuses(batch(tmp_path)) == {"kunde-a": "failed"}
    assert statuses(batch(tmp_path)) == {"kunde-a": "failed"}
    assert fake.clients() == ["kunde-a", "kunde-a"]

    # a good report, then a failed attempt with the same inputs: run again
    fake.fail = set()
    assert statuses(batch(tmp_path)) == {"kunde-a": "ok"}
    fake.fail = {"kunde-a"}
    assert statuses(batch(tmp_path, force=True)) == {"kunde-a": "failed"}
    assert (tmp_path / "out" / "kunde-a" / "report.html").is_file()
    fake.fail = set()
    assert statuses(batch(tmp_path)) == {"kunde-a": "ok"}
    assert statuses(batch(tmp_path)) == {"kunde-a": "unchanged"}


def test_missing_report_or_broken_results_json_runs_again(tmp_path: Path, fake: FakeRuns):
    copy_client(tmp_path)
    batch(tmp_path)
    folder = tmp_path / "out" / "berger-haustechnik"
    (folder / "report.html").unlink()
    assert statuses(batch(tmp_path)) == {"berger-haustechnik": "ok"}
    (folder / "results.json").write_text("{kein json", encoding="utf-8")
    assert stored_input_hash(folder) is None
    assert statuses(batch(tmp_path)) == {"berger-haustechnik": "ok"}
    assert stored_input_hash(tmp_path / "nirgends") is None


def test_a_broken_parameter_file_is_run_and_fails_plainly(
    tmp_path: Path,
    fake: FakeRuns,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
):
    params = copy_client(tmp_path)
    batch(tmp_path)  # a good report first
    good = (tmp_path / "out" / "berger-haustechnik" / "report.html").read_bytes()
    text = params.read_text(encoding="utf-8") + "unbekannt: 1\n"
    params.write_text(text, encoding="utf-8")
    line = len(text.splitlines())  # the misspelt key is the file's last line
    assert unchanged_result(params, tmp_path / "out", None) is None

    # the real run, through the command line: not skipped, fails with a plain message
    monkeypatch.setattr(cxlib.runner.batch, "run_one", cxlib.runner.attempt.run_one)
    args = ["batch", str(tmp_path / "parameters"), "--out", str(tmp_path / "out"), "-j", "1"]
    assert main([*args, "--no-progress"]) == 1
    captured = capsys.readouterr()
    assert "FEHLER" in captured.out and "0 von 1 Berichten erstellt" in captured.out
    assert f"Parameterdatei {params.resolve()}" in captured.err
    assert f"unbekannt (Zeile {line}): unbekannter Schlüssel" in captured.err
    assert "Traceback" not in captured.err and "Interner Fehler" not in captured.err
    # nothing written: the good report stays, no failed or temporary folder
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["berger-haustechnik"]
    assert (tmp_path / "out" / "berger-haustechnik" / "report.html").read_bytes() == good
    assert fake.calls == [("berger-haustechnik", None)]  # only the first, faked run


def test_input_hash_is_sha256_over_the_documented_inputs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """The hash computed by hand for a client without data, logo or questionnaire.

    Documented inputs, in order: ``lang:<lang>``, the library versions (JSON,
    sorted keys), the parameter file, each notebook, the cxlib version and
    every cxlib source file by relative path; each file after a
    ``<label>:<name>`` line.
    """
    package = tmp_path / "cxlib"
    (package / "sub").mkdir(parents=True)
    (package / "sub" / "a.py").write_bytes(b"A = 1\n")
    (package / "b.yaml").write_bytes(b"b: 2\n")
    (package / "ignored.txt").write_bytes(b"not a source file\n")
    monkeypatch.setattr(cxlib.runner.run, "PACKAGE_DIR", package)
    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    (notebooks / "01-a.ipynb").write_bytes(b"{}")
    (notebooks / "02-b.ipynb").write_bytes(b'{"cells": []}')
    params_file = tmp_path / "kunde.yaml"
    params_file.write_text(MINIMAL, encoding="utf-8")
    params = load_parameters(params_file)
    versions = json.dumps(cxlib.runner.run.versions(), sort_keys=True).encode()

    expected = hashlib.sha256(
        b"lang:en\n"
        + versions
        + b"params:kunde.yaml\n"
        + MINIMAL.encode()
        + b"notebook:01-a.ipynb\n{}"
        + b'notebook:02-b.ipynb\n{"cells": []}'
        + f"cxlib {cxlib.__version__}\n".encode()
        + b"b.yaml"
        + b"b: 2\n"
        + b"sub/a.py"
        + b"A = 1\n"
    ).hexdigest()
    paths = sorted(notebooks.glob("*.ipynb"))
    assert input_hash(params, paths, "en") == expected
    assert input_hash(params, paths) != expected  # the file's language is de


def test_cli_says_unveraendert_and_exits_0(
    tmp_path: Path, fake: FakeRuns, capsys: pytest.CaptureFixture[str]
):
    copy_client(tmp_path)
    args = ["batch", str(tmp_path / "parameters"), "--out", str(tmp_path / "out"), "-j", "1"]
    assert main([*args, "--no-progress"]) == 0
    capsys.readouterr()
    assert main([*args, "--no-progress"]) == 0
    out = capsys.readouterr().out
    assert "unverändert" in out
    assert "0 von 1 Berichten erstellt, 1 unverändert" in out
    assert main([*args, "--no-progress", "--force"]) == 0
    assert "1 von 1 Berichten erstellt in" in capsys.readouterr().out
    assert len(fake.calls) == 2


def test_hash_covers_language_questionnaire_and_data_bytes(tmp_path: Path, frozen_sources: Path):
    params_file = copy_client(tmp_path)
    params = load_parameters(params_file)
    notebooks = notebook_paths()
    german = input_hash(params, notebooks)
    assert input_hash(params, notebooks, "de") == german
    assert input_hash(params, notebooks, "en") != german

    questionnaire = tmp_path / "fragebogen.yaml"
    shutil.copy(
        PROJECT / "cxlib" / "maturity" / "data" / "maturity_questionnaire.yaml", questionnaire
    )
    text = params_file.read_text(encoding="utf-8")
    with_q = tmp_path / "parameters" / "mit-fragebogen.yaml"
    with_q.write_text(
        text.replace(
            "analysis:\n", "analysis:\n  maturity:\n    questionnaire: ../fragebogen.yaml\n"
        ),
        encoding="utf-8",
    )
    params_q = load_parameters(with_q)
    first = input_hash(params_q, notebooks)
    questionnaire.write_text(questionnaire.read_text(encoding="utf-8") + "\n# neu\n", "utf-8")
    assert input_hash(params_q, notebooks) != first

    # the hash reads the bytes: same content at another mtime is the same hash
    data = tmp_path / "data" / "berger-haustechnik" / "kundenbefragung_2025.xlsx"
    content = data.read_bytes()
    data.write_bytes(content)
    assert input_hash(params, notebooks) == german
    data.write_bytes(content[:-1] + bytes([content[-1] ^ 1]))  # one bit
    assert input_hash(params, notebooks) != german


def test_unchanged_check_of_the_biggest_demo_client_is_fast(tmp_path: Path, frozen_sources: Path):
    params = load_parameters(BIG)
    folder = tmp_path / "out" / params.client.id
    folder.mkdir(parents=True)
    (folder / "report.html").write_text("<html></html>", encoding="utf-8")
    digest = input_hash(params, notebook_paths())
    write_results(client_results(client_id=params.client.id, input_hash=digest), folder)
    unchanged_result(BIG, tmp_path / "out", None)  # warm-up: imports, pydantic
    started = time.perf_counter()
    result = unchanged_result(BIG, tmp_path / "out", None)
    seconds = time.perf_counter() - started
    assert result is not None and result.status == "unchanged" and result.ok
    data_bytes = sum(p.stat().st_size for p in params.data_paths().values())
    assert data_bytes > 1_000_000  # it really hashed megabytes
    assert seconds < 0.5, f"unchanged check took {seconds:.2f} s"


@pytest.mark.slow
def test_real_second_batch_is_unchanged_and_cheap(tmp_path: Path, capsys):
    copy_client(tmp_path)
    stamp_before = source_stamp()
    first = batch(tmp_path)
    assert statuses(first) == {"berger-haustechnik": "ok"}, first.table()
    skip_if_source_changed(stamp_before)
    report = tmp_path / "out" / "berger-haustechnik" / "report.html"
    stamp = report.stat().st_mtime_ns
    args = ["batch", str(tmp_path / "parameters"), "--out", str(tmp_path / "out")]
    assert main([*args, "--no-progress"]) == 0
    out = capsys.readouterr().out
    assert "unverändert" in out
    assert report.stat().st_mtime_ns == stamp  # not written again
    second = batch(tmp_path)
    assert statuses(second) == {"berger-haustechnik": "unchanged"}
    assert second.seconds < 0.05 * first.seconds


def test_the_batch_starts_the_clients_with_the_most_data_first(tmp_path: Path):
    from cxlib.runner.batch import data_bytes, largest_first, readable_parameters

    small, big = copy_client(tmp_path, "klein"), copy_client(tmp_path, "gross")
    # the big client's maturity file is padded to three times the size of all small files
    text = big.read_text(encoding="utf-8")
    padded = tmp_path / "data" / "reifegrad-gross.xlsx"
    padded.write_bytes(b"x" * 3 * data_bytes(readable_parameters(small)))
    big.write_text(
        text.replace("berger-haustechnik/reifegrad_workshop.xlsx", "reifegrad-gross.xlsx"),
        encoding="utf-8",
    )
    broken = tmp_path / "parameters" / "kaputt.yaml"
    broken.write_text("client: [", encoding="utf-8")
    params = {path: readable_parameters(path) for path in (small, big, broken)}
    assert params[broken] is None
    assert data_bytes(params[big]) > data_bytes(params[small]) > 0 == data_bytes(params[broken])
    assert largest_first([small, broken, big], params) == [big, small, broken]
    assert largest_first([broken, small], params) == [small, broken]


def test_asking_for_the_pdf_reruns_a_client_whose_folder_has_none(
    tmp_path: Path, fake: FakeRuns, monkeypatch: pytest.MonkeyPatch
):
    copy_client(tmp_path)
    batch(tmp_path)
    assert statuses(batch(tmp_path)) == {"berger-haustechnik": "unchanged"}
    monkeypatch.setenv("CXWB_PDF", "1")  # what `cxwb batch --pdf` sets
    assert statuses(batch(tmp_path)) == {"berger-haustechnik": "ok"}
    (tmp_path / "out" / "berger-haustechnik" / "report.pdf").write_bytes(b"%PDF-1.4")
    assert statuses(batch(tmp_path)) == {"berger-haustechnik": "unchanged"}
