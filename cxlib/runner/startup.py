"""The first things a ``cxwb`` process does, kept free of heavy imports.

The command line calls :func:`avoid_huge_pages` before anything imports
numpy and :func:`skip_slow_imports` before anything imports jsonschema,
then starts the notebook kernels: forked after the imports they
share with ``cxwb`` (:mod:`cxlib.runner.kernel_fork`), or, where a kernel is a
new interpreter, before pandas and the runner are imported, so that it boots
while the rest loads.
"""

from __future__ import annotations

import os
import sys

__all__ = ["avoid_huge_pages", "skip_slow_imports"]

#: numpy's switch for transparent huge pages, read when numpy is imported.
HUGE_PAGES_VARIABLE = "NUMPY_MADVISE_HUGEPAGE"


def avoid_huge_pages() -> None:
    """Let numpy back its arrays with ordinary memory pages, unless the user chose otherwise.

    On Linux numpy asks for transparent huge pages (2 MB) for every array of
    4 MB and more. On a virtual machine that hands freed memory back to its
    host, each fresh huge page is then fetched from the host: touching
    800 MB of new arrays took 1,3-7 s instead of 0,3 s on the benchmark
    machine, and a client with ten million purchases ran 26-31 s instead
    of 22 s (README, "Speed"). Ordinary pages cost a few per cent on
    machines without that trait. Sets ``NUMPY_MADVISE_HUGEPAGE=0`` where it
    is not set, for this process (when numpy is not imported yet) and the
    processes it starts (kernels, batch workers); ``NUMPY_MADVISE_HUGEPAGE=1``
    keeps numpy's default.
    """
    os.environ.setdefault(HUGE_PAGES_VARIABLE, "0")


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
