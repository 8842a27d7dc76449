"""CX workbook: maturity, journey selection, KPI baselines and churn survival for SMEs.

The Python API behind the ``cxwb`` command::

    import cxlib
    params = cxlib.load_parameters("parameters/stadtwerke-lindenau.yaml")
    data = cxlib.load_client_data(params)
    result = cxlib.run_client("stadtwerke-lindenau", out_dir="reports")
    batch = cxlib.run_batch(["parameters"], jobs=2)

The names are imported on first use, so that a notebook kernel importing
``cxlib.workbook`` does not pay for the batch machinery (nbformat, papermill).
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

_EXPORTS = {
    "BatchResult": "runner.batch",
    "run_batch": "runner.batch",
    "CXError": "exceptions",
    "DataError": "exceptions",
    "ParameterError": "exceptions",
    "RunError": "exceptions",
    "ClientData": "io.loading",
    "load_client_data": "io.loading",
    "ClientParameters": "parameters.schema",
    "load_parameters": "parameters.files",
    "RunResult": "runner.run",
    "run_client": "runner.run",
}
__all__ = ["__version__", *sorted(_EXPORTS)]


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(f".{_EXPORTS[name]}", __name__), name)
    raise AttributeError(f"module 'cxlib' has no attribute {name!r}")


def __dir__() -> list[str]:
    return __all__
