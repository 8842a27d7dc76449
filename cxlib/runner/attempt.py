"""One client's attempt in a batch: a run whose every ending is a :class:`RunResult`.

Shared by the local process pool (:mod:`cxlib.runner.batch`) and the Dask
tasks (:mod:`cxlib.runner.dask_batch`): an error the user can fix becomes a
failed result with its plain message, a bug a failed result saying
"Interner Fehler", a lost worker process a failed result saying so. A batch
never stops for one client.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from cxlib.exceptions import CXError
from cxlib.runner.run import RunResult, run_client

#: Called once per finished client (updates the progress bar).
OnDone = Callable[[Path, RunResult], None]


def client_label(path: Path) -> str:
    """How a batch names a client before its parameters are read: the file's stem."""
    return path.stem


def run_one(path: Path, out_dir: Path, lang: str | None) -> RunResult:
    """Run one client and turn any error into a failed :class:`RunResult`."""
    started = time.perf_counter()
    try:
        return run_client(path, out_dir=out_dir, lang=lang, parallel=1)  # workers fill the cores
    except CXError as exc:
        log = getattr(exc, "log_path", None)
        return RunResult(
            client_label(path),
            "failed",
            time.perf_counter() - started,
            message=str(exc),
            log=Path(log) if log else None,
        )
    except Exception as exc:  # a bug; the batch goes on with the other clients
        return RunResult(
            client_label(path),
            "failed",
            time.perf_counter() - started,
            message=f"Interner Fehler: {type(exc).__name__}: {exc}",
        )


def worker_died(path: Path, exc: BaseException) -> RunResult:
    """The failed result of a client whose worker process died (or was lost)."""
    return RunResult(
        client_label(path),
        "failed",
        0.0,
        message=f"Arbeitsprozess abgebrochen: {type(exc).__name__}: {exc}",
    )
