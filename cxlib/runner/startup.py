"""The first things a ``cxwb`` process does, kept free of heavy imports.

The command line calls :func:`process_defaults` before anything imports
numpy and :func:`skip_slow_imports` before anything imports jsonschema,
then starts the notebook kernels: forked after the imports they
share with ``cxwb`` (:mod:`cxlib.runner.kernel_fork`), or, where a kernel is a
new interpreter, before pandas and the runner are imported, so that it boots
while the rest loads. The last thing the ``cxwb`` process does is
:func:`quick_finish`.
"""

from __future__ import annotations

import gc
import os
import sys

__all__ = ["PROCESS_DEFAULTS", "process_defaults", "quick_finish", "skip_slow_imports"]

#: Settings read once, when numpy (and its BLAS) is imported, with the values a run wants.
PROCESS_DEFAULTS = {
    # numpy: ordinary memory pages instead of transparent huge pages
    "NUMPY_MADVISE_HUGEPAGE": "0",
    # BLAS (OpenBLAS in numpy's wheels, MKL in some conda builds): one thread
    "OPENBLAS_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
}


def process_defaults() -> None:
    """Set :data:`PROCESS_DEFAULTS` where the user has not set them (before numpy is imported).

    They hold for this process (when numpy is not imported yet) and every
    process it starts (kernels, batch workers); a value the user set wins.

    * Huge pages: on Linux numpy asks for transparent huge pages (2 MB) for
      every array of 4 MB and more. On a virtual machine that hands freed
      memory back to its host, each fresh huge page is then fetched from the
      host: touching 800 MB of new arrays took 1,3-7 s instead of 0,3 s on the
      benchmark machine, and a client with ten million purchases ran 26-34 s
      instead of 21-22 s (README, "Messwerte"). Ordinary pages cost a few per cent
      on machines without that trait.
    * One BLAS thread: a run's processes (cxwb, its kernels, a batch's workers)
      already keep every core busy, and its matrices are small (a Cox model,
      the key drivers); BLAS threads that wait for work only take turns away
      from the other processes (a demo client: 2-4 % faster with one).
    """
    for name, value in PROCESS_DEFAULTS.items():
        os.environ.setdefault(name, value)


def skip_slow_imports() -> None:
    """Keep jsonschema from loading its IRI checker (1.7 s of grammar compiling).

    nbformat (through papermill) imports jsonschema, which eagerly imports the
    optional ``rfc3987_syntax`` package (python-jsonschema/jsonschema#1428);
    notebook schemas never use the IRI formats it checks. Called by the
    command line and the batch workers before anything imports jsonschema;
    it does nothing once jsonschema is loaded.
    """
    if "jsonschema" not in sys.modules:
        # a None entry makes `import rfc3987_syntax` fail, so jsonschema skips the checker
        sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]


def quick_finish() -> None:
    """Spare the interpreter's last garbage collection when the ``cxwb`` process ends.

    When Python exits, it collects every object still alive once more: after
    a report run (pandas, matplotlib, scipy and ipykernel imported, the run's
    data built) 0.3 s of CPU, on a run of 4 s, spent on memory that the
    operating system takes back anyway. :func:`gc.freeze`
    moves those objects out of the collector's sight; the exit handlers still
    run (logging is flushed, temporary folders removed) and the modules are
    still torn down, only the cycles among them are left to the OS. Called by
    the console script (:func:`cxlib.cli.entry`) after the command is done,
    never in a process that lives on: frozen objects are not collected at all.
    """
    gc.freeze()
