"""``cxwb batch --scheduler``: client runs as tasks on a Dask cluster.

The slow tests start a LocalCluster of two worker processes and execute the
real notebooks; one kills a worker while its kernel runs.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import threading
import time
from dataclasses import replace
from pathlib import Path

import pytest

import cxlib.runner.dask_batch as dask_batch
from cxlib.cli import main
from cxlib.runner.batch import run_batch, unchanged_result
from cxlib.runner.dask_batch import TaskOutput, run_task, store
from cxlib.runner.results import read_results
from cxlib.runner.run import RunResult

from .results_factory import client_results
from .test_batch import copy_client, skip_if_source_changed, source_stamp


def broken_client(root: Path) -> Path:
    """A parameter file with a misspelt key: fails validation, before any notebook."""
    (root / "parameters").mkdir(exist_ok=True)
    path = root / "parameters" / "kaputt.yaml"
    text = (root / "parameters" / "berger-haustechnik.yaml").read_text(encoding="utf-8")
    path.write_text(
        text.replace("  id: berger-haustechnik", "  id: kaputt").replace(
            "business_model:", "business_modell:"
        ),
        encoding="utf-8",
    )
    return path


@pytest.fixture
def worker_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Worker processes spawned from now on keep their temporary files under tmp_path."""
    folder = tmp_path / "worker-tmp"
    folder.mkdir()
    monkeypatch.setenv("TMPDIR", str(folder))
    return folder


def test_dask_is_imported_only_when_asked_for():
    code = (
        "import sys, cxlib.cli, cxlib.runner.batch; "
        "sys.exit(int(any(m in sys.modules for m in ('dask', 'distributed'))))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, check=False)
    assert done.returncode == 0, done.stderr


def test_store_replaces_only_on_success_and_rewrites_worker_paths(tmp_path: Path):
    out = tmp_path / "out"
    (out / "kunde").mkdir(parents=True)
    (out / "kunde" / "report.html").write_text("alt", encoding="utf-8")
    worker = "/tmp/cxwb-task-abc"

    failed = TaskOutput(
        RunResult(
            "kunde",
            "failed",
            3.0,
            message=f"Fehler in Zelle 3\nDetails im Protokoll: {worker}/kunde.failed/run.log",
            log=Path(worker) / "kunde.failed" / "run.log",
        ),
        worker,
        "kunde.failed",
        {"run.log": b"ZeroDivisionError"},
    )
    result = store(failed, out)
    assert result.status == "failed"
    assert result.log == out / "kunde.failed" / "run.log"
    assert result.log.read_bytes() == b"ZeroDivisionError"
    assert str(out / "kunde.failed" / "run.log") in result.message and worker not in result.message
    assert (out / "kunde" / "report.html").read_text(encoding="utf-8") == "alt"

    good = TaskOutput(
        RunResult("kunde", "ok", 9.0, Path(worker) / "kunde" / "report.html"),
        worker,
        "kunde",
        {"report.html": b"neu", "notebooks/01-reifegrad.ipynb": b"{}"},
    )
    result = store(good, out)
    assert result.ok and result.report == out / "kunde" / "report.html"
    assert result.report.read_bytes() == b"neu"
    assert (out / "kunde" / "notebooks" / "01-reifegrad.ipynb").read_bytes() == b"{}"
    assert sorted(p.name for p in out.iterdir()) == ["kunde"]  # failed folder and tmp gone


def test_a_run_the_worker_could_not_record_is_added_to_the_portfolio(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    from cxlib.portfolio.storage import Portfolio

    monkeypatch.delenv("CXWB_PORTFOLIO", raising=False)
    params = copy_client(tmp_path)
    results = client_results(client_id="berger-haustechnik", input_hash="ab" * 32)
    output = TaskOutput(
        RunResult("berger-haustechnik", "ok", 9.0, Path("/w/berger-haustechnik/report.html")),
        "/w",
        "berger-haustechnik",
        {"report.html": b"<html></html>", "results.json": results.to_json().encode()},
    )
    out = tmp_path / "out"
    out.mkdir()
    store(output, out, params)
    (recorded,) = Portfolio(out / "portfolio.sqlite").records()
    assert recorded.input_hash == "ab" * 32
    (tmp_path / "out2").mkdir()
    store(replace(output, portfolio_recorded=True), tmp_path / "out2", params)  # worker did it
    assert not (tmp_path / "out2" / "portfolio.sqlite").exists()


def test_a_file_name_leaving_the_folder_is_refused(tmp_path: Path):
    out = tmp_path / "out"
    out.mkdir()
    evil = TaskOutput(
        RunResult("kunde", "ok", 1.0, Path("/w/kunde/report.html")),
        "/w",
        "kunde",
        {"../boese.txt": b"x"},
    )
    result = dask_batch._stored(evil, out, tmp_path / "kunde.yaml")
    assert result.status == "failed" and "boese" in result.message
    assert not (tmp_path / "boese.txt").exists()
    assert list(out.iterdir()) == []


def test_task_outside_a_worker_returns_a_plain_failure(tmp_path: Path):
    copy_client(tmp_path)
    output = run_task(str(broken_client(tmp_path)), None, "test")
    assert output.result.status == "failed"
    assert "business_modell" in output.result.message
    assert output.folder is None and output.files == {}


@pytest.mark.slow
def test_unreachable_scheduler_is_a_plain_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
):
    monkeypatch.setattr(dask_batch, "CONNECT_TIMEOUT", 2)
    copy_client(tmp_path)
    broken_client(tmp_path)
    args = ["batch", str(tmp_path / "parameters"), "--out", str(tmp_path / "out")]
    assert main([*args, "--no-progress", "--scheduler", "tcp://127.0.0.1:9"]) == 1
    err = capsys.readouterr().err
    assert "tcp://127.0.0.1:9" in err and "nicht erreichbar" in err
    assert "Traceback" not in err


@pytest.mark.slow
def test_local_cluster_runs_two_clients_and_one_fails_cleanly(tmp_path: Path, worker_tmp: Path):
    copy_client(tmp_path, "berger-haustechnik")
    copy_client(tmp_path, "berger-zwei")
    broken_client(tmp_path)
    out = tmp_path / "out"
    stamp_before = source_stamp()
    batch = run_batch(
        [tmp_path / "parameters"], out_dir=out, jobs=2, scheduler="local", progress=False
    )
    by_client = {r.client_id: r for r in batch.results}
    assert not batch.ok
    assert by_client["kaputt"].status == "failed"
    assert "business_modell" in by_client["kaputt"].message
    for client in ("berger-haustechnik", "berger-zwei"):
        result = by_client[client]
        assert result.ok, result.message
        assert result.report == out / client / "report.html"
        html = result.report.read_text(encoding="utf-8")
        assert '<html lang="de"' in html and "Management-Summary" in html
        assert read_results(out / client).client_id == client
        assert len(list((out / client / "notebooks").glob("*.ipynb"))) == 4
        assert result.attempts == 1
        # a worker has threads: the run went to its own process, whose kernel was forked
        assert "kernel(s) (fork)" in (out / client / "run.log").read_text(encoding="utf-8")
    folders = sorted(p.name for p in out.iterdir() if p.is_dir())
    assert folders == ["berger-haustechnik", "berger-zwei"]  # no tmp or failed folders
    table = batch.table()
    assert "FEHLER" in table and "wiederholt" not in table
    # the workers saw the output folder: they wrote the portfolio themselves
    from cxlib.portfolio.storage import Portfolio

    assert len(Portfolio(out / "portfolio.sqlite").records()) == 2
    # the hash recorded by the workers is the one this process computes
    skip_if_source_changed(stamp_before)
    for client in ("berger-haustechnik", "berger-zwei"):
        params = tmp_path / "parameters" / f"{client}.yaml"
        assert unchanged_result(params, out, None) is not None


#: First cell of a run in the worker-kill test: on the first attempt it says that the
#: kernel runs and waits until the test has killed the worker, so the kill always lands
#: mid-run (a race against a fast run made the test flaky); a retry runs straight on.
GATE_CELL = """\
import os, pathlib, time
gate = pathlib.Path(os.environ["CXWB_TEST_GATE"])
if not (gate / "killed").exists():
    (gate / "kernel-running").touch()
    deadline = time.monotonic() + 120
    while not (gate / "killed").exists() and time.monotonic() < deadline:
        time.sleep(0.1)
"""


def gated_notebooks(folder: Path) -> Path:
    """The analysis notebooks plus ``00-gate.ipynb`` (:data:`GATE_CELL`) in ``folder``."""
    import shutil

    import nbformat

    from cxlib.resources import notebooks_dir

    folder.mkdir(parents=True)
    for path in sorted(notebooks_dir().glob("[0-9][0-9]-*.ipynb")):
        shutil.copy(path, folder / path.name)
    first = nbformat.read(folder / "01-reifegrad.ipynb", as_version=4)
    gate = nbformat.v4.new_notebook(metadata=first.metadata)
    gate.cells = [nbformat.v4.new_code_cell(GATE_CELL, metadata={"tags": ["remove"]})]
    nbformat.write(gate, folder / "00-gate.ipynb")
    return folder


@pytest.mark.slow
def test_a_worker_killed_mid_run_is_retried_once(
    tmp_path: Path, worker_tmp: Path, monkeypatch: pytest.MonkeyPatch
):
    import dask
    import psutil
    from distributed import Client, LocalCluster

    copy_client(tmp_path)
    out = tmp_path / "out"
    gate = tmp_path / "gate"
    gate.mkdir()
    monkeypatch.setenv("CXWB_NOTEBOOKS", str(gated_notebooks(tmp_path / "notebooks")))
    monkeypatch.setenv("CXWB_TEST_GATE", str(gate))
    with dask.config.set({"distributed.scheduler.allowed-failures": 1}):
        cluster = LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            silence_logs=logging.CRITICAL,
        )
    killed: list[int] = []

    def kill_the_busy_worker(client: Client) -> None:
        """Once the first attempt's kernel runs, kill its worker and the kernel."""
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline and not (gate / "kernel-running").exists():
            time.sleep(0.1)
        busy = [addr for addr, keys in client.processing().items() if keys]
        if busy:
            pid = client.run(os.getpid, workers=busy[:1])[busy[0]]
            worker = psutil.Process(pid)
            children = worker.children(recursive=True)
            worker.kill()
            for child in children:
                child.kill()
            killed.append(pid)
        (gate / "killed").touch()  # the retry (or, if nothing was killed, the run) goes on

    with cluster, Client(cluster) as client:
        thread = threading.Thread(target=kill_the_busy_worker, args=(client,), daemon=True)
        thread.start()
        batch = run_batch(
            [tmp_path / "parameters"],
            out_dir=out,
            scheduler=cluster.scheduler_address,
            progress=False,
        )
        thread.join(timeout=5)
    assert killed, "no worker was killed: the test did not test anything"
    assert not psutil.pid_exists(killed[0]) or psutil.Process(killed[0]).status() == "zombie"
    (result,) = batch.results
    assert result.ok, result.message
    assert result.attempts == 2
    assert (out / "berger-haustechnik" / "report.html").is_file()
    assert "wiederholt" in batch.table()
