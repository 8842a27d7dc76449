"""Run many clients in parallel worker processes, or as tasks on a Dask cluster.

Workers are *spawned*, not forked (forked workers that had already driven
kernels hang), and each gets its own Jupyter runtime folder so kernel
connection files never collide. A failing client never stops the others and
never replaces that client's last good report (see :func:`cxlib.runner.run.run_client`).

Incremental: a client whose ``results.json`` records the same input hash as
now (parameters, data, logo, notebooks, language, cxlib source and library
versions, see :func:`cxlib.runner.run.input_hash`) and whose report exists is not
run again but reported as "unverändert"; ``force=True`` runs it anyway. The
check reads the files once for hashing and parses nothing (a few ms per
client). ``cxwb run`` always runs.

``scheduler`` sends the runs to a Dask cluster instead of the local process
pool (see :mod:`cxlib.runner.dask_batch`; dask is imported only then).
"""

from __future__ import annotations

import multiprocessing
import os
import tempfile
import time
from collections.abc import Mapping
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from cxlib.exceptions import ParameterError
from cxlib.parameters.files import load_parameters
from cxlib.parameters.schema import ClientParameters
from cxlib.report.pdf import pdf_requested
from cxlib.runner.attempt import OnDone, run_one, worker_died
from cxlib.runner.run import (
    RunResult,
    input_hash,
    notebook_paths,
    stored_input_hash,
)
from cxlib.runner.startup import skip_slow_imports

#: How the summary table names each status.
STATUS_LABELS = {"ok": "ok", "failed": "FEHLER", "unchanged": "unverändert"}


@dataclass(frozen=True)
class BatchResult:
    """The outcome of a batch: one :class:`RunResult` per client, in input order."""

    results: tuple[RunResult, ...]
    seconds: float

    @property
    def ok(self) -> bool:
        """True when every client has a current report (written now or unchanged)."""
        return all(r.ok for r in self.results)

    def count(self, status: str) -> int:
        """How many clients ended with ``status`` ("ok", "failed" or "unchanged")."""
        return sum(r.status == status for r in self.results)

    def to_frame(self) -> pd.DataFrame:
        """One row per client: client, status, seconds, attempts, report, message."""
        return pd.DataFrame(
            [
                {
                    "client": r.client_id,
                    "status": r.status,
                    "seconds": round(r.seconds, 1),
                    "attempts": r.attempts,
                    "report": str(r.report) if r.report else "",
                    "message": (r.message or "").splitlines()[0] if r.message else "",
                }
                for r in self.results
            ],
            columns=["client", "status", "seconds", "attempts", "report", "message"],
        )

    def table(self) -> str:
        """The final summary table as plain text for the terminal."""
        frame = self.to_frame()
        frame["status"] = frame["status"].map(STATUS_LABELS)
        retried = frame["attempts"] > 1
        frame.loc[retried, "message"] = [
            "nach Abbruch des Arbeitsprozesses wiederholt" + (f"; {m}" if m else "")
            for m in frame.loc[retried, "message"]
        ]
        frame = frame.drop(columns="attempts").rename(
            columns={
                "client": "Kunde",
                "status": "Status",
                "seconds": "Sekunden",
                "report": "Bericht",
                "message": "Meldung",
            }
        )
        if not frame["Meldung"].str.len().any():
            frame = frame.drop(columns="Meldung")
        return frame.to_string(index=False)

    def summary(self) -> str:
        """One closing line: reports written, unchanged, seconds."""
        written = self.count("ok")
        unchanged = self.count("unchanged")
        text = f"{written} von {len(self.results)} Berichten erstellt"
        if unchanged:
            text += f", {unchanged} unverändert"
        return f"{text} in {self.seconds:.1f} s."


def collect_parameter_files(inputs: list[str | Path]) -> list[Path]:
    """Parameter files from files and folders (every ``*.yaml``/``*.yml`` in a folder)."""
    files: list[Path] = []
    for item in inputs:
        path = Path(item).expanduser()
        if path.is_dir():
            files += sorted(p for p in path.iterdir() if p.suffix in {".yaml", ".yml"})
        elif path.is_file():
            files.append(path)
        else:
            raise ParameterError(path, [("", "Datei oder Ordner nicht gefunden")])
    if not files:
        raise ParameterError(", ".join(map(str, inputs)), [("", "keine Parameterdateien gefunden")])
    unique = list(dict.fromkeys(p.resolve() for p in files))
    return unique


def readable_parameters(path: Path) -> ClientParameters | None:
    """The client's parameters, or None if they cannot be read (the run then says why)."""
    try:
        return load_parameters(path)
    except Exception:
        return None


def unchanged_result(
    path: Path, out_dir: Path, lang: str | None, params: ClientParameters | None = None
) -> RunResult | None:
    """An "unchanged" result if ``out_dir`` holds a current report for this client, else None.

    Current means: ``report.html`` exists (and ``report.pdf`` when a PDF is asked
    for), ``results.json`` records the input
    hash the client has now (with ``lang``), and the client's last run did not
    fail (no ``<client>.failed`` folder). Anything unreadable or invalid means
    "run it" (the run then reports the problem). ``params``: the client's
    parameters if the caller has read them already.
    """
    started = time.perf_counter()
    try:
        params = params or load_parameters(path)
        folder = out_dir / params.client.id
        if not (folder / "report.html").is_file():
            return None
        if pdf_requested(params.branding.pdf) and not (folder / "report.pdf").is_file():
            return None  # asked for the PDF now: print it (the run writes both)
        if (out_dir / f"{params.client.id}.failed").exists():
            return None
        stored = stored_input_hash(folder)
        if stored is None or stored != input_hash(params, notebook_paths(), lang):
            return None
    except Exception:  # unreadable or invalid: run it, the run reports the problem
        return None
    log = folder / "run.log"
    return RunResult(
        params.client.id,
        "unchanged",
        time.perf_counter() - started,
        folder / "report.html",
        None,
        log if log.is_file() else None,
    )


def _init_worker(runtime_root: str) -> None:
    skip_slow_imports()
    os.environ["JUPYTER_RUNTIME_DIR"] = tempfile.mkdtemp(prefix="runtime-", dir=runtime_root)


def data_bytes(params: ClientParameters | None) -> int:
    """Total size of a client's data files (each file once); 0 when unknown."""
    if params is None:
        return 0
    try:
        return sum(path.stat().st_size for path in set(params.data_paths().values()))
    except OSError:  # a missing file: the run itself reports it
        return 0


def largest_first(files: list[Path], params: Mapping[Path, ClientParameters | None]) -> list[Path]:
    """``files`` by falling data size (ties keep their order).

    Starting the biggest clients first keeps a small one from being the last
    on an otherwise idle machine (longest-processing-time-first scheduling).
    """
    return sorted(files, key=lambda path: data_bytes(params.get(path)), reverse=True)


def _run_in_processes(
    files: list[Path], out: Path, lang: str | None, workers: int, on_done: OnDone
) -> None:
    if workers == 1:
        for path in files:
            on_done(path, run_one(path, out, lang))
        return
    with tempfile.TemporaryDirectory(prefix="cxwb-runtime-") as runtime_root:
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(
            workers,
            mp_context=context,
            initializer=_init_worker,
            initargs=(runtime_root,),
        ) as pool:
            futures: dict[Future[RunResult], Path] = {
                pool.submit(run_one, path, out, lang): path for path in files
            }
            for future in as_completed(futures):
                path = futures[future]
                try:
                    result = future.result()
                except Exception as exc:  # the worker process itself died
                    result = worker_died(path, exc)
                on_done(path, result)


def run_batch(
    inputs: list[str | Path],
    out_dir: str | Path = "reports",
    jobs: int | None = None,
    lang: str | None = None,
    progress: bool = True,
    force: bool = False,
    scheduler: str | None = None,
) -> BatchResult:
    """Run every client in ``inputs`` (files or folders) with ``jobs`` workers.

    ``jobs`` defaults to the number of CPU cores (at most one per client);
    ``jobs=1`` runs in this process, one client after the other. Clients
    whose inputs are unchanged since their last good report are skipped
    ("unchanged") unless ``force``. ``scheduler`` is ``"local"`` (an
    in-process Dask LocalCluster with ``jobs`` single-threaded worker
    processes) or the address of a running Dask scheduler
    (``tcp://host:8786``); default: a local process pool.
    """
    from tqdm.auto import tqdm

    started = time.perf_counter()
    files = collect_parameter_files(inputs)
    out = Path(out_dir).expanduser().resolve()
    out.mkdir(parents=True, exist_ok=True)
    bar = tqdm(total=len(files), desc="Berichte", unit="Kunde", disable=not progress)
    results: dict[Path, RunResult] = {}

    def done(path: Path, result: RunResult) -> None:
        results[path] = result
        bar.set_postfix_str(path.stem)
        bar.update()

    try:
        params = {path: readable_parameters(path) for path in files}  # read once
        if not force:
            for path in files:
                skipped = unchanged_result(path, out, lang, params[path])
                if skipped is not None:
                    done(path, skipped)
        todo = largest_first([p for p in files if p not in results], params)
        workers = max(1, min(jobs or os.cpu_count() or 1, len(todo)))
        if todo and scheduler:
            from cxlib.runner.dask_batch import run_on_dask

            run_on_dask(todo, out, lang, scheduler, workers, done)
        elif todo:
            _run_in_processes(todo, out, lang, workers, done)
    finally:
        bar.close()
    return BatchResult(tuple(results[p] for p in files), time.perf_counter() - started)
