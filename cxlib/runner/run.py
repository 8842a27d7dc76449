"""Run one client: validate, execute the notebooks with papermill, render the report.

The notebooks run in one or two pre-started kernels (see :mod:`cxlib.runner.execution`).
Everything is written into a temporary folder beside the target and moved into
place only on success, so a failed run never replaces the client's last good
report.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import hashlib
import json
import logging
import os
import platform
import queue
import shutil
import tempfile
import time
import traceback
import warnings
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from cxlib import __version__
from cxlib.exceptions import CXError, CXWarning, NotebookError, ResultsFileError, RunError
from cxlib.io.cutoff import age_fact, data_age, settle_cutoff
from cxlib.io.loading import ClientData, load_client_data
from cxlib.parameters.files import find_parameters, load_parameters
from cxlib.parameters.schema import ClientParameters
from cxlib.report.pdf import pdf_requested
from cxlib.report.summary import compose, quality_facts
from cxlib.resources import HANDOFF_FILE, PACKAGE_DIR, notebooks_dir
from cxlib.runner.execution import execute
from cxlib.runner.handoff import FAILED_FILE, FAMILY_FILE, write_data, write_failure, write_family
from cxlib.runner.kernel import (
    ThisPythonKernelManager,
    dealt_preloads,
    notebook_kernels,
    shutdown,
    started_kernels,
)
from cxlib.runner.results import SCHEMA_VERSION as RESULTS_SCHEMA_VERSION
from cxlib.runner.results import (
    ClientResults,
    FactRecord,
    QualityRow,
    SectionRecord,
    TestsRecord,
    read_results,
    write_results,
)
from cxlib.runner.startup import (
    skip_slow_imports as skip_slow_imports,  # its callers import it here
)
from cxlib.runner.timings import notebook_seconds, stopwatch

NOTEBOOK_GLOB = "[0-9][0-9]-*.ipynb"
#: Above this many data rows a client's notebooks run in one kernel even when
#: more were started: every kernel holds its own copy of the client's data.
PARALLEL_ROW_LIMIT = 1_000_000

if TYPE_CHECKING:
    import nbformat
    import pandas as pd

    from cxlib.report.testing import TestFamily

log = logging.getLogger("cxlib.runner.run")


@dataclass(frozen=True)
class RunResult:
    """The outcome of one client's run."""

    client_id: str
    status: Literal["ok", "failed", "unchanged"]
    seconds: float
    report: Path | None = None
    message: str | None = None
    log: Path | None = None
    #: How often the run was started (2 when a batch worker died and it was retried).
    attempts: int = 1

    @property
    def ok(self) -> bool:
        """True when the client has a current report (written now, or inputs unchanged)."""
        return self.status in ("ok", "unchanged")


def notebook_paths() -> list[Path]:
    """The numbered analysis notebooks, in report order."""
    paths = sorted(notebooks_dir().glob(NOTEBOOK_GLOB))
    if not paths:
        raise RunError(f"Keine Notebooks gefunden in {notebooks_dir()}")
    return paths


#: Bytes read at a time when hashing a file (a 500-MB export is never held in memory at once).
_HASH_BLOCK = 1 << 20


def _hash_files(digest: hashlib._Hash, label: str, paths: list[Path]) -> None:
    for path in paths:
        digest.update(f"{label}:{path.name}\n".encode())
        with path.open("rb") as handle:
            while block := handle.read(_HASH_BLOCK):
                digest.update(block)


def input_hash(params: ClientParameters, notebooks: list[Path], lang: str | None = None) -> str:
    """sha256 over everything a run's result depends on.

    Parameter file, data files, logo, notebooks, the report language (``lang``,
    default the file's), cxlib's own source and templates and the versions of
    the libraries that shape the results: if this hash is unchanged, the run's
    results are unchanged. Reads the files once, parses nothing (about 15 ms
    for a few MB of data).
    """
    digest = hashlib.sha256()
    digest.update(f"lang:{lang or params.language}\n".encode())
    digest.update(_versions_text().encode())
    assert params.source is not None
    _hash_files(digest, "params", [params.source])
    for name, path in sorted(params.data_paths().items()):
        _hash_files(digest, f"data.{name}", [path])
    if params.branding.logo:
        _hash_files(digest, "logo", [params.resolve(params.branding.logo)])
    if params.analysis.maturity.questionnaire:
        _hash_files(
            digest, "questionnaire", [params.resolve(params.analysis.maturity.questionnaire)]
        )
    _hash_files(digest, "notebook", notebooks)
    library = sorted(
        p
        for p in PACKAGE_DIR.rglob("*")
        if p.is_file() and p.suffix in {".py", ".yaml", ".j2", ".css", ".json", ".csv"}
    )
    digest.update(f"cxlib {__version__}\n".encode())
    for path in library:
        digest.update(str(path.relative_to(PACKAGE_DIR)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def versions() -> dict[str, str]:
    """Versions of Python and the libraries that shape the results."""
    from importlib.metadata import version

    out = {"cxlib": __version__, "python": platform.python_version()}
    for package in (
        "pandas",
        "numpy",
        "statsmodels",
        "matplotlib",
        "papermill",
        "nbconvert",
    ):
        out[package] = version(package)
    return out


@functools.cache
def _versions_text() -> str:
    """:func:`versions` as text, read once per process (importlib.metadata takes ~30 ms)."""
    return json.dumps(versions(), sort_keys=True)


def stored_input_hash(folder: Path) -> str | None:
    """The ``input_hash`` recorded in ``folder/results.json``; None if absent or invalid."""
    try:
        return read_results(folder).input_hash
    except ResultsFileError:
        return None


def _read_sections(folder: Path) -> tuple[SectionRecord, ...]:
    """The section records the notebooks wrote (``sections/NN-<id>.json``), in report order."""
    return tuple(
        SectionRecord.model_validate_json(path.read_bytes())
        for path in sorted((folder / "sections").glob("*.json"))
    )


def _quality_rows(frame: pd.DataFrame) -> tuple[QualityRow, ...]:
    from cxlib.workbook import to_jsonable

    return tuple(
        QualityRow.model_validate(to_jsonable(row)) for row in frame.to_dict(orient="records")
    )


@contextlib.contextmanager
def _run_log(path: Path) -> Iterator[None]:
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    try:
        yield
    finally:
        log.removeHandler(handler)
        handler.close()


def swap_into_place(tmp: Path, final: Path) -> None:
    """Replace ``final`` by ``tmp``; the old folder is removed only afterwards."""
    old = None
    if final.exists():
        old = final.with_name(f".{final.name}.old-{os.getpid()}")
        if old.exists():
            shutil.rmtree(old)
        os.replace(final, old)
    os.replace(tmp, final)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def _print_pdf(folder: Path, lang: str) -> None:
    """``report.pdf`` beside ``report.html``; a missing engine is a warning, never a failure."""
    from cxlib.report.pdf import write_pdf

    started = time.perf_counter()
    outcome = write_pdf(folder / "report.html", folder / "report.pdf", lang)
    if outcome.ok:
        log.info("PDF printed in %.1f s", time.perf_counter() - started)
    else:
        log.warning("%s", outcome.reason)
        warnings.warn(str(outcome.reason), CXWarning, stacklevel=2)


def prepare(params_file: str | Path) -> tuple[ClientParameters, ClientData]:
    """Validate the parameter file and every data file (raises CXError).

    Without ``analysis.data_cutoff`` the cut-off becomes the last date in the data
    (:func:`cxlib.io.cutoff.settle_cutoff`).
    """
    with stopwatch.phase("validation (parameters)"):
        params = load_parameters(find_parameters(params_file))
    with stopwatch.phase("load (data files)"):
        data = load_client_data(params)
    return settle_cutoff(params, data), data


def run_client(
    params_file: str | Path,
    out_dir: str | Path = "reports",
    lang: str | None = None,
    kernels: Sequence[ThisPythonKernelManager] | None = None,
    parallel: int | None = None,
) -> RunResult:
    """Produce ``out_dir/<client_id>/report.html`` and ``results.json`` for one client.

    ``params_file`` is a parameter file or a client id. Raises
    :class:`~cxlib.exceptions.CXError` with a plain message for anything the
    user can fix; input errors are found before anything is written.

    The notebooks run in ``parallel`` kernels at once (default
    :func:`cxlib.runner.kernel.notebook_kernels`: two on a machine with two cores;
    a batch passes 1, its workers already fill the cores), and in one kernel
    for a client with more than :data:`PARALLEL_ROW_LIMIT` data rows. The
    kernels are started first, so that they boot while the parameters are
    validated and the data loaded; pass ``kernels`` (from
    :func:`cxlib.runner.kernel.started_kernels`) to start them even earlier.
    The notebooks start as soon as the data are loaded; the report's testing
    family is computed meanwhile and handed to them when it is ready
    (:mod:`cxlib.runner.handoff`). Like the command line, it keeps jsonschema
    from compiling its IRI grammar (:func:`skip_slow_imports`, 1.2 s) when
    jsonschema is not imported yet.
    """
    skip_slow_imports()
    if kernels:
        return _run_client(params_file, out_dir, lang, list(kernels))
    count = parallel or notebook_kernels()
    with started_kernels(count, preloads=dealt_preloads(notebook_paths(), count)) as started:
        return _run_client(params_file, out_dir, lang, started)


def _testing_family(params: ClientParameters, data: ClientData, folder: Path) -> TestFamily:
    """Compute the report's testing family and publish it to the notebooks (or why it failed)."""
    from cxlib.report_tests import report_tests

    try:
        with stopwatch.phase("testing family (while the notebooks start)"):
            tests = report_tests(params, data)
    except BaseException as exc:
        write_failure(folder, f"{type(exc).__name__}: {exc}")
        raise
    write_family(folder, tests, data)
    log.info("%s tests in the report's family", tests.size)
    return tests


def _converted(
    finished: queue.SimpleQueue[dict[str, nbformat.NotebookNode] | None],
    params: ClientParameters,
    lang: str,
) -> dict[str, str]:
    """The report HTML of each notebook, converted as soon as its last cell is done.

    ``finished`` receives the executed notebooks (see
    :func:`~cxlib.runner.execution.execute`) and None when all are done (or
    one failed). While the kernels still run, the notebooks they are done
    with are converted here; afterwards only the last notebook is left.
    """
    from cxlib.report.render import notebook_html, report_language

    words = report_language(params, lang)
    fragments: dict[str, str] = {}
    while (done := finished.get()) is not None:
        for name, notebook in done.items():
            with stopwatch.phase(f"report HTML ({name})"):
                fragments[name] = notebook_html(notebook, words)
    return fragments


def _remove_handoff(folder: Path) -> None:
    """Remove what the notebooks were handed (client data; never part of a report folder)."""
    for name in (HANDOFF_FILE, FAMILY_FILE, FAILED_FILE):
        (folder / name).unlink(missing_ok=True)


def _run_client(
    params_file: str | Path,
    out_dir: str | Path,
    lang: str | None,
    kernels: list[ThisPythonKernelManager],
) -> RunResult:
    with stopwatch.phase("imports (nbformat, papermill)"):
        import nbformat

        # here, not first in the notebooks' thread: importing papermill (requests) adds a
        # warning filter, which a catch_warnings block of this thread could drop again
        import papermill  # noqa: F401

    from cxlib.portfolio.hooks import benchmark_for_run, record_run
    from cxlib.portfolio.records import key_figures
    from cxlib.workbook import to_jsonable

    started = time.perf_counter()
    params, data = prepare(params_file)
    language = lang or params.language
    if language not in ("de", "en"):
        raise RunError(f"Unbekannte Sprache „{language}“ (de oder en)")
    quality = data.quality_frame()
    rows = int(quality["rows_read"].sum())
    if rows > PARALLEL_ROW_LIMIT:  # free the spare kernels' memory now
        for spare in kernels[1:]:
            shutdown(spare)
        kernels = kernels[:1]
    out = Path(out_dir).expanduser().resolve()
    out.mkdir(parents=True, exist_ok=True)
    client_id = params.client.id
    final = out / client_id
    failed = out / f"{client_id}.failed"
    tmp = Path(tempfile.mkdtemp(prefix=f".{client_id}.tmp-", dir=out))
    log_path = tmp / "run.log"
    try:
        with _run_log(log_path):
            log.info("client %s, language %s, parameters %s", client_id, language, params.source)
            how = ", ".join(sorted({k.started_by or "?" for k in kernels}))
            log.info("%s data rows, notebooks in %s kernel(s) (%s)", rows, len(kernels), how)
            write_data(tmp, params, data)
            paths = notebook_paths()
            arguments = {
                "client_id": client_id,
                "params_file": str(params.source),
                "lang": language,
                "output_dir": str(tmp),
            }
            # the notebooks start now and wait for the family where they need it
            finished: queue.SimpleQueue[dict[str, nbformat.NotebookNode] | None]
            finished = queue.SimpleQueue()
            with ThreadPoolExecutor(1, thread_name_prefix="cxwb-notebooks") as pool:
                running = pool.submit(execute, paths, arguments, kernels, tmp, finished.put)
                running.add_done_callback(lambda _: finished.put(None))
                tests = _testing_family(params, data, tmp)
                fragments = _converted(finished, params, language)
                parts = running.result()
            log.info("notebooks executed after %.1f s", time.perf_counter() - started)
            for name, seconds in notebook_seconds(parts).items():
                stopwatch.add(f"notebook {name} (cells)", seconds)
            finishing = time.perf_counter()
            notebooks = tmp / "notebooks"
            notebooks.mkdir()
            for name, part in parts.items():
                nbformat.write(part, notebooks / name)
            sections = _read_sections(tmp)
            age = data_age(params, data)
            stale = age_fact(age)
            report_facts = quality_facts(data.quality).plus([stale] if stale else [])
            results = ClientResults(
                schema_version=RESULTS_SCHEMA_VERSION,
                client_id=client_id,
                lang=language,
                generated_at=dt.datetime.now(dt.UTC).replace(microsecond=0),
                input_hash=input_hash(params, paths, language),
                versions=versions(),
                sections=sections,
                summary=tuple(compose(sections, data.quality, language, age)),
                data_quality=_quality_rows(quality),
                # never raises; the portfolio as it was before this run
                benchmark=benchmark_for_run(params, key_figures(sections), out),
                tests=TestsRecord.model_validate(tests.figures()),
                facts=tuple(
                    FactRecord.model_validate(to_jsonable(record))
                    for record in report_facts.records(language)
                ),
            )
            stopwatch.add("results (sections, summary, portfolio)", time.perf_counter() - finishing)
            with stopwatch.phase("render (report.html)"):
                # imported once the notebooks run (0.14 s): validation, load and family come first
                from cxlib.report.render import joined_html, render_report

                html = render_report(joined_html(fragments), params, results, language)
            (tmp / "report.html").write_text(html, encoding="utf-8")
            if pdf_requested(params.branding.pdf):
                _print_pdf(tmp, language)
            write_results(results, tmp)
            shutil.rmtree(tmp / "sections")
            _remove_handoff(tmp)
            stopwatch.add("client run (validation to report)", time.perf_counter() - started)
            log.info("report written after %.1f s", time.perf_counter() - started)
    except BaseException as exc:
        _remove_handoff(tmp)  # client data stays out of the logs
        if not isinstance(exc, CXError):
            with log_path.open("a", encoding="utf-8") as handle:
                handle.write(traceback.format_exc())
        if failed.exists():
            shutil.rmtree(failed, ignore_errors=True)
        os.replace(tmp, failed)
        failed_log = failed / "run.log"
        if isinstance(exc, NotebookError):
            raise exc.with_log(failed_log) from None
        if isinstance(exc, RunError) and exc.log_path is None:
            raise RunError(str(exc), failed_log) from None
        if isinstance(exc, CXError):
            raise
        raise RunError(
            f"Interner Fehler ({type(exc).__name__}: {exc}). Das ist ein Programmfehler, "
            "bitte mit dem Protokoll melden.",
            failed_log,
        ) from exc
    swap_into_place(tmp, final)
    record_run(params, results, out, final / "run.log")  # never raises
    if failed.exists():
        shutil.rmtree(failed, ignore_errors=True)
    return RunResult(
        client_id,
        "ok",
        time.perf_counter() - started,
        final / "report.html",
        None,
        final / "run.log",
    )
