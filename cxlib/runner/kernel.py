"""The Jupyter kernel a run executes its notebooks in: always this very Python.

papermill looks up the kernel by name (``python3``); a kernelspec of that name
that a user once installed for another Python (``ipykernel install --user``)
would win and start an interpreter without cxlib. The runs therefore use a
kernel manager that starts ``ipykernel`` with the interpreter running cxlib,
whatever kernelspecs exist.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager, suppress
from pathlib import Path

from jupyter_client.manager import AsyncKernelManager


class ThisPythonKernelManager(AsyncKernelManager):
    """An ``AsyncKernelManager`` whose kernel is ``sys.executable -m ipykernel_launcher``."""

    def format_kernel_cmd(self, extra_arguments: list[str] | None = None) -> list[str]:
        """The command line of the kernel: this interpreter, the connection file, extras."""
        return [
            sys.executable,
            "-m",
            "ipykernel_launcher",
            "-f",
            self.connection_file,
            *(extra_arguments or []),
        ]


#: The kernel logs start-up notices and the interrupt jupyter_client sends at
#: shutdown; neither is the user's business (cell errors come back through papermill).
KERNEL_ARGUMENTS = ("--IPKernelApp.log_level=CRITICAL",)


#: Modules the notebooks need, imported by the kernel while it boots (``exec_lines``),
#: so that a kernel started early does this work while cxwb validates and loads.
PRELOAD = (
    "cxlib.workbook",
    "cxlib.io.overview",
    "cxlib.maturity.view",
    "cxlib.journeys.view",
    "cxlib.kpis.view",
    "cxlib.kpis.analysis",
    "cxlib.survival.view",
    "cxlib.survival.analysis",
    "matplotlib.pyplot",
)


#: Run first in every kernel: a user's error leaves the kernel as a typed record
#: (see :mod:`cxlib.runner.cell_errors`).
ERROR_HANDLER_LINE = "import cxlib.runner.cell_errors as _cxwb; _cxwb.install(); del _cxwb"


def _preload_line(modules: tuple[str, ...]) -> str:
    """One statement importing ``modules`` without leaving names in the user namespace."""
    names = list(modules)
    return f"import importlib as _cxwb; [_cxwb.import_module(m) for m in {names!r}]; del _cxwb"


def startup_line(preload: tuple[str, ...]) -> str:
    """The kernel's start-up statement: the error handler, then the ``preload`` imports."""
    if not preload:
        return ERROR_HANDLER_LINE
    return f"{ERROR_HANDLER_LINE}; {_preload_line(preload)}"


@contextmanager
def started_kernel(
    preload: tuple[str, ...] = PRELOAD, cwd: str | Path | None = None
) -> Iterator[ThisPythonKernelManager]:
    """Start a kernel now and shut it down on exit, whatever happens in between.

    The kernel boots, installs the error handler of
    :mod:`cxlib.runner.cell_errors` and imports ``preload`` in its own process while the
    caller goes on (validating parameters, loading data); hand the manager to
    ``papermill.execute_notebook(..., km=manager)``, which then only connects
    to it. About 2-3 s of a report run overlap this way.
    """
    from jupyter_core.utils import run_sync

    manager = ThisPythonKernelManager(kernel_name="python3")
    arguments = [*KERNEL_ARGUMENTS, f"--IPKernelApp.exec_lines={startup_line(preload)}"]
    run_sync(manager.start_kernel)(extra_arguments=arguments, cwd=str(cwd or Path.cwd()))
    try:
        yield manager
    finally:
        shutdown(manager)


@contextmanager
def started_kernels(
    count: int, preload: tuple[str, ...] = PRELOAD, cwd: str | Path | None = None
) -> Iterator[list[ThisPythonKernelManager]]:
    """``count`` kernels started now (see :func:`started_kernel`), all shut down on exit."""
    with ExitStack() as stack:
        yield [stack.enter_context(started_kernel(preload, cwd)) for _ in range(count)]


def notebook_kernels() -> int:
    """Kernels for one client's run on its own: 2 when this process may use two cores, else 1."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    return 2 if cores >= 2 else 1


def shutdown(manager: ThisPythonKernelManager) -> None:
    """Stop the kernel (politely, then by force); a kernel already gone is fine."""
    from jupyter_core.utils import run_sync

    with suppress(Exception):
        if manager.has_kernel:
            run_sync(manager.shutdown_kernel)(now=True)
