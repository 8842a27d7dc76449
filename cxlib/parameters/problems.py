"""Problems of a parameter file with a stable code, for code that must tell them apart.

:class:`~cxlib.exceptions.ParameterError` lists its problems as ``(key,
message)`` pairs with a German message. A :class:`ParameterProblem` is such a
pair that also carries a ``code`` naming the kind of problem in every
language, so callers filter by code, never by message text::

    [p for p in error.problems if getattr(p, "code", None) != UNKNOWN_JOURNEY]

Schema problems carry pydantic's error type as their code (``missing``,
``extra_forbidden``, ``literal_error``, …) or one of the codes below where the
schema raises its own.
"""

from __future__ import annotations

__all__ = ["MISSING_FILE", "UNKNOWN_JOURNEY", "UNKNOWN_PHASE", "ParameterProblem"]

#: A pain point or measure names a journey that is not under workshop.journeys.
UNKNOWN_JOURNEY = "unknown_journey"
#: A journey, the phase map or a pain point names a phase not under workshop.phases.
UNKNOWN_PHASE = "unknown_phase"
#: A data file or the logo named in the parameter file does not exist.
MISSING_FILE = "missing_file"


class ParameterProblem(tuple[str, str]):
    """One ``(key, message)`` problem with a stable ``code`` ("" when it has none).

    Unpacks, compares and prints like the plain pair, so lists of problems
    keep their shape; only code that asks for ``code`` sees it.
    """

    _code: str  # set in __new__ (a tuple's fields cannot carry it)

    def __new__(cls, key: str, message: str, code: str = "") -> ParameterProblem:
        problem = super().__new__(cls, (key, message))
        problem._code = code
        return problem

    @property
    def code(self) -> str:
        """The kind of problem, the same in every language (e.g. ``unknown_journey``)."""
        return self._code

    def __getnewargs__(self) -> tuple[str, str, str]:
        return (self[0], self[1], self._code)
