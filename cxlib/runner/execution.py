"""Executing the analysis notebooks with papermill: in one kernel, or in several at once.

The notebooks of one group are stitched into one notebook and executed in one
kernel (a fresh kernel per notebook would cost about 2.5 s each), then split
again so that every executed notebook is stored on its own. The four analyses
do not depend on each other, so a single client's run deals them to two
kernels that work at the same time on two cores (03 and 01 + 02 + 04, which
take about equally long, see :mod:`cxlib.runner.dealing`); a batch, whose
workers already fill the cores, gives each client one kernel.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

from cxlib.exceptions import NotebookError
from cxlib.runner.cell_errors import record_in
from cxlib.runner.dealing import deal
from cxlib.runner.kernel import ThisPythonKernelManager, wait_until_ready
from cxlib.runner.timings import stopwatch

if TYPE_CHECKING:
    import nbformat

#: Key in every stitched cell's metadata naming the notebook it came from.
SOURCE_KEY = "cxwb_source"
log = logging.getLogger("cxlib.runner.run")


def stitch(paths: Sequence[Path]) -> nbformat.NotebookNode:
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
    if combined is None:
        raise ValueError("no notebooks to stitch")
    return combined


def _source(cell: nbformat.NotebookNode, before: str | None) -> str:
    """The name of the notebook a stitched cell came from (``before``: the previous cell's).

    Cells papermill adds (the injected parameters) belong to the notebook before them.
    """
    return cell.metadata.get(SOURCE_KEY, before) or "parameters.ipynb"


def split(notebook: nbformat.NotebookNode) -> dict[str, nbformat.NotebookNode]:
    """The executed parts of a stitched notebook, by source notebook name."""
    import nbformat

    parts: dict[str, nbformat.NotebookNode] = {}
    name = None
    for cell in notebook.cells:
        name = _source(cell, name)
        if name not in parts:
            parts[name] = nbformat.v4.new_notebook(metadata=notebook.metadata)
        parts[name].cells.append(cell)
    return parts


def combine(parts: Mapping[str, nbformat.NotebookNode]) -> nbformat.NotebookNode:
    """One notebook with the cells of ``parts`` in report order (by notebook name)."""
    import nbformat

    names = sorted(parts)
    combined = nbformat.v4.new_notebook(metadata=parts[names[0]].metadata)
    for name in names:
        combined.cells.extend(parts[name].cells)
    return combined


#: What :func:`execute` hands each executed notebook to, by name, as soon as it is done.
Finished = Callable[[dict[str, "nbformat.NotebookNode"]], None]


class _HandOver:
    """papermill's ``on_cell_start`` hook: hands each notebook of a group over when it is done.

    When a cell of the next notebook starts, every cell of the one before has
    been executed and completed (outputs, papermill's timing); the last
    notebook of a group is handed over by :func:`execute` when the group ends.
    Runs in the thread that executes the group.
    """

    def __init__(self, finished: Finished) -> None:
        self.finished = finished
        self.name: str | None = None
        self.cells: list[nbformat.NotebookNode] = []
        #: the names handed over so far
        self.handed: set[str] = set()

    def __call__(self, cell: nbformat.NotebookNode, cell_index: int, **_: object) -> None:
        import nbformat

        name = _source(cell, self.name)
        if self.name is not None and name != self.name:
            self.handed.add(self.name)
            self.finished({self.name: nbformat.v4.new_notebook(cells=self.cells)})
            self.cells = []
        self.name = name
        self.cells.append(cell)


def execute_group(
    stitched: nbformat.NotebookNode,
    output: Path,
    parameters: dict,
    kernel: ThisPythonKernelManager,
    on_cell_start: Callable[..., None] | None = None,
) -> nbformat.NotebookNode:
    """Execute one stitched notebook in ``kernel``.

    First waits until the kernel answers: one that died at start is started
    again, one that cannot be started raises
    :class:`~cxlib.exceptions.KernelStartError` (see
    :func:`cxlib.runner.kernel.wait_until_ready`). A failing cell raises
    :class:`~cxlib.exceptions.NotebookError`: with the user's error record and
    its plain message when the cell raised a CXError (see
    :mod:`cxlib.runner.cell_errors`), else as an internal error.
    ``on_cell_start`` is nbclient's hook of that name (called with ``cell``
    and ``cell_index`` before each cell runs).
    """
    import nbformat
    import papermill
    from papermill.exceptions import PapermillExecutionError

    with stopwatch.phase(f"kernel wait ({output.stem})"):
        wait_until_ready(kernel)
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
            on_cell_start=on_cell_start,
        )
    except PapermillExecutionError as exc:
        log.error(
            "notebook cell %s failed: %s: %s\n%s",
            exc.exec_count,
            exc.ename,
            exc.evalue,
            "\n".join(exc.traceback),
        )
        try:  # papermill has written the executed notebook before raising
            record = record_in(nbformat.read(output, as_version=4))
        except (OSError, ValueError):
            record = None
        if record is not None:
            raise NotebookError(record.message, record) from None
        raise NotebookError(
            f"Interner Fehler beim Ausführen der Notebooks ({exc.ename}: {exc.evalue}). "
            "Das ist ein Programmfehler, bitte mit dem Protokoll melden."
        ) from None
    finally:
        kernel.stop_clients()  # papermill's client keeps its channels open otherwise


#: What :func:`execute_group` is called with: stitched notebook, output, parameters, kernel.
_Job = tuple["nbformat.NotebookNode", Path, dict, ThisPythonKernelManager]


def execute(
    paths: Sequence[Path],
    parameters: dict,
    kernels: Sequence[ThisPythonKernelManager],
    folder: Path,
    finished: Finished | None = None,
) -> dict[str, nbformat.NotebookNode]:
    """Execute the notebooks ``paths``, dealt to ``kernels``; the executed notebooks by name.

    Each group's executed notebook is written to ``folder/workbook-<n>.ipynb``
    (kept when a cell fails, for the log reader). When several groups fail,
    the error of the group with the first notebook is raised. ``finished`` is
    handed each executed notebook (by name, one per call) as soon as its last
    cell is done (the last notebook of a group when the group ends), from the
    thread that runs its group, while later notebooks and other groups still
    run. A notebook handed over early has the cells and outputs of the one
    returned; the notebook's metadata (kernel, papermill's times) come only
    with the latter.
    """
    groups = deal(paths, len(kernels))
    outputs = [folder / f"workbook-{n}.ipynb" for n in range(1, len(groups) + 1)]
    jobs: list[_Job] = [
        (stitch(group), output, parameters, kernel)
        for group, output, kernel in zip(groups, outputs, kernels, strict=False)
    ]

    def run(job: _Job) -> dict[str, nbformat.NotebookNode]:
        if finished is None:
            return split(execute_group(*job))
        hand_over = _HandOver(finished)
        executed = split(execute_group(*job, on_cell_start=hand_over))
        finished({k: v for k, v in executed.items() if k not in hand_over.handed})
        return executed

    if len(jobs) == 1:
        with stopwatch.phase("notebooks (wall)"):
            executed = [run(jobs[0])]
    else:
        with (
            stopwatch.phase("notebooks (wall, kernels at once)"),
            ThreadPoolExecutor(len(jobs), thread_name_prefix="cxwb-kernel") as pool,
        ):
            futures = [pool.submit(run, job) for job in jobs]
            executed = [future.result() for future in futures]
    parts: dict[str, nbformat.NotebookNode] = {}
    for group in executed:
        parts.update(group)
    for output in outputs:
        output.unlink(missing_ok=True)
    return parts
