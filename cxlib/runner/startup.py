"""The first things a ``cxwb`` process does, kept free of heavy imports.

The command line calls :func:`skip_slow_imports` before anything imports
jsonschema, then starts the notebook kernels: forked after the imports they
share with ``cxwb`` (:mod:`cxlib.runner.kernel_fork`), or, where a kernel is a
new interpreter, before pandas and the runner are imported, so that it boots
while the rest loads.
"""

from __future__ import annotations

import sys

__all__ = ["skip_slow_imports"]


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
