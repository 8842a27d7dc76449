"""The shipped demo clients, loaded once per test process (not a test module)."""

from __future__ import annotations

import warnings
from functools import cache
from pathlib import Path

from cxlib.io.loading import ClientData, load_client_data
from cxlib.parameters.files import load_parameters
from cxlib.parameters.schema import ClientParameters

PROJECT = Path(__file__).resolve().parent.parent


@cache
def demo_client(client_id: str) -> tuple[ClientParameters, ClientData]:
    """A shipped demo client's parameters and data, loaded once per test process."""
    params = load_parameters(PROJECT / "parameters" / f"{client_id}.yaml")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        return params, load_client_data(params)
