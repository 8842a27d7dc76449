"""``cxwb batch --scheduler``: each client's run as one task on a Dask cluster.

Used by :func:`cxlib.runner.batch.run_batch`; the only module that imports dask, and
only when a scheduler is asked for (cxwb's start-up time stays untouched).

How a run travels:

* The task runs :func:`cxlib.runner.attempt.run_one` on the worker, with the parameter
  file's path as the client sees it: **the workers must read the parameter
  files and data under the same paths** (a shared file system, or the same
  checkout everywhere) and have the same cxwb installation (otherwise the
  input hashes differ and nothing is ever "unchanged").
* The worker writes into its own temporary folder and sends the finished
  client folder back as bytes (report, results.json, notebooks, log; or the
  log folder of a failed run). This process writes it into the output folder
  with the same rule as a local run: a new report replaces the old one only
  on success, a failure lands in ``<client>.failed`` and leaves the last good
  report alone. So the workers need no access to the output folder.
* The portfolio (``<out>/portfolio.sqlite`` or ``CXWB_PORTFOLIO``): a worker
  that sees the file's folder (same machine, shared file system) compares and
  records like a local run; one that does not runs without comparison, and
  this process records the run after storing its report.
* A worker dying mid-run: the scheduler starts the task once more on another
  worker (``distributed.scheduler.allowed-failures``, set to 1 for
  ``--scheduler local``; an existing cluster uses its own setting, Dask's
  default is 3), and ``retries=1`` repeats a task that raised. The summary
  table says when a run needed a second attempt.
* Each worker process gets its own Jupyter runtime folder and skips the slow
  jsonschema imports, set up by the task itself (works on any cluster).
  Workers should run one thread each (``dask worker --nthreads 1``): a run
  is one kernel process, and its log is per process.
* The run itself happens in a plain process of the worker's own (started at
  its first task, kept for the next ones): a Dask worker has threads, and
  only a process without threads forks its kernels after the shared imports
  (:mod:`cxlib.runner.kernel_fork`).
"""

from __future__ import annotations

import atexit
import logging
import os
import pickle
import shutil
import subprocess
import sys
import tempfile
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from cxlib.exceptions import RunError
from cxlib.runner.attempt import OnDone, run_one, worker_died
from cxlib.runner.kernel_fork import fork_allowed
from cxlib.runner.run import RunResult, swap_into_place
from cxlib.runner.startup import skip_slow_imports

if TYPE_CHECKING:
    from distributed import Client

#: Topic of the events a task logs on the scheduler when it starts (counts attempts).
EVENT_TOPIC = "cxwb-batch"
#: Seconds to wait for an existing scheduler before giving up.
CONNECT_TIMEOUT = 30

_runtime_dir: str | None = None
#: The worker's own process for its runs (see :func:`_run_alone`); made at the first task.
_runner: _Runner | None = None


@dataclass(frozen=True)
class TaskOutput:
    """What a task sends back: the result and the client's output folder as bytes."""

    result: RunResult
    #: The worker's temporary output folder (to rewrite paths in messages).
    worker_out: str
    #: Name of the folder the run wrote ("<client>" or "<client>.failed"), or None.
    folder: str | None
    #: Every file of that folder by relative POSIX path.
    files: dict[str, bytes]
    #: True when the worker wrote the run into the shared portfolio file itself.
    portfolio_recorded: bool = False


def _prepare_process() -> None:
    """Once per worker process: fast imports and a private Jupyter runtime folder."""
    global _runtime_dir
    skip_slow_imports()
    if _runtime_dir is None:
        _runtime_dir = tempfile.mkdtemp(prefix="cxwb-runtime-")
        os.environ["JUPYTER_RUNTIME_DIR"] = _runtime_dir
        atexit.register(shutil.rmtree, _runtime_dir, True)


def _log_start(batch_id: str, params_file: str) -> None:
    """Tell the scheduler that this client's task starts (once more, after a lost worker)."""
    from distributed import get_worker

    try:
        worker = get_worker()
    except ValueError:  # not on a worker (called directly)
        return
    event = {"batch": batch_id, "params": params_file, "worker": worker.address}
    worker.log_event(EVENT_TOPIC, event)


def _pack(folder: Path) -> dict[str, bytes]:
    return {
        path.relative_to(folder).as_posix(): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


@contextmanager
def _environment(name: str, value: str) -> Iterator[None]:
    """``os.environ[name] = value`` for the duration (one task per worker process)."""
    before = os.environ.get(name)
    os.environ[name] = value
    try:
        yield
    finally:
        if before is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = before


def _run_with(params_file: str, out: str, lang: str | None, portfolio: str) -> RunResult:
    """One client's run with the portfolio setting ``portfolio``, in this process."""
    from cxlib.portfolio.storage import ENV_VAR

    with _environment(ENV_VAR, portfolio):
        return run_one(Path(params_file), Path(out), lang)


def _run_alone(params_file: str, out: str, lang: str | None, portfolio: str) -> RunResult:
    """:func:`_run_with` here when this process runs no other thread, else in its runner process.

    A Dask worker runs several threads (its event loop, the task's thread),
    and a process with threads starts its kernels as new interpreters, each
    importing pandas and the analyses again (:mod:`cxlib.runner.kernel_fork`):
    a Dask batch took 1.34 times as long as the process pool. Its runs go to
    a plain process of the worker's own instead (:class:`_Runner`), whose
    kernels are forked as in the pool.
    """
    if fork_allowed():
        return _run_with(params_file, out, lang, portfolio)
    global _runner
    if _runner is None or not _runner.alive():
        _runner = _Runner()
    return _runner.run(params_file, out, lang, portfolio)


class _Runner:
    """A Python process without threads that runs one client after the other for a worker.

    Started with :mod:`subprocess` (a Dask worker is a daemonic process, which
    :mod:`multiprocessing` does not let have children) and kept for the
    worker's next tasks, so that it imports cxlib once. It reads each run's
    arguments from its stdin and writes the :class:`RunResult` to its stdout,
    both pickled; it ends when the worker closes its stdin (the worker ended).
    A runner that died makes the task fail like one whose worker was lost
    (Dask tries it once more, with a new runner).
    """

    def __init__(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-c", "from cxlib.runner.dask_batch import serve; serve()"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
        )

    def alive(self) -> bool:
        """True while the runner process lives."""
        return self.process.poll() is None

    def run(self, *arguments: str | None) -> RunResult:
        """One run of :func:`_run_with` with ``arguments`` in the runner process."""
        assert self.process.stdin is not None and self.process.stdout is not None
        try:
            pickle.dump(arguments, self.process.stdin, protocol=pickle.HIGHEST_PROTOCOL)
            self.process.stdin.flush()
            result = pickle.load(self.process.stdout)
        except (EOFError, OSError) as exc:
            raise RuntimeError(f"the worker's run process ended ({self.process.poll()})") from exc
        if not isinstance(result, RunResult):
            raise TypeError(f"the worker's run process answered {type(result).__name__}")
        return result


def serve() -> None:
    """The runner process of :class:`_Runner`: runs the clients it is sent until its stdin ends."""
    replies = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # whatever a run prints goes to stderr, not into the replies
    requests = sys.stdin.buffer
    _prepare_process()
    while True:
        try:
            arguments = pickle.load(requests)
        except EOFError:
            return
        pickle.dump(_run_with(*arguments), replies, protocol=pickle.HIGHEST_PROTOCOL)
        replies.flush()


def run_task(
    params_file: str, lang: str | None, batch_id: str, portfolio: str | None = None
) -> TaskOutput:
    """Run one client on a worker; returns the result and the written folder's files.

    ``portfolio`` is the portfolio file of the batch's output folder (None:
    switched off). A worker that sees its folder (same machine or shared file
    system) reads and writes it like a local run; otherwise the run gets no
    comparison and the batch records it after storing the report.
    """
    _prepare_process()
    _log_start(batch_id, params_file)
    with tempfile.TemporaryDirectory(prefix="cxwb-task-") as tmp:
        out = Path(tmp)
        shared = portfolio is not None and Path(portfolio).parent.is_dir()
        setting = portfolio if shared else ("off" if portfolio is None else str(out / "scratch"))
        result = _run_alone(params_file, str(out), lang, str(setting))
        if result.ok and result.report is not None:
            folder: Path | None = result.report.parent
        elif result.log is not None:
            folder = result.log.parent
        else:
            folder = None
        if folder is not None and not (folder.is_dir() and folder.parent == out):
            folder = None
        return TaskOutput(
            result,
            str(out),
            folder.name if folder else None,
            _pack(folder) if folder else {},
            portfolio_recorded=shared,
        )


def _write_folder(out: Path, name: str, files: dict[str, bytes]) -> Path:
    """Write ``files`` into ``out/name``: replace only after everything is written."""
    tmp = Path(tempfile.mkdtemp(prefix=f".{name}.tmp-", dir=out))
    try:
        for relative, content in files.items():
            target = tmp / relative
            if not target.resolve().is_relative_to(tmp.resolve()):
                raise RunError(f"Ungültiger Dateiname vom Arbeitsprozess: {relative}")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(content)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    final = out / name
    swap_into_place(tmp, final)
    return final


def store(output: TaskOutput, out: Path, params_file: Path | None = None) -> RunResult:
    """Write a task's folder into ``out`` like a local run would; the result with local paths.

    A good run the worker could not write into the portfolio (no access to
    ``out``) is recorded here, from ``params_file`` and its results.json.
    """
    result = output.result

    def local(path: Path | None) -> Path | None:
        if path is None:
            return None
        try:
            return out / path.relative_to(output.worker_out)
        except ValueError:
            return path

    message = result.message.replace(output.worker_out, str(out)) if result.message else None
    if output.folder is not None:
        final = _write_folder(out, output.folder, output.files)
        if result.ok:  # a good report: the failed attempt before it is history
            shutil.rmtree(out / f"{output.folder}.failed", ignore_errors=True)
            if not output.portfolio_recorded and params_file is not None:
                _record_portfolio(params_file, final, out)
    return replace(result, report=local(result.report), log=local(result.log), message=message)


def _record_portfolio(params_file: Path, folder: Path, out: Path) -> None:
    """Add a run the worker could not record to the portfolio (never raises)."""
    from cxlib.parameters.files import load_parameters
    from cxlib.portfolio.hooks import record_run
    from cxlib.portfolio.storage import database_path
    from cxlib.runner.results import read_results

    if database_path(out) is None:
        return
    try:
        results = read_results(folder)
        params = load_parameters(params_file)
    except Exception:  # the report stands; the portfolio misses this run
        return
    record_run(params, results, out, folder / "run.log")


def _stored(output: TaskOutput, out: Path, path: Path) -> RunResult:
    try:
        return store(output, out, path)
    except (OSError, RunError) as exc:
        return RunResult(
            path.stem,
            "failed",
            output.result.seconds,
            message=f"Ergebnis konnte nicht gespeichert werden: {exc}",
        )


#: Settings of ``--scheduler local``. A lost worker's task is tried once more. The
#: rest keeps Dask's housekeeping from competing with the notebook kernels for the
#: cores: the workers' statistical profiler (every thread's stack every 10 ms, for a
#: dashboard cxwb does not open) is off, and the event-loop, system and memory checks
#: of scheduler, nannies and workers run every second or two instead of every
#: 20-500 ms. Workers of a cluster of your own: see the README (Dask).
LOCAL_CLUSTER_CONFIG = {
    "distributed.scheduler.allowed-failures": 1,
    "distributed.worker.profile.enabled": False,
    "distributed.admin.tick.interval": "1s",
    "distributed.admin.system-monitor.interval": "2s",
    "distributed.admin.system-monitor.gil.enabled": False,
    "distributed.worker.memory.monitor-interval": "1s",
}


def _connect(scheduler: str, workers: int, stack: ExitStack) -> Client:
    import dask
    from distributed import Client, LocalCluster

    if scheduler == "local":
        with dask.config.set(LOCAL_CLUSTER_CONFIG):
            cluster = stack.enter_context(
                LocalCluster(
                    n_workers=workers,
                    threads_per_worker=1,
                    processes=True,
                    dashboard_address=None,
                    silence_logs=logging.ERROR,
                )
            )
        return stack.enter_context(Client(cluster))
    try:
        return stack.enter_context(Client(scheduler, timeout=CONNECT_TIMEOUT))
    except (OSError, TimeoutError, ValueError) as exc:
        raise RunError(
            f"Dask-Scheduler „{scheduler}“ nicht erreichbar ({type(exc).__name__}: {exc}). "
            "Adresse prüfen (tcp://HOST:PORT) oder --scheduler local verwenden."
        ) from None


def _attempts(client: Client, batch_id: str) -> Counter[str]:
    """How often each parameter file's task started in this batch, from the workers' events."""
    try:
        events = client.get_events(EVENT_TOPIC)
    except Exception:  # an old scheduler without events: attempts stay unknown
        return Counter()
    return Counter(
        msg["params"] for _, msg in events if isinstance(msg, dict) and msg.get("batch") == batch_id
    )


def run_on_dask(
    files: list[Path], out: Path, lang: str | None, scheduler: str, workers: int, on_done: OnDone
) -> None:
    """Run ``files`` as tasks on ``scheduler`` ("local" or an address); ``on_done`` per client.

    ``workers`` is the number of worker processes of a local cluster (an
    existing cluster has its own). Errors connecting raise
    :class:`~cxlib.exceptions.RunError`; a client that fails or whose worker
    is lost twice ends as a failed result like in a local batch.
    """
    from distributed import as_completed

    from cxlib.portfolio.storage import database_path

    batch_id = uuid.uuid4().hex
    portfolio_path = database_path(out)
    portfolio = str(portfolio_path.resolve()) if portfolio_path else None
    with ExitStack() as stack:
        client = _connect(scheduler, workers, stack)
        futures = {
            client.submit(
                run_task,
                str(path),
                lang,
                batch_id,
                portfolio,
                key=f"cxwb-{path.stem}-{batch_id}",
                retries=1,
                pure=False,
            ): path
            for path in files
        }
        try:
            for future in as_completed(futures):
                path = futures[future]
                try:
                    output = future.result()
                except Exception as exc:  # worker lost twice, or the task itself broke
                    result = worker_died(path, exc)
                else:
                    result = _stored(output, out, path)
                started = _attempts(client, batch_id)[str(path)]
                if started > 1:
                    result = replace(result, attempts=started)
                future.release()
                on_done(path, result)
        finally:
            client.cancel([f for f in futures if not f.done()])
