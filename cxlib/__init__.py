"""CX workbook: maturity, journey selection, KPI baselines and churn survival for SMEs.

The Python API behind the ``cxwb`` command::

    import cxlib
    params = cxlib.load_parameters("parameters/stadtwerke-lindenau.yaml")
    data = cxlib.load_client_data(params)
    result = cxlib.run_client("stadtwerke-lindenau", out_dir="reports")
    batch = cxlib.run_batch(["parameters"], jobs=2)
"""

__version__ = "0.1.0"

from .batch import BatchResult, run_batch
from .exceptions import CXError, DataError, ParameterError, RunError
from .loading import ClientData, load_client_data
from .parameters import ClientParameters, load_parameters
from .run import RunResult, run_client

__all__ = [
    "BatchResult",
    "CXError",
    "ClientData",
    "ClientParameters",
    "DataError",
    "ParameterError",
    "RunError",
    "RunResult",
    "__version__",
    "load_client_data",
    "load_parameters",
    "run_batch",
    "run_client",
]
