"""Client parameter files: the typed schema, loading with line-precise errors, and ``cxwb new``."""

from cxlib.parameters.files import load_parameters
from cxlib.parameters.schema import ClientParameters

__all__ = ["ClientParameters", "load_parameters"]
