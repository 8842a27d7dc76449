"""Client parameter files: the typed schema, loading with line-precise errors, and ``cxwb new``."""

from cxlib.parameters.schema import ClientParameters, load_parameters

__all__ = ["ClientParameters", "load_parameters"]
