"""Run many clients in parallel worker processes.

Workers are *spawned*, not forked (forked workers that had already driven
kernels hang), and each gets its own Jupyter runtime folder so kernel
connection files never collide. A failing client never stops the others and
never replaces that client's last good report (see :func:`cxlib.run.run_client`).
"""

from __future__ import annotations

import multiprocessing
import os
import tempfile
import time
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .exceptions import CXError, ParameterError
from .run import RunResult, run_client, skip_slow_imports


@dataclass(frozen=True)
class BatchResult:
    """The outcome of a batch: one :class:`RunResult` per client, in input order."""

    results: tuple[RunResult, ...]
    seconds: float

    @property
    def ok(self) -> bool:
        """True when every client's report was written."""
        return all(r.ok for r in self.results)

    def to_frame(self) -> pd.DataFrame:
        """One row per client: client, status, seconds, report, message."""
        return pd.DataFrame(
            [
                {
                    "client": r.client_id,
                    "status": r.status,
                    "seconds": round(r.seconds, 1),
                    "report": str(r.report) if r.report else "",
                    "message": (r.message or "").splitlines()[0] if r.message else "",
                }
                for r in self.results
            ],
            columns=["client", "status", "seconds", "report", "message"],
        )

    def table(self) -> str:
        """The final summary table as plain text for the terminal."""
        frame = self.to_frame()
        frame["status"] = frame["status"].map({"ok": "ok", "failed": "FEHLER"})
        frame = frame.rename(
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


def _client_label(path: Path) -> str:
    return path.stem


def run_one(path: Path, out_dir: Path, lang: str | None) -> RunResult:
    """Run one client and turn any error into a failed :class:`RunResult`."""
    started = time.perf_counter()
    try:
        return run_client(path, out_dir=out_dir, lang=lang)
    except CXError as exc:
        log = getattr(exc, "log_path", None)
        return RunResult(
            _client_label(path),
            "failed",
            time.perf_counter() - started,
            message=str(exc),
            log=Path(log) if log else None,
        )
    except Exception as exc:  # a bug; the batch goes on with the other clients
        return RunResult(
            _client_label(path),
            "failed",
            time.perf_counter() - started,
            message=f"Interner Fehler: {type(exc).__name__}: {exc}",
        )


def _init_worker(runtime_root: str) -> None:
    skip_slow_imports()
    os.environ["JUPYTER_RUNTIME_DIR"] = tempfile.mkdtemp(prefix="runtime-", dir=runtime_root)


def run_batch(
    inputs: list[str | Path],
    out_dir: str | Path = "reports",
    jobs: int | None = None,
    lang: str | None = None,
    progress: bool = True,
) -> BatchResult:
    """Run every client in ``inputs`` (files or folders) with ``jobs`` workers.

    ``jobs`` defaults to the number of CPU cores (at most one per client);
    ``jobs=1`` runs in this process, one client after the other.
    """
    from tqdm.auto import tqdm

    started = time.perf_counter()
    files = collect_parameter_files(inputs)
    out = Path(out_dir).expanduser().resolve()
    out.mkdir(parents=True, exist_ok=True)
    workers = max(1, min(jobs or os.cpu_count() or 1, len(files)))
    bar = tqdm(total=len(files), desc="Berichte", unit="Kunde", disable=not progress)
    results: dict[Path, RunResult] = {}
    try:
        if workers == 1:
            for path in files:
                bar.set_postfix_str(path.stem)
                results[path] = run_one(path, out, lang)
                bar.update()
        else:
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
                            results[path] = future.result()
                        except Exception as exc:  # the worker process itself died
                            results[path] = RunResult(
                                _client_label(path),
                                "failed",
                                0.0,
                                message=f"Arbeitsprozess abgebrochen: {type(exc).__name__}: {exc}",
                            )
                        bar.set_postfix_str(path.stem)
                        bar.update()
    finally:
        bar.close()
    return BatchResult(tuple(results[p] for p in files), time.perf_counter() - started)
