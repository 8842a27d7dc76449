"""Run one client: validate, execute the notebooks with papermill, render the report.

The four analysis notebooks are stitched into one notebook and executed in
ONE kernel (a fresh kernel per notebook would cost about 2.5 s each), then
split again so every executed notebook is stored on its own. Everything is
written into a temporary folder beside the target and moved into place only
on success, so a failed run never replaces the client's last good report.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import hashlib
import json
import logging
import os
import pickle
import platform
import shutil
import sys
import tempfile
import time
import traceback
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from . import __version__
from .exceptions import CXError, RunError
from .kernel import ThisPythonKernelManager, started_kernel
from .loading import ClientData, load_client_data
from .parameters import ClientParameters, find_parameters, load_parameters
from .paths import HANDOFF_FILE, PACKAGE_DIR, notebooks_dir
from .summary import compose

RESULTS_SCHEMA_VERSION = 1
NOTEBOOK_GLOB = "[0-9][0-9]-*.ipynb"
SOURCE_KEY = "cxwb_source"
#: Modules that define the analyses' own CXError subclasses (raised inside the kernel).
ERROR_MODULES = ("kpis", "survival_errors", "maturity", "maturity_catalogue", "journeys")


def user_error_names() -> set[str]:
    """Names of every error type the user can fix: CXError and all its subclasses.

    A cell that raises e.g. ``SurvivalError`` reaches papermill only by name;
    this decides whether the run reports its plain message or an internal error.
    """
    import importlib

    for module in ERROR_MODULES:
        importlib.import_module(f".{module}", __package__)
    names: set[str] = set()
    todo: list[type[CXError]] = [CXError]
    while todo:
        cls = todo.pop()
        names.add(cls.__name__)
        todo.extend(cls.__subclasses__())
    return names


if TYPE_CHECKING:
    import nbformat

log = logging.getLogger("cxlib.run")


def skip_slow_imports() -> None:
    """Keep jsonschema from loading its IRI checker (1.7 s of grammar compiling).

    nbformat (through papermill) imports jsonschema, which eagerly imports the
    optional ``rfc3987_syntax`` package (python-jsonschema/jsonschema#1428);
    notebook schemas never use the IRI formats it checks. Called by the
    command line and the batch workers before anything imports jsonschema;
    it does nothing once jsonschema is loaded.
    """
    if "jsonschema" not in sys.modules:
        sys.modules.setdefault("rfc3987_syntax", None)


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


def stitch(paths: list[Path]) -> nbformat.NotebookNode:
    """One notebook made of all ``paths``; only the first ``parameters`` cell is kept.

    Every cell remembers its source notebook in ``metadata.cxwb_source``.
    """
    import nbformat

    combined = None
    for path in paths:
        nb = nbformat.read(path, as_version=4)
        if combined is None:
            combined = nbformat.v4.new_notebook(metadata=nb.metadata)
        seen_parameters = any("parameters" in c.metadata.get("tags", []) for c in combined.cells)
        for cell in nb.cells:
            if seen_parameters and "parameters" in cell.metadata.get("tags", []):
                continue
            cell.metadata[SOURCE_KEY] = path.name
            combined.cells.append(cell)
    assert combined is not None
    return combined


def split(notebook: nbformat.NotebookNode) -> dict[str, nbformat.NotebookNode]:
    """The executed parts of a stitched notebook, by source notebook name."""
    import nbformat

    parts: dict[str, nbformat.NotebookNode] = {}
    name = None
    for cell in notebook.cells:
        # cells papermill adds (injected parameters) belong to the notebook before them
        name = cell.metadata.get(SOURCE_KEY, name) or "parameters.ipynb"
        if name not in parts:
            parts[name] = nbformat.v4.new_notebook(metadata=notebook.metadata)
        parts[name].cells.append(cell)
    return parts


def _hash_files(digest: hashlib._Hash, label: str, paths: list[Path]) -> None:
    for path in paths:
        digest.update(f"{label}:{path.name}\n".encode())
        digest.update(path.read_bytes())


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
        "seaborn",
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
    """The ``input_hash`` recorded in ``folder/results.json``; None if absent or unreadable."""
    try:
        results = json.loads((folder / "results.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    value = results.get("input_hash") if isinstance(results, dict) else None
    return value if isinstance(value, str) else None


def _read_sections(folder: Path) -> list[dict]:
    return [
        json.loads(path.read_text(encoding="utf-8"))
        for path in sorted((folder / "sections").glob("*.json"))
    ]


def _quality_records(data: ClientData) -> list[dict]:
    from .workbook import to_jsonable

    frame = data.quality_frame()
    return [to_jsonable(row) for row in frame.to_dict(orient="records")]


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


def _execute(
    stitched: nbformat.NotebookNode,
    output: Path,
    parameters: dict,
    kernel: ThisPythonKernelManager,
) -> nbformat.NotebookNode:
    import papermill
    from papermill.exceptions import PapermillExecutionError

    try:
        return papermill.execute_notebook(
            stitched,
            str(output),
            parameters=parameters,
            km=kernel,
            progress_bar=False,
            log_output=False,
            request_save_on_cell_execute=False,
            start_timeout=120,
        )
    except PapermillExecutionError as exc:
        cell = exc.exec_count
        log.error(
            "notebook cell %s failed: %s: %s\n%s",
            cell,
            exc.ename,
            exc.evalue,
            "\n".join(exc.traceback),
        )
        if exc.ename in user_error_names():
            raise RunError(exc.evalue) from None
        raise RunError(
            f"Interner Fehler beim Ausführen der Notebooks ({exc.ename}: {exc.evalue}). "
            "Das ist ein Programmfehler, bitte mit dem Protokoll melden."
        ) from None


def _swap_into_place(tmp: Path, final: Path) -> None:
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


def prepare(params_file: str | Path) -> tuple[ClientParameters, ClientData]:
    """Validate the parameter file and every data file (raises CXError)."""
    params = load_parameters(find_parameters(params_file))
    return params, load_client_data(params)


def run_client(
    params_file: str | Path,
    out_dir: str | Path = "reports",
    lang: str | None = None,
    kernel: ThisPythonKernelManager | None = None,
) -> RunResult:
    """Produce ``out_dir/<client_id>/report.html`` and ``results.json`` for one client.

    ``params_file`` is a parameter file or a client id. Raises
    :class:`~cxlib.exceptions.CXError` with a plain message for anything the
    user can fix; input errors are found before anything is written.

    The notebooks' kernel is started first, so that it boots while the
    parameters are validated and the data loaded; pass ``kernel`` (from
    :func:`cxlib.kernel.started_kernel`) to start it even earlier.
    """
    if kernel is not None:
        return _run_client(params_file, out_dir, lang, kernel)
    with started_kernel() as manager:
        return _run_client(params_file, out_dir, lang, manager)


def _run_client(
    params_file: str | Path,
    out_dir: str | Path,
    lang: str | None,
    kernel: ThisPythonKernelManager,
) -> RunResult:
    import nbformat

    from .portfolio import benchmark_for_run, record_run
    from .report import render_report

    started = time.perf_counter()
    params, data = prepare(params_file)
    language = lang or params.language
    if language not in ("de", "en"):
        raise RunError(f"Unbekannte Sprache „{language}“ (de oder en)")
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
            handoff = tmp / HANDOFF_FILE
            handoff.write_bytes(pickle.dumps((params, data), protocol=pickle.HIGHEST_PROTOCOL))
            paths = notebook_paths()
            stitched = stitch(paths)
            executed = _execute(
                stitched,
                tmp / "workbook.ipynb",
                {
                    "client_id": client_id,
                    "params_file": str(params.source),
                    "lang": language,
                    "output_dir": str(tmp),
                },
                kernel,
            )
            log.info("notebooks executed after %.1f s", time.perf_counter() - started)
            notebooks = tmp / "notebooks"
            notebooks.mkdir()
            for name, part in split(executed).items():
                nbformat.write(part, notebooks / name)
            (tmp / "workbook.ipynb").unlink()
            sections = _read_sections(tmp)
            results = {
                "schema_version": RESULTS_SCHEMA_VERSION,
                "client_id": client_id,
                "lang": language,
                "generated_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                "input_hash": input_hash(params, paths, language),
                "versions": versions(),
                "sections": sections,
                "summary": [s.to_dict() for s in compose(sections, data.quality_frame(), language)],
                "data_quality": _quality_records(data),
            }
            results["benchmark"] = benchmark_for_run(params, results, out)  # never raises
            html = render_report(executed, params, results, language)
            (tmp / "report.html").write_text(html, encoding="utf-8")
            (tmp / "results.json").write_text(
                json.dumps(results, ensure_ascii=False, indent=2, sort_keys=True) + "\n",
                encoding="utf-8",
            )
            shutil.rmtree(tmp / "sections")
            handoff.unlink()
            log.info("report written after %.1f s", time.perf_counter() - started)
    except BaseException as exc:
        (tmp / HANDOFF_FILE).unlink(missing_ok=True)  # client data stays out of the logs
        if not isinstance(exc, CXError):
            with log_path.open("a", encoding="utf-8") as handle:
                handle.write(traceback.format_exc())
        if failed.exists():
            shutil.rmtree(failed, ignore_errors=True)
        os.replace(tmp, failed)
        failed_log = failed / "run.log"
        if isinstance(exc, RunError):
            raise RunError(str(exc).split("\nDetails im Protokoll")[0], failed_log) from None
        if isinstance(exc, CXError):
            raise
        raise RunError(
            f"Interner Fehler ({type(exc).__name__}: {exc}). Das ist ein Programmfehler, "
            "bitte mit dem Protokoll melden.",
            failed_log,
        ) from exc
    _swap_into_place(tmp, final)
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
